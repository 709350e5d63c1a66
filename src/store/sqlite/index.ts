/** @module The embedded store: SQLite via better-sqlite3, by default at `<project>/.aisf/aisf.db`. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AssessmentReport } from '../../assess/assessment.js';
import { AisfError } from '../../errors.js';
import { MIGRATIONS, MIGRATIONS_TABLE } from '../migrations.js';
import {
  type AssessmentStore,
  type AssessmentSummary,
  type CheckHistoryEntry,
  reportRows,
  type StoredEvidence,
} from '../repository.js';

interface SummaryRow {
  id: string;
  project_key: string;
  project_name: string;
  started_at: string;
  finished_at: string;
  capability_level: number;
  ok: number;
  gaps: number;
  tool_version: string;
  catalog_version: string;
  plan_sha256: string;
}

interface EvidenceRow {
  assessment_id: string;
  seq: number;
  kind: 'test' | 'file';
  subject: string;
  sha256: string | null;
  outcome: string;
  created_at: string;
  payload: string;
}

/** A history row from its SQL columns (shared with the PostgreSQL store). */
export const toSummary = (r: SummaryRow): AssessmentSummary => ({
  id: r.id,
  projectKey: r.project_key,
  projectName: r.project_name,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  capabilityLevel: Number(r.capability_level),
  ok: Number(r.ok) === 1,
  gaps: Number(r.gaps),
  toolVersion: r.tool_version,
  catalogVersion: r.catalog_version,
  planSha256: r.plan_sha256,
});

/** An evidence record from its SQL columns (shared with the PostgreSQL store). */
export const toEvidence = (r: EvidenceRow): StoredEvidence => ({
  assessmentId: r.assessment_id,
  seq: Number(r.seq),
  kind: r.kind,
  subject: r.subject,
  sha256: r.sha256,
  outcome: r.outcome,
  createdAt: r.created_at,
  payload: JSON.parse(r.payload) as unknown,
});

const SUMMARY_COLUMNS =
  'id, project_key, project_name, started_at, finished_at, capability_level, ok, gaps, tool_version, catalog_version, plan_sha256';

