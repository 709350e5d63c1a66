/**
 * @module The privacy-budget ledger: per dataset, a stored, append-only, hash-chained record of
 * the budget and every (ε, δ) charged against it (SQLite). A query that would exceed the budget
 * is refused with E_PRIVACY_BUDGET before any noise is drawn.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { AisfError } from '../../../errors.js';
import { add, type Rational, rationalFromDecimal } from '../mechanisms/exact.js';

/** An (ε, δ) amount. */
export interface PrivacyAmount {
  epsilon: number;
  delta: number;
}

/** One stored ledger row. */
export interface LedgerEntry {
  seq: number;
  datasetId: string;
  kind: 'budget' | 'charge';
  epsilon: number;
  delta: number;
  /** What was released (query kind, column, mechanism) — never data values. */
  note: string;
  createdAt: string;
  prevHash: string;
  hash: string;
}

/** Budget state of one dataset. */
export interface BudgetStatus {
  datasetId: string;
  budget: PrivacyAmount;
  spent: PrivacyAmount;
  remaining: PrivacyAmount;
  charges: number;
}

const GENESIS = '0'.repeat(64);

const SCHEMA = `
CREATE TABLE IF NOT EXISTS privacy_ledger (
  seq INTEGER PRIMARY KEY,
  dataset_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('budget', 'charge')),
  epsilon REAL NOT NULL,
  delta REAL NOT NULL,
  note TEXT NOT NULL,
  created_at TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS privacy_ledger_dataset ON privacy_ledger (dataset_id);
CREATE TRIGGER IF NOT EXISTS privacy_ledger_no_update BEFORE UPDATE ON privacy_ledger
BEGIN SELECT RAISE(ABORT, 'the privacy ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS privacy_ledger_no_delete BEFORE DELETE ON privacy_ledger
BEGIN SELECT RAISE(ABORT, 'the privacy ledger is append-only'); END;
`;

/**
 * The chain hash of a row: SHA-256 over the previous hash and the row's fields as canonical
 * JSON (numbers print in their shortest round-trip form, so the hash is exact for REAL columns).
 */
export function entryHash(entry: Omit<LedgerEntry, 'hash'>): string {
  const body = JSON.stringify([
    entry.seq,
    entry.datasetId,
    entry.kind,
    entry.epsilon,
    entry.delta,
    entry.note,
    entry.createdAt,
  ]);
  return createHash('sha256').update(`${entry.prevHash}\n${body}`).digest('hex');
}

/** Amounts are compared as the decimals they print as (0.1 + 0.2 = 0.3 exactly). */
function toRational(x: number): Rational {
  return rationalFromDecimal(x);
}

/** a ≤ b for rationals with positive denominators. */
function leq(a: Rational, b: Rational): boolean {
  return a.num * b.den <= b.num * a.den;
}

function checkAmount(amount: PrivacyAmount, what: string): void {
  if (!(amount.epsilon >= 0) || !Number.isFinite(amount.epsilon)) {
    throw new AisfError(
      'E_INPUT',
      `${what} epsilon must be a finite number ≥ 0 (got ${amount.epsilon})`,
    );
  }
  if (!(amount.delta >= 0 && amount.delta < 1)) {
    throw new AisfError('E_INPUT', `${what} delta must be in [0, 1) (got ${amount.delta})`);
  }
}

interface Row {
  seq: number;
  dataset_id: string;
  kind: 'budget' | 'charge';
  epsilon: number;
  delta: number;
  note: string;
  created_at: string;
  prev_hash: string;
  hash: string;
}

