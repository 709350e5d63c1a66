import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model, Tensor } from '../../../engine/index.js';
import { fashionData, fashionModel, linearModel } from '../fixtures/models.js';
import { createRng } from '../image.js';
import { certificationReport, certifiedAccuracy, certify } from './index.js';
import { normalQuantile } from './stats.js';

/** Φ(z) by numerical integration of the density (independent of normalQuantile). */
function normalCdf(z: number): number {
  // Simpson on [−12, z], fine enough for 1e-10.
  const lo = -12;
  const m = 20_000;
  const h = (z - lo) / m;
  let s = 0;
  for (let i = 0; i <= m; i++) {
    const t = lo + i * h;
    const f = Math.exp((-t * t) / 2) / Math.sqrt(2 * Math.PI);
    s += f * (i === 0 || i === m ? 1 : i % 2 ? 4 : 2);
  }
  return (s * h) / 3;
}

describe('certify on a linear two-class model (closed form)', () => {
  // f(x) = class 0 iff w·x + b > 0. Under x + N(0, σ²I), w·δ ~ N(0, σ²‖w‖²), so
  // P(f = 0) = Φ(m/(σ‖w‖)) with m = w·x + b, and the smoothed classifier's exact certified
  // radius σ·Φ⁻¹(pA) = m/‖w‖ is the distance to the boundary (Cohen et al. 2019, §3.1).
  const d = 8;
  const r = createRng(5);
  const w = Float64Array.from({ length: d }, () => r.normal());
  const norm = Math.sqrt(w.reduce((a, v) => a + v * v, 0));
  const distances = [0.1, 0.25, 0.4, 0, 2];
  const n = distances.length;
  const x: Tensor<Float32Array> = {
    data: Float32Array.from({ length: n * d }, () => 0.5 + 0.1 * r.normal()),
    shape: [n, d],
  };
  // Per-sample bias is impossible in one model, so each sample is shifted along w instead.
  const b = 0.05;
  for (let s = 0; s < n; s++) {
    let m = b;
    for (let i = 0; i < d; i++) m += (w[i] as number) * (x.data[s * d + i] as number);
    const shift = ((distances[s] as number) * norm - m) / (norm * norm);
    for (let i = 0; i < d; i++)
      x.data[s * d + i] = (x.data[s * d + i] as number) + shift * (w[i] as number);
  }
  const margin = (s: number) => {
    let m = b;
    for (let i = 0; i < d; i++) m += (w[i] as number) * (x.data[s * d + i] as number);
    return m;
  };
  let model: Model;
  beforeAll(async () => {
    const W = new Float32Array(2 * d);
    for (let i = 0; i < d; i++) {
      W[i] = w[i] as number;
      W[d + i] = -(w[i] as number);
    }
    model = await linearModel(W, Float32Array.from([b, -b]), d);
  });
  afterAll(() => model.release());

  it('counts follow Φ(m/σ‖w‖), radii are below and close to the boundary distance', async () => {
    const sigma = 0.25;
    const N = 20_000;
    const certs = await certify(model, x, { sigma, n: N, n0: 100, alpha: 0.001, seed: 1 });
    for (const s of [0, 1, 2]) {
      const c = certs[s];
      const dist = margin(s) / norm;
      expect(dist).toBeCloseTo(distances[s] as number, 5);
      const pA = normalCdf(dist / sigma);
      // The vote count is Binomial(N, pA): within 5 standard deviations.
      expect(Math.abs((c?.count as number) - N * pA)).toBeLessThan(
        5 * Math.sqrt(N * pA * (1 - pA)),
      );
      expect(c?.prediction).toBe(0);
      // A lower bound (with probability 1 − α) and, at N = 20 000, within 0.1·σ of the truth.
      expect(c?.radius).toBeLessThanOrEqual(dist);
      expect(c?.radius).toBeGreaterThan(dist - 0.1 * sigma);
      expect(c?.radius).toBeCloseTo(sigma * normalQuantile(c?.pALower as number), 12);
    }
    // On the boundary the smoothed classifier abstains.
    expect(certs[3]).toMatchObject({ prediction: -1, radius: 0 });
    // Far away every draw votes the same: p̲A = α^(1/N), the radius caps at σ·Φ⁻¹(α^(1/N)).
    expect(certs[4]?.count).toBe(N);
    expect(certs[4]?.radius).toBeCloseTo(sigma * normalQuantile(0.001 ** (1 / N)), 10);
  });

  it('certified accuracy at radii counts correct certificates with radius ≥ r', () => {
    const certs = [
      { prediction: 1, radius: 0.3, pALower: 0.9, count: 9 },
      { prediction: 2, radius: 0.6, pALower: 0.9, count: 9 },
      { prediction: -1, radius: 0, pALower: 0.4, count: 4 },
      { prediction: 0, radius: 1, pALower: 0.9, count: 9 },
    ];
    expect(certifiedAccuracy(certs, [1, 2, 3, 1], [0, 0.5, 1])).toEqual([
      { radius: 0, accuracy: 0.5 },
      { radius: 0.5, accuracy: 0.25 },
      { radius: 1, accuracy: 0 },
    ]);
  });
});

describe('certify on the Fashion-MNIST CNN', () => {
  let model: Model;
  const { x, y } = fashionData(8);
  beforeAll(async () => {
    model = await fashionModel();
  });
  afterAll(() => model.release());

  it('is seeded, batch-size independent, and reports the curve and abstain rate', async () => {
    const opts = { sigma: 0.12, n0: 20, n: 200, seed: 3 };
    const a = await certificationReport(model, x, y, { ...opts, batchSize: 200 });
    const b = await certificationReport(model, x, y, { ...opts, batchSize: 64 });
    expect(b).toEqual(a);
    expect(a.certifiedAccuracy.map((c) => c.radius)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const accs = a.certifiedAccuracy.map((c) => c.accuracy as number);
    for (let i = 1; i < accs.length; i++)
      expect(accs[i]).toBeLessThanOrEqual(accs[i - 1] as number);
    expect(a.abstain).toBeGreaterThanOrEqual(0);
    await expect(certify(model, x, { sigma: 0 })).rejects.toThrow(/sigma/);
    await expect(certify(model, x, { sigma: 0.1, alpha: 1 })).rejects.toThrow(/alpha/);
  });
});
