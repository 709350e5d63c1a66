/**
 * End to end: `aisf test robustness` as a user runs it (the real binary, built into dist/) on the
 * committed Fashion-MNIST CNN trained by aisf and a 100-image test subset.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, readNpy, readNpz } from '../../src/engine/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/aisf.js', import.meta.url));
const F = fileURLToPath(new URL('../../src/algorithm/robustness/fixtures/', import.meta.url));
const MODEL = join(F, 'fashion-cnn-trained.onnx');
const DATA = join(F, 'fashion-test-100.npz');
const dir = mkdtempSync(join(tmpdir(), 'aisf-robust-'));
/** `aisf test robustness` on the committed CNN and its 100 test images. */
const RUN = ['test', 'robustness', '--model', MODEL, '--data', DATA];
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function aisf(args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8' },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Accuracy on the first n samples computed directly with the engine (independent of the runner). */
async function engineAccuracy(n: number): Promise<number> {
  const arrays = readNpz(readFileSync(DATA));
  const x = arrays.get('x');
  const y = arrays.get('y');
  if (!x || !y) throw new Error('fixture lacks x or y');
  const model = await loadModel(MODEL, { threads: 1 });
  const logits = await model.predict({
    data: Float32Array.from((x.data as Uint8Array).subarray(0, n * 784), (v) => v / 255),
    shape: [n, 1, 28, 28],
  });
  await model.release();
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const row = Array.from(logits.data.subarray(i * 10, i * 10 + 10));
    if (row.indexOf(Math.max(...row)) === Number(y.data[i])) ok++;
  }
  return ok / n;
}

beforeAll(() => {
  if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url)))
    throw new Error(
      'dist/ is missing: run `npm run build` (npm test does it) before the e2e tests',
    );
});

