/**
 * aisf's FGSM and PGD against a hand-written PyTorch reference on the same weights and images
 * (scripts/robustness/torch-check.py wrote the per-sample adversarial predictions; no Python here).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model, readNpz } from '../../engine/index.js';
import { argmaxRows, fgsm, pgd } from './attacks/index.js';

const FIX = new URL('./fixtures/', import.meta.url);
const ref = JSON.parse(readFileSync(new URL('torch-reference.json', FIX), 'utf8')) as Record<
  string,
  number[]
>;
const arrays = readNpz(readFileSync(new URL('fashion-test-100.npz', FIX)));
const x = {
  data: Float32Array.from(arrays.get('x')?.data as Uint8Array, (v) => v / 255),
  shape: [100, 1, 28, 28],
};
const y = Int32Array.from(arrays.get('y')?.data as BigInt64Array, Number);

/** Samples whose prediction differs; a gradient component at exactly 0 may flip a sign, so ≤ 1 of 100. */
function mismatches(a: ArrayLike<number>, b: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe('parity with a PyTorch reference (100 Fashion-MNIST images)', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(new URL('fashion-cnn-trained.onnx', FIX).pathname, { threads: 2 });
  });
  afterAll(() => model.release());

  it('clean predictions are identical', async () => {
    expect(mismatches(argmaxRows(await model.predict(x)), ref.clean as number[])).toBe(0);
  });
  it.each([0.05, 0.1])('FGSM L∞ ε=%s', async (eps) => {
    const adv = await fgsm(model, x, { eps, labels: y });
    expect(
      mismatches(argmaxRows(await model.predict(adv)), ref[`fgsm:inf:${eps}`] as number[]),
    ).toBeLessThanOrEqual(1);
  });
  it('PGD L∞ ε=0.1, step 0.01, 20 iterations, no random start', async () => {
    const adv = await pgd(model, x, {
      eps: 0.1,
      epsStep: 0.01,
      maxIter: 20,
      randomStart: false,
      labels: y,
    });
    expect(
      mismatches(argmaxRows(await model.predict(adv)), ref['pgd:inf:0.1'] as number[]),
    ).toBeLessThanOrEqual(1);
  });
});
