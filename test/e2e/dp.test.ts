/**
 * End to end: `aisf dp epsilon | noise | query` through the real binary (bin/aisf.js → dist/),
 * on the HMDA mortgage data (examples/credit-hmda/hmda.csv, 2380 applications). Accountant
 * numbers are the values published in the upstream tests (sources cited per case).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/aisf.js', import.meta.url));
const HMDA = 'examples/credit-hmda/hmda.csv';

/** `aisf dp epsilon` with sampling rate, noise multiplier, steps and δ. */
function epsilonArgs(q: string, sigma: string, steps: string, delta: string): string[] {
  return [
    'dp',
    'epsilon',
    '--sampling-rate',
    q,
    '--noise-multiplier',
    sigma,
    '--steps',
    steps,
    '--delta',
    delta,
  ];
}

function aisf(args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8' },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function json(args: string[]) {
  const r = aisf([...args, '--format', 'json']);
  expect(r.stderr.replace(/^warning: --seed.*\n/m, '')).not.toMatch(/E_/);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

let dir: string;
beforeAll(() => {
  if (!existsSync(new URL('../../dist/cli/commands/dp.js', import.meta.url))) {
    throw new Error(
      'dist/ is missing: run `npm run build` (npm test does it) before the e2e tests',
    );
  }
  dir = mkdtempSync(join(tmpdir(), 'aisf-dp-e2e-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('aisf dp epsilon', () => {
  it('TF Privacy compute_dp_sgd_privacy_test Test0 (n=60000, batch 150, σ=1.3, 15 epochs): ε = 0.7242234026109595 at order 19', () => {
    const out = json([
      ...epsilonArgs(String(150 / 60000), '1.3', '6000', '1e-5'),
      '--orders',
      'tf-privacy',
    ]);
    expect(Object.keys(out)).toEqual(['epsilon', 'delta', 'order', 'orders']);
    expect(rel(out.epsilon, 0.7242234026109595)).toBeLessThan(1e-9);
    expect(out.order).toBe(19);
    expect(out.delta).toBe(1e-5);
    expect(out.orders).toHaveLength(72);
  });

  it('Opacus accountants_test test_rdp_accountant (σ=1.5, q=0.04, 2250 steps): ε = 7.32911117143', () => {
    const out = json([
      ...epsilonArgs('0.04', '1.5', '2250', '1e-5'),
      '--orders',
      'opacus',
      '--series',
      'opacus',
    ]);
    expect(rel(out.epsilon, 7.32911117143)).toBeLessThan(1e-9);
    expect(out.order).toBe(3.9);
  });

  it('classic conversion gives a larger ε than the improved one', () => {
    const args = [...epsilonArgs('0.04', '1.5', '2250', '1e-5')];
    expect(json([...args, '--conversion', 'classic']).epsilon).toBeGreaterThan(json(args).epsilon);
  });
});

describe('aisf dp noise', () => {
  it('Opacus test_get_noise_multiplier_rdp_steps: σ = 1.3562 (4 places) for ε = 8, δ = 1e-5, q = 0.04, 2000 steps', () => {
    const out = json([
      'dp',
      'noise',
      '--sampling-rate',
      '0.04',
      '--steps',
      '2000',
      '--delta',
      '1e-5',
      '--target-epsilon',
      '8',
      '--orders',
      'opacus',
      '--series',
      'opacus',
    ]);
    expect(Object.keys(out)).toEqual(['noiseMultiplier']);
    expect(Math.abs(out.noiseMultiplier - 1.3562)).toBeLessThan(5e-5);
  });

  it('the σ it prints keeps ε within the target (checked with dp epsilon)', () => {
    const { noiseMultiplier } = json([
      'dp',
      'noise',
      '--sampling-rate',
      '0.01',
      '--steps',
      '1000',
      '--delta',
      '1e-5',
      '--target-epsilon',
      '1',
    ]);
    const { epsilon } = json([...epsilonArgs('0.01', String(noiseMultiplier), '1000', '1e-5')]);
    expect(epsilon).toBeLessThanOrEqual(1);
    expect(epsilon).toBeGreaterThan(0.99);
  });
});

describe('aisf dp query on HMDA', () => {
  it('count, mean, sum, quantile and histograms answer with declared bounds and pure ε-DP', () => {
    const count = json([
      'dp',
      'query',
      '--data',
      HMDA,
      '--query',
      'count',
      '--epsilon',
      '1',
      '--seed',
      'e2e',
    ]);
    expect(Number.isInteger(count.value)).toBe(true);
    expect(Math.abs(count.value - 2380)).toBeLessThan(40); // P(|Lap_Z(1)| ≥ 40) ≈ 2e-17
    expect(count).toMatchObject({
      query: 'count',
      epsilon: 1,
      delta: 0,
      sensitivity: 1,
      rng: 'seeded:e2e',
    });

    // Payment-to-income ratio, clamped to [0, 3]; true mean 0.3308 (pandas on the same file).
    const mean = json([
      'dp',
      'query',
      '--data',
      HMDA,
      '--query',
      'mean',
      '--column',
      'pirat',
      '--bounds',
      '0,3',
      '--epsilon',
      '1',
    ]);
    expect(mean.rng).toBe('crypto');
    expect(mean.value).toBeGreaterThanOrEqual(0);
    expect(mean.value).toBeLessThanOrEqual(3);
    expect(Math.abs(mean.value - 0.3308)).toBeLessThan(0.1);

    const sum = json([
      'dp',
      'query',
      '--data',
      HMDA,
      '--query',
      'sum',
      '--column',
      'pirat',
      '--bounds',
      '0,1',
      '--epsilon',
      '1',
    ]);
    expect(sum.bounds).toEqual([0, 1]);
    expect(Math.abs(sum.value / 2380 - 0.33)).toBeLessThan(0.05);

    const q90 = json([
      'dp',
      'query',
      '--data',
      HMDA,
      '--query',
      'quantile',
      '--quantile',
      '0.9',
      '--column',
      'lvrat',
      '--bounds',
      '0,2',
      '--epsilon',
      '1',
    ]);
    expect(q90.value).toBeGreaterThanOrEqual(0);
    expect(q90.value).toBeLessThanOrEqual(2);

    const deny = json([
      'dp',
      'query',
      '--data',
      HMDA,
      '--query',
      'histogram',
      '--column',
      'deny',
      '--categories',
      'yes,no',
      '--epsilon',
      '1',
    ]);
    expect(deny.value.map((b: { bin: string }) => b.bin)).toEqual(['yes', 'no']);
    const [yes, no] = deny.value.map((b: { count: number }) => b.count);
    expect(Math.abs(yes - 285)).toBeLessThan(40);
    expect(Math.abs(no - 2095)).toBeLessThan(40);

    const hist = json([
      'dp',
      'query',
      '--data',
      HMDA,
      '--query',
      'histogram',
      '--column',
      'pirat',
      '--bounds',
      '0,1',
      '--bins',
      '4',
      '--epsilon',
      '1',
    ]);
    expect(hist.value).toHaveLength(4);
  });

  it('charges the ledger and refuses the query that would exceed the budget (exit 2, E_PRIVACY_BUDGET)', () => {
    const ledger = join(dir, 'ledger.db');
    const base = [
      'dp',
      'query',
      '--data',
      HMDA,
      '--query',
      'mean',
      '--column',
      'pirat',
      '--bounds',
      '0,3',
      '--budget-file',
      ledger,
      '--dataset-id',
      'hmda',
    ];
    const first = json([...base, '--epsilon', '0.6', '--budget-epsilon', '1']);
    expect(first.budget).toMatchObject({
      datasetId: 'hmda',
      budget: { epsilon: 1, delta: 0 },
      spent: { epsilon: 0.6 },
      charges: 1,
    });
    const refused = aisf([...base, '--epsilon', '0.5']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /E_PRIVACY_BUDGET: refused: this query needs epsilon=0\.5, delta=0 but dataset "hmda" has only epsilon=0\.4/,
    );
    expect(refused.stdout).toBe('');
    const fits = json([...base, '--epsilon', '0.4']);
    expect(fits.budget.remaining.epsilon).toBe(0);
    const report = json(['dp', 'budget', '--budget-file', ledger]);
    expect(report.integrity).toEqual({ ok: true, entries: 3 });
    expect(report.datasets[0]).toMatchObject({
      datasetId: 'hmda',
      spent: { epsilon: 1 },
      charges: 2,
    });
    // A changed budget is refused, naming the flags.
    const changed = aisf([...base, '--epsilon', '0.1', '--budget-epsilon', '5']);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/E_CONFIG: .*already has the budget epsilon=1/);
  });

  it('defaults the dataset id to the SHA-256 of the file, and needs a budget the first time', () => {
    const ledger = join(dir, 'ledger2.db');
    const base = [
      'dp',
      'query',
      '--data',
      HMDA,
      '--query',
      'count',
      '--epsilon',
      '0.1',
      '--budget-file',
      ledger,
    ];
    const missing = aisf(base);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /has no budget in this ledger; declare one with --budget-epsilon/,
    );
    const out = json([...base, '--budget-epsilon', '1']);
    expect(out.datasetId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  // The required refusals, through the real binary; the other bad inputs are covered
  // in-process by src/cli/commands/dp.test.ts (each spawn costs a full CLI start-up).
  it.each([
    [
      `dp query --data ${HMDA} --query mean --column pirat --bounds 0,3 --epsilon=-0.5`,
      /E_INPUT: --epsilon must be a number > 0/,
    ],
    [
      `dp epsilon --sampling-rate 1.5 --noise-multiplier 1 --steps 10 --delta 1e-5`,
      /E_INPUT: --sampling-rate must be a sampling rate in \(0, 1\]/,
    ],
    [
      `dp epsilon --sampling-rate 0.1 --noise-multiplier 1 --steps 10 --delta 1`,
      /E_INPUT: --delta must be in \(0, 1\)/,
    ],
    [
      `dp query --data ${HMDA} --query mean --column pirat --bounds 3,0 --epsilon 0.5`,
      /E_INPUT: --bounds are reversed or empty: lower 3 must be < upper 0.*--bounds 0,3/,
    ],
    [
      `dp query --data ${HMDA} --query mean --column deny --bounds 0,1 --epsilon 0.5`,
      /E_DATA_INVALID: .*column "deny" is not numeric: data row 1 is not a number/,
    ],
  ])('bad input exits 2 naming the field and the fix: %s', (command, message) => {
    const r = aisf(command.split(' '));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
