/**
 * @module DP-SGD against independent references: with σ = 0 and C = ∞ it equals the engine's
 * plain training loop step for step (same batches); the clipping bound holds; ε equals the
 * accountant's value and Opacus' own RDPAccountant for the same (q, σ, steps, δ); Poisson batch
 * sizes follow Binomial(N, q) and the noise N(0, σ²C²) (seeded statistical tests).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  loadModel,
  type ParameterMap,
  readNpy,
  sgd,
  type Tensor,
  takeRows,
  train,
} from '../../../engine/index.js';
import { dpSgdEpsilon, OPACUS_ORDERS } from '../accountant/rdp.js';
import { seededRandom } from '../random.js';
import { addGaussianNoise, dpSgdSchedule, dpSgdTrain, poissonSample } from './index.js';

/** Opacus 1.5.4 `RDPAccountant` with history [(σ 1.1, q 0.25, 8 steps)], get_epsilon(δ = 1e-5). */
const OPACUS_EPSILON_Q025_S11_T8 = 5.323786074894155;

const FIXTURES = new URL('../../../engine/fixtures/', import.meta.url);
const MODEL = new URL('fashion-cnn.onnx', FIXTURES).pathname;

function fashion(n: number): { x: Tensor<Float32Array>; y: Tensor } {
  const x = readNpy(readFileSync(new URL('fashion-mnist.train-x.npy', FIXTURES)));
  const y = readNpy(readFileSync(new URL('fashion-mnist.train-y.npy', FIXTURES)));
  const data = Float32Array.from((x.data as Uint8Array).subarray(0, n * 784), (v) => v / 255);
  return {
    x: { data, shape: [n, 1, 28, 28] },
    y: { data: (y.data as BigInt64Array).slice(0, n), shape: [n] },
  };
}

