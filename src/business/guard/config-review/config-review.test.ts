import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { guardConfigReview } from './index.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

describe('test.business.guard-config-review', () => {
  it('the example config enables every applicable mechanism except alert webhooks', async () => {
    const result = await guardConfigReview.run(
      { config: 'examples/guard/guard.yaml' },
      { cwd: ROOT },
    );
    expect(result.status).toBe('completed');
    // 2 routes × 8 mechanisms − 3 n/a (model: labeling; chat: redundancy, circuit breaker) = 13.
    expect(result.findings.map((f) => f.id)).toEqual([
      'guard-review.missing.monitoring',
      'guard-review.missing.monitoring',
    ]);
    expect(result.metrics.coverage).toBeCloseTo(11 / 13, 10);
  });

  it('a bare proxy is reported with high-severity gaps; a broken file is an error, not a pass', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisf-review-'));
    try {
      writeFileSync(
        join(dir, 'g.yaml'),
        'routes:\n  - { path: /c, kind: chat, upstreams: [{ name: a, url: "http://127.0.0.1:1/x" }] }\n',
      );
      const bare = await guardConfigReview.run({ config: 'g.yaml' }, { cwd: dir });
      expect(bare.metrics['mechanisms.missing']).toBe(6);
      expect(bare.findings.filter((f) => f.severity === 'high').map((f) => f.id)).toEqual([
        'guard-review.missing.access-control',
        'guard-review.missing.pii-guardrail',
        'guard-review.missing.labeling',
        'guard-review.missing.audit-log',
      ]);
      writeFileSync(join(dir, 'bad.yaml'), 'routes: 3\n');
      const bad = await guardConfigReview.run({ config: 'bad.yaml' }, { cwd: dir });
      expect(bad.status).toBe('error');
      expect(bad.reason).toMatch(/routes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
