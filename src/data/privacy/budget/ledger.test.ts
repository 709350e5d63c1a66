/** The privacy-budget ledger: basic composition, exact refusal, append-only storage, tamper evidence. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AisfError } from '../../../errors.js';
import { entryHash, PrivacyLedger } from './ledger.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aisf-ledger-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof AisfError ? error.code : 'not-an-AisfError';
  }
  return undefined;
}

describe('PrivacyLedger', () => {
  it('adds up ε under basic composition and refuses the query that would exceed the budget', () => {
    const ledger = PrivacyLedger.open(join(dir, 'l.db'));
    ledger.setBudget('hmda', { epsilon: 1, delta: 0 });
    ledger.charge('hmda', { epsilon: 0.4, delta: 0 }, 'mean pirat');
    ledger.charge('hmda', { epsilon: 0.4, delta: 0 }, 'count');
    expect(codeOf(() => ledger.charge('hmda', { epsilon: 0.3, delta: 0 }, 'sum'))).toBe(
      'E_PRIVACY_BUDGET',
    );
    // The refused query left no row; a query that fits exactly is still answered.
    expect(ledger.status('hmda').charges).toBe(2);
    ledger.charge('hmda', { epsilon: 0.2, delta: 0 }, 'sum');
    const status = ledger.status('hmda');
    expect(status.spent.epsilon).toBe(1);
    expect(status.remaining.epsilon).toBe(0);
    expect(codeOf(() => ledger.charge('hmda', { epsilon: 1e-9, delta: 0 }, 'x'))).toBe(
      'E_PRIVACY_BUDGET',
    );
    ledger.close();
  });

  it('compares amounts exactly as decimals: 0.1 + 0.1 + 0.1 fits a budget of 0.3', () => {
    const ledger = PrivacyLedger.open(':memory:');
    ledger.setBudget('d', { epsilon: 0.3, delta: 1e-5 });
    for (let i = 0; i < 3; i++) ledger.charge('d', { epsilon: 0.1, delta: 0 }, 'q');
    expect(codeOf(() => ledger.charge('d', { epsilon: 1e-12, delta: 0 }, 'q'))).toBe(
      'E_PRIVACY_BUDGET',
    );
    ledger.close();
  });

  it('counts δ separately: an (ε, δ) query over the δ budget is refused', () => {
    const ledger = PrivacyLedger.open(':memory:');
    ledger.setBudget('d', { epsilon: 10, delta: 1e-6 });
    ledger.charge('d', { epsilon: 1, delta: 6e-7 }, 'gauss');
    expect(codeOf(() => ledger.charge('d', { epsilon: 1, delta: 5e-7 }, 'gauss'))).toBe(
      'E_PRIVACY_BUDGET',
    );
    ledger.charge('d', { epsilon: 1, delta: 4e-7 }, 'gauss');
    ledger.close();
  });

  it('keeps budgets per dataset, persists across opens, and refuses to change a budget', () => {
    const path = join(dir, 'p.db');
    const a = PrivacyLedger.open(path);
    a.setBudget('x', { epsilon: 1, delta: 0 });
    a.setBudget('y', { epsilon: 2, delta: 0 });
    a.charge('x', { epsilon: 1, delta: 0 }, 'q');
    a.close();
    const b = PrivacyLedger.open(path);
    expect(b.status('x').remaining.epsilon).toBe(0);
    expect(b.status('y').remaining.epsilon).toBe(2);
    b.setBudget('x', { epsilon: 1, delta: 0 }); // same budget again: no-op
    expect(codeOf(() => b.setBudget('x', { epsilon: 5, delta: 0 }))).toBe('E_CONFIG');
    expect(codeOf(() => b.charge('z', { epsilon: 0.1, delta: 0 }, 'q'))).toBe('E_CONFIG');
    expect(b.verify()).toEqual({ ok: true, entries: 3 });
    b.close();
  });

  it('is append-only: UPDATE and DELETE are refused by the database', () => {
    const path = join(dir, 'a.db');
    const ledger = PrivacyLedger.open(path);
    ledger.setBudget('x', { epsilon: 1, delta: 0 });
    ledger.charge('x', { epsilon: 0.5, delta: 0 }, 'q');
    ledger.close();
    const raw = new Database(path);
    expect(() => raw.prepare('UPDATE privacy_ledger SET epsilon = 0 WHERE seq = 2').run()).toThrow(
      /append-only/,
    );
    expect(() => raw.prepare('DELETE FROM privacy_ledger WHERE seq = 2').run()).toThrow(
      /append-only/,
    );
    raw.close();
  });

  it('detects an edit made behind its back (triggers dropped) and then refuses every query', () => {
    const path = join(dir, 't.db');
    const ledger = PrivacyLedger.open(path);
    ledger.setBudget('x', { epsilon: 1, delta: 0 });
    ledger.charge('x', { epsilon: 0.9, delta: 0 }, 'q');
    ledger.close();
    const raw = new Database(path);
    raw.exec('DROP TRIGGER privacy_ledger_no_update');
    raw.prepare('UPDATE privacy_ledger SET epsilon = 0.1 WHERE seq = 2').run();
    raw.close();
    const reopened = PrivacyLedger.open(path);
    expect(reopened.verify()).toEqual({ ok: false, brokenAt: 2, reason: 'the row was modified' });
    expect(codeOf(() => reopened.charge('x', { epsilon: 0.5, delta: 0 }, 'q'))).toBe(
      'E_PRIVACY_BUDGET',
    );
    reopened.close();
  });

  it('detects a deleted row', () => {
    const path = join(dir, 'd.db');
    const ledger = PrivacyLedger.open(path);
    ledger.setBudget('x', { epsilon: 1, delta: 0 });
    ledger.charge('x', { epsilon: 0.5, delta: 0 }, 'a');
    ledger.charge('x', { epsilon: 0.5, delta: 0 }, 'b');
    ledger.close();
    const raw = new Database(path);
    raw.exec('DROP TRIGGER privacy_ledger_no_delete');
    raw.prepare('DELETE FROM privacy_ledger WHERE seq = 2').run();
    raw.close();
    const reopened = PrivacyLedger.open(path);
    expect(reopened.verify()).toMatchObject({ ok: false, brokenAt: 2 });
    reopened.close();
  });

  it('chains hashes: each row hashes the previous hash and its own fields', () => {
    const ledger = PrivacyLedger.open(':memory:', { now: () => new Date('2026-01-01T00:00:00Z') });
    ledger.setBudget('x', { epsilon: 1, delta: 0 });
    const entry = ledger.charge('x', { epsilon: 0.25, delta: 0 }, 'q');
    const [first] = ledger.entries();
    expect(entry.prevHash).toBe(first?.hash);
    expect(entry.hash).toBe(entryHash(entry));
    expect(entryHash({ ...entry, epsilon: 0.26 })).not.toBe(entry.hash);
    ledger.close();
  });

  it('rejects negative amounts', () => {
    const ledger = PrivacyLedger.open(':memory:');
    expect(codeOf(() => ledger.setBudget('x', { epsilon: -1, delta: 0 }))).toBe('E_INPUT');
    ledger.setBudget('x', { epsilon: 1, delta: 0 });
    expect(codeOf(() => ledger.charge('x', { epsilon: -0.5, delta: 0 }, 'q'))).toBe('E_INPUT');
    expect(codeOf(() => ledger.charge('x', { epsilon: 0.5, delta: 1 }, 'q'))).toBe('E_INPUT');
    ledger.close();
  });
});
