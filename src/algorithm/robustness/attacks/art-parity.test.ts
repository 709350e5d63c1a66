/**
 * aisf's FGSM and PGD (ART preset: no random start; eps_step ε/4, 20 iterations) against IBM ART's
 * FastGradientMethod and ProjectedGradientDescent on the same ONNX model and the 100 committed
 * Fashion-MNIST test images. The ART numbers and per-sample adversarial predictions were written
 * by scripts/robustness/art-parity.py (ART 1.20.1, PyTorch 1.13) into
 * fixtures/art-reference.json; no Python runs here. The 1000-image comparison is
 * bench/robustness/parity.ts (bench/robustness/RESULTS.md).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Model, readNpz } from '../../../engine/index.js';
import { fashionModel } from '../fixtures/models.js';
import { argmaxRows, type Norm } from './common.js';
import { fgsm } from './fgsm/index.js';
import { pgd } from './pgd/index.js';

const FIX = new URL('../fixtures/', import.meta.url);
type Row = { accuracy: number; pred: string };
const ref = (
  JSON.parse(readFileSync(new URL('art-reference.json', FIX), 'utf8')) as {
    sets: { fixture100: Record<string, Row | number | string> };
  }
).sets.fixture100;
const arrays = readNpz(readFileSync(new URL('fashion-test-100.npz', FIX)));
const x = {
  data: Float32Array.from(arrays.get('x')?.data as Uint8Array, (v) => v / 255),
  shape: [100, 1, 28, 28],
};
const y = Int32Array.from(arrays.get('y')?.data as BigInt64Array, Number);
const cases = Object.keys(ref)
  .filter((k) => k.startsWith('fgsm:') || k.startsWith('pgd:'))
  .map((k) => k.split(':') as [string, Norm, string]);

/** Adversarial accuracy and the number of samples whose prediction differs from ART's. */
function compare(pred: Int32Array, row: Row): { accuracy: number; differ: number } {
  let correct = 0;
  let differ = 0;
  for (let i = 0; i < pred.length; i++) {
    if (pred[i] === y[i]) correct++;
    if (pred[i] !== Number(row.pred[i])) differ++;
  }
  return { accuracy: correct / pred.length, differ };
}

describe('parity with ART 1.20 (100 Fashion-MNIST images, same ONNX weights)', () => {
  let model: Model;
  beforeAll(async () => {
    model = await fashionModel();
  });
  afterAll(() => model.release());

  it('has reference rows for FGSM and PGD at several ε, L∞ and L2', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
    expect(new Set(cases.map((c) => c[1]))).toEqual(new Set(['inf', '2']));
  });

  it('clean predictions are identical', async () => {
    const r = compare(argmaxRows(await model.predict(x)), ref.clean as Row);
    expect(r.differ).toBe(0);
  });

  // 0.5 percentage points of 100 images = the same number of correct samples; a gradient
  // component at exactly 0 (float rounding differs between PyTorch and ONNX Runtime) may flip a
  // sign, so at most one sample may differ.
  it.each(cases)('%s L%s ε=%s: adversarial accuracy equal to ART', async (attack, norm, e) => {
    const eps = Number(e);
    const adv =
      attack === 'fgsm'
        ? await fgsm(model, x, { eps, norm, labels: y })
        : await pgd(model, x, {
            preset: 'art',
            eps,
            norm,
            epsStep: eps / 4,
            maxIter: 20,
            labels: y,
          });
    const row = ref[`${attack}:${norm}:${e}`] as Row;
    const r = compare(argmaxRows(await model.predict(adv)), row);
    expect(Math.abs(r.accuracy - row.accuracy)).toBeLessThanOrEqual(0.01);
    expect(r.differ).toBeLessThanOrEqual(1);
  });
});
