/**
 * @module The Gaussian mechanism ((ε, δ)-DP): classic and analytic (Balle & Wang 2018)
 * calibration of σ, and exact sampling — discrete Gaussian for integer queries, discrete Gaussian
 * on a power-of-two lattice for real-valued queries.
 */
import { AisfError } from '../../../errors.js';
import type { RandomBits, RandomSource } from '../random.js';
import { logNdtr } from '../special.js';
import { mul, rationalFromDouble, sampleDiscreteGaussian } from './exact.js';
import {
  bitsOf,
  ceilPowerOfTwo,
  checkEpsilon,
  checkSensitivity,
  type RealRelease,
} from './laplace.js';

/**
 * How σ is chosen from (ε, δ, Δ):
 * - `analytic` (default): the smallest σ with Φ(Δ/(2σ) − εσ/Δ) − e^ε Φ(−Δ/(2σ) − εσ/Δ) ≤ δ
 *   (Balle & Wang 2018, "Improving the Gaussian mechanism…", Thm 8) — exact for every ε > 0;
 * - `classic`: σ = Δ·√(2 ln(1.25/δ))/ε (Dwork & Roth 2014, Thm A.1), valid only for ε < 1
 *   (diffprivlib `Gaussian` enforces ε ≤ 1 too).
 */
export const GAUSSIAN_CALIBRATIONS = ['analytic', 'classic'] as const;
/** One of GAUSSIAN_CALIBRATIONS. */
export type GaussianCalibration = (typeof GAUSSIAN_CALIBRATIONS)[number];

/** Options of the Gaussian mechanisms. */
export interface GaussianOptions {
  /** ε > 0 this release spends. */
  epsilon: number;
  /** δ in (0, 1) this release spends. */
  delta: number;
  /** L2 sensitivity Δ > 0 under add/remove-one-record. */
  sensitivity: number;
  /**
   * σ calibration for `gaussianSigma`. The sampling mechanisms ignore it: they always calibrate
   * on the exact privacy profile of the discrete Gaussian they sample. @default 'analytic'
   */
  calibration?: GaussianCalibration;
  /** Random bits. @default cryptoRandom() (node:crypto CSPRNG) */
  rng?: RandomSource | RandomBits;
}

function checkDelta(delta: number): void {
  if (!(delta > 0 && delta < 1)) {
    throw new AisfError(
      'E_INPUT',
      `delta must be in (0, 1) (got ${delta}); use e.g. 1e-6, well below 1/number of records`,
    );
  }
}

/**
 * Classic Gaussian σ = Δ·√(2 ln(1.25/δ))/ε; (ε, δ)-DP for ε < 1 only (throws otherwise).
 *
 * @example
 * classicGaussianSigma(1 - 1e-12, 1e-5, 1); // ≈ 4.844805
 */
export function classicGaussianSigma(epsilon: number, delta: number, sensitivity: number): number {
  checkEpsilon(epsilon);
  checkDelta(delta);
  checkSensitivity(sensitivity);
  if (epsilon >= 1) {
    throw new AisfError(
      'E_INPUT',
      `the classic Gaussian calibration is only valid for epsilon < 1 (got ${epsilon}); use the analytic calibration`,
    );
  }
  return (sensitivity * Math.sqrt(2 * Math.log(1.25 / delta))) / epsilon;
}

/**
 * δ of the Gaussian mechanism with std σ at a given ε (Balle & Wang 2018 Thm 8), the exact
 * privacy profile: Φ(Δ/(2σ) − εσ/Δ) − e^ε Φ(−Δ/(2σ) − εσ/Δ).
 *
 * @example
 * gaussianDelta(4.530877117, 1, 1); // ≈ 1e-6 (dp_accounting test_compute_epsilon_delta_gaussian)
 */
export function gaussianDelta(sigma: number, epsilon: number, sensitivity: number): number {
  const a = sensitivity / (2 * sigma) - (epsilon * sigma) / sensitivity;
  const b = -sensitivity / (2 * sigma) - (epsilon * sigma) / sensitivity;
  return Math.exp(logNdtr(a)) - Math.exp(epsilon + logNdtr(b));
}