function flat(w: ParameterMap): Float32Array {
  const parts = [...w.keys()].sort().map((k) => (w.get(k) as Tensor<Float32Array>).data);
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function maxRel(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let scale = 1e-12;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return err / scale;
}

describe('DP-SGD', () => {
  it('with noise 0 and no clipping equals plain SGD step for step (shuffled batches, train())', async () => {
    const { x, y } = fashion(48);
    const a = await loadModel(MODEL, { threads: 1 });
    const b = await loadModel(MODEL, { threads: 1 });
    const dpSteps: Float32Array[] = [];
    const r = await dpSgdTrain(a, x, y, {
      noiseMultiplier: 0,
      maxGradNorm: Number.POSITIVE_INFINITY,
      sampling: 'shuffle',
      batchSize: 16,
      epochs: 2,
      seed: 7,
      optimizer: sgd({ lr: 0.05, momentum: 0.9 }),
      threads: 1,
      onStep: () => dpSteps.push(flat(a.weights())),
    });
    expect(r.steps).toBe(6);
    expect(r.method).toBe('graph');
    const plainSteps: Float32Array[] = [];
    await train(b, x, y, {
      optimizer: sgd({ lr: 0.05, momentum: 0.9 }),
      batchSize: 16,
      epochs: 2,
      seed: 7,
      onProgress: () => plainSteps.push(flat(b.weights())),
    });
    expect(dpSteps.length).toBe(plainSteps.length);
    for (let s = 0; s < dpSteps.length; s++)
      expect(maxRel(dpSteps[s] as Float32Array, plainSteps[s] as Float32Array)).toBeLessThan(1e-4);
    await a.release();
    await b.release();
  });

  it('with noise 0 and no clipping equals SGD on the same Poisson batches, ÷ expected batch size', async () => {
    const { x, y } = fashion(40);
    const a = await loadModel(MODEL, { threads: 1 });
    const b = await loadModel(MODEL, { threads: 1 });
    const dpSteps: Float32Array[] = [];
    const r = await dpSgdTrain(a, x, y, {
      noiseMultiplier: 0,
      maxGradNorm: Number.POSITIVE_INFINITY,
      batchSize: 10,
      seed: 'poisson-eq',
      optimizer: sgd({ lr: 0.1 }),
      threads: 1,
      onStep: () => dpSteps.push(flat(a.weights())),
    });
    expect(r.samplingRate).toBe(0.25);
    expect(r.expectedBatchSize).toBe(10);
    // The same sampling stream, then the engine's ordinary summed gradient.
    const rng = seededRandom('poisson-eq/sampling');
    const opt = sgd({ lr: 0.1 });
    const w = b.weights();
    for (let s = 0; s < r.steps; s++) {
      const idx = poissonSample(40, 0.25, rng);
      const g = new Map<string, Tensor<Float32Array>>();
      if (idx.length) {
        const out = await b.lossAndGradient(takeRows(x, idx), takeRows(y, idx), {
          wrt: 'weights',
          reduction: 'sum',
        });
        for (const [k, t] of out.weightGradients ?? [])
          g.set(k, { data: t.data.map((v) => v / 10), shape: t.shape });
      } else
        for (const [k, t] of w) g.set(k, { data: new Float32Array(t.data.length), shape: t.shape });
      opt.step(w, g);
      b.setWeights(w);
      expect(maxRel(dpSteps[s] as Float32Array, flat(w))).toBeLessThan(1e-4);
    }
    await a.release();
    await b.release();
  });

  it('clips: one noiseless step moves the weights by at most lr · C (q = 1, B = 32)', async () => {
    const { x, y } = fashion(32);
    const model = await loadModel(MODEL, { threads: 1 });
    const w0 = flat(model.weights());
    const C = 0.05;
    let moved = 0;
    await dpSgdTrain(model, x, y, {
      noiseMultiplier: 0,
      maxGradNorm: C,
      samplingRate: 1,
      seed: 1,
      optimizer: sgd({ lr: 1 }),
      threads: 1,
      onStep: () => {
        const w1 = flat(model.weights());
        let s = 0;
        for (let i = 0; i < w1.length; i++) s += ((w1[i] as number) - (w0[i] as number)) ** 2;
        moved = Math.sqrt(s);
      },
    });
    // ‖Σ c_i g_i‖ / 32 ≤ C, and the step is clipped, not vanishing.
    expect(moved).toBeLessThanOrEqual(C * (1 + 1e-5));
    expect(moved).toBeGreaterThan(C * 0.1);
    await model.release();
  });

  it('reports the accountant’s ε, which equals Opacus RDPAccountant for the same run', async () => {
    const { x, y } = fashion(64);
    const model = await loadModel(MODEL, { threads: 1 });
    const r = await dpSgdTrain(model, x, y, {
      noiseMultiplier: 1.1,
      maxGradNorm: 1,
      batchSize: 16,
      epochs: 2,
      delta: 1e-5,
      seed: 2,
      threads: 1,
    });
    expect(r.steps).toBe(8);
    expect(r.samplingRate).toBe(0.25);
    const ref = dpSgdEpsilon(
      { samplingRate: 0.25, noiseMultiplier: 1.1, steps: 8, delta: 1e-5 },
      { orders: OPACUS_ORDERS, series: 'opacus' },
    );
    expect(r.epsilon).toBe(ref.epsilon);
    expect(r.history[1]?.epsilon).toBe(ref.epsilon);
    expect(
      Math.abs(r.epsilon - OPACUS_EPSILON_Q025_S11_T8) / OPACUS_EPSILON_Q025_S11_T8,
    ).toBeLessThan(1e-9);
    await model.release();
  });

  it('solves σ for a target ε', async () => {
    const { x, y } = fashion(32);
    const model = await loadModel(MODEL, { threads: 1 });
    const r = await dpSgdTrain(model, x, y, {
      targetEpsilon: 3,
      batchSize: 8,
      epochs: 1,
      seed: 3,
      threads: 1,
    });
    expect(r.epsilon).toBeLessThanOrEqual(3);
    expect(r.epsilon).toBeGreaterThan(2.95);
    await model.release();
  });

  it('Poisson batch sizes follow Binomial(N, q) (χ² goodness of fit, seeded)', () => {
    const N = 400;
    const q = 0.05;
    const draws = 4000;
    const rng = seededRandom('binomial');
    const counts = new Map<number, number>();
    let sum = 0;
    let sumSq = 0;
    for (let d = 0; d < draws; d++) {
      const idx = poissonSample(N, q, rng);
      // Indices are distinct and sorted (each example at most once).
      for (let i = 1; i < idx.length; i++) expect(idx[i]).toBeGreaterThan(idx[i - 1] as number);
      counts.set(idx.length, (counts.get(idx.length) ?? 0) + 1);
      sum += idx.length;
      sumSq += idx.length ** 2;
    }
    const mean = sum / draws;
    const variance = sumSq / draws - mean ** 2;
    expect(Math.abs(mean - N * q)).toBeLessThan(
      (4 * Math.sqrt(N * q * (1 - q))) / Math.sqrt(draws),
    );
    expect(variance / (N * q * (1 - q))).toBeGreaterThan(0.9);
    expect(variance / (N * q * (1 - q))).toBeLessThan(1.1);
    // Binomial pmf by the recurrence; bins with expected count < 5 merged into the tails.
    const pmf: number[] = [(1 - q) ** N];
    for (let k = 1; k <= N; k++)
      pmf.push(((pmf[k - 1] as number) * (N - k + 1) * q) / (k * (1 - q)));
    let chi2 = 0;
    let bins = 0;
    let accE = 0;
    let accO = 0;
    for (let k = 0; k <= N; k++) {
      accE += (pmf[k] as number) * draws;
      accO += counts.get(k) ?? 0;
      if (accE >= 5 && (k === N || pmf.slice(k + 1).reduce((a, p) => a + p, 0) * draws >= 5)) {
        chi2 += (accO - accE) ** 2 / accE;
        bins++;
        accE = 0;
        accO = 0;
      }
    }
    if (accE > 0) chi2 += (accO - accE) ** 2 / accE;
    const df = bins - 1;
    // χ² 0.999 quantile ≈ df + 3.1·√(2 df) for df ≈ 20 (Wilson–Hilferty); a generous bound.
    expect(chi2).toBeLessThan(df + 3.5 * Math.sqrt(2 * df));
  });

  it('noise is N(0, σ²C²): moments of 200k seeded draws', () => {
    const v = new Float32Array(200_000);
    addGaussianNoise(v, 1.1, seededRandom('noise'));
    let m = 0;
    for (const x of v) m += x;
    m /= v.length;
    let m2 = 0;
    let m4 = 0;
    for (const x of v) {
      m2 += (x - m) ** 2;
      m4 += (x - m) ** 4;
    }
    m2 /= v.length;
    m4 /= v.length;
    expect(Math.abs(m)).toBeLessThan((4 * 1.1) / Math.sqrt(v.length));
    expect(Math.abs(m2 / 1.21 - 1)).toBeLessThan(0.01);
    expect(Math.abs(m4 / m2 ** 2 - 3)).toBeLessThan(0.05);
  });

  it('derives q, the expected batch and steps as Opacus; rejects bad options with the field', async () => {
    // Opacus: 60000 examples, DataLoader batch 256 → 235 batches, q = 1/235, expected 255.
    expect(dpSgdSchedule(60000, { batchSize: 256 })).toEqual({
      samplingRate: 1 / 235,
      expectedBatchSize: 255,
      stepsPerEpoch: 235,
    });
    expect(dpSgdSchedule(1000, { samplingRate: 0.01 })).toEqual({
      samplingRate: 0.01,
      expectedBatchSize: 10,
      stepsPerEpoch: 100,
    });
    const { x, y } = fashion(8);
    const model = await loadModel(MODEL, { threads: 1 });
    await expect(dpSgdTrain(model, x, y, { maxGradNorm: 0 })).rejects.toThrow(/maxGradNorm/);
    await expect(dpSgdTrain(model, x, y, { delta: 1 })).rejects.toThrow(/delta/);
    await expect(dpSgdTrain(model, x, y, { samplingRate: 2 })).rejects.toThrow(/samplingRate/);
    await expect(dpSgdTrain(model, x, y, { noiseMultiplier: -1 })).rejects.toThrow(
      /noiseMultiplier/,
    );
    await model.release();
  });
});
