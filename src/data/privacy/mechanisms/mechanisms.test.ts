/**
 * Statistical and closed-form tests of the samplers and mechanisms. All randomness is seeded
 * (seededRandom), so a failure reproduces; the tolerances are ≥ 5 standard errors of the
 * estimate, so a correct sampler fails with probability < 1e-6 per check, while a wrong scale
 * (e.g. uniform noise labelled Laplace, or a factor-2 variance error) fails for certain.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RandomBits, seededRandom } from '../random.js';
import {
  bernoulliExp,
  rationalFromDecimal,
  rationalFromDouble,
  sampleDiscreteGaussian,
  sampleDiscreteLaplace,
} from './exact.js';
import { exponentialMechanism } from './exponential.js';
import ref from './fixtures/gaussian.json' with { type: 'json' };
import {
  analyticGaussianSigma,
  classicGaussianSigma,
  discreteGaussianDelta,
  discreteGaussianMechanism,
  discreteGaussianSigma,
  gaussianDelta,
  gaussianMechanism,
} from './gaussian.js';
import { ceilPowerOfTwo, discreteLaplaceMechanism, laplaceMechanism } from './laplace.js';

const N = 40_000;

function moments(xs: readonly number[]) {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const m2 = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  const m4 = xs.reduce((a, b) => a + (b - mean) ** 4, 0) / n;
  return { mean, variance: m2, m4 };
}

/** |p̂ − p| ≤ 5 binomial standard errors. */
function expectProportion(count: number, n: number, p: number): void {
  const se = Math.sqrt((p * (1 - p)) / n);
  expect(Math.abs(count / n - p)).toBeLessThanOrEqual(5 * se + 1e-12);
}

/** Sample mean and variance within 5 standard errors of the true values. */
function expectMoments(xs: readonly number[], mean: number, variance: number): void {
  const m = moments(xs);
  expect(Math.abs(m.mean - mean)).toBeLessThanOrEqual(5 * Math.sqrt(variance / xs.length));
  const varianceSe = Math.sqrt((m.m4 - m.variance ** 2) / xs.length);
  expect(Math.abs(m.variance - variance)).toBeLessThanOrEqual(5 * varianceSe);
}

describe('exact rationals', () => {
  it('converts doubles exactly', () => {
    expect(rationalFromDouble(0.5)).toEqual({ num: 1n, den: 2n });
    expect(rationalFromDouble(-3)).toEqual({ num: -3n, den: 1n });
    expect(rationalFromDouble(0.1)).toEqual({ num: 3602879701896397n, den: 36028797018963968n });
    expect(rationalFromDouble(5e-324)).toEqual({ num: 1n, den: 2n ** 1074n });
    expect(rationalFromDecimal(0.1)).toEqual({ num: 1n, den: 10n });
    expect(rationalFromDecimal(1e-7)).toEqual({ num: 1n, den: 10_000_000n });
    expect(rationalFromDecimal(2.5e21)).toEqual({ num: 2_500_000_000_000_000_000_000n, den: 1n });
  });

  it('rationalFromDouble is exact for every finite double (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const { num, den } = rationalFromDouble(x);
        const k = den.toString(2).length - 1;
        expect(den).toBe(1n << BigInt(k)); // a power of two…
        expect(k === 0 || num % 2n !== 0n).toBe(true); // …in lowest terms
        const half = Math.floor(k / 2);
        // num < 2^53 so Number(num) is exact; two power-of-two scalings stay exact.
        expect(Number(num) * 2 ** -half * 2 ** -(k - half)).toBe(x === 0 ? 0 : x);
      }),
      { numRuns: 2000 },
    );
  });

  it('ceilPowerOfTwo', () => {
    expect(ceilPowerOfTwo(3)).toBe(4);
    expect(ceilPowerOfTwo(4)).toBe(4);
    expect(ceilPowerOfTwo(2 ** -40)).toBe(2 ** -40);
    expect(ceilPowerOfTwo(0.3)).toBe(0.5);
  });
});

