import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serveModelEndpoint } from '../../../../test/helpers/model-endpoint.js';
import { openCatalog } from '../../../catalog/index.js';
import { loadModel } from '../../../engine/index.js';
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

  it('runs against a remote endpoint: the same numbers as the local model; gradients refused', async () => {
    const local = await loadModel(`${cwd}fashion-cnn-trained.onnx`, { threads: 1 });
    const endpoint = await serveModelEndpoint(local, [1, 28, 28]);
    const url = endpoint.url;
    try {
      const common = {
        data: base.data,
        limit: 8,
        attacks: [{ name: 'square', eps: [0.1], maxIter: 10, maxQueries: 11 }],
        corruptions: ['fog'],
        severities: [3],
      };
      process.env.AISF_TEST_ENDPOINT_AUTH = 'Bearer t0ken';
      const remote = await robustnessTest.run(
        robustnessTest.configSchema.parse({
          ...common,
          endpoint: { url, authorizationEnv: 'AISF_TEST_ENDPOINT_AUTH' },
        }),
        { cwd },
      );
      const onnx = await robustnessTest.run(
        robustnessTest.configSchema.parse({ ...common, model: base.model }),
        { cwd },
      );
      expect(remote.status, remote.reason).toBe('completed');
      expect(remote.metrics).toEqual(onnx.metrics);
      expect(endpoint.authorization).toBe('Bearer t0ken');
      expect(remote.modelSha256).toBeUndefined();
      const source = (remote.details as { source: { kind: string; url: string; queries: number } })
        .source;
      expect(source).toMatchObject({ kind: 'endpoint', url });
      expect(source.queries).toBeGreaterThan(8);
      // A white-box attack needs gradients an endpoint cannot give: an error, never a pass.
      const pgd = await robustnessTest.run(
        robustnessTest.configSchema.parse({ data: base.data, limit: 4, endpoint: { url } }),
        { cwd },
      );
      expect(pgd.status).toBe('error');
      expect(pgd.reason).toMatch(/gradient/i);
      delete process.env.AISF_TEST_ENDPOINT_AUTH;
      const noEnv = await robustnessTest.run(
        robustnessTest.configSchema.parse({
          ...common,
          endpoint: { url, authorizationEnv: 'AISF_TEST_ENDPOINT_AUTH' },
        }),
        { cwd },
      );
      expect(noEnv.status).toBe('error');
      expect(noEnv.reason).toMatch(/AISF_TEST_ENDPOINT_AUTH is not set/);
    } finally {
      await endpoint.close();
      await local.release();
    }
  });

  it('needs exactly one of model and endpoint', () => {
    const url = 'http://127.0.0.1:9/predict';
    expect(() => robustnessTest.configSchema.parse({ data: base.data })).toThrow(/exactly one/);
    expect(() => robustnessTest.configSchema.parse({ ...base, endpoint: { url } })).toThrow(
      /exactly one/,
    );
    expect(() =>
      robustnessTest.configSchema.parse({ data: base.data, endpoint: { url: 'x' } }),
    ).toThrow();
  });
});
