/**
 * DeepFool against its closed form on linear models (the step onto the nearest hyperplane, times
 * 1 + overshoot), the value range, the ε budget, and ART's DeepFool on the committed Fashion-MNIST
 * CNN (reference numbers from scripts/robustness/art-parity.py; no Python here).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Model, readNpz } from '../../../../engine/index.js';
import { fashionModel, linearModel } from '../../fixtures/models.js';
import { argmaxRows, perturbationNorms } from '../common.js';
import { DEEPFOOL_DEFAULTS, deepFool, deepFoolAttack, withinBudget } from './index.js';

/** W [3, 4] and b: three classes over four features. */
const W = Float32Array.of(1, -2, 0.5, 0, -1, 1, 2, 0.5, 0.3, 0.2, -1, 1);
const B = Float32Array.of(0.1, -0.2, 0);
const row = (k: number) => Array.from(W.subarray(k * 4, k * 4 + 4));
const logitsOf = (x: number[]) =>
  [0, 1, 2].map((k) => row(k).reduce((a, w, i) => a + w * (x[i] as number), B[k] as number));

/** The closed form: step onto the nearest boundary of the predicted class, in the dual norm. */
function closedForm(x: number[], norm: '2' | 'inf', overshoot: number): number[] {
  const f = logitsOf(x);
  const k = f.indexOf(Math.max(...f));
  let best: { value: number; w: number[]; fd: number } | undefined;
  for (let l = 0; l < 3; l++) {
    if (l === k) continue;
    const w = row(l).map((v, i) => v - (row(k)[i] as number));
    const fd = Math.abs((f[l] as number) - (f[k] as number));
    const dual = norm === '2' ? Math.hypot(...w) : w.reduce((a, v) => a + Math.abs(v), 0);
    if (!best || fd / dual < best.value) best = { value: fd / dual, w, fd };
  }
  const { w, fd } = best as { w: number[]; fd: number };
  if (norm === '2') {
    const q = w.reduce((a, v) => a + v * v, 0);
    return w.map((v) => (1 + overshoot) * (fd / q) * v);
  }
  const q = w.reduce((a, v) => a + Math.abs(v), 0);
  return w.map((v) => (1 + overshoot) * (fd / q) * Math.sign(v));
}