describe('Bernoulli(exp(−γ)) (CKS20 Alg. 1)', () => {
  it.each([
    [1n, 3n],
    [5n, 2n],
    [0n, 1n],
  ])('γ = %i/%i has frequency e^{−γ}', (num, den) => {
    const rng = new RandomBits(seededRandom(`bexp${num}/${den}`));
    let hits = 0;
    for (let i = 0; i < N; i++) if (bernoulliExp({ num, den }, rng)) hits++;
    expectProportion(hits, N, Math.exp(-Number(num) / Number(den)));
  });
});

describe('discrete Laplace (CKS20 Alg. 2)', () => {
  it.each([
    [3n, 1n],
    [5n, 2n],
    [1n, 4n],
  ])('scale %i/%i: pmf at 0, tail, mean and variance equal the closed forms', (num, den) => {
    const b = Number(num) / Number(den);
    const rng = new RandomBits(seededRandom(`dlap${num}/${den}`));
    const xs: number[] = [];
    for (let i = 0; i < N; i++) xs.push(Number(sampleDiscreteLaplace({ num, den }, rng)));
    const r = Math.exp(-1 / b);
    // P(k) = (1 − r)/(1 + r) · r^|k|; Var = 2r/(1 − r)²; P(|k| ≥ m) = 2r^m/(1 + r).
    expectProportion(xs.filter((x) => x === 0).length, N, (1 - r) / (1 + r));
    const m = Math.max(1, Math.round(3 * b));
    expectProportion(xs.filter((x) => Math.abs(x) >= m).length, N, (2 * r ** m) / (1 + r));
    expectMoments(xs, 0, (2 * r) / (1 - r) ** 2);
    expect(xs.every(Number.isInteger)).toBe(true);
  });
});

describe('discrete Gaussian (CKS20 Alg. 3)', () => {
  it.each([
    [9n, 1n],
    [1n, 4n],
    [1000n, 3n],
  ])('σ² = %i/%i: pmf at 0, tail and variance equal the closed-form sums', (num, den) => {
    const s2 = Number(num) / Number(den);
    const rng = new RandomBits(seededRandom(`dgauss${num}/${den}`));
    const xs: number[] = [];
    for (let i = 0; i < N; i++) xs.push(Number(sampleDiscreteGaussian({ num, den }, rng)));
    // Normaliser and moments by direct summation of exp(−k²/(2σ²)) over |k| ≤ 40σ + 10.
    const K = Math.ceil(40 * Math.sqrt(s2)) + 10;
    let z = 0;
    let second = 0;
    for (let k = -K; k <= K; k++) {
      const w = Math.exp(-(k * k) / (2 * s2));
      z += w;
      second += k * k * w;
    }
    const m = Math.max(1, Math.round(2 * Math.sqrt(s2)));
    let tail = 0;
    for (let k = m; k <= K; k++) tail += (2 * Math.exp(-(k * k) / (2 * s2))) / z;
    expectProportion(xs.filter((x) => x === 0).length, N, 1 / z);
    expectProportion(xs.filter((x) => Math.abs(x) >= m).length, N, tail);
    expectMoments(xs, 0, second / z);
    expect(xs.every(Number.isInteger)).toBe(true);
  });
});

