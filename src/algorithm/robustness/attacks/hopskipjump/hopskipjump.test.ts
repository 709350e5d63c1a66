import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model, Tensor } from '../../../../engine/index.js';
import { fashionData, fashionModel, linearModel } from '../../fixtures/models.js';
import { createRng } from '../../image.js';
import type { PredictModel } from '../attack.js';
import { argmaxRows, perturbationNorms } from '../common.js';
import { HOPSKIPJUMP_DEFAULTS, hopSkipJump } from './index.js';

function counting(model: PredictModel): PredictModel & { rows: number } {
  const m = {
    rows: 0,
    predict: async (x: Tensor, o?: { batchSize?: number }) => {
      m.rows += x.shape[0] as number;
      return model.predict(x, o);
    },
  };
  return m;
}

describe('hopSkipJump on a linear two-class model (closed-form boundary distance)', () => {
  // logits = [w·x + b, −(w·x + b)]: the boundary is w·x + b = 0, so the smallest adversarial
  // perturbation has L2 norm |w·x + b|/‖w‖₂ and L∞ norm |w·x + b|/‖w‖₁.
  const d = 20;
  const n = 6;
  const r = createRng(11);
  const wv = Float64Array.from({ length: d }, () => r.normal());
  const x: Tensor<Float32Array> = {
    data: Float32Array.from({ length: n * d }, () => 0.4 + 0.2 * r.uniform()),
    shape: [n, d],
  };
  // b puts every sample at distance ~0.05–0.15 (L2) from the boundary, inside the [0, 1] box.
  const l2w = Math.sqrt(wv.reduce((a, v) => a + v * v, 0));
  const l1w = wv.reduce((a, v) => a + Math.abs(v), 0);
  const dot = (i: number) => wv.reduce((a, v, j) => a + v * (x.data[i * d + j] as number), 0);
  const b = -dot(0) + 0.1 * l2w;
  const W = new Float32Array(2 * d);
  for (let j = 0; j < d; j++) {
    W[j] = wv[j] as number;
    W[d + j] = -(wv[j] as number);
  }
  let model: Model;
  beforeAll(async () => {
    model = await linearModel(W, Float32Array.from([b, -b]), d);
  });
  afterAll(() => model.release());

  it.each(['2', 'inf'] as const)(
    'L%s: the distance found approaches the closed form',
    async (norm) => {
      const labels = argmaxRows(await model.predict(x));
      const res = await hopSkipJump(model, x, {
        labels,
        norm,
        eps: 0, // never stop early: run the full minimum-norm attack
        maxIter: 30,
        maxQueries: 20_000,
        seed: 2,
      });
      for (let i = 0; i < n; i++) {
        const margin = Math.abs(dot(i) + b);
        const exact = margin / (norm === '2' ? l2w : l1w);
        const found = res.distances[i] as number;
        // Never below the true minimum (up to float32 rounding), and close to it.
        expect(found).toBeGreaterThanOrEqual(exact * (1 - 1e-3));
        expect(found).toBeLessThanOrEqual(exact * 1.01);
      }
      // ε = 0: no example is within the ball, so the clean inputs come back.
      expect(Array.from(res.adversarial.data)).toEqual(Array.from(x.data));
    },
  );
});

describe('hopSkipJump on the Fashion-MNIST CNN', () => {
  let model: Model;
  const { x, y } = fashionData(12);
  beforeAll(async () => {
    model = await fashionModel();
  });
  afterAll(() => model.release());

  it('never exceeds the query budget, counted at the model', async () => {
    for (const budget of [1, 3, 50, 400]) {
      const one = { data: x.data.slice(0, 784), shape: [1, 1, 28, 28] };
      const m = counting(model);
      const r = await hopSkipJump(m, one, { labels: [y[0] as number], eps: 0, maxQueries: budget });
      expect(m.rows).toBeLessThanOrEqual(budget);
      expect(r.queries.perSample[0]).toBe(m.rows);
    }
    const m = counting(model);
    const r = await hopSkipJump(m, x, { labels: y, eps: 0, maxQueries: 300, seed: 1 });
    expect(m.rows).toBe(r.queries.total);
    expect(r.queries.max).toBeLessThanOrEqual(300);
  });

  it('respects the ε-ball and the range exactly, is seeded, and lowers accuracy', async () => {
    for (const norm of ['2', 'inf'] as const) {
      const eps = norm === '2' ? 2 : 0.15;
      const opts = { labels: y, norm, eps, maxQueries: 1500, seed: 4 };
      const r = await hopSkipJump(model, x, { ...opts, batchSize: 12 });
      const { linf, l2 } = perturbationNorms(x, r.adversarial);
      for (const v of norm === '2' ? l2 : linf) expect(v).toBeLessThanOrEqual(eps);
      for (const v of r.adversarial.data) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      const clean = argmaxRows(await model.predict(x));
      const adv = argmaxRows(await model.predict(r.adversarial));
      const acc = (p: Int32Array) => p.filter((v, i) => v === y[i]).length / y.length;
      expect(acc(adv)).toBeLessThan(acc(clean));
      const again = await hopSkipJump(model, x, { ...opts, batchSize: 5, evalChunk: 16 });
      expect(Array.from(again.adversarial.data)).toEqual(Array.from(r.adversarial.data));
    }
  });

  it('has ART defaults and rejects bad options', async () => {
    expect(HOPSKIPJUMP_DEFAULTS).toMatchObject({
      maxIter: 50,
      maxEval: 10_000,
      initEval: 100,
      initSize: 100,
    });
    await expect(hopSkipJump(model, x, { labels: y, initEval: 20, maxEval: 10 })).rejects.toThrow(
      /initEval/,
    );
    await expect(hopSkipJump(model, x, { labels: [1] })).rejects.toThrow(/labels hold 1/);
  });
});
