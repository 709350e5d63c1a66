/** `aisf dp …` in-process (runCli): every bad input exits 2 with the field and the fix. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from '../main.js';

const HMDA = 'examples/credit-hmda/hmda.csv';

async function run(command: string) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(command.split(' '), {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: {},
    isTTY: false,
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

describe('aisf dp bad input', () => {
  it.each([
    [
      `dp query --data ${HMDA} --query mean --column pirat --bounds 0,3 --epsilon=-0.5`,
      /--epsilon must be a number > 0/,
    ],
    [
      `dp query --data ${HMDA} --query mean --column pirat --bounds 0,3 --epsilon abc`,
      /--epsilon must be a number > 0.*got "abc"/,
    ],
    [
      `dp query --data ${HMDA} --query mean --column pirat --bounds 3,0 --epsilon 0.5`,
      /--bounds are reversed or empty: lower 3 must be < upper 0/,
    ],
    [
      `dp query --data ${HMDA} --query mean --column pirat --bounds 2,2 --epsilon 0.5`,
      /--bounds are reversed or empty/,
    ],
    [
      `dp query --data ${HMDA} --query mean --column pirat --bounds 0 --epsilon 0.5`,
      /--bounds must be "lower,upper"/,
    ],
    [
      `dp query --data ${HMDA} --query sum --column pirat --epsilon 0.5`,
      /missing --bounds; e.g. --bounds 0,500000/,
    ],
    [
      `dp query --data ${HMDA} --query mean --column deny --bounds 0,1 --epsilon 0.5`,
      /E_DATA_INVALID: .*column "deny" is not numeric: data row 1/,
    ],
    [
      `dp query --data ${HMDA} --query mean --column income --bounds 0,1 --epsilon 0.5`,
      /--column: no column "income".*columns are: deny, pirat/,
    ],
    [`dp query --data nope.csv --query count --epsilon 0.5`, /E_FILE_NOT_FOUND: no such data file/],
    [`dp query --data ${HMDA} --query mean --epsilon 0.5`, /missing --column/],
    [
      `dp query --data ${HMDA} --query median --column pirat --epsilon 0.5`,
      /--query must be one of count, sum, mean, histogram, quantile/,
    ],
    [
      `dp query --data ${HMDA} --query quantile --column pirat --bounds 0,1 --quantile 1.5 --epsilon 0.5`,
      /--quantile must be in \[0, 1\]/,
    ],
    [
      `dp query --data ${HMDA} --query histogram --column pirat --bounds 0,1 --bins 0 --epsilon 0.5`,
      /--bins must be an integer from 1 to 100000/,
    ],
    [
      `dp epsilon --sampling-rate 0 --noise-multiplier 1 --steps 10 --delta 1e-5`,
      /--sampling-rate must be a sampling rate in \(0, 1\]/,
    ],
    [
      `dp epsilon --sampling-rate 1.5 --noise-multiplier 1 --steps 10 --delta 1e-5`,
      /--sampling-rate must be a sampling rate in \(0, 1\]/,
    ],
    [
      `dp epsilon --sampling-rate 0.1 --noise-multiplier 1 --steps 10 --delta 1`,
      /--delta must be in \(0, 1\)/,
    ],
    [
      `dp epsilon --sampling-rate 0.1 --noise-multiplier=-1 --steps 10 --delta 1e-5`,
      /--noise-multiplier must be a number ≥ 0/,
    ],
    [
      `dp epsilon --sampling-rate 0.1 --noise-multiplier 1 --steps 2.5 --delta 1e-5`,
      /--steps must be a non-negative integer/,
    ],
    [`dp epsilon --sampling-rate 0.1 --steps 10 --delta 1e-5`, /missing --noise-multiplier/],
    [
      `dp epsilon --sampling-rate 0.1 --noise-multiplier 1 --steps 10 --delta 1e-5 --orders foo`,
      /--orders must be one of dp-accounting, opacus, tf-privacy/,
    ],
    [
      `dp noise --sampling-rate 0.1 --steps 10 --delta 1e-5 --target-epsilon=-1`,
      /--target-epsilon must be a number > 0/,
    ],
    [
      `dp noise --sampling-rate 0.1 --steps 10 --delta 1.5 --target-epsilon 1`,
      /--delta must be in \(0, 1\)/,
    ],
    [
      `dp noise --sampling-rate 1 --steps 1 --delta 1e-12 --target-epsilon 1e-9`,
      /no noise multiplier ≤ 1000000 reaches epsilon/,
    ],
  ])('%s', async (command, message) => {
    const r = await run(command);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('--format json prints the error as JSON too', async () => {
    const r = await run(
      'dp epsilon --sampling-rate 2 --noise-multiplier 1 --steps 10 --delta 1e-5 --format json',
    );
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('E_INPUT');
  });
});

describe('aisf dp budget', () => {
  it('reports spent and remaining per dataset, and exits 1 once the hash chain is broken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisf-dp-budget-'));
    try {
      const ledger = join(dir, 'l.db');
      const q = `dp query --data ${HMDA} --query count --epsilon 0.25 --budget-file ${ledger} --dataset-id hmda --seed t`;
      expect((await run(`${q} --budget-epsilon 1`)).code).toBe(0);
      expect((await run(q)).code).toBe(0);
      const ok = await run(`dp budget --budget-file ${ledger} --format json`);
      expect(ok.code).toBe(0);
      const report = JSON.parse(ok.stdout);
      expect(report.integrity).toEqual({ ok: true, entries: 3 });
      expect(report.datasets[0]).toMatchObject({
        datasetId: 'hmda',
        spent: { epsilon: 0.5 },
        remaining: { epsilon: 0.5 },
        charges: 2,
      });
      const raw = new Database(ledger);
      raw.exec('DROP TRIGGER privacy_ledger_no_update');
      raw.prepare('UPDATE privacy_ledger SET epsilon = 0 WHERE seq = 3').run();
      raw.close();
      const broken = await run(`dp budget --budget-file ${ledger} --format json`);
      expect(broken.code).toBe(1);
      expect(JSON.parse(broken.stdout).integrity).toEqual({
        ok: false,
        brokenAt: 3,
        reason: 'the row was modified',
      });
      const refused = await run(q);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(
        /E_PRIVACY_BUDGET: the privacy ledger was tampered with \(row 3/,
      );
      expect((await run(`dp budget --budget-file ${join(dir, 'none.db')}`)).stderr).toMatch(
        /no ledger at/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
