import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openCatalog } from '../../../../catalog/index.js';
import { membershipInferenceTest } from './index.js';

const cwd = fileURLToPath(new URL('../fixtures/', import.meta.url));
const base = { model: 'mlp-overfit.onnx', train: 'train.npz', holdout: 'holdout.npz' };

describe('test.privacy.membership-inference', () => {
  it('links to catalogue items of the right kinds', () => {
    const catalog = openCatalog();
    for (const id of membershipInferenceTest.riskIds) expect(catalog.get(id)?.kind).toBe('risk');
    for (const id of membershipInferenceTest.measureIds)
      expect(catalog.get(id)?.kind).toBe('technical-measure');
    for (const id of membershipInferenceTest.techniqueIds)
      expect(catalog.get(id)?.kind).toBe('technology');
    for (const id of membershipInferenceTest.capabilityIds)
      expect(catalog.get(id)?.kind).toBe('capability');
  });

  it('reports the worst attack’s metrics and a finding above the maximum AUC', async () => {
    const config = membershipInferenceTest.configSchema.parse({
      ...base,
      shadowData: 'shadow.npz',
      attacks: ['loss', 'entropy', 'shadow'],
      shadow: { models: 2, epochs: 3 },
      maximums: { auc: 0.6, advantage: 0.99 },
    });
    const r = await membershipInferenceTest.run(config, { cwd });
    expect(r.status).toBe('completed');
    const m = r.metrics;
    expect(m.auc).toBe(
      Math.max(m['auc@loss'] as number, m['auc@entropy'] as number, m['auc@shadow'] as number),
    );
    expect(m.auc).toBeGreaterThan(0.6);
    expect(m.generalizationGap).toBeGreaterThan(0.2);
    // 400 non-members resolve FPR 1 % but not 0.1 %.
    expect(typeof m.tprAtFpr1pct).toBe('number');
    expect(m.tprAtFpr01pct).toBeNull();
    expect(r.findings.map((f) => f.id)).toEqual(['privacy.membership-above-maximum']);
    expect(r.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.dataSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reports a missing file or array as an error, never as passed', async () => {
    const missing = await membershipInferenceTest.run(
      membershipInferenceTest.configSchema.parse({ ...base, holdout: 'nope.npz' }),
      { cwd },
    );
    expect(missing.status).toBe('error');
    expect(missing.reason).toMatch(/E_FILE_NOT_FOUND: holdout: nope.npz/);
    const noArray = await membershipInferenceTest.run(
      membershipInferenceTest.configSchema.parse({ ...base, x: 'images', attacks: ['loss'] }),
      { cwd },
    );
    expect(noArray.status).toBe('error');
    expect(noArray.reason).toMatch(/no array "images"/);
  });
});
