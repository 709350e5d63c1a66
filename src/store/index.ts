/** @module The assessment store: SQLite by default in the project, PostgreSQL when AISF_DATABASE_URL is set. */
import { join, resolve } from 'node:path';
import { AisfError } from '../errors.js';
import { openPostgresStore } from './postgres/index.js';
import type { AssessmentStore } from './repository.js';
import { openSqliteStore } from './sqlite/index.js';

export { MIGRATIONS, type Migration } from './migrations.js';
export { describeUrl, openPostgresStore, type PostgresStoreOptions } from './postgres/index.js';
export type {
  AssessmentStore,
  AssessmentSummary,
  CheckHistoryEntry,
  StoredEvidence,
} from './repository.js';
export { openSqliteStore } from './sqlite/index.js';

/** The embedded database's place inside a project folder. */
export const SQLITE_RELATIVE_PATH = join('.aisf', 'aisf.db');

/**
 * Opens and migrates the store for a project: PostgreSQL when `AISF_DATABASE_URL` is set (with
 * `AISF_DATABASE_SCHEMA` as the schema, if set), else SQLite at `<projectDir>/.aisf/aisf.db`.
 *
 * @example
 * const store = await openStore('examples/credit-hmda', process.env);
 */
export async function openStore(
  projectDir: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<AssessmentStore> {
  const url = env.AISF_DATABASE_URL;
  let store: AssessmentStore;
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new AisfError(
        'E_CONFIG',
        'AISF_DATABASE_URL must be a postgres:// or postgresql:// URL; unset it to use the embedded SQLite store',
      );
    }
    const schema = env.AISF_DATABASE_SCHEMA;
    store = openPostgresStore(url, schema ? { schema } : {});
  } else {
    store = openSqliteStore(resolve(projectDir, SQLITE_RELATIVE_PATH));
  }
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
