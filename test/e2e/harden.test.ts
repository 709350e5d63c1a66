/**
 * End to end: `aisf harden` as a user runs it (the real binary, built into dist/) on the committed
 * examples/fashion-mnist data and CNN, with the written model re-loaded and run by the engine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, readNpz, type Tensor } from '../../src/engine/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/aisf.js', import.meta.url));
const EX = fileURLToPath(new URL('../../examples/fashion-mnist/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'aisf-harden-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function aisf(args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8' },
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url)))
    throw new Error(
      'dist/ is missing: run `npm run build` (npm test does it) before the e2e tests',
    );
});

describe('examples/fashion-mnist', () => {
  it('holds 2,000 + 500 uint8 images with labels 0…9, each file under 1 MB', () => {
    for (const [file, n] of [
      ['train.npz', 2000],
      ['test.npz', 500],
    ] as const) {
      const bytes = readFileSync(join(EX, file));
      expect(bytes.length).toBeLessThan(1_000_000);
      const a = readNpz(bytes);
      const x = a.get('x') as Tensor;
      const y = a.get('y') as Tensor;
      expect(x.data).toBeInstanceOf(Uint8Array);
      expect(x.shape).toEqual([n, 1, 28, 28]);
      expect(y.shape).toEqual([n]);
      const classes = new Set(Array.from(y.data as BigInt64Array, Number));
      expect([...classes].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
  });
});

describe('aisf harden (real binary)', () => {
  it('fgsm on the example: exit 0, JSON report, a loadable hardened model', async () => {
    const out = join(dir, 'cnn-fgsm.onnx');
    const r = aisf([
      'harden',
      '--model',
      join(EX, 'cnn.onnx'),
      '--data',
      join(EX, 'train.npz'),
      '--method',
      'fgsm',
      '--eps',
      '0.1',
      '--epochs',
      '1',
      '--limit',
      '256',
      '--eval',
      join(EX, 'test.npz'),
      '--eval-limit',
      '50',
      '--eval-iter',
      '5',
      '--out',
      out,
      '--format',
      'json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.train).toMatchObject({ n: 256, steps: 8, replaced: 128 });
    expect(j.evaluation.n).toBe(50);
    for (const k of ['clean', 'fgsm', 'pgd']) {
      expect(j.evaluation.before[k]).toBeGreaterThanOrEqual(0);
      expect(j.evaluation.after[k]).toBeLessThanOrEqual(1);
    }
    const model = await loadModel(out, { threads: 1 });
    const logits = await model.predict({ data: new Float32Array(784), shape: [1, 1, 28, 28] });
    expect(logits.shape).toEqual([1, 10]);
    await model.release();
  }, 120_000);

  it('usage errors exit 2 and name the flag', () => {
    const r = aisf(['harden', '--data', join(EX, 'train.npz'), '--method', 'pgd', '--out', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing --model <model\.onnx>/);
    const help = aisf(['harden', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--method <fgsm\|pgd\|noise\|augment\|gradreg/);
  });
});
