import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model, Tensor } from '../../../../engine/index.js';
import { fashionData, fashionModel } from '../../fixtures/models.js';
import type { PredictModel } from '../attack.js';
import { argmaxRows, perturbationNorms } from '../common.js';
import { SQUARE_DEFAULTS, square, squareFraction } from './index.js';

/** Wraps a model and counts the rows it is asked to predict (independent of the attack's own count). */
function counting(model: PredictModel): PredictModel & { rows: number; calls: number } {
  const m = {
    rows: 0,
    calls: 0,
    predict: async (x: Tensor, o?: { batchSize?: number }) => {
      m.rows += x.shape[0] as number;
      m.calls++;
      return model.predict(x, o);
    },
  };
  return m;
}

describe('squareFraction (ART _get_percentage_of_elements)', () => {
  it('halves p_init at 0.1 %, 0.5 %, 2 %, 5 %, 10 %, 20 %, 40 %, 60 %, 80 % of the run (bisect_left)', () => {
    // Values written out from ART's intervals/p_ratio lists for max_iter = 10 000 (the paper's run).
    const cases: [number, number][] = [
      [0, 0.8],
      [10, 0.8],
      [11, 0.4],
      [50, 0.4],
      [51, 0.2],
      [200, 0.2],
      [201, 0.1],
      [501, 0.05],
      [1001, 0.025],
      [2001, 0.0125],
      [4001, 0.00625],
      [6001, 0.003125],
      [8000, 0.003125],
      [8001, 0.0015625],
      [9999, 0.0015625],
    ];
    for (const [i, p] of cases) expect(squareFraction(i, 10_000, 0.8)).toBeCloseTo(p, 12);
    expect(SQUARE_DEFAULTS).toMatchObject({ eps: 0.3, maxIter: 100, pInit: 0.8, nbRestarts: 1 });
  });
});

describe('square on the Fashion-MNIST CNN', () => {
  let model: Model;
  const { x, y } = fashionData(24);
  beforeAll(async () => {
    model = await fashionModel();
  });
  afterAll(() => model.release());

  it('stays in the L∞ ball and the range exactly, lowers accuracy, and is seeded', async () => {
    const eps = 0.1;
    const r = await square(model, x, { labels: y, eps, maxIter: 60, seed: 3, batchSize: 24 });
    const { linf } = perturbationNorms(x, r.adversarial);
    for (const v of linf) expect(v).toBeLessThanOrEqual(eps);
    for (const v of r.adversarial.data) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    const clean = argmaxRows(await model.predict(x));
    const adv = argmaxRows(await model.predict(r.adversarial));
    const acc = (p: Int32Array) => p.filter((v, i) => v === y[i]).length / y.length;
    expect(acc(adv)).toBeLessThan(acc(clean));
    // Samples already misclassified spend exactly the clean query.
    clean.forEach((p, i) => {
      if (p !== y[i]) expect(r.queries.perSample[i]).toBe(1);
    });
    // Same seed, other batch size → the same examples (per-sample RNG streams).
    const again = await square(model, x, { labels: y, eps, maxIter: 60, seed: 3, batchSize: 5 });
    expect(Array.from(again.adversarial.data)).toEqual(Array.from(r.adversarial.data));
    expect(again.queries.perSample).toEqual(r.queries.perSample);
  });

  it('never exceeds the query budget, counted at the model', async () => {
    for (const budget of [1, 2, 7, 40]) {
      // One sample at a time: every row the model sees belongs to it.
      for (const i of [0, 5]) {
        const one = { data: x.data.slice(i * 784, (i + 1) * 784), shape: [1, 1, 28, 28] };
        const m = counting(model);
        const r = await square(m, one, {
          labels: [y[i] as number],
          eps: 0.05,
          maxIter: 100,
          maxQueries: budget,
        });
        expect(m.rows).toBeLessThanOrEqual(budget);
        expect(r.queries.perSample[0]).toBe(m.rows);
      }
    }
    // A batch: one predict call per round, total rows = reported total, every sample ≤ budget.
    const m = counting(model);
    const r = await square(m, x, { labels: y, eps: 0.05, maxIter: 100, maxQueries: 30 });
    expect(m.rows).toBe(r.queries.total);
    expect(r.queries.max).toBeLessThanOrEqual(30);
    expect(m.calls).toBeLessThanOrEqual(30);
    // The documented bound: 1 + restarts·(1 + maxIter) when the budget does not bind.
    const free = await square(model, x, { labels: y, eps: 0.01, maxIter: 10, nbRestarts: 2 });
    expect(free.queries.max).toBeLessThanOrEqual(1 + 2 * 11);
  });

  it('targeted: reaches the target or keeps trying; rejects bad options', async () => {
    const targets = Int32Array.from(y, (v) => (v + 1) % 10);
    const r = await square(model, x, {
      labels: targets,
      targeted: true,
      eps: 0.3,
      maxIter: 100,
      seed: 1,
    });
    const adv = argmaxRows(await model.predict(r.adversarial));
    expect(adv.filter((p, i) => p === targets[i]).length).toBeGreaterThan(0);
    await expect(square(model, x, { labels: y, pInit: 1 })).rejects.toThrow(/pInit/);
    await expect(square(model, x, { labels: y, maxQueries: 0 })).rejects.toThrow(/maxQueries/);
    await expect(square(model, { data: x.data, shape: [24, 784] }, { labels: y })).rejects.toThrow(
      /NCHW/,
    );
  });
});
