/**
 * End to end: `aisf test fairness` and `aisf mitigate fairness` through the CLI (in-process
 * `runCli`, and the real binary bin/aisf.js → dist/ for the HMDA walkthrough), on Fairlearn's
 * published 18-sample fixture, the HMDA example and malformed inputs (exit 2 with a code naming
 * the column and the fix).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { F1 } from '../../src/algorithm/fairness/fixtures/fairlearn-f1.js';
import { runCli } from '../../src/cli/main.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/aisf.js', import.meta.url));
const HMDA = join(ROOT, 'examples/credit-hmda/hmda.csv');
const FEATURES = 'pirat,hirat,lvrat,chist,mhist,phist,unemp,selfemp,insurance,condomin,hschool';
const dir = mkdtempSync(join(tmpdir(), 'aisf-fair-e2e-'));

/** In-process CLI run (fast: the shared machine makes each process start cost seconds). */
async function aisf(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: { LANG: 'C.UTF-8' },
    isTTY: false,
    cwd: dir,
  });
  return { code, stdout, stderr };
}

/** The real binary, as a user runs it. */
function aisfBin(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8' },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function csv(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

// Fairlearn fixture F1 (docs/user_guide/assessment), with a second feature for intersections.
const { y: Y, p: P, sf: SF } = F1;
/** `aisf test fairness` on f1.csv with its label and prediction columns. */
const F1_CLI = ['test', 'fairness', '--data', 'f1.csv', '--label', 'y_true', '--pred', 'y_pred'];

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/main.js')))
    throw new Error('dist/ is missing: run `npm run build` first');
  csv(
    'f1.csv',
    `y_true,y_pred,sf,half\n${Y.map((y, i) => `${y},${P[i]},${SF[i]},${i < 9 ? 'u' : 'v'}`).join('\n')}\n`,
  );
});