describe('DeepFool on a linear model equals the closed form', () => {
  let model: Model;
  const X = [
    [0.5, 0.4, 0.6, 0.5],
    [0.45, 0.55, 0.5, 0.52],
    [0.6, 0.5, 0.42, 0.5],
  ];
  beforeAll(async () => {
    model = await linearModel(W, B, 4);
  });
  afterAll(() => model.release());

  it.each([
    ['2', 0.02],
    ['inf', 0.02],
    ['2', 0.5],
  ] as const)('norm %s, overshoot %s: δ = (1 + η)·|Δf|/‖Δw‖·direction', async (norm, overshoot) => {
    const x = { data: Float32Array.from(X.flat()), shape: [3, 4] };
    const adv = await deepFool(model, x, { norm, overshoot, range: { lo: -10, hi: 10 } });
    for (let s = 0; s < 3; s++) {
      const xs = X[s] as number[];
      const expected = closedForm(xs, norm, overshoot);
      for (let i = 0; i < 4; i++) {
        const got = (adv.data[s * 4 + i] as number) - (xs[i] as number);
        expect(Math.abs(got - (expected[i] as number))).toBeLessThan(2e-6);
      }
    }
    // The overshoot carries every sample across the boundary.
    const before = argmaxRows(await model.predict(x));
    const after = argmaxRows(await model.predict(adv));
    for (let s = 0; s < 3; s++) expect(after[s]).not.toBe(before[s]);
  });

  it('clips to the value range at every step and at the end', async () => {
    // The closed-form step would leave [0, 1]: the result stays inside, exactly.
    const x = { data: Float32Array.of(0.99, 0.01, 0.99, 0.5), shape: [1, 4] };
    const adv = await deepFool(model, x, { range: { lo: 0, hi: 1 } });
    for (const v of adv.data) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('validates its options', async () => {
    const x = { data: Float32Array.from(X.flat()), shape: [3, 4] };
    await expect(deepFool(model, x, { maxIter: 0 })).rejects.toThrow(/maxIter/);
    await expect(deepFool(model, x, { overshoot: -1 })).rejects.toThrow(/overshoot/);
    await expect(deepFool(model, x, { nbGrads: 1 })).rejects.toThrow(/nbGrads/);
    await expect(deepFool(model, x, { range: { lo: 0, hi: 0.5 } })).rejects.toThrow(
      /outside the declared range/,
    );
  });

  it('the ε budget keeps only perturbations that fit (the clean input elsewhere)', () => {
    const x = { data: Float32Array.of(0, 0, 0, 0), shape: [2, 2] };
    const adv = { data: Float32Array.of(0.1, 0, 0.3, 0.4), shape: [2, 2] };
    expect(Array.from(withinBudget(x, adv, 0.2, '2').data)).toEqual([Math.fround(0.1), 0, 0, 0]);
    expect(Array.from(withinBudget(x, adv, 0.5, 'inf').data)).toEqual(Array.from(adv.data));
    expect(withinBudget(x, adv, Number.POSITIVE_INFINITY, '2')).toBe(adv);
  });
});

describe('DeepFool vs ART on the Fashion-MNIST CNN (100 committed images)', () => {
  const FIX = new URL('../../fixtures/', import.meta.url);
  const artRef = () =>
    (
      JSON.parse(readFileSync(new URL('art-reference.json', FIX), 'utf8')) as {
        sets: Record<string, Record<string, unknown>>;
      }
    ).sets.fixture100 as Record<string, unknown>;
  const arrays = readNpz(readFileSync(new URL('fashion-test-100.npz', FIX)));
  const x = {
    data: Float32Array.from(arrays.get('x')?.data as Uint8Array, (v) => v / 255),
    shape: [100, 1, 28, 28],
  };
  const y = Int32Array.from(arrays.get('y')?.data as BigInt64Array, Number);
  let model: Model;
  beforeAll(async () => {
    model = await fashionModel();
  });
  afterAll(() => model.release());

  // Keys as Python prints the overshoot in art-reference.json. ART's overshoot 1e-6 leaves the
  // examples on the boundary, where float rounding decides the class: a looser accuracy bound,
  // and the first 50 images only (the test must stay fast).
  it.each([
    ['0.02', 0.02, 100, 0.01],
    ['1e-06', 1e-6, 50, 0.04],
  ] as const)(
    'overshoot %s (η = %s) on %i images: adversarial accuracy and mean L2 as ART',
    async (key, overshoot, n, accTol) => {
      const xs = { data: x.data.subarray(0, n * 784), shape: [n, 1, 28, 28] };
      const adv = await deepFool(model, xs, { overshoot });
      const pred = argmaxRows(await model.predict(adv));
      const r = artRef()[`deepfool:${key}`] as { pred: string; l2: number[] };
      let acc = 0;
      let artAcc = 0;
      for (let i = 0; i < n; i++) {
        if (pred[i] === y[i]) acc++;
        if (Number(r.pred[i]) === y[i]) artAcc++;
      }
      const { l2, linf } = perturbationNorms(xs, adv);
      const meanL2 = l2.reduce((a, v) => a + v, 0) / n;
      const artL2 = r.l2.slice(0, n).reduce((a, v) => a + v, 0) / n;
      expect(Math.abs(acc - artAcc) / n).toBeLessThanOrEqual(accTol);
      expect(Math.abs(meanL2 - artL2) / artL2).toBeLessThan(0.005);
      expect(Math.max(...linf)).toBeLessThanOrEqual(1);
      for (const v of adv.data) expect(v >= 0 && v <= 1).toBe(true);
    },
  );

  it('runs through the registry descriptor at several ε from one DeepFool run', async () => {
    const n = 20;
    const xs = { data: x.data.subarray(0, n * 784), shape: [n, 1, 28, 28] };
    const labels = y.subarray(0, n);
    const ctx = (eps: number) => ({
      spec: { name: 'deepfool' },
      eps,
      norm: '2' as const,
      range: { lo: 0, hi: 1 },
      batchSize: 128,
      seed: 0,
      labels,
      targeted: false,
      onProgress: () => undefined,
    });
    const full = await deepFoolAttack.run(model, xs, ctx(Number.POSITIVE_INFINITY));
    const small = await deepFoolAttack.run(model, xs, ctx(0.3));
    expect(full.params).toMatchObject({ preset: 'paper', ...DEEPFOOL_DEFAULTS, norm: '2' });
    const a = perturbationNorms(xs, full.adversarial).l2;
    const b = perturbationNorms(xs, small.adversarial).l2;
    for (let s = 0; s < n; s++) expect(b[s]).toBe((a[s] as number) <= 0.3 ? a[s] : 0);
  });
});
