/**
 * The store conformance suite (as hono's router `common.case.test.ts`): one set of behaviours,
 * run against SQLite always and against PostgreSQL when AISF_TEST_DATABASE_URL is set (in a
 * schema unique to this run, dropped afterwards).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { AssessmentReport } from '../assess/assessment.js';
import { openStore, SQLITE_RELATIVE_PATH } from './index.js';
import { openPostgresStore } from './postgres/index.js';
import type { AssessmentStore } from './repository.js';
import { openSqliteStore } from './sqlite/index.js';

/** A minimal report with the fields the store reads; ids and times chosen by the test. */
function report(
  id: string,
  startedAt: string,
  level: number,
  status: 'passed' | 'failed',
): AssessmentReport {
  return {
    schema: 'aisf.assessment/1',
    id,
    startedAt,
    finishedAt: startedAt,
    lang: 'en',
    tool: { name: 'aisf', version: '0.1.0', catalogVersion: '1.0.0' },
    project: { name: 'demo', planSha256: 'p'.repeat(64) },
    verdict: { ok: status === 'passed', reasons: [] },
    capabilityLevel: level,
    checks: [
      {
        id: 'capability.architecture.compliance-assessment',
        kind: 'capability',
        status,
        score: status === 'passed' ? 1 : 0,
      },
      { id: 'guideline.6-1-a', kind: 'guideline', status: 'not-applicable', score: null },
    ],
    evidence: [
      {
        kind: 'test',
        testId: 'test.fake.metric',
        modelSha256: 'a'.repeat(64),
        verdict: status,
        startedAt,
      },
      {
        kind: 'file',
        checkId: 'capability.architecture.compliance-assessment',
        file: 'e.md',
        actualSha256: 'b'.repeat(64),
        state: 'valid',
      },
    ],
    gaps: status === 'passed' ? [] : [{ kind: 'level', ref: 'x' }],
  } as unknown as AssessmentReport;
}