/**
 * Analytic Gaussian σ (Balle & Wang 2018): the smallest σ whose exact privacy profile gives
 * δ(ε) ≤ δ, found by bisection on log σ to a relative width of 1e-12 and rounded up (the
 * returned σ always satisfies the bound). Valid for every ε > 0.
 *
 * @example
 * analyticGaussianSigma(1, 1e-6, 1); // ≈ 4.530877
 */
export function analyticGaussianSigma(epsilon: number, delta: number, sensitivity: number): number {
  checkEpsilon(epsilon);
  checkDelta(delta);
  checkSensitivity(sensitivity);
  // δ(σ) decreases in σ. Bracket: σ_hi from the classic bound at min(ε, 0.5) is always enough.
  let lo = 1e-12 * sensitivity;
  let hi = (sensitivity * Math.sqrt(2 * Math.log(1.25 / delta))) / Math.min(epsilon, 0.5);
  while (gaussianDelta(hi, epsilon, sensitivity) > delta) hi *= 2;
  if (gaussianDelta(lo, epsilon, sensitivity) <= delta) return lo;
  while (hi / lo - 1 > 1e-12) {
    const mid = Math.sqrt(lo * hi);
    if (gaussianDelta(mid, epsilon, sensitivity) <= delta) hi = mid;
    else lo = mid;
  }
  return hi;
}

const sigmaCache = new Map<string, number>();

/** σ for the options' calibration (memoised: releases in a loop reuse it). */
export function gaussianSigma(options: GaussianOptions): number {
  const calibration = options.calibration ?? 'analytic';
  const key = `${calibration}:${options.epsilon}:${options.delta}:${options.sensitivity}`;
  const cached = sigmaCache.get(key);
  if (cached !== undefined) return cached;
  const sigma =
    calibration === 'classic'
      ? classicGaussianSigma(options.epsilon, options.delta, options.sensitivity)
      : analyticGaussianSigma(options.epsilon, options.delta, options.sensitivity);
  if (sigmaCache.size > 1024) sigmaCache.clear();
  sigmaCache.set(key, sigma);
  return sigma;
}

/**
 * Exact δ(ε) of the discrete Gaussian mechanism N_ℤ(0, σ²) for an integer-valued query whose
 * sensitivity is the integer Δ: the hockey-stick divergence between N_ℤ(0, σ²) and N_ℤ(Δ, σ²),
 * δ = P[Y > εσ²/Δ − Δ/2] − e^ε P[Y > εσ²/Δ + Δ/2], Y ~ N_ℤ(0, σ²) (Canonne, Kamath & Steinke
 * 2020). Summed term by term as Σ_{y > εσ²/Δ − Δ/2} w(y)·(1 − exp(ε − (2yΔ + Δ²)/(2σ²))) / Z,
 * w(y) = exp(−y²/(2σ²)), every term ≥ 0 (no cancellation), over |y| ≤ 40σ + Δ (the rest is below
 * e^−800).
 *
 * @example
 * discreteGaussianDelta(4.3, 1, 1); // ≈ the continuous gaussianDelta(4.3, 1, 1)
 */
export function discreteGaussianDelta(sigma: number, epsilon: number, sensitivity: number): number {
  if (!(Number.isInteger(sensitivity) && sensitivity >= 1)) {
    throw new AisfError(
      'E_INPUT',
      `the discrete Gaussian needs an integer sensitivity ≥ 1 (got ${sensitivity})`,
    );
  }
  const s2 = 2 * sigma * sigma;
  const K = Math.ceil(40 * sigma) + sensitivity + 1;
  // Normaliser Z = Σ_y exp(−y²/(2σ²)). Poisson summation gives Z = σ√(2π)·(1 + 2e^{−2π²σ²} + …),
  // equal to σ√(2π) in double precision once σ ≥ 2 (the correction is < 1e-34).
  let z = sigma * Math.sqrt(2 * Math.PI);
  if (sigma < 2) {
    z = 0;
    for (let y = K; y >= 1; y--) z += 2 * Math.exp(-(y * y) / s2); // small terms first
    z += 1;
  }
  const a = (epsilon * sigma * sigma) / sensitivity - sensitivity / 2;
  const start = Math.floor(a) + 1;
  let sum = 0;
  for (let y = start; y <= K; y++) {
    const term =
      Math.exp(-(y * y) / s2) *
      -Math.expm1(epsilon - (2 * y * sensitivity + sensitivity ** 2) / s2);
    sum += term;
    // Past the peak, the terms only shrink: stop once they no longer move the sum.
    if (y > Math.max(start, 0) + 2 * sigma && term < sum * 1e-18) break;
  }
  return sum / z;
}