describe('aisf test robustness (real binary)', () => {
  it('--parallelism data (default) and intra-op give the same report; a bad value exits 2', () => {
    const args = [...RUN, '--limit', '30', '--attack', 'fgsm,pgd,deepfool', '--eps', '0.1'];
    const more = ['--max-iter', '5', '--batch-size', '7', '--threads', '2', '--format', 'json'];
    const data = aisf([...args, ...more]);
    const intra = aisf([...args, ...more, '--parallelism', 'intra-op']);
    expect(data.code, data.stderr).toBe(0);
    expect(intra.code, intra.stderr).toBe(0);
    const strip = (out: string) => {
      const r = JSON.parse(out) as Record<string, unknown>;
      delete r.durationMs;
      delete r.timing;
      return r;
    };
    // Batches of 7 split 4 + 3 across the two workers, two batches in flight: same numbers.
    expect(strip(data.stdout)).toEqual(strip(intra.stdout));
    const bad = aisf([...args, '--parallelism', 'threads']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--parallelism must be one of data, intra-op/);
  });

  it('--format json: clean accuracy, a robustness curve and corruptions', async () => {
    const r = aisf([
      ...RUN,
      '--limit',
      '40',
      '--attack',
      'fgsm,pgd',
      '--eps',
      '0,0.1',
      '--max-iter',
      '5',
      '--eps-step',
      '0.03',
      '--corruptions',
      'gaussian_noise,fog',
      '--severity',
      '1,5',
      '--format',
      'json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(''); // not a TTY → no progress line
    const report = JSON.parse(r.stdout);
    expect(report.clean.n).toBe(40);
    expect(report.clean.accuracy).toBeCloseTo(await engineAccuracy(40), 12);
    expect(report.attacks.map((a: { name: string; eps: number }) => `${a.name}@${a.eps}`)).toEqual([
      'fgsm@0',
      'fgsm@0.1',
      'pgd@0',
      'pgd@0.1',
    ]);
    const [f0, f1, , p1] = report.attacks;
    expect(f0).toMatchObject({
      norm: 'inf',
      accuracy: report.clean.accuracy,
      successRate: 0,
      meanLinf: 0,
    });
    expect(f1.accuracy).toBeLessThan(report.clean.accuracy);
    expect(f1.meanLinf).toBeLessThanOrEqual(0.1);
    expect(p1.params).toMatchObject({
      preset: 'art',
      epsStep: 0.03,
      maxIter: 5,
      randomStart: false,
    });
    expect(p1.meanLinf).toBeLessThanOrEqual(0.1);
    for (const key of [
      'name',
      'norm',
      'eps',
      'params',
      'accuracy',
      'successRate',
      'meanLinf',
      'meanL2',
    ])
      expect(p1).toHaveProperty(key);
    expect(report.corruptions).toHaveLength(4);
    expect(report.corruptions[0]).toMatchObject({ name: 'gaussian_noise', severity: 1 });
  });

  it('--save-adv writes adversarial examples inside the ε-ball', () => {
    const out = join(dir, 'adv.npy');
    const r = aisf([
      ...RUN,
      '--limit',
      '8',
      '--attack',
      'pgd',
      '--norm',
      '2',
      '--eps',
      '1',
      '--max-iter',
      '3',
      '--eps-step',
      '0.5',
      '--random-start',
      '--save-adv',
      out,
      '--format',
      'table',
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/clean accuracy/);
    const adv = readNpy(readFileSync(out));
    expect(adv.shape).toEqual([8, 1, 28, 28]);
    const x = readNpz(readFileSync(DATA)).get('x');
    for (let s = 0; s < 8; s++) {
      let q = 0;
      for (let i = s * 784; i < (s + 1) * 784; i++) {
        const v = adv.data[i] as number;
        expect(v >= 0 && v <= 1).toBe(true);
        q += (v - Math.fround((x?.data[i] as number) / 255)) ** 2;
      }
      expect(Math.sqrt(q)).toBeLessThanOrEqual(1 + 1e-6);
    }
  });

  it.each([
    [['--eps', 'abc'], /--eps/],
    [['--range', '1,0'], /--range/],
    [['--severity', '7'], /--severity/],
    [['--corruptions', 'snow'], /--corruptions/],
    [['--attack', 'cw'], /--attack/],
    [['--norm', '1'], /--norm/],
    [['--limit', '0'], /--limit/],
    [['--x', 'images'], /--x/],
    [['--save-adv', 'a.npy', '--eps', '0.1,0.2'], /--save-adv/],
  ])('bad input %j exits 2 naming the flag', (extra, pattern) => {
    const r = aisf([...RUN, '--limit', '4', ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
  });

  it('a missing file exits 2', () => {
    const r = aisf(['test', 'robustness', '--model', join(dir, 'none.onnx'), '--data', DATA]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--model/);
  });

  it('DeepFool takes --overshoot and --nb-grads; a larger overshoot gives larger perturbations', () => {
    const run = (...extra: string[]) =>
      aisf([
        ...RUN,
        '--attack',
        'deepfool',
        '--norm',
        '2',
        '--limit',
        '20',
        '--format',
        'json',
        ...extra,
      ]);
    const base = run();
    const big = run('--overshoot', '0.5', '--nb-grads', '10');
    expect(base.code, base.stderr).toBe(0);
    expect(big.code, big.stderr).toBe(0);
    const l2 = (r: { stdout: string }) => JSON.parse(r.stdout).attacks[0].meanL2 as number;
    // DeepFool scales its final step by (1 + η): 1.5 / 1.02 ≈ 1.47 for every fooled sample.
    expect(l2(big) / l2(base)).toBeGreaterThan(1.3);
    const wrong = aisf([...RUN, '--attack', 'fgsm', '--overshoot', '0.1']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--overshoot .* deepfool/);
    // ART 1.20's own defaults (overshoot 1e-6) as a preset; the paper's 0.02 stays the default.
    const art = run('--deepfool-preset', 'art');
    expect(art.code, art.stderr).toBe(0);
    const params = (r: { stdout: string }) => JSON.parse(r.stdout).attacks[0].params;
    expect(params(base)).toMatchObject({ preset: 'paper', overshoot: 0.02 });
    expect(params(art)).toMatchObject({ preset: 'art', overshoot: 1e-6, nbGrads: 10 });
    expect(l2(art)).toBeLessThan(l2(base));
    const unknown = run('--deepfool-preset', 'madry');
    expect(unknown.code).toBe(2);
  });
});
