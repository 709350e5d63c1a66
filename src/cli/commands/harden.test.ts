/**
 * `aisf harden` through the whole CLI in-process (runCli: parsing, registry, files): a PGD run that
 * writes a loadable ONNX model and raises PGD accuracy, and every bad input exiting 2 with the
 * flag and the fix.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, readNpy, type Tensor, writeNpz } from '../../engine/index.js';
import { runCli } from '../main.js';

const MODEL = fileURLToPath(
  new URL('../../algorithm/robustness/fixtures/fashion-cnn-trained.onnx', import.meta.url),
);
const TEST = fileURLToPath(
  new URL('../../algorithm/robustness/fixtures/fashion-test-100.npz', import.meta.url),
);
const FIX = new URL('../../engine/fixtures/', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'aisf-harden-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Training data as users have it: uint8 images and int64 labels in an .npz (keys x, y like the
// test file, or custom keys), and float32 images.
const images = readNpy(readFileSync(new URL('fashion-mnist.train-x.npy', FIX)));
const labels = readNpy(readFileSync(new URL('fashion-mnist.train-y.npy', FIX)));
const TRAIN = join(dir, 'train.npz');
writeFileSync(
  TRAIN,
  writeNpz(
    new Map<string, Tensor>([
      ['images', images],
      ['labels', labels],
    ]),
  ),
);
const TRAIN_XY = join(dir, 'train-xy.npz');
writeFileSync(
  TRAIN_XY,
  writeNpz(
    new Map<string, Tensor>([
      ['x', images],
      ['y', labels],
    ]),
  ),
);
const TRAIN_F32 = join(dir, 'train-f32.npz');
writeFileSync(
  TRAIN_F32,
  writeNpz(
    new Map<string, Tensor>([
      [
        'x',
        {
          data: Float32Array.from((images.data as Uint8Array).subarray(0, 8 * 784), (v) => v / 255),
          shape: [8, 1, 28, 28],
        },
      ],
      ['y', { data: (labels.data as BigInt64Array).slice(0, 8), shape: [8] }],
    ]),
  ),
);

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: {},
    isTTY: false,
    cwd: dir,
  });
  return { code, stdout, stderr };
}

const base = ['harden', '--model', MODEL, '--data', TRAIN, '--x', 'images', '--y', 'labels'];

describe('aisf harden', () => {
  it('pgd: writes a loadable hardened model and reports before/after as JSON', async () => {
    const r = await run([
      'harden',
      '--model',
      MODEL,
      '--data',
      TRAIN_XY,
      '--method',
      'pgd',
      '--eps',
      '0.1',
      '--epochs',
      '1',
      '--max-iter',
      '3',
      '--eps-step',
      '0.05',
      '--limit',
      '800',
      '--eval',
      TEST,
      '--eval-iter',
      '10',
      '--out',
      'out/pgd.onnx',
      '--format',
      'json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.method.id).toBe('pgd');
    expect(j.options).toMatchObject({ eps: 0.1, maxIter: 3, epsStep: 0.05, ratio: 1, epochs: 1 });
    expect(j.train).toMatchObject({ n: 800, steps: 25, replaced: 800 });
    expect(j.evaluation).toMatchObject({ n: 100, eps: 0.1, norm: 'inf' });
    expect(j.evaluation.pgd).toEqual({ maxIter: 10, epsStep: 0.025, randomStart: false });
    expect(j.evaluation.after.pgd).toBeGreaterThan(j.evaluation.before.pgd + 0.05);
    expect(j.out).toBe('out/pgd.onnx');
    const hardened = await loadModel(join(dir, 'out/pgd.onnx'), { threads: 1 });
    const logits = await hardened.predict({
      data: new Float32Array(2 * 784).fill(0.5),
      shape: [2, 1, 28, 28],
    });
    expect(logits.shape).toEqual([2, 10]);
    expect(logits.data.every(Number.isFinite)).toBe(true);
    await hardened.release();
  }, 60_000);

  it('table output without --eval; noise takes --eps only as the evaluation budget', async () => {
    const r = await run([
      ...base,
      '--method',
      'noise',
      '--sigma',
      '0.1',
      '--eps',
      '0.05',
      '--epochs',
      '1',
      '--limit',
      '64',
      '--out',
      'noise.onnx',
      '--format',
      'table',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^noise: Gaussian-noise training/);
    expect(r.stdout).toMatch(/trained on 64 samples: 1 epoch, 2 steps, 64 samples replaced/);
    expect(r.stdout).toMatch(/wrote noise\.onnx/);
    expect(existsSync(join(dir, 'noise.onnx'))).toBe(true);
  }, 30_000);

  it('--grad-reg adds the input-gradient penalty to fgsm; --random-start false reaches pgd', async () => {
    const r = await run([
      ...base,
      '--method',
      'fgsm',
      '--grad-reg',
      '0.5',
      '--epochs',
      '1',
      '--limit',
      '32',
      '--out',
      'gr.onnx',
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).options).toMatchObject({ gradReg: 0.5, gradRegStep: 0.01 });
    const p = await run([
      ...base,
      '--method',
      'pgd',
      '--random-start',
      'false',
      '--max-iter',
      '2',
      '--epochs',
      '1',
      '--limit',
      '32',
      '--out',
      'p.onnx',
      '--format',
      'json',
    ]);
    expect(p.code).toBe(0);
    expect(JSON.parse(p.stdout).options).toMatchObject({ randomStart: false, maxIter: 2 });
  }, 30_000);

  it.each([
    [['--method', 'pgd'], /missing --out <hardened\.onnx>/],
    [['--method', 'mixup', '--out', 'a.onnx'], /--method must be one of fgsm, pgd, noise/],
    [['--out', 'a.onnx'], /missing --method/],
    [['--method', 'fgsm', '--eps', '0', '--out', 'a.onnx'], /--eps must be > 0/],
    [['--method', 'fgsm', '--eps', 'abc', '--out', 'a.onnx'], /--eps must be a number/],
    [['--method', 'pgd', '--ratio', '1.5', '--out', 'a.onnx'], /--ratio must be ≤ 1 \(got 1\.5\)/],
    [['--method', 'pgd', '--max-iter', '2.5', '--out', 'a.onnx'], /--max-iter must be an integer/],
    [
      ['--method', 'pgd', '--sigma', '0.2', '--out', 'a.onnx'],
      /--sigma does not apply to --method pgd \(it applies to: noise\)/,
    ],
    [
      ['--method', 'augment', '--corruptions', 'snow', '--out', 'a.onnx', '--limit', '4'],
      /unknown corruption "snow"/,
    ],
    [['--method', 'fgsm', '--out', MODEL], /--out must differ from --model/],
    [
      ['--method', 'fgsm', '--optimizer', 'rmsprop', '--out', 'a.onnx'],
      /--optimizer must be one of adam, sgd/,
    ],
    [
      ['--method', 'fgsm', '--x', 'pixels', '--out', 'a.onnx'],
      /--data: .* has no array "pixels" \(arrays: images, labels\); name the inputs with --x/,
    ],
  ])('bad input %j exits 2 naming the flag', async (extra, message) => {
    const r = await run([...base, ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(dir, 'a.onnx'))).toBe(false);
  });

  it('float inputs outside --range exit 2', async () => {
    const r = await run([
      'harden',
      '--model',
      MODEL,
      '--data',
      TRAIN_F32,
      '--method',
      'fgsm',
      '--range',
      '0,0.5',
      '--out',
      'a.onnx',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--data input value #\d+ is .* outside --range 0,0.5/);
  });

  it('missing files exit 2', async () => {
    const r = await run([
      'harden',
      '--model',
      'nope.onnx',
      '--data',
      TRAIN,
      '--method',
      'fgsm',
      '--out',
      'a.onnx',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--model file nope\.onnx does not exist/);
    const d = await run([
      'harden',
      '--model',
      MODEL,
      '--data',
      'nope.npz',
      '--method',
      'fgsm',
      '--out',
      'a.onnx',
    ]);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/--data: nope\.npz does not exist/);
  });
});
