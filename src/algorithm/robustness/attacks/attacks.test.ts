import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model, Tensor } from '../../../engine/index.js';
import { fashionData, fashionModel, linearModel } from '../fixtures/models.js';
import { createRng } from '../image.js';
import { argmaxRows, fgsm, nextFloat32, PGD_PRESETS, pgd, pgdParams } from './index.js';

/** Seeded weights, biases and inputs for a linear k-class model on d features. */
function linearCase(k: number, d: number, n: number, seed: number) {
  const r = createRng(seed);
  const w = Float32Array.from({ length: k * d }, () => r.normal());
  const b = Float32Array.from({ length: k }, () => 0.1 * r.normal());
  // Inputs in [0.3, 0.7] so that eps ≤ 0.3 never clips (the closed form below has no clip).
  const x: Tensor<Float32Array> = {
    data: Float32Array.from({ length: n * d }, () => 0.3 + 0.4 * r.uniform()),
    shape: [n, d],
  };
  const y = Int32Array.from({ length: n }, () => Math.floor(r.uniform() * k));
  return { w, b, x, y };
}

/**
 * ∂/∂x of the cross-entropy −log softmax(Wx + b)_y, in float64: Σⱼ pⱼ wⱼ − w_y = Σⱼ pⱼ (wⱼ − w_y).
 * For k = 2 this is p_{y'} (w_{y'} − w_y), so its sign is sign(w_{y'} − w_y) whatever x is.
 */
function ceGradient(
  w: Float32Array,
  b: Float32Array,
  x: ArrayLike<number>,
  label: number,
  d: number,
): number[] {
  const k = b.length;
  const z = Array.from({ length: k }, (_, j) => {
    let s = b[j] as number;
    for (let i = 0; i < d; i++) s += (w[j * d + i] as number) * (x[i] as number);
    return s;
  });
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const sum = e.reduce((a, c) => a + c, 0);
  const p = e.map((v) => v / sum);
  return Array.from({ length: d }, (_, i) => {
    let g = -(w[label * d + i] as number);
    for (let j = 0; j < k; j++) g += (p[j] as number) * (w[j * d + i] as number);
    return g;
  });
}

/**
 * The float32 value nearest to v that is still inside the closed ε-interval around x, measured
 * exactly on float32 values (the attack guarantees the ball exactly, so when rounding x + ε would
 * leave it, the neighbour one ulp towards x is the answer).
 */
function f32InBall(x: number, v: number, eps: number): number {
  let f = Math.fround(v);
  if (f - x > eps) f = nextFloat32(f, false);
  if (x - f > eps) f = nextFloat32(f, true);
  return f;
}

