/**
 * @module The Laplace mechanism (pure ε-DP) for integer and real-valued queries, sampled
 * exactly: discrete Laplace for integers, and for reals the granularity scheme of Google's
 * differential-privacy library (round to a power-of-two lattice, add exact discrete Laplace
 * noise there, sensitivity widened by one lattice step).
 */
import { AisfError } from '../../../errors.js';
import { cryptoRandom, RandomBits, type RandomSource } from '../random.js';
import { div, type Rational, rationalFromDouble, sampleDiscreteLaplace } from './exact.js';

/** Options of a pure-ε mechanism. */
export interface PureDpOptions {
  /** Privacy parameter ε > 0 this release spends. */
  epsilon: number;
  /**
   * L1 sensitivity Δ > 0: the most the query can change when one record is added or removed
   * (for a count: 1; for a sum of values clamped to [lo, hi]: max(|lo|, |hi|)).
   */
  sensitivity: number;
  /** Random bits. @default cryptoRandom() (node:crypto CSPRNG) */
  rng?: RandomSource | RandomBits;
}

/** @internal Validates ε and Δ and names the field on failure. */
export function checkEpsilon(epsilon: number, field = 'epsilon'): void {
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) {
    throw new AisfError(
      'E_INPUT',
      `${field} must be a finite number > 0 (got ${epsilon}); smaller is more private, e.g. 0.1 to 1`,
    );
  }
}

/** @internal */
export function checkSensitivity(sensitivity: number): void {
  if (!(sensitivity > 0) || !Number.isFinite(sensitivity)) {
    throw new AisfError(
      'E_INPUT',
      `sensitivity must be a finite number > 0 (got ${sensitivity}); it bounds how much one record can change the query`,
    );
  }
}

/** @internal */
export function bitsOf(rng: RandomSource | RandomBits | undefined): RandomBits {
  if (rng instanceof RandomBits) return rng;
  return new RandomBits(rng ?? cryptoRandom());
}

/**
 * Smallest power of two ≥ x (x > 0), as a double. Google's `ceilPowerOfTwo`.
 *
 * @example
 * ceilPowerOfTwo(3); // 4
 */
export function ceilPowerOfTwo(x: number): number {
  if (!(x > 0)) throw new RangeError('ceilPowerOfTwo needs x > 0');
  let p = 2 ** Math.ceil(Math.log2(x));
  while (p < x) p *= 2;
  while (p / 2 >= x) p /= 2;
  return p;
}

/**
 * Laplace granularity as in Google's differential-privacy `go/noise/laplace_noise.go`: the
 * smallest power of two ≥ (Δ/ε)/2^40, so the noise spans ~2^40 lattice steps and the lattice
 * is far below the noise scale.
 */
export const LAPLACE_GRANULARITY_BITS = 40;

/**
 * Integer Laplace (geometric) mechanism: value + discrete Laplace noise with scale Δ/ε.
 * Guarantee: ε-DP (δ = 0) for an integer query whose L1 sensitivity is at most Δ (Δ need not
 * be an integer). Exact sampling (CKS20), CSPRNG by default.
 *
 * @example
 * discreteLaplaceMechanism(1234n, { epsilon: 0.5, sensitivity: 1 }); // e.g. 1231n
 */
export function discreteLaplaceMechanism(value: bigint, options: PureDpOptions): bigint {
  checkEpsilon(options.epsilon);
  checkSensitivity(options.sensitivity);
  const scale = div(rationalFromDouble(options.sensitivity), rationalFromDouble(options.epsilon));
  return value + sampleDiscreteLaplace(scale, bitsOf(options.rng));
}

/** The result of a real-valued release: the noisy value and how it was made. */
export interface RealRelease {
  value: number;
  /** Lattice step g: the value is an exact multiple of it. */
  granularity: number;
  /** Laplace scale b (or Gaussian σ) actually used, in the query's units. */
  scale: number;
}

/**
 * Real-valued Laplace mechanism, floating-point safe. The input is rounded to the lattice gℤ
 * (g = ceilPowerOfTwo((Δ/ε)/2^40)), exact discrete Laplace noise with scale (Δ + g)/(g·ε) is
 * added on the lattice, and the result is returned as a multiple of g. Rounding moves neighbouring
 * inputs apart by at most one step, hence the sensitivity Δ + g (Google's `λ = g·ε/(Δ + g)`).
 * Guarantee: ε-DP (δ = 0) for a real query of L1 sensitivity ≤ Δ. Every output is on the
 * lattice, so the least significant bits carry no information about the input (the attack of
 * Mironov, CCS 2012, on textbook `x − b·sgn(u)·ln(1 − 2|u|)`). This replaces Mironov's snapping
 * mechanism (no ε inflation or clamping needed).
 *
 * @example
 * laplaceMechanism(42.5, { epsilon: 1, sensitivity: 1 }).value; // e.g. 43.77… (a multiple of 2^-40)
 */
export function laplaceMechanism(value: number, options: PureDpOptions): RealRelease {
  checkEpsilon(options.epsilon);
  checkSensitivity(options.sensitivity);
  if (!Number.isFinite(value))
    throw new AisfError('E_INPUT', `value must be finite (got ${value})`);
  const g = laplaceGranularity(options.sensitivity, options.epsilon);
  const m = BigInt(Math.round(value / g)); // value/g is exact: g is a power of two
  return laplaceOnLattice(m, g, options.sensitivity + g, options);
}

/**
 * The lattice step for Laplace noise of scale Δ/ε: ceilPowerOfTwo((Δ/ε)/2^40) (Google).
 *
 * @example
 * laplaceGranularity(1, 1); // 2^-40
 */
export function laplaceGranularity(sensitivity: number, epsilon: number): number {
  return ceilPowerOfTwo(sensitivity / epsilon / 2 ** LAPLACE_GRANULARITY_BITS);
}

/**
 * Adds exact discrete Laplace noise to a value already on the lattice gℤ (given as the integer
 * m, value = m·g), for a query whose sensitivity *on the lattice values* is at most
 * `latticeSensitivity` (in the query's units, i.e. including any rounding slack). Scale in
 * lattice steps: latticeSensitivity/(g·ε). ε-DP.
 */
export function laplaceOnLattice(
  m: bigint,
  g: number,
  latticeSensitivity: number,
  options: Pick<PureDpOptions, 'epsilon' | 'rng'>,
): RealRelease {
  const gr = rationalFromDouble(g);
  const eps = rationalFromDouble(options.epsilon);
  const scale: Rational = div(rationalFromDouble(latticeSensitivity), {
    num: gr.num * eps.num,
    den: gr.den * eps.den,
  });
  const k = sampleDiscreteLaplace(scale, bitsOf(options.rng));
  // Number(m + k) rounds only above 2^53 steps, where doubles are multiples of 2g: still on gℤ.
  return { value: Number(m + k) * g, granularity: g, scale: latticeSensitivity / options.epsilon };
}