describe('Laplace mechanism', () => {
  it('integer: adds discrete Laplace with scale Δ/ε', () => {
    const rng = new RandomBits(seededRandom('int-laplace'));
    const xs: number[] = [];
    for (let i = 0; i < N; i++) {
      xs.push(Number(discreteLaplaceMechanism(100n, { epsilon: 0.5, sensitivity: 1, rng }) - 100n));
    }
    const r = Math.exp(-0.5);
    expectMoments(xs, 0, (2 * r) / (1 - r) ** 2);
  });

  it('real: variance 2b² (diffprivlib test_Laplace: 2.0 at ε = 1, Δ = 1), median at the input, every output on the 2^-40 lattice', () => {
    const rng = new RandomBits(seededRandom('real-laplace'));
    const xs: number[] = [];
    let granularity = 0;
    for (let i = 0; i < N; i++) {
      const r = laplaceMechanism(0.3, { epsilon: 1, sensitivity: 1, rng });
      granularity = r.granularity;
      expect(Number.isInteger(r.value / r.granularity)).toBe(true);
      xs.push(r.value - 0.3);
    }
    expect(granularity).toBe(2 ** -40);
    const b = 1 + 2 ** -40;
    expectMoments(xs, 0, 2 * b * b);
    // Median of Laplace is the input; P(noise ≤ 0) = 1/2 (plus the lattice atom, ~2^-41).
    expectProportion(xs.filter((x) => x <= 0).length, N, 0.5);
    // Tail: P(|noise| > 3b) = e^{-3}.
    expectProportion(xs.filter((x) => Math.abs(x) > 3 * b).length, N, Math.exp(-3));
  });

  it('real: large values and coarse lattices stay on the lattice', () => {
    const rng = new RandomBits(seededRandom('lattice'));
    for (const [value, sensitivity, epsilon] of [
      [1e15, 1e6, 0.01],
      [-123.456, 1, 10],
      [2 ** 60, 1, 1],
    ] as const) {
      for (let i = 0; i < 200; i++) {
        const r = laplaceMechanism(value, { epsilon, sensitivity, rng });
        expect(Number.isInteger(r.value / r.granularity)).toBe(true);
      }
    }
  });

  it('rejects ε ≤ 0 and non-finite inputs, naming the field', () => {
    expect(() => laplaceMechanism(1, { epsilon: -1, sensitivity: 1 })).toThrow(/epsilon must be/);
    expect(() => laplaceMechanism(1, { epsilon: 1, sensitivity: 0 })).toThrow(/sensitivity/);
    expect(() => laplaceMechanism(Number.NaN, { epsilon: 1, sensitivity: 1 })).toThrow(/finite/);
  });
});