describe('FGSM on a linear model equals the closed form', () => {
  it("2 classes, L∞: x + ε·sign(w_{y'} − w_y)", async () => {
    const d = 12;
    const { w, b, x, y } = linearCase(2, d, 6, 1);
    const model = await linearModel(w, b, d);
    const eps = 0.1;
    const adv = await fgsm(model, x, { eps, labels: y });
    for (let s = 0; s < 6; s++)
      for (let i = 0; i < d; i++) {
        const other = 1 - (y[s] as number);
        const diff = (w[other * d + i] as number) - (w[(y[s] as number) * d + i] as number);
        const xi = x.data[s * d + i] as number;
        expect(adv.data[s * d + i]).toBe(f32InBall(xi, xi + eps * Math.sign(diff), eps));
      }
    await model.release();
  });
  it('3 classes, L∞, untargeted and targeted: sign of Σⱼ pⱼ wⱼ − w_y', async () => {
    const d = 10;
    const { w, b, x, y } = linearCase(3, d, 8, 2);
    const model = await linearModel(w, b, d);
    const eps = 0.2;
    const un = await fgsm(model, x, { eps, labels: y });
    const targets = Int32Array.from(y, (v) => (v + 1) % 3);
    const tg = await fgsm(model, x, { eps, labels: targets, targeted: true });
    for (let s = 0; s < 8; s++) {
      const xs = x.data.subarray(s * d, (s + 1) * d);
      const gu = ceGradient(w, b, xs, y[s] as number, d);
      const gt = ceGradient(w, b, xs, targets[s] as number, d);
      for (let i = 0; i < d; i++) {
        const xi = xs[i] as number;
        expect(un.data[s * d + i]).toBe(f32InBall(xi, xi + eps * Math.sign(gu[i] as number), eps));
        expect(tg.data[s * d + i]).toBe(f32InBall(xi, xi - eps * Math.sign(gt[i] as number), eps));
      }
    }
  });
  it('3 classes, L2: x + ε·g/‖g‖₂', async () => {
    const d = 10;
    const { w, b, x, y } = linearCase(3, d, 5, 3);
    const model = await linearModel(w, b, d);
    const eps = 0.25;
    const adv = await fgsm(model, x, { eps, labels: y, norm: '2' });
    for (let s = 0; s < 5; s++) {
      const xs = x.data.subarray(s * d, (s + 1) * d);
      const g = ceGradient(w, b, xs, y[s] as number, d);
      const norm = Math.hypot(...g);
      for (let i = 0; i < d; i++)
        expect(adv.data[s * d + i]).toBeCloseTo(
          (xs[i] as number) + (eps * (g[i] as number)) / norm,
          6,
        );
    }
  });
  it('clips to the value range: inputs at the edges stay inside', async () => {
    const d = 4;
    const { w, b } = linearCase(2, d, 1, 4);
    const model = await linearModel(w, b, d);
    const x = { data: Float32Array.of(0, 1, 0.05, 0.95), shape: [1, d] };
    const adv = await fgsm(model, x, { eps: 0.3, labels: [0] });
    for (let i = 0; i < d; i++) {
      const diff = (w[d + i] as number) - (w[i] as number);
      const xi = x.data[i] as number;
      expect(adv.data[i]).toBe(
        f32InBall(xi, Math.min(1, Math.max(0, xi + 0.3 * Math.sign(diff))), 0.3),
      );
    }
  });
  it("without labels uses the model's predictions (ART)", async () => {
    const d = 6;
    const { w, b, x } = linearCase(3, d, 5, 5);
    const model = await linearModel(w, b, d);
    const pred = argmaxRows(await model.predict(x));
    expect(Array.from((await fgsm(model, x, { eps: 0.1 })).data)).toEqual(
      Array.from((await fgsm(model, x, { eps: 0.1, labels: pred })).data),
    );
  });
});