const discreteSigmaCache = new Map<string, number>();

/**
 * The smallest σ (to a relative 1e-9, rounded up) whose discrete Gaussian N_ℤ(0, σ²) is (ε, δ)-DP
 * for an integer sensitivity Δ, by bisection on the exact profile `discreteGaussianDelta` aimed at
 * δ·(1 − 1e-9) (a margin for float round-off in the sums). Refuses σ > 2^20 (one evaluation
 * would sum ~4·10^7 terms); the mechanisms keep σ near 2^16 lattice steps at most.
 *
 * @example
 * discreteGaussianSigma(1, 1e-6, 1); // ≈ 4.22 (continuous analytic: 4.2247)
 */
export function discreteGaussianSigma(epsilon: number, delta: number, sensitivity: number): number {
  checkEpsilon(epsilon);
  checkDelta(delta);
  const key = `${epsilon}:${delta}:${sensitivity}`;
  const cached = discreteSigmaCache.get(key);
  if (cached !== undefined) return cached;
  const target = delta * (1 - 1e-9);
  const guess = analyticGaussianSigma(epsilon, delta, sensitivity);
  let lo = guess / 2;
  let hi = guess * 2;
  while (discreteGaussianDelta(hi, epsilon, sensitivity) > target) hi *= 2;
  while (lo > 1e-3 && discreteGaussianDelta(lo, epsilon, sensitivity) <= target) lo /= 2;
  if (hi > 2 ** 20) {
    throw new AisfError(
      'E_INPUT',
      `the discrete Gaussian would need σ > 2^20 lattice steps (sensitivity ${sensitivity}); use gaussianMechanism, which rescales the lattice`,
    );
  }
  while (hi / lo - 1 > 1e-9) {
    const mid = Math.sqrt(lo * hi);
    if (discreteGaussianDelta(mid, epsilon, sensitivity) <= target) hi = mid;
    else lo = mid;
  }
  if (discreteSigmaCache.size > 1024) discreteSigmaCache.clear();
  discreteSigmaCache.set(key, hi);
  return hi;
}

/**
 * Lattice of the Gaussian mechanisms. Rounding to gℤ widens the sensitivity by one step (≤ g/Δ
 * relative), and the exact profile costs O(σ/g) terms per evaluation. We take
 * g = max(ceilPow2(σ₀/2^16), min(ceilPow2(σ₀/2^12), floorPow2(Δ/2^10))): at most 2^16 steps per σ,
 * and a widening ≤ 2^-10 (0.1 %) whenever σ₀/Δ ≤ 64 (e.g. ε ≥ 0.07 at δ = 1e-6); below that the
 * widening is σ₀/(2^16·Δ) (1 % at ε = 0.01).
 */
export const GAUSSIAN_MAX_LATTICE_STEPS = 2 ** 16;

function floorPowerOfTwo(x: number): number {
  const p = ceilPowerOfTwo(x);
  return p === x ? p : p / 2;
}

