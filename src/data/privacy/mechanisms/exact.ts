/**
 * @module Exact samplers over the integers (Canonne, Kamath & Steinke 2020, "The Discrete
 * Gaussian for Differential Privacy", Algorithms 1–3): Bernoulli(exp(−γ)), geometric, discrete
 * Laplace and discrete Gaussian, with rational parameters as BigInt fractions. No floating point
 * touches the noise, so the outputs carry none of the float artefacts Mironov (CCS 2012) used
 * to break textbook Laplace.
 */
import type { RandomBits } from '../random.js';

/** A non-negative rational num/den as BigInts (den > 0). */
export interface Rational {
  num: bigint;
  den: bigint;
}

const ZERO: Rational = { num: 0n, den: 1n };

/**
 * The exact value of a finite double as a rational (every double is m·2^e).
 *
 * @example
 * rationalFromDouble(0.1); // { num: 3602879701896397n, den: 36028797018963968n }
 */
export function rationalFromDouble(x: number): Rational {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  if (x === 0) return ZERO;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const sign = hi >>> 31 ? -1n : 1n;
  const exponent = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (exponent === 0) {
    e = -1074; // subnormal
  } else {
    mantissa |= 1n << 52n;
    e = exponent - 1075;
  }
  if (e >= 0) return { num: sign * (mantissa << BigInt(e)), den: 1n };
  return reduce({ num: sign * mantissa, den: 1n << BigInt(-e) });
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function reduce(r: Rational): Rational {
  const g = gcd(r.num, r.den);
  return g > 1n ? { num: r.num / g, den: r.den / g } : r;
}

/** a·b for rationals. */
export function mul(a: Rational, b: Rational): Rational {
  return reduce({ num: a.num * b.num, den: a.den * b.den });
}

/** a/b for rationals (b ≠ 0). */
export function div(a: Rational, b: Rational): Rational {
  if (b.num === 0n) throw new RangeError('division by zero');
  const sign = b.num < 0n ? -1n : 1n;
  return reduce({ num: sign * a.num * b.den, den: sign * a.den * b.num });
}

/** a + b for rationals. */
export function add(a: Rational, b: Rational): Rational {
  return reduce({ num: a.num * b.den + b.num * a.den, den: a.den * b.den });
}

/**
 * Bernoulli(exp(−γ)) for a rational γ ≥ 0, exactly (CKS20 Algorithm 1: for γ ∈ [0, 1] draw
 * A_k ~ Bernoulli(γ/k) for k = 1, 2, … until one is 0 and return whether that k is odd; for
 * γ > 1 use exp(−γ) = exp(−1)^⌊γ⌋ · exp(−(γ − ⌊γ⌋))).
 */
export function bernoulliExp(gamma: Rational, rng: RandomBits): boolean {
  if (gamma.num < 0n) throw new RangeError('bernoulliExp needs γ ≥ 0');
  let g = gamma;
  while (g.num > g.den) {
    if (!bernoulliExp01({ num: 1n, den: 1n }, rng)) return false;
    g = { num: g.num - g.den, den: g.den };
  }
  return bernoulliExp01(g, rng);
}

function bernoulliExp01(gamma: Rational, rng: RandomBits): boolean {
  let k = 1n;
  for (;;) {
    // Bernoulli(γ/k) = Bernoulli(num / (den·k))
    if (!rng.bernoulli(gamma.num, gamma.den * k)) return k % 2n === 1n;
    k += 1n;
  }
}

/** Geometric: the number of successes of Bernoulli(exp(−x)) before the first failure. */
function geometricExpSlow(x: Rational, rng: RandomBits): bigint {
  let k = 0n;
  while (bernoulliExp(x, rng)) k += 1n;
  return k;
}

/**
 * Geometric with P(k) = (1 − e^{−x}) e^{−xk}, k ≥ 0, for rational x = s/t > 0 in O(1) expected
 * time however small x is (CKS20 Algorithm 2, the U + t·V decomposition).
 */
export function geometricExp(x: Rational, rng: RandomBits): bigint {
  if (x.num <= 0n) throw new RangeError('geometricExp needs x > 0');
  const s = x.num;
  const t = x.den;
  let u: bigint;
  for (;;) {
    u = rng.below(t);
    if (bernoulliExp({ num: u, den: t }, rng)) break;
  }
  const v = geometricExpSlow({ num: 1n, den: 1n }, rng);
  return (u + t * v) / s;
}

/**
 * Discrete Laplace: P(y) ∝ exp(−|y|/scale) on the integers, for a rational scale > 0
 * (CKS20 Algorithm 2). Adding it to an integer query of L1 sensitivity Δ with scale = Δ/ε is
 * ε-DP (pure), the discrete analogue of the Laplace mechanism (geometric mechanism).
 *
 * @example
 * sampleDiscreteLaplace({ num: 2n, den: 1n }, new RandomBits(seededRandom(1)));
 */
export function sampleDiscreteLaplace(scale: Rational, rng: RandomBits): bigint {
  if (scale.num <= 0n) throw new RangeError('discrete Laplace needs scale > 0');
  const inverse: Rational = { num: scale.den, den: scale.num };
  for (;;) {
    const positive = rng.bernoulli(1n, 2n);
    const magnitude = geometricExp(inverse, rng);
    // Reject (negative, 0) so that 0 is not drawn twice as often.
    if (positive || magnitude !== 0n) return positive ? magnitude : -magnitude;
  }
}

/** ⌊√n⌋ for n ≥ 0 (Newton's method on BigInts). */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  // Newton from a float guess, then correct by ±1 steps.
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}