describe('on the Fashion-MNIST CNN', () => {
  let model: Model;
  const { x, y } = fashionData(12);
  beforeAll(async () => {
    model = await fashionModel();
  });
  afterAll(() => model.release());

  const exactBall = (adv: Tensor<Float32Array>, eps: number, norm: 'inf' | '2') => {
    const inner = 784;
    for (let s = 0; s < 12; s++) {
      let q = 0;
      for (let i = s * inner; i < (s + 1) * inner; i++) {
        const v = adv.data[i] as number;
        expect(v >= 0 && v <= 1).toBe(true);
        const dlt = v - (x.data[i] as number);
        if (norm === 'inf') expect(Math.abs(dlt) <= eps).toBe(true);
        q += dlt * dlt;
      }
      if (norm === '2') expect(Math.sqrt(q) <= eps).toBe(true);
    }
  };

  it('FGSM and PGD (L∞, L2, with and without random start) stay in the ball and range exactly', async () => {
    for (const norm of ['inf', '2'] as const) {
      const eps = norm === 'inf' ? 0.1 : 1.5;
      exactBall(await fgsm(model, x, { eps, norm, labels: y }), eps, norm);
      for (const randomStart of [false, true])
        exactBall(
          await pgd(model, x, {
            eps,
            norm,
            epsStep: eps / 4,
            maxIter: 5,
            randomStart,
            labels: y,
            seed: 3,
          }),
          eps,
          norm,
        );
    }
  });
  it('PGD without random start is deterministic; with it, seeded', async () => {
    const run = (o: object) =>
      pgd(model, x, { eps: 0.05, epsStep: 0.02, maxIter: 4, labels: y, ...o });
    expect(Array.from((await run({})).data)).toEqual(Array.from((await run({ seed: 99 })).data));
    const a = await run({ randomStart: true, seed: 1 });
    expect(Array.from((await run({ randomStart: true, seed: 1 })).data)).toEqual(
      Array.from(a.data),
    );
    expect(Array.from((await run({ randomStart: true, seed: 2 })).data)).not.toEqual(
      Array.from(a.data),
    );
  });
  it('one PGD step of size ε without random start equals FGSM', async () => {
    for (const norm of ['inf', '2'] as const) {
      const eps = norm === 'inf' ? 0.07 : 1;
      const f = await fgsm(model, x, { eps, norm, labels: y });
      const p = await pgd(model, x, {
        eps,
        epsStep: eps,
        maxIter: 1,
        randomStart: false,
        norm,
        labels: y,
      });
      for (let i = 0; i < f.data.length; i++) expect(p.data[i]).toBeCloseTo(f.data[i] as number, 6);
    }
  });
  it('the attack lowers accuracy, PGD at least as much as FGSM here', async () => {
    const acc = async (t: Tensor<Float32Array>) => {
      const p = argmaxRows(await model.predict(t));
      return p.filter((v, i) => v === y[i]).length / p.length;
    };
    const clean = await acc(x);
    const f = await acc(await fgsm(model, x, { eps: 0.1, labels: y }));
    const p = await acc(await pgd(model, x, { eps: 0.1, epsStep: 0.025, maxIter: 10, labels: y }));
    expect(f).toBeLessThan(clean);
    expect(p).toBeLessThanOrEqual(f);
  });
});

describe('presets, validation, rounding', () => {
  it('presets carry the reference defaults', () => {
    expect(pgdParams()).toEqual({
      eps: 0.3,
      epsStep: 0.1,
      maxIter: 100,
      randomStart: false,
      norm: 'inf',
    });
    expect(PGD_PRESETS.madry).toMatchObject({
      eps: 0.3,
      epsStep: 0.01,
      maxIter: 40,
      randomStart: true,
    });
    expect(pgdParams({ preset: 'madry-cifar', eps: 0.1 })).toMatchObject({
      eps: 0.1,
      epsStep: 2 / 255,
      maxIter: 7,
    });
  });
  it('rejects bad options with E_INPUT', async () => {
    const d = 4;
    const { w, b, x, y } = linearCase(2, d, 2, 6);
    const model = await linearModel(w, b, d);
    const bad = [
      fgsm(model, x, { eps: -1, labels: y }),
      fgsm(model, x, { eps: Number.NaN, labels: y }),
      fgsm(model, x, { norm: '1' as never, labels: y }),
      fgsm(model, x, { targeted: true }),
      fgsm(model, x, { labels: [0] }),
      fgsm(model, { data: Float32Array.of(2, 0, 0, 0), shape: [1, 4] }),
      pgd(model, x, { maxIter: 0, labels: y }),
      pgd(model, x, { preset: 'nope' as never }),
    ];
    for (const p of bad) await expect(p).rejects.toMatchObject({ code: 'E_INPUT' });
  });
  it('nextFloat32 steps one ulp', () => {
    expect(nextFloat32(1, true)).toBe(1 + 2 ** -23);
    expect(nextFloat32(1, false)).toBe(1 - 2 ** -24);
    expect(nextFloat32(-1, true)).toBe(-1 + 2 ** -24);
    expect(nextFloat32(0, true)).toBeGreaterThan(0);
  });
});