/** ⌊a/b⌋ for b > 0 (BigInt division truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  return a % b !== 0n && a < 0n ? a / b - 1n : a / b;
}

/** @internal Chooses the lattice g and the lattice sensitivity for the Gaussian mechanisms. */
function gaussianLattice(
  options: GaussianOptions,
  integerInput: boolean,
): { g: number; latticeSensitivity: number } {
  const sigma0 = analyticGaussianSigma(options.epsilon, options.delta, options.sensitivity);
  let g = Math.max(
    ceilPowerOfTwo(sigma0 / GAUSSIAN_MAX_LATTICE_STEPS),
    Math.min(ceilPowerOfTwo(sigma0 / 2 ** 12), floorPowerOfTwo(options.sensitivity / 2 ** 10)),
  );
  if (integerInput && g <= 1) return { g: 1, latticeSensitivity: Math.ceil(options.sensitivity) };
  if (integerInput) g = Math.max(g, 1);
  // |round(x/g) − round(x'/g)| ≤ |x − x'|/g + 1, an integer: ≤ ⌊Δ/g⌋ + 1.
  return { g, latticeSensitivity: Math.floor(options.sensitivity / g) + 1 };
}

/**
 * Integer Gaussian mechanism: value + discrete Gaussian noise, σ calibrated on the EXACT privacy
 * profile of the discrete Gaussian (`discreteGaussianSigma`). Guarantee: (ε, δ)-DP for an integer
 * query with L2 (= L1 in one dimension) sensitivity ≤ Δ under add/remove-one, and
 * (Δ²/(2σ²))-zCDP (CKS20). When the noise is large (see GAUSSIAN_MAX_LATTICE_STEPS) the value is
 * first rounded to a power-of-two lattice g ≥ 2 (sensitivity widened by one step) and the output
 * is a multiple of g (`granularity`). `calibration` is ignored (always the exact discrete
 * profile). Exact sampling, CSPRNG by default.
 *
 * @example
 * discreteGaussianMechanism(1000n, { epsilon: 1, delta: 1e-6, sensitivity: 1 });
 */
export function discreteGaussianMechanism(
  value: bigint,
  options: GaussianOptions,
): { value: bigint; sigma: number; granularity: number } {
  checkSensitivity(options.sensitivity);
  const { g, latticeSensitivity } = gaussianLattice(options, true);
  const sigma = discreteGaussianSigma(options.epsilon, options.delta, latticeSensitivity);
  const s = rationalFromDouble(sigma);
  const gb = BigInt(g);
  const m = g === 1 ? value : floorDiv(2n * value + gb, 2n * gb); // round half up on gℤ
  const k = sampleDiscreteGaussian(mul(s, s), bitsOf(options.rng));
  return { value: (m + k) * gb, sigma: sigma * g, granularity: g };
}

/**
 * Real-valued Gaussian mechanism, floating-point safe: the input is rounded to the lattice gℤ
 * (g as in GAUSSIAN_MAX_LATTICE_STEPS, from the analytic σ₀ for Δ), and exact discrete Gaussian
 * noise is added on the lattice with σ calibrated on the discrete Gaussian's exact privacy profile
 * for the lattice sensitivity ⌊Δ/g⌋ + 1. Guarantee: (ε, δ)-DP for a real query of L2
 * sensitivity ≤ Δ under add/remove-one (and ρ-zCDP with ρ = ((⌊Δ/g⌋ + 1)g)²/(2σ²), CKS20). The
 * widening costs ≈ 0.1 % more noise than the continuous analytic Gaussian for ε ≳ 0.1, ≈ 1 % at
 * ε = 0.01. Every output is an exact multiple of g. `calibration` is ignored.
 *
 * @example
 * gaussianMechanism(3.2, { epsilon: 1, delta: 1e-6, sensitivity: 1 }).value;
 */
export function gaussianMechanism(value: number, options: GaussianOptions): RealRelease {
  if (!Number.isFinite(value))
    throw new AisfError('E_INPUT', `value must be finite (got ${value})`);
  checkSensitivity(options.sensitivity);
  const { g, latticeSensitivity } = gaussianLattice(options, false);
  const sigma = discreteGaussianSigma(options.epsilon, options.delta, latticeSensitivity);
  const m = BigInt(Math.round(value / g));
  const s = rationalFromDouble(sigma);
  const k = sampleDiscreteGaussian(mul(s, s), bitsOf(options.rng));
  return { value: Number(m + k) * g, granularity: g, scale: sigma * g };
}