describe('Gaussian mechanism', () => {
  it.each(ref.analytic)(
    'analytic σ for ε=$epsilon δ=$delta Δ=$sensitivity equals diffprivlib GaussianAnalytic',
    (c) => {
      const sigma = analyticGaussianSigma(c.epsilon, c.delta, c.sensitivity);
      expect(Math.abs(sigma - c.sigma) / c.sigma).toBeLessThan(1e-9);
      // And it solves the Balle–Wang equation (the exact privacy profile) for δ.
      expect(
        Math.abs(gaussianDelta(sigma, c.epsilon, c.sensitivity) - c.delta) / c.delta,
      ).toBeLessThan(1e-8);
      expect(gaussianDelta(sigma, c.epsilon, c.sensitivity)).toBeLessThanOrEqual(c.delta);
    },
  );

  it.each(ref.classic)('classic σ for ε=$epsilon δ=$delta equals diffprivlib Gaussian', (c) => {
    const sigma = classicGaussianSigma(c.epsilon, c.delta, c.sensitivity);
    expect(Math.abs(sigma - c.sigma) / c.sigma).toBeLessThan(1e-12);
  });

  it('classic σ = √(2 ln 125000) at ε → 1, δ = 1e-5 (4.844805) and refuses ε ≥ 1', () => {
    expect(classicGaussianSigma(1 - 1e-15, 1e-5, 1)).toBeCloseTo(4.844805, 5);
    expect(() => classicGaussianSigma(1, 1e-5, 1)).toThrow(/epsilon < 1/);
  });

  it('the analytic σ at (1, 1e-6) is below the RDP-calibrated σ of dp_accounting test_compute_epsilon_delta_gaussian', () => {
    // 4.530877117 gives (1, 1e-6) through RDP, which is looser than the exact profile.
    expect(analyticGaussianSigma(1, 1e-6, 1)).toBeLessThan(4.530877117);
    expect(gaussianDelta(4.530877117, 1, 1)).toBeLessThan(1e-6);
  });

  it.each([
    [2, 3, 0.5],
    [1.3, 1, 1],
    [10, 2, 0.2],
    [0.6, 1, 2],
  ])(
    'discrete δ(ε) for σ=%d, Δ=%d, ε=%d equals the hockey-stick divergence summed from the definition',
    (sigma, sensitivity, epsilon) => {
      // Σ_y max(0, P(y) − e^ε Q(y)), P = N_ℤ(0, σ²), Q = N_ℤ(Δ, σ²), by brute force.
      const K = Math.ceil(60 * sigma) + 10;
      const w = (y: number) => Math.exp(-(y * y) / (2 * sigma * sigma));
      let z = 0;
      for (let y = -K; y <= K; y++) z += w(y);
      let delta = 0;
      for (let y = -K; y <= K; y++)
        delta += Math.max(0, w(y) / z - (Math.exp(epsilon) * w(y - sensitivity)) / z);
      expect(Math.abs(discreteGaussianDelta(sigma, epsilon, sensitivity) - delta)).toBeLessThan(
        1e-12 + 1e-9 * delta,
      );
    },
  );

  it('the discrete profile approaches the continuous one as σ grows (σ = 200, Δ = 50)', () => {
    const d = discreteGaussianDelta(200, 1, 50);
    expect(Math.abs(d - gaussianDelta(200, 1, 50)) / d).toBeLessThan(1e-3);
  });

  it('discrete σ is the smallest σ meeting δ on the exact discrete profile', () => {
    for (const [eps, delta, sens] of [
      [1, 1e-6, 1],
      [0.5, 1e-5, 3],
      [2, 1e-8, 10],
    ] as const) {
      const sigma = discreteGaussianSigma(eps, delta, sens);
      expect(discreteGaussianDelta(sigma, eps, sens)).toBeLessThanOrEqual(delta);
      expect(discreteGaussianDelta(sigma * (1 - 1e-6), eps, sens)).toBeGreaterThan(
        delta * (1 - 1e-9),
      );
      // Close to the continuous analytic σ (diffprivlib GaussianAnalytic) for the same Δ.
      expect(Math.abs(sigma / analyticGaussianSigma(eps, delta, sens) - 1)).toBeLessThan(0.02);
    }
  });

  it('real: variance σ², σ within 0.15 % of diffprivlib analytic σ, every output on the lattice', () => {
    const rng = new RandomBits(seededRandom('real-gauss'));
    const xs: number[] = [];
    let sigma = 0;
    let granularity = 0;
    for (let i = 0; i < N / 2; i++) {
      const r = gaussianMechanism(5, { epsilon: 1, delta: 1e-6, sensitivity: 1, rng });
      expect(Number.isInteger(r.value / r.granularity)).toBe(true);
      sigma = r.scale;
      granularity = r.granularity;
      xs.push(r.value - 5);
    }
    expect(granularity).toBe(2 ** -10); // min(ceilPow2(4.2247/2^12), floorPow2(1/2^10)): ~4326 steps per σ
    const analytic = (ref.analytic[0] as { sigma: number }).sigma;
    expect(sigma / analytic).toBeGreaterThan(0.999);
    expect(sigma / analytic).toBeLessThan(1.0015); // widening (⌊1/g⌋ + 1)g = 1 + 2^-10
    expectMoments(xs, 0, sigma * sigma);
    // Tail: P(|Z| > 2σ) = 2Φ(−2) = 0.04550026389635842.
    expectProportion(
      xs.filter((x) => Math.abs(x) > 2 * sigma).length,
      xs.length,
      0.04550026389635842,
    );
  });

  it('integer: discrete Gaussian noise with the exactly calibrated σ; coarse lattice for large noise', () => {
    const rng = new RandomBits(seededRandom('int-gauss'));
    const xs: number[] = [];
    let sigma = 0;
    for (let i = 0; i < N / 2; i++) {
      const r = discreteGaussianMechanism(7n, { epsilon: 0.5, delta: 1e-5, sensitivity: 1, rng });
      expect(r.granularity).toBe(1);
      sigma = r.sigma;
      xs.push(Number(r.value - 7n));
    }
    expect(sigma).toBe(discreteGaussianSigma(0.5, 1e-5, 1));
    expectMoments(xs, 0, sigma * sigma);
    const big = discreteGaussianMechanism(-1_000_001n, {
      epsilon: 0.1,
      delta: 1e-6,
      sensitivity: 10_000,
      rng,
    });
    expect(big.granularity).toBeGreaterThan(1);
    expect(big.value % BigInt(big.granularity)).toBe(0n);
  });
});