function wrap<T>(what: string, location: string, fn: () => T): T {
  try {
    return fn();
  } catch (cause) {
    if (cause instanceof AisfError) throw cause;
    throw new AisfError(
      'E_STORE',
      `SQLite store ${location}: ${what} failed: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

/**
 * Opens (creating if needed) a SQLite store. `:memory:` gives a private in-memory database.
 *
 * @example
 * const store = openSqliteStore('examples/credit-hmda/.aisf/aisf.db');
 * await store.migrate();
 */
export function openSqliteStore(file: string): AssessmentStore {
  const location = file;
  const db = wrap('open', location, () => {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const handle = new Database(file);
    // WAL lets a reader (aisf report) run while an assessment writes; busy_timeout waits instead
    // of failing when two aisf processes touch the same project at once.
    handle.pragma('journal_mode = WAL');
    handle.pragma('busy_timeout = 5000');
    handle.pragma('foreign_keys = ON');
    return handle;
  });
  const run = <T>(what: string, fn: () => T) =>
    Promise.resolve().then(() => wrap(what, location, fn));
  return {
    kind: 'sqlite',
    location,
    migrate: () =>
      run('migrate', () => {
        db.exec(MIGRATIONS_TABLE);
        const applied = new Set(
          (
            db.prepare('SELECT version FROM aisf_schema_migrations').all() as { version: number }[]
          ).map((r) => r.version),
        );
        for (const m of MIGRATIONS) {
          if (applied.has(m.version)) continue;
          db.transaction(() => {
            for (const sql of m.sqlite) db.exec(sql);
            db.prepare(
              'INSERT INTO aisf_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
            ).run(m.version, m.name, new Date().toISOString());
          })();
        }
        return Math.max(0, ...MIGRATIONS.map((m) => m.version));
      }),
    saveAssessment: (projectKey: string, report: AssessmentReport) =>
      run('save', () => {
        const rows = reportRows(projectKey, report);
        const a = rows.assessment;
        db.transaction(() => {
          db.prepare(
            `INSERT INTO aisf_assessments (${SUMMARY_COLUMNS}, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(
            a.id,
            a.projectKey,
            a.projectName,
            a.startedAt,
            a.finishedAt,
            a.capabilityLevel,
            a.ok ? 1 : 0,
            a.gaps,
            a.toolVersion,
            a.catalogVersion,
            a.planSha256,
            a.report,
          );
          const check = db.prepare(
            'INSERT INTO aisf_check_results (assessment_id, check_id, kind, status, score) VALUES (?, ?, ?, ?, ?)',
          );
          for (const c of rows.checks) check.run(a.id, c.checkId, c.kind, c.status, c.score);
          const ev = db.prepare(
            'INSERT INTO aisf_evidence (assessment_id, seq, kind, subject, sha256, outcome, created_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          );
          for (const e of rows.evidence) {
            ev.run(a.id, e.seq, e.kind, e.subject, e.sha256, e.outcome, e.createdAt, e.payload);
          }
        })();
      }),
    getAssessment: (id: string) =>
      run('read', () => {
        const row = db.prepare('SELECT report FROM aisf_assessments WHERE id = ?').get(id) as
          | { report: string }
          | undefined;
        return row ? (JSON.parse(row.report) as AssessmentReport) : undefined;
      }),
    latestAssessment: (projectKey: string, before?: string) =>
      run('read', () => {
        const row = (
          before
            ? db
                .prepare(
                  'SELECT report FROM aisf_assessments WHERE project_key = ? AND started_at < ? ORDER BY started_at DESC, id DESC LIMIT 1',
                )
                .get(projectKey, before)
            : db
                .prepare(
                  'SELECT report FROM aisf_assessments WHERE project_key = ? ORDER BY started_at DESC, id DESC LIMIT 1',
                )
                .get(projectKey)
        ) as { report: string } | undefined;
        return row ? (JSON.parse(row.report) as AssessmentReport) : undefined;
      }),
    listAssessments: (projectKey?: string, limit = 50) =>
      run('read', () => {
        const rows = (
          projectKey === undefined
            ? db
                .prepare(
                  `SELECT ${SUMMARY_COLUMNS} FROM aisf_assessments ORDER BY started_at DESC, id DESC LIMIT ?`,
                )
                .all(limit)
            : db
                .prepare(
                  `SELECT ${SUMMARY_COLUMNS} FROM aisf_assessments WHERE project_key = ? ORDER BY started_at DESC, id DESC LIMIT ?`,
                )
                .all(projectKey, limit)
        ) as SummaryRow[];
        return rows.map(toSummary);
      }),
    listEvidence: (assessmentId: string) =>
      run('read', () =>
        (
          db
            .prepare('SELECT * FROM aisf_evidence WHERE assessment_id = ? ORDER BY seq')
            .all(assessmentId) as EvidenceRow[]
        ).map(toEvidence),
      ),
    findEvidenceBySha256: (sha256: string) =>
      run('read', () =>
        (
          db
            .prepare(
              'SELECT * FROM aisf_evidence WHERE sha256 = ? ORDER BY created_at, assessment_id, seq',
            )
            .all(sha256) as EvidenceRow[]
        ).map(toEvidence),
      ),
    checkHistory: (projectKey: string, checkId: string) =>
      run('read', () =>
        (
          db
            .prepare(
              `SELECT a.id AS assessment_id, a.started_at, c.status, c.score
               FROM aisf_check_results c JOIN aisf_assessments a ON a.id = c.assessment_id
               WHERE a.project_key = ? AND c.check_id = ? ORDER BY a.started_at, a.id`,
            )
            .all(projectKey, checkId) as {
            assessment_id: string;
            started_at: string;
            status: string;
            score: number | null;
          }[]
        ).map(
          (r): CheckHistoryEntry => ({
            assessmentId: r.assessment_id,
            startedAt: r.started_at,
            status: r.status,
            score: r.score === null ? null : Number(r.score),
          }),
        ),
      ),
    close: () => run('close', () => void db.close()),
  };
}
