/**
 * @module The shared store: PostgreSQL via `pg`, chosen when AISF_DATABASE_URL is set. An
 * optional schema isolates an installation (or a test run) inside one database.
 */
import pg from 'pg';
import type { AssessmentReport } from '../../assess/assessment.js';
import { AisfError } from '../../errors.js';
import { MIGRATIONS, MIGRATIONS_TABLE } from '../migrations.js';
import { type AssessmentStore, type CheckHistoryEntry, reportRows } from '../repository.js';
import { toEvidence, toSummary } from '../sqlite/index.js';

/** A PostgreSQL identifier we accept for a schema (lowercase, no quoting needed). */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Where the server is, without user or password (safe for messages). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** Options for the PostgreSQL store. */
export interface PostgresStoreOptions {
  /** Schema to keep the tables in (created if missing). @default the server's search_path */
  schema?: string;
  /** Pool size; an assessment needs one connection. @default 4 */
  max?: number;
}

const SUMMARY_COLUMNS =
  'id, project_key, project_name, started_at, finished_at, capability_level, ok, gaps, tool_version, catalog_version, plan_sha256';

// An arbitrary fixed key: concurrent `aisf assess` runs must not migrate the schema twice.
const MIGRATION_LOCK = 0x41495346; // "AISF"

/**
 * Opens a PostgreSQL store (lazily: the first query connects).
 *
 * @example
 * const store = openPostgresStore(process.env.AISF_DATABASE_URL!, { schema: 'aisf' });
 * await store.migrate();
 */