/**
 * Discrete Gaussian: P(y) ∝ exp(−y²/(2σ²)) on the integers, for a rational variance σ² > 0
 * (CKS20 Algorithm 3: discrete-Laplace proposal with t = ⌊σ⌋ + 1, accepted with probability
 * exp(−(|y| − σ²/t)²/(2σ²))). Adding it to an integer query of L2 sensitivity Δ is
 * (Δ²/(2σ²))-zCDP, exactly like the continuous Gaussian (CKS20), and its RDP at order α is
 * αΔ²/(2σ²) (the same curve the accountant uses).
 *
 * @example
 * sampleDiscreteGaussian({ num: 9n, den: 1n }, new RandomBits(seededRandom(1))); // σ = 3
 */
export function sampleDiscreteGaussian(sigmaSquared: Rational, rng: RandomBits): bigint {
  if (sigmaSquared.num <= 0n) throw new RangeError('discrete Gaussian needs σ² > 0');
  const t = isqrt(sigmaSquared.num / sigmaSquared.den) + 1n;
  const tRational: Rational = { num: t, den: 1n };
  const sigmaSquaredOverT = div(sigmaSquared, tRational);
  const twoSigmaSquared = mul(sigmaSquared, { num: 2n, den: 1n });
  for (;;) {
    const y = sampleDiscreteLaplace(tRational, rng);
    const absY = y < 0n ? -y : y;
    // bias = (|y| − σ²/t)² / (2σ²)
    const diff = add(
      { num: absY, den: 1n },
      { num: -sigmaSquaredOverT.num, den: sigmaSquaredOverT.den },
    );
    const bias = div(mul(diff, diff), twoSigmaSquared);
    if (bernoulliExp(bias, rng)) return y;
  }
}

/**
 * The rational a double *prints as* (its shortest round-trip decimal, e.g. 0.1 → 1/10), for
 * user-facing amounts such as privacy budgets: three charges of ε = 0.1 then fit a budget of
 * 0.3 exactly, as the user means, while rationalFromDouble(0.1) is 0.1000000000000000055….
 *
 * @example
 * rationalFromDecimal(0.1); // { num: 1n, den: 10n }
 */
export function rationalFromDecimal(x: number): Rational {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (!match) throw new RangeError(`cannot parse ${x}`);
  const [, sign, whole, fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText) - fraction.length;
  let num = BigInt(`${whole}${fraction}`);
  let den = 1n;
  if (exponent >= 0) num *= 10n ** BigInt(exponent);
  else den = 10n ** BigInt(-exponent);
  return reduce({ num: sign === '-' ? -num : num, den });
}