describe('exponential mechanism', () => {
  it('P(best of utilities [0, 1], ε = 2, Δ = 1) = e/(1 + e) = 0.731059', () => {
    const rng = new RandomBits(seededRandom('expmech'));
    let hits = 0;
    for (let i = 0; i < N; i++)
      if (exponentialMechanism([0, 1], { epsilon: 2, sensitivity: 1, rng }) === 1) hits++;
    expectProportion(hits, N, Math.E / (1 + Math.E));
  });

  it('matches exp(ε u/(2Δ)) / Z over five candidates, and exp(ε u/Δ) when monotonic', () => {
    const utilities = [0, 0.5, 1, 2, -3];
    for (const monotonic of [false, true]) {
      const rng = new RandomBits(seededRandom(`expmech5${monotonic}`));
      const counts = utilities.map(() => 0);
      for (let i = 0; i < N; i++) {
        const r = exponentialMechanism(utilities, { epsilon: 1, sensitivity: 1, monotonic, rng });
        counts[r] = (counts[r] as number) + 1;
      }
      const w = utilities.map((u) => Math.exp(u / (monotonic ? 1 : 2)));
      const z = w.reduce((a, b) => a + b, 0);
      counts.forEach((c, k) => {
        expectProportion(c, N, (w[k] as number) / z);
      });
    }
  });

  it('rejects empty candidate sets and non-finite utilities', () => {
    expect(() => exponentialMechanism([], { epsilon: 1, sensitivity: 1 })).toThrow(/candidates/);
    expect(() => exponentialMechanism([1, Number.NaN], { epsilon: 1, sensitivity: 1 })).toThrow(
      /finite/,
    );
  });
});

describe('random sources', () => {
  it('seeded streams reproduce and differ by seed; bytes are uniform', () => {
    const a = new RandomBits(seededRandom(1));
    const b = new RandomBits(seededRandom(1));
    const c = new RandomBits(seededRandom(2));
    const xa = Array.from({ length: 50 }, () => a.bits(32));
    expect(Array.from({ length: 50 }, () => b.bits(32))).toEqual(xa);
    expect(Array.from({ length: 50 }, () => c.bits(32))).not.toEqual(xa);
    const counts = new Array(256).fill(0);
    for (let i = 0; i < 256 * 200; i++) counts[a.byte()]++;
    // χ² with 255 dof: mean 255, sd ≈ 22.6; 5 sd bound.
    const chi2 = counts.reduce((s, k) => s + (k - 200) ** 2 / 200, 0);
    expect(chi2).toBeLessThan(255 + 5 * Math.sqrt(2 * 255));
  });

  it('below(n) is uniform (no modulo bias) for n = 3', () => {
    const rng = new RandomBits(seededRandom('below'));
    const counts = [0, 0, 0];
    for (let i = 0; i < N; i++) {
      const k = Number(rng.below(3n));
      counts[k] = (counts[k] as number) + 1;
    }
    for (const c of counts) expectProportion(c, N, 1 / 3);
  });
});