describe('aisf test fairness', () => {
  it('reproduces Fairlearn’s published F1 values in the JSON shape of the issue', async () => {
    const r = await aisf([
      ...F1_CLI,
      '--sensitive',
      'sf',
      '--privileged',
      'sf=b',
      '--format',
      'json',
      '--bootstrap',
      '200',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.metrics.demographicParityDifference).toBeCloseTo(0.25, 12);
    expect(out.metrics.demographicParityRatio).toBeCloseTo(2 / 3, 12);
    expect(out.metrics.equalizedOddsDifference).toBeCloseTo(1, 12);
    expect(out.metrics.equalizedOddsRatio).toBeCloseTo(0, 12);
    const a = out.groups.find((g: { value: string }) => g.value === 'a');
    expect(a).toMatchObject({
      feature: 'sf',
      value: 'a',
      n: 4,
      selectionRate: 0.75,
      tpr: 0.5,
      fpr: 1,
    });
    expect(out.conventions.metric.statisticalParityDifference).toBe('aif360');
    expect(out.byGrouping.sf.bootstrap.replicates).toBe(200);
    expect(out.smallGroups.length).toBe(3);
  });
  it('reports intersections and undefined metrics with reasons (never 0)', async () => {
    const r = await aisf([
      ...F1_CLI,
      '--sensitive',
      'sf,half',
      '--intersectional',
      '--format',
      'json',
      '--bootstrap',
      '0',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.metricsFrom).toBe('sf & half');
    expect(out.groups.some((g: { feature: string }) => g.feature === 'sf & half')).toBe(true);
    // a & u holds only positives (rows 3, 9): its FPR, hence equalized odds, is undefined
    expect(out.metrics.equalizedOddsDifference).toBeNull();
    expect(out.undefined.equalizedOddsDifference).toMatch(
      /undefined for sf=a, half=[uv]: no actual (positives|negatives)/,
    );
  });
  it('exits 1 when --fail-above is reached', async () => {
    const r = await aisf([
      ...F1_CLI,
      '--sensitive',
      'sf',
      '--fail-above',
      'demographicParityDifference=0.2',
      '--format',
      'table',
      '--bootstrap',
      '0',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL demographicParityDifference = 0.2500/);
  });
  it.each([
    [
      'a missing column',
      'y_true,y_pred,g\n1,1,a\n',
      ['--label', 'truth'],
      'E_INPUT',
      /column "truth" \(--label\) is not in/,
    ],
    [
      'non-binary labels',
      'y_true,y_pred,g\n1,1,a\n2,0,b\n',
      [],
      'E_DATA_INVALID',
      /"y_true" has the non-binary label "2".*--pos-label/,
    ],
    [
      'mismatched row length',
      'y_true,y_pred,g\n1,1,a\n0,1\n',
      [],
      'E_DATA_INVALID',
      /row has 2 fields but the header has 3/,
    ],
    ['an empty file', '', [], 'E_DATA_INVALID', /empty/],
  ])('rejects %s with exit 2', async (_, text, extra, code, message) => {
    csv('bad.csv', text);
    const args = [
      'test',
      'fairness',
      '--data',
      'bad.csv',
      '--label',
      'y_true',
      '--pred',
      'y_pred',
      '--sensitive',
      'g',
      ...extra,
    ];
    const r = await aisf(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(code);
    expect(r.stderr).toMatch(message);
  });
  it('rejects a missing file and a bad --privileged', async () => {
    expect(
      (
        await aisf([
          'test',
          'fairness',
          '--data',
          'none.csv',
          '--label',
          'y',
          '--pred',
          'p',
          '--sensitive',
          'g',
        ])
      ).stderr,
    ).toContain('E_FILE_NOT_FOUND');
    const r = await aisf([...F1_CLI, '--sensitive', 'sf', '--privileged', 'sex=m']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--privileged names "sex", which is not a --sensitive feature/);
  });
});

describe('aisf mitigate fairness on HMDA', () => {
  it('trains the baseline with the real binary, writes predictions, and test fairness reads them', async () => {
    const r = aisfBin([
      'mitigate',
      'fairness',
      '--method',
      'baseline',
      '--data',
      HMDA,
      '--label',
      'deny',
      '--pos-label',
      'yes',
      '--sensitive',
      'afam',
      '--privileged',
      'afam=no',
      '--features',
      FEATURES,
      '--out',
      'preds.csv',
      '--spec',
      'model.json',
      '--format',
      'json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.rows).toEqual({ train: 1666, test: 714 });
    expect(readFileSync(join(dir, 'preds.csv'), 'utf8').split('\n')[0]).toBe(
      'y_true,y_pred,score,afam,split',
    );
    const t = await aisf([
      'test',
      'fairness',
      '--data',
      'preds.csv',
      '--label',
      'y_true',
      '--pred',
      'y_pred',
      '--score',
      'score',
      '--sensitive',
      'afam',
      '--privileged',
      'afam=no',
      '--where',
      'split=test',
      '--format',
      'json',
      '--bootstrap',
      '0',
    ]);
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(t.stdout).metrics.statisticalParityDifference).toBeCloseTo(
      out.before.metrics.statisticalParityDifference,
      12,
    );
  });
  it.each(['reweighing', 'di-remover', 'exponentiated-gradient', 'threshold'])(
    '%s reports before/after and writes its artefact',
    async (method) => {
      const r = await aisf([
        'mitigate',
        'fairness',
        '--method',
        method,
        '--data',
        HMDA,
        '--label',
        'deny',
        '--pos-label',
        'yes',
        '--sensitive',
        'afam',
        '--privileged',
        'afam=no',
        '--features',
        FEATURES,
        '--difference-bound',
        '0.02',
        '--out',
        `${method}.csv`,
        '--format',
        'json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.before.metrics.demographicParityDifference).toBeGreaterThan(0);
      expect(out.after.accuracy).toBeGreaterThan(0.5);
      expect(out.written).toEqual([`${method}.csv`]);
      const header = readFileSync(join(dir, `${method}.csv`), 'utf8').split('\n')[0];
      if (method === 'reweighing') expect(header?.endsWith(',weight')).toBe(true);
      // The demographic-parity methods must not make the training-time disparity worse on test rows.
      if (method !== 'threshold')
        expect(out.after.metrics.demographicParityDifference).toBeLessThan(
          out.before.metrics.demographicParityDifference,
        );
    },
  );
  it('reject-option needs --privileged', async () => {
    const r = await aisf([
      'mitigate',
      'fairness',
      '--method',
      'reject-option',
      '--data',
      HMDA,
      '--label',
      'deny',
      '--pos-label',
      'yes',
      '--sensitive',
      'afam',
      '--features',
      FEATURES,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs --privileged/);
  });
});

describe('aisf test fairness --model (ONNX, real binary)', () => {
  const bin = fileURLToPath(new URL('../../bin/aisf.js', import.meta.url));
  const ex = (f: string) =>
    fileURLToPath(new URL(`../../examples/credit-hmda/${f}`, import.meta.url));
  const features = 'pirat,hirat,lvrat,chist,mhist,phist,unemp,selfemp,insurance,condomin,hschool';
  const run = (args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

  // The HMDA model's label and group arguments, shared by the runs below.
  const hmda = ['--label', 'deny', '--pos-label', 'yes', '--sensitive', 'afam'];
  const viaModel = ['--model', ex('model.onnx'), '--data', ex('hmda.csv'), '--features', features];

  it('predicts with the model first and reports the same metrics as its predictions CSV', () => {
    const common = ['--privileged', 'afam=no', '--bootstrap', '0', '--format', 'json'];
    const fromModel = run(['test', 'fairness', ...viaModel, ...hmda, ...common]);
    expect(fromModel.status, fromModel.stderr).toBe(0);
    const fromCsv = run([
      'test',
      'fairness',
      '--data',
      ex('predictions.csv'),
      '--label',
      'y_true',
      '--pred',
      'y_pred',
      '--score',
      'score',
      '--sensitive',
      'afam',
      ...common,
    ]);
    expect(fromCsv.status, fromCsv.stderr).toBe(0);
    const a = JSON.parse(fromModel.stdout) as { metrics: Record<string, number | null> };
    const b = JSON.parse(fromCsv.stdout) as { metrics: Record<string, number | null> };
    for (const name of [
      'demographicParityDifference',
      'equalizedOddsDifference',
      'disparateImpact',
    ]) {
      expect(a.metrics[name], name).toBeCloseTo(b.metrics[name] as number, 12);
    }
  });

  it('post-processes with scores from the model (mitigate --method threshold --model)', () => {
    const r = run([
      'mitigate',
      'fairness',
      '--method',
      'threshold',
      '--constraint',
      'equalized-odds',
      ...viaModel,
      ...hmda,
      '--privileged',
      'afam=no',
      '--format',
      'json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/equalizedOddsDifference/);
    const wrong = run(['mitigate', 'fairness', '--method', 'reweighing', ...viaModel, ...hmda]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/--model gives scores for post-processing/);
  });

  it('refuses --model together with --pred (exit 2)', () => {
    const r = run(['test', 'fairness', ...viaModel, ...hmda, '--pred', 'deny']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--model predicts the labels and scores itself/);
  });
});