function conformance(name: string, open: () => Promise<AssessmentStore>) {
  describe(`store conformance: ${name}`, () => {
    it('migrates idempotently', async () => {
      const store = await open();
      try {
        expect(await store.migrate()).toBe(1);
        expect(await store.migrate()).toBe(1);
      } finally {
        await store.close();
      }
    });

    it('saves, reads back and lists assessments newest first', async () => {
      const store = await open();
      try {
        await store.migrate();
        const first = report('r1', '2026-01-01T00:00:00.000Z', 1, 'failed');
        const second = report('r2', '2026-02-01T00:00:00.000Z', 2, 'passed');
        await store.saveAssessment('demo', first);
        await store.saveAssessment('demo', second);
        await store.saveAssessment('other', report('r3', '2026-03-01T00:00:00.000Z', 0, 'failed'));
        expect(await store.getAssessment('r1')).toEqual(first);
        expect(await store.getAssessment('nope')).toBeUndefined();
        expect((await store.latestAssessment('demo'))?.id).toBe('r2');
        expect((await store.latestAssessment('demo', '2026-02-01T00:00:00.000Z'))?.id).toBe('r1');
        expect(await store.latestAssessment('missing')).toBeUndefined();
        const list = await store.listAssessments('demo');
        expect(list.map((s) => [s.id, s.capabilityLevel, s.ok, s.gaps])).toEqual([
          ['r2', 2, true, 0],
          ['r1', 1, false, 1],
        ]);
        expect((await store.listAssessments()).map((s) => s.id)).toEqual(['r3', 'r2', 'r1']);
        expect((await store.listAssessments(undefined, 1)).map((s) => s.id)).toEqual(['r3']);
      } finally {
        await store.close();
      }
    });

    it('keeps evidence records, findable by hash', async () => {
      const store = await open();
      try {
        await store.migrate();
        await store.saveAssessment('demo', report('e1', '2026-01-01T00:00:00.000Z', 1, 'passed'));
        await store.saveAssessment('demo', report('e2', '2026-01-02T00:00:00.000Z', 1, 'failed'));
        const evidence = await store.listEvidence('e1');
        expect(evidence.map((e) => [e.seq, e.kind, e.subject, e.outcome])).toEqual([
          [0, 'test', 'test.fake.metric', 'passed'],
          [1, 'file', 'capability.architecture.compliance-assessment', 'valid'],
        ]);
        expect((evidence[0]?.payload as { testId: string } | undefined)?.testId).toBe(
          'test.fake.metric',
        );
        const byModel = await store.findEvidenceBySha256('a'.repeat(64));
        expect(byModel.map((e) => [e.assessmentId, e.outcome])).toEqual([
          ['e1', 'passed'],
          ['e2', 'failed'],
        ]);
      } finally {
        await store.close();
      }
    });

    it('gives a check its history across assessments', async () => {
      const store = await open();
      try {
        await store.migrate();
        await store.saveAssessment('demo', report('h1', '2026-01-01T00:00:00.000Z', 0, 'failed'));
        await store.saveAssessment('demo', report('h2', '2026-01-05T00:00:00.000Z', 1, 'passed'));
        const history = await store.checkHistory(
          'demo',
          'capability.architecture.compliance-assessment',
        );
        expect(history.map((h) => [h.assessmentId, h.status, h.score])).toEqual([
          ['h1', 'failed', 0],
          ['h2', 'passed', 1],
        ]);
        const na = await store.checkHistory('demo', 'guideline.6-1-a');
        expect(na.map((h) => h.score)).toEqual([null, null]);
      } finally {
        await store.close();
      }
    });

    it('rejects a duplicate assessment id and leaves no partial rows', async () => {
      const store = await open();
      try {
        await store.migrate();
        await store.saveAssessment('demo', report('d1', '2026-01-01T00:00:00.000Z', 1, 'passed'));
        await expect(
          store.saveAssessment('demo', report('d1', '2026-01-02T00:00:00.000Z', 2, 'failed')),
        ).rejects.toMatchObject({ code: 'E_STORE' });
        expect((await store.listAssessments('demo')).length).toBe(1);
        expect((await store.listEvidence('d1')).map((e) => e.outcome)).toEqual(['passed', 'valid']);
      } finally {
        await store.close();
      }
    });
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

conformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisf-store-'));
  dirs.push(dir);
  return openSqliteStore(join(dir, 'aisf.db'));
});

const PG_URL = process.env.AISF_TEST_DATABASE_URL;
if (PG_URL) {
  // One schema per run (and per store opened), dropped at the end: parallel runs never collide.
  const schemas: string[] = [];
  afterAll(async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });
  conformance('postgres', async () => {
    const schema = `aisf_test_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    return openPostgresStore(PG_URL, { schema });
  });
} else {
  describe('store conformance: postgres', () => {
    it.skip('skipped: set AISF_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it', () => {});
  });
}

describe('openStore', () => {
  it('defaults to SQLite at <project>/.aisf/aisf.db', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisf-proj-'));
    dirs.push(dir);
    const store = await openStore(dir, {});
    expect(store.kind).toBe('sqlite');
    expect(store.location).toBe(join(dir, SQLITE_RELATIVE_PATH));
    await store.close();
  });

  it('rejects a non-postgres AISF_DATABASE_URL with the fix', async () => {
    await expect(openStore('.', { AISF_DATABASE_URL: 'mysql://x' })).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringMatching(/unset it to use the embedded SQLite store/),
    });
  });

  it('names the server but not the password when PostgreSQL is unreachable', async () => {
    const error = await openStore('.', {
      AISF_DATABASE_URL: 'postgres://u:s3cret@127.0.0.1:1/db',
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_STORE' });
    expect((error as Error).message).toMatch(/127\.0\.0\.1:1\/db/);
    expect((error as Error).message).not.toMatch(/s3cret/);
  });
});
