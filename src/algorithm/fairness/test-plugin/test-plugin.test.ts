import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCatalog } from '../../../catalog/index.js';
import { F1 } from '../fixtures/fairlearn-f1.js';
import { groupMetrics } from './index.js';

// Fairlearn's 18-sample fixture F1 as a CSV.
const { y, p, sf } = F1;
const dir = mkdtempSync(join(tmpdir(), 'aisf-fair-plugin-'));
writeFileSync(
  join(dir, 'f1.csv'),
  `y,p,sf\n${y.map((v, i) => `${v},${p[i]},${sf[i]}`).join('\n')}\n`,
);

describe('test.fairness.group-metrics', () => {
  it('links to catalogue items of the right kinds', () => {
    const catalog = openCatalog();
    for (const id of groupMetrics.riskIds) expect(catalog.get(id)?.kind).toBe('risk');
    for (const id of groupMetrics.measureIds)
      expect(catalog.get(id)?.kind).toBe('technical-measure');
    for (const id of groupMetrics.techniqueIds) expect(catalog.get(id)?.kind).toBe('technology');
    for (const id of groupMetrics.capabilityIds) expect(catalog.get(id)?.kind).toBe('capability');
  });
  it('reports the published metrics and a finding when a limit is reached', async () => {
    const config = groupMetrics.configSchema.parse({
      data: 'f1.csv',
      label: 'y',
      pred: 'p',
      sensitive: ['sf'],
      limits: { demographicParityDifference: 0.2, equalizedOddsDifference: 1.5 },
    });
    const r = await groupMetrics.run(config, { cwd: dir });
    expect(r.status).toBe('completed');
    expect(r.metrics.demographicParityDifference).toBeCloseTo(0.25, 12);
    expect(r.metrics.equalizedOddsDifference).toBeCloseTo(1.0, 12);
    expect(
      r.findings.filter((f) => f.id === 'fairness.limit-reached').map((f) => f.message),
    ).toEqual([expect.stringMatching(/^demographicParityDifference = 0.2500 ≥ limit 0.2/)]);
    expect(r.findings.some((f) => f.id === 'fairness.small-group')).toBe(true);
    expect(r.dataSha256).toMatch(/^[0-9a-f]{64}$/);
    for (const name of Object.keys(r.metrics)) expect(groupMetrics.metrics).toHaveProperty(name);
  });
  it('filters rows with where', async () => {
    const config = groupMetrics.configSchema.parse({
      data: 'f1.csv',
      label: 'y',
      pred: 'p',
      sensitive: ['sf'],
      where: { column: 'sf', value: 'a' },
    });
    const r = await groupMetrics.run(config, { cwd: dir });
    expect(r.status).toBe('completed');
    expect(r.metrics.demographicParityDifference).toBeNull(); // one group left: undefined, not 0
    expect(r.metrics.accuracy).toBeCloseTo(0.25, 12);
  });
  it('reports a missing column as an error, never as passed', async () => {
    const config = groupMetrics.configSchema.parse({
      data: 'f1.csv',
      label: 'nope',
      pred: 'p',
      sensitive: ['sf'],
    });
    const r = await groupMetrics.run(config, { cwd: dir });
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/E_INPUT: column "nope"/);
  });
});