function fromRow(row: Row): LedgerEntry {
  return {
    seq: row.seq,
    datasetId: row.dataset_id,
    kind: row.kind,
    epsilon: row.epsilon,
    delta: row.delta,
    note: row.note,
    createdAt: row.created_at,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * A privacy-budget ledger stored in one SQLite file. Composition is BASIC composition: the ε's
 * and the δ's of all charges on a dataset add up (Dwork & Roth 2014, Thm 3.16), compared
 * exactly as the decimals they print as (rational arithmetic: three charges of 0.1 fit a budget
 * of 0.3, no float round-off either way). Basic composition is valid for any mix of pure
 * and approximate DP releases; it is loose for many (ε, δ) releases, where an RDP accountant
 * (see accountant/rdp.ts) gives tighter totals — the ledger deliberately stays conservative.
 *
 * @example
 * const ledger = PrivacyLedger.open('ledger.db');
 * ledger.setBudget('hmda', { epsilon: 1, delta: 0 });
 * ledger.charge('hmda', { epsilon: 0.5, delta: 0 }, 'mean pirat');
 * ledger.close();
 */
export class PrivacyLedger {
  readonly #db: Database.Database;
  readonly #now: () => Date;

  private constructor(db: Database.Database, now: () => Date) {
    this.#db = db;
    this.#now = now;
  }

  /** Opens (creating if needed) a ledger file; `:memory:` for tests. */
  static open(path: string, options: { now?: () => Date } = {}): PrivacyLedger {
    let db: Database.Database;
    try {
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
    } catch (cause) {
      throw new AisfError(
        'E_FILE_READ',
        `cannot open the privacy ledger ${path}; check --budget-file points to a writable SQLite file`,
        { cause },
      );
    }
    return new PrivacyLedger(db, options.now ?? (() => new Date()));
  }

  /** Closes the database file. */
  close(): void {
    this.#db.close();
  }

  /** All rows, oldest first. */
  entries(datasetId?: string): LedgerEntry[] {
    const rows = (
      datasetId === undefined
        ? this.#db.prepare('SELECT * FROM privacy_ledger ORDER BY seq').all()
        : this.#db
            .prepare('SELECT * FROM privacy_ledger WHERE dataset_id = ? ORDER BY seq')
            .all(datasetId)
    ) as Row[];
    return rows.map(fromRow);
  }

  /**
   * Re-computes the whole hash chain. A row edited or deleted behind the ledger's back (e.g.
   * after dropping the triggers) breaks the chain at that row.
   */
  verify(): { ok: true; entries: number } | { ok: false; brokenAt: number; reason: string } {
    let prev = GENESIS;
    let expectedSeq = 1;
    for (const entry of this.entries()) {
      if (entry.seq !== expectedSeq) {
        return { ok: false, brokenAt: expectedSeq, reason: 'a row is missing' };
      }
      if (entry.prevHash !== prev) {
        return { ok: false, brokenAt: entry.seq, reason: 'the previous-hash link does not match' };
      }
      if (entryHash(entry) !== entry.hash) {
        return { ok: false, brokenAt: entry.seq, reason: 'the row was modified' };
      }
      prev = entry.hash;
      expectedSeq++;
    }
    return { ok: true, entries: expectedSeq - 1 };
  }

  #assertIntact(): void {
    const check = this.verify();
    if (!check.ok) {
      throw new AisfError(
        'E_PRIVACY_BUDGET',
        `the privacy ledger was tampered with (row ${check.brokenAt}: ${check.reason}); no further queries are answered from it — restore it from a backup`,
      );
    }
  }

  #append(
    datasetId: string,
    kind: 'budget' | 'charge',
    amount: PrivacyAmount,
    note: string,
  ): LedgerEntry {
    const last = this.#db
      .prepare('SELECT seq, hash FROM privacy_ledger ORDER BY seq DESC LIMIT 1')
      .get() as { seq: number; hash: string } | undefined;
    const base = {
      seq: (last?.seq ?? 0) + 1,
      datasetId,
      kind,
      epsilon: amount.epsilon,
      delta: amount.delta,
      note,
      createdAt: this.#now().toISOString(),
      prevHash: last?.hash ?? GENESIS,
    };
    const entry = { ...base, hash: entryHash(base) };
    this.#db
      .prepare(
        'INSERT INTO privacy_ledger (seq, dataset_id, kind, epsilon, delta, note, created_at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        entry.seq,
        datasetId,
        kind,
        entry.epsilon,
        entry.delta,
        note,
        entry.createdAt,
        entry.prevHash,
        entry.hash,
      );
    return entry;
  }

  /** The ids of all datasets with a budget, in the order their budgets were declared. */
  datasets(): string[] {
    const rows = this.#db
      .prepare("SELECT dataset_id FROM privacy_ledger WHERE kind = 'budget' ORDER BY seq")
      .all() as { dataset_id: string }[];
    return rows.map((r) => r.dataset_id);
  }

  /** The budget row of a dataset, if any. */
  budget(datasetId: string): PrivacyAmount | undefined {
    const row = this.#db
      .prepare(
        "SELECT epsilon, delta FROM privacy_ledger WHERE dataset_id = ? AND kind = 'budget' ORDER BY seq LIMIT 1",
      )
      .get(datasetId) as PrivacyAmount | undefined;
    return row ? { epsilon: row.epsilon, delta: row.delta } : undefined;
  }

  /**
   * Declares a dataset's total budget once. Declaring the same budget again is a no-op; a
   * different one is refused (a budget that can be raised is no budget).
   */
  setBudget(datasetId: string, budget: PrivacyAmount): void {
    checkAmount(budget, 'budget');
    const tx = this.#db.transaction(() => {
      this.#assertIntact();
      const existing = this.budget(datasetId);
      if (existing) {
        if (existing.epsilon === budget.epsilon && existing.delta === budget.delta) return;
        throw new AisfError(
          'E_CONFIG',
          `dataset "${datasetId}" already has the budget epsilon=${existing.epsilon}, delta=${existing.delta} in this ledger; a budget cannot be changed (drop --budget-epsilon/--budget-delta or use a new ledger)`,
        );
      }
      this.#append(datasetId, 'budget', budget, 'budget');
    });
    tx.immediate();
  }

  /** Budget, spent and remaining (ε, δ) of a dataset. */
  status(datasetId: string): BudgetStatus {
    const budget = this.budget(datasetId);
    if (!budget) {
      throw new AisfError(
        'E_CONFIG',
        `dataset "${datasetId}" has no budget in this ledger; declare one with --budget-epsilon (and --budget-delta)`,
      );
    }
    const charges = this.entries(datasetId).filter((e) => e.kind === 'charge');
    let eps: Rational = { num: 0n, den: 1n };
    let delta: Rational = { num: 0n, den: 1n };
    for (const c of charges) {
      eps = add(eps, toRational(c.epsilon));
      delta = add(delta, toRational(c.delta));
    }
    const spent = {
      epsilon: Number(eps.num) / Number(eps.den),
      delta: Number(delta.num) / Number(delta.den),
    };
    return {
      datasetId,
      budget,
      spent,
      remaining: {
        epsilon: Math.max(0, budget.epsilon - spent.epsilon),
        delta: Math.max(0, budget.delta - spent.delta),
      },
      charges: charges.length,
    };
  }

  /**
   * Charges (ε, δ) to a dataset, atomically: refuses with E_PRIVACY_BUDGET (nothing appended)
   * when spent + amount would exceed the budget in ε or in δ under basic composition.
   */
  charge(datasetId: string, amount: PrivacyAmount, note: string): LedgerEntry {
    checkAmount(amount, 'query');
    let entry: LedgerEntry | undefined;
    const tx = this.#db.transaction(() => {
      this.#assertIntact();
      const status = this.status(datasetId);
      let eps = toRational(amount.epsilon);
      let delta = toRational(amount.delta);
      for (const c of this.entries(datasetId)) {
        if (c.kind !== 'charge') continue;
        eps = add(eps, toRational(c.epsilon));
        delta = add(delta, toRational(c.delta));
      }
      if (
        !leq(eps, toRational(status.budget.epsilon)) ||
        !leq(delta, toRational(status.budget.delta))
      ) {
        throw new AisfError(
          'E_PRIVACY_BUDGET',
          `refused: this query needs epsilon=${amount.epsilon}, delta=${amount.delta} but dataset "${datasetId}" has only epsilon=${status.remaining.epsilon}, delta=${status.remaining.delta} left of its budget (epsilon=${status.budget.epsilon}, delta=${status.budget.delta}); ask for a smaller epsilon or stop querying this dataset`,
          { details: status },
        );
      }
      entry = this.#append(datasetId, 'charge', amount, note);
    });
    tx.immediate();
    return entry as unknown as LedgerEntry;
  }
}