export function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): AssessmentStore {
  const where = describeUrl(url);
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new AisfError(
      'E_CONFIG',
      `PostgreSQL schema "${options.schema}" is not a plain lowercase identifier; use letters, digits and _`,
    );
  }
  const schema = options.schema;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 4,
    connectionTimeoutMillis: 10_000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const location = `postgres://${where}${schema ? ` (schema ${schema})` : ''}`;
  const fail = (what: string, cause: unknown): never => {
    const code = (cause as { code?: string }).code;
    const message = cause instanceof Error ? cause.message : String(cause);
    const connect = ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', '28P01', '28000', '3D000'].includes(
      code ?? '',
    );
    throw new AisfError(
      'E_STORE',
      connect
        ? `cannot connect to PostgreSQL at ${where} (AISF_DATABASE_URL): ${message}; fix the URL or unset it to use the embedded SQLite store`
        : `PostgreSQL store ${location}: ${what} failed: ${message}`,
      { cause },
    );
  };
  const query = async <R extends pg.QueryResultRow>(
    what: string,
    sql: string,
    params: unknown[] = [],
  ) => {
    try {
      return await pool.query<R>(sql, params);
    } catch (cause) {
      return fail(what, cause);
    }
  };
  const transaction = async (what: string, body: (client: pg.PoolClient) => Promise<void>) => {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (cause) {
      return fail(what, cause);
    }
    try {
      await client.query('BEGIN');
      await body(client);
      await client.query('COMMIT');
    } catch (cause) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (cause instanceof AisfError) throw cause;
      fail(what, cause);
    } finally {
      client.release();
    }
  };
  return {
    kind: 'postgres',
    location,
    async migrate() {
      if (schema) await query('create schema', `CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await transaction('migrate', async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await client.query(MIGRATIONS_TABLE);
        const { rows } = await client.query<{ version: number }>(
          'SELECT version FROM aisf_schema_migrations',
        );
        const applied = new Set(rows.map((r) => Number(r.version)));
        for (const m of MIGRATIONS) {
          if (applied.has(m.version)) continue;
          for (const sql of m.postgres) await client.query(sql);
          await client.query(
            'INSERT INTO aisf_schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
            [m.version, m.name, new Date().toISOString()],
          );
        }
      });
      return Math.max(0, ...MIGRATIONS.map((m) => m.version));
    },
    async saveAssessment(projectKey: string, report: AssessmentReport) {
      const rows = reportRows(projectKey, report);
      const a = rows.assessment;
      await transaction('save', async (client) => {
        await client.query(
          `INSERT INTO aisf_assessments (${SUMMARY_COLUMNS}, report) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          [
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
          ],
        );
        for (const c of rows.checks) {
          await client.query(
            'INSERT INTO aisf_check_results (assessment_id, check_id, kind, status, score) VALUES ($1, $2, $3, $4, $5)',
            [a.id, c.checkId, c.kind, c.status, c.score],
          );
        }
        for (const e of rows.evidence) {
          await client.query(
            'INSERT INTO aisf_evidence (assessment_id, seq, kind, subject, sha256, outcome, created_at, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
            [a.id, e.seq, e.kind, e.subject, e.sha256, e.outcome, e.createdAt, e.payload],
          );
        }
      });
    },
    async getAssessment(id: string) {
      const { rows } = await query<{ report: string }>(
        'read',
        'SELECT report FROM aisf_assessments WHERE id = $1',
        [id],
      );
      return rows[0] ? (JSON.parse(rows[0].report) as AssessmentReport) : undefined;
    },
    async latestAssessment(projectKey: string, before?: string) {
      const { rows } = before
        ? await query<{ report: string }>(
            'read',
            'SELECT report FROM aisf_assessments WHERE project_key = $1 AND started_at < $2 ORDER BY started_at DESC, id DESC LIMIT 1',
            [projectKey, before],
          )
        : await query<{ report: string }>(
            'read',
            'SELECT report FROM aisf_assessments WHERE project_key = $1 ORDER BY started_at DESC, id DESC LIMIT 1',
            [projectKey],
          );
      return rows[0] ? (JSON.parse(rows[0].report) as AssessmentReport) : undefined;
    },
    async listAssessments(projectKey?: string, limit = 50) {
      const { rows } =
        projectKey === undefined
          ? await query(
              'read',
              `SELECT ${SUMMARY_COLUMNS} FROM aisf_assessments ORDER BY started_at DESC, id DESC LIMIT $1`,
              [limit],
            )
          : await query(
              'read',
              `SELECT ${SUMMARY_COLUMNS} FROM aisf_assessments WHERE project_key = $1 ORDER BY started_at DESC, id DESC LIMIT $2`,
              [projectKey, limit],
            );
      return rows.map((r) => toSummary(r as Parameters<typeof toSummary>[0]));
    },
    async listEvidence(assessmentId: string) {
      const { rows } = await query(
        'read',
        'SELECT * FROM aisf_evidence WHERE assessment_id = $1 ORDER BY seq',
        [assessmentId],
      );
      return rows.map((r) => toEvidence(r as Parameters<typeof toEvidence>[0]));
    },
    async findEvidenceBySha256(sha256: string) {
      const { rows } = await query(
        'read',
        'SELECT * FROM aisf_evidence WHERE sha256 = $1 ORDER BY created_at, assessment_id, seq',
        [sha256],
      );
      return rows.map((r) => toEvidence(r as Parameters<typeof toEvidence>[0]));
    },
    async checkHistory(projectKey: string, checkId: string) {
      const { rows } = await query<{
        assessment_id: string;
        started_at: string;
        status: string;
        score: number | null;
      }>(
        'read',
        `SELECT a.id AS assessment_id, a.started_at, c.status, c.score
         FROM aisf_check_results c JOIN aisf_assessments a ON a.id = c.assessment_id
         WHERE a.project_key = $1 AND c.check_id = $2 ORDER BY a.started_at, a.id`,
        [projectKey, checkId],
      );
      return rows.map(
        (r): CheckHistoryEntry => ({
          assessmentId: r.assessment_id,
          startedAt: r.started_at,
          status: r.status,
          score: r.score === null ? null : Number(r.score),
        }),
      );
    },
    async close() {
      await pool.end();
    },
  };
}
