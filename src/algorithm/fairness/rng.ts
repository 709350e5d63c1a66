/** @module Seeded pseudo-random numbers for the fairness area: uniform, gamma, beta, binomial. */

/**
 * A seeded generator (mulberry32 on a 32-bit state, then two draws per double so results have
 * 53 random bits). Reproducible across platforms: every randomized fairness step takes one.
 *
 * @example
 * const rng = createRng(42);
 * rng.next(); // 0 <= x < 1, the same for seed 42 on every machine
 */
export interface Rng {
  /** A uniform double in [0, 1). */
  next: () => number;
}

/** Creates a seeded generator (see {@link Rng}). */
export function createRng(seed: number): Rng {
  let state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  const u32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return {
    next: () => ((u32() >>> 5) * 67108864 + (u32() >>> 6)) / 9007199254740992,
  };
}

/** A standard normal draw (Box–Muller; one value per call, the second discarded for simplicity). */
export function normal(rng: Rng): number {
  let u = rng.next();
  while (u === 0) u = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** A Gamma(shape, 1) draw: Marsaglia & Tsang (2000), with the shape < 1 boost. */
export function gamma(rng: Rng, shape: number): number {
  if (shape < 1) {
    let u = rng.next();
    while (u === 0) u = rng.next();
    return gamma(rng, shape + 1) * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(a, b) draw from two gamma draws. */
export function beta(rng: Rng, a: number, b: number): number {
  const x = gamma(rng, a);
  const y = gamma(rng, b);
  return x / (x + y);
}

/**
 * An exact Binomial(n, p) draw in O(log n) beta draws: Knuth, TAOCP vol. 2 §3.4.1 (the median
 * order statistic of n uniforms is Beta-distributed), finishing with Bernoulli trials for n ≤ 16.
 * Exactness matters: the bootstrap resamples cell counts with it.
 */
export function binomial(rng: Rng, trials: number, probability: number): number {
  let n = trials;
  let p = probability;
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  let k = 0;
  while (n > 16) {
    const a = 1 + Math.floor(n / 2);
    const b = n - a + 1;
    const x = beta(rng, a, b);
    if (x >= p) {
      n = a - 1;
      p /= x;
    } else {
      k += a;
      n = b - 1;
      p = (p - x) / (1 - x);
    }
    if (p <= 0) return k;
    if (p >= 1) return k + n;
  }
  for (let i = 0; i < n; i++) if (rng.next() < p) k++;
  return k;
}

/**
 * A Multinomial(n, probs) draw by conditional binomials: cell i gets Binomial(remaining,
 * p_i / remaining mass). Used by the exact cell-count bootstrap.
 */
export function multinomial(rng: Rng, n: number, probs: readonly number[]): number[] {
  const out = new Array<number>(probs.length).fill(0);
  let last = -1;
  for (let i = 0; i < probs.length; i++) if ((probs[i] ?? 0) > 0) last = i;
  let remaining = n;
  let mass = 1;
  for (let i = 0; i <= last && remaining > 0; i++) {
    const p = probs[i] ?? 0;
    if (p <= 0) continue;
    if (i === last || mass <= p) {
      out[i] = remaining;
      break;
    }
    const draw = binomial(rng, remaining, Math.min(1, p / mass));
    out[i] = draw;
    remaining -= draw;
    mass -= p;
  }
  return out;
}
