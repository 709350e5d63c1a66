/**
 * SARIF 2.1.0 structure as GitHub code scanning requires it (docs.github.com "SARIF support for
 * code scanning": version, runs[].tool.driver.name, results[].message.text, ruleId, locations with
 * artifactLocation.uri and region.startLine ≥ 1, rules with unique ids, `security-severity` as a
 * number string).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toSarif } from './sarif.js';
import { scanPaths } from './scan.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const LEVELS = new Set(['none', 'note', 'warning', 'error']);

describe('SARIF output', () => {
  it('has every field GitHub code scanning requires', async () => {
    const report = await scanPaths(
      [
        join(FIXTURES, 'malicious', 'p0-os-system.pkl'),
        join(FIXTURES, 'benign', 'model.safetensors'),
        join(FIXTURES, 'error', 'truncated.npy'),
        join(FIXTURES, 'malicious', 'zip-nested-payload.zip'),
      ],
      {},
    );
    const sarif = JSON.parse(JSON.stringify(toSarif(report, '0.1.0')));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    expect(sarif.runs).toHaveLength(1);
    const run = sarif.runs[0];
    expect(typeof run.tool.driver.name).toBe('string');
    const ruleIds: string[] = run.tool.driver.rules.map((r: { id: string }) => r.id);
    expect(new Set(ruleIds).size).toBe(ruleIds.length);
    for (const rule of run.tool.driver.rules) {
      expect(typeof rule.shortDescription.text).toBe('string');
      expect(LEVELS.has(rule.defaultConfiguration.level)).toBe(true);
      const sev = Number(rule.properties['security-severity']);
      expect(sev).toBeGreaterThanOrEqual(0);
      expect(sev).toBeLessThanOrEqual(10);
    }
    expect(run.results.length).toBeGreaterThan(0);
    for (const result of run.results) {
      expect(typeof result.message.text).toBe('string');
      expect(result.message.text.length).toBeGreaterThan(0);
      expect(ruleIds[result.ruleIndex]).toBe(result.ruleId);
      expect(LEVELS.has(result.level)).toBe(true);
      expect(result.locations.length).toBeGreaterThan(0);
      for (const loc of result.locations) {
        expect(typeof loc.physicalLocation.artifactLocation.uri).toBe('string');
        expect(loc.physicalLocation.artifactLocation.uri).not.toMatch(/\s/);
        expect(loc.physicalLocation.region.startLine).toBeGreaterThanOrEqual(1);
      }
    }
    // critical finding → error level; the truncated file shows up as an incomplete-scan error
    expect(
      run.results.some(
        (r: { ruleId: string; level: string }) =>
          r.ruleId === 'scan.pickle.import-denied' && r.level === 'error',
      ),
    ).toBe(true);
    expect(run.results.some((r: { ruleId: string }) => r.ruleId === 'scan.incomplete')).toBe(true);
    expect(run.invocations[0].executionSuccessful).toBe(false);
    for (const a of run.artifacts) {
      if (a.hashes) expect(a.hashes['sha-256']).toMatch(/^[0-9a-f]{64}$/);
    }
    // members of archives appear as logical locations
    expect(
      run.results.some(
        (r: { locations: { logicalLocations?: { fullyQualifiedName: string }[] }[] }) =>
          r.locations[0]?.logicalLocations?.[0]?.fullyQualifiedName === 'inner.zip!/data.pkl',
      ),
    ).toBe(true);
  });
});
