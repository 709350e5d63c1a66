/**
 * @module Schema migrations, one ordered list for both dialects. Each migration runs once, in a
 * transaction, and is recorded in `aisf_schema_migrations`; never edit a released migration,
 * add a new one. Timestamps are ISO-8601 UTC text in both dialects: they sort correctly and read
 * the same everywhere.
 */

/** One migration: its version, a name, and the statements for each dialect. */
export interface Migration {
  version: number;
  name: string;
  sqlite: readonly string[];
  postgres: readonly string[];
}

const common = (real: string) => [
  `CREATE TABLE aisf_assessments (
    id TEXT PRIMARY KEY,
    project_key TEXT NOT NULL,
    project_name TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    capability_level INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    gaps INTEGER NOT NULL,
    tool_version TEXT NOT NULL,
    catalog_version TEXT NOT NULL,
    plan_sha256 TEXT NOT NULL,
    report TEXT NOT NULL
  )`,
  'CREATE INDEX aisf_assessments_project ON aisf_assessments (project_key, started_at)',
  `CREATE TABLE aisf_check_results (
    assessment_id TEXT NOT NULL REFERENCES aisf_assessments (id) ON DELETE CASCADE,
    check_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    score ${real},
    PRIMARY KEY (assessment_id, check_id)
  )`,
  'CREATE INDEX aisf_check_results_check ON aisf_check_results (check_id)',
  `CREATE TABLE aisf_evidence (
    assessment_id TEXT NOT NULL REFERENCES aisf_assessments (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    sha256 TEXT,
    outcome TEXT NOT NULL,
    created_at TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (assessment_id, seq)
  )`,
  'CREATE INDEX aisf_evidence_sha256 ON aisf_evidence (sha256)',
];

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'assessments, check results, evidence',
    sqlite: common('REAL'),
    postgres: common('DOUBLE PRECISION'),
  },
];

/** The table that records applied migrations (same DDL in both dialects). */
export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS aisf_schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;
