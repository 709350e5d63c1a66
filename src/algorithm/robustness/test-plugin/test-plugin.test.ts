import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openCatalog } from '../../../catalog/index.js';
import { robustnessTest } from './index.js';

const cwd = fileURLToPath(new URL('../fixtures/', import.meta.url));
const base = { model: 'fashion-cnn-trained.onnx', data: 'fashion-test-100.npz', limit: 30 };

describe('test.robustness.adversarial', () => {
  it('links to catalogue items of the right kinds', () => {
    const catalog = openCatalog();
    for (const id of robustnessTest.riskIds) expect(catalog.get(id)?.kind).toBe('risk');
    for (const id of robustnessTest.measureIds)
      expect(catalog.get(id)?.kind).toBe('technical-measure');
    for (const id of robustnessTest.techniqueIds) expect(catalog.get(id)?.kind).toBe('technology');
    for (const id of robustnessTest.capabilityIds) expect(catalog.get(id)?.kind).toBe('capability');
  });

  it('reports worst adversarial, mean corruption accuracy and findings below minimums', async () => {
    const config = robustnessTest.configSchema.parse({
      ...base,
      attacks: [
        { name: 'fgsm', eps: [0, 0.1] },
        { name: 'pgd', eps: [0.1], epsStep: 0.03, maxIter: 5 },
      ],
      corruptions: ['contrast'],
      severities: [1, 5],
      minimums: { cleanAccuracy: 0.1, adversarialAccuracy: 0.99 },
    });
    const r = await robustnessTest.run(config, { cwd });
    expect(r.status).toBe('completed');
    const m = r.metrics;
    expect(m['adversarialAccuracy@fgsm:inf:0']).toBe(m.cleanAccuracy);
    const points = ['fgsm:inf:0', 'fgsm:inf:0.1', 'pgd:inf:0.1'].map(
      (k) => m[`adversarialAccuracy@${k}`] as number,
    );
    expect(m.adversarialAccuracy).toBe(Math.min(...points));
    const details = r.details as { corruptions: { accuracy: number }[] };
    expect(m.corruptionAccuracy).toBeCloseTo(
      details.corruptions.reduce((s, c) => s + c.accuracy, 0) / details.corruptions.length,
      12,
    );
    expect(r.findings.map((f) => f.id)).toEqual(['robustness.below-minimum']);
    expect(r.modelSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('runs black-box attacks within their budget and certifies', async () => {
    const config = robustnessTest.configSchema.parse({
      ...base,
      limit: 10,
      attacks: [{ name: 'square', eps: [0.1], maxIter: 20, maxQueries: 12 }],
      certify: { sigma: 0.25, n0: 10, n: 50, radii: [0, 0.25] },
    });
    const r = await robustnessTest.run(config, { cwd });
    expect(r.status).toBe('completed');
    const details = r.details as { attacks: { queries: { max: number } }[] };
    expect(details.attacks[0]?.queries.max).toBeLessThanOrEqual(12);
    expect(typeof r.metrics['adversarialAccuracy@square:inf:0.1']).toBe('number');
    expect(r.metrics['certifiedAccuracy@0.25']).toBeLessThanOrEqual(
      r.metrics['certifiedAccuracy@0'] as number,
    );
  });

  it('reports a missing file or array as an error, never as passed', async () => {
    const missing = await robustnessTest.run(
      robustnessTest.configSchema.parse({ ...base, model: 'nope.onnx' }),
      { cwd },
    );
    expect(missing.status).toBe('error');
    expect(missing.reason).toMatch(/E_FILE_NOT_FOUND/);
    const noArray = await robustnessTest.run(
      robustnessTest.configSchema.parse({ ...base, x: 'images' }),
      { cwd },
    );
    expect(noArray.status).toBe('error');
    expect(noArray.reason).toMatch(/images/);
  });
});
