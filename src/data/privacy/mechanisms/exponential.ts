/**
 * @module The exponential mechanism (McSherry & Talwar 2007) over a finite candidate set,
 * sampled exactly: uniform proposal + exact Bernoulli(exp(−γ)) acceptance, no floating-point
 * softmax.
 */
import { AisfError } from '../../../errors.js';
import type { RandomBits, RandomSource } from '../random.js';
import { bernoulliExp, div, mul, type Rational, rationalFromDouble } from './exact.js';
import { bitsOf, checkEpsilon, checkSensitivity } from './laplace.js';

/** Options of the exponential mechanism. */
export interface ExponentialOptions {
  /** ε > 0 this selection spends. */
  epsilon: number;
  /**
   * Sensitivity Δu > 0 of the utility: the most any candidate's utility changes when one
   * record is added or removed.
   */
  sensitivity: number;
  /**
   * Utilities that can only move in one direction between neighbours (e.g. counts) allow
   * exp(εu/Δu) instead of exp(εu/(2Δu)) (McSherry & Talwar; diffprivlib `monotonic`).
   * @default false
   */
  monotonic?: boolean;
  /** Random bits. @default cryptoRandom() (node:crypto CSPRNG) */
  rng?: RandomSource | RandomBits;
}

/** Largest candidate set accepted (the expected number of proposals is at most its size). */
export const MAX_CANDIDATES = 1_000_000;

/**
 * Picks index r with probability ∝ exp(ε·u_r/(2Δu)) (or exp(ε·u_r/Δu) when monotonic).
 * Guarantee: ε-DP (pure) when every utility has sensitivity ≤ Δu. Sampled exactly: propose r
 * uniformly, accept with probability exp(−ε(u_max − u_r)/(2Δu)) computed by CKS20's exact
 * Bernoulli on rationals (utilities are converted to exact rationals), which yields exactly the
 * exponential-mechanism distribution; expected proposals ≤ number of candidates.
 *
 * @example
 * exponentialMechanism([0, 1], { epsilon: 2, sensitivity: 1 }); // 1 with probability e/(1+e)
 */
export function exponentialMechanism(
  utilities: readonly number[],
  options: ExponentialOptions,
): number {
  checkEpsilon(options.epsilon);
  checkSensitivity(options.sensitivity);
  if (utilities.length === 0 || utilities.length > MAX_CANDIDATES) {
    throw new AisfError(
      'E_INPUT',
      `the exponential mechanism needs 1 to ${MAX_CANDIDATES} candidates (got ${utilities.length})`,
    );
  }
  for (const [i, u] of utilities.entries()) {
    if (!Number.isFinite(u)) {
      throw new AisfError('E_INPUT', `utility of candidate ${i} must be finite (got ${u})`);
    }
  }
  const best = utilities.reduce((a, b) => (b > a ? b : a));
  const bestR = rationalFromDouble(best);
  const factor = div(
    rationalFromDouble(options.epsilon),
    mul(rationalFromDouble(options.sensitivity), { num: options.monotonic ? 1n : 2n, den: 1n }),
  );
  const gammas: Rational[] = utilities.map((u) => {
    const ur = rationalFromDouble(u);
    const gap: Rational = { num: bestR.num * ur.den - ur.num * bestR.den, den: bestR.den * ur.den };
    return mul(gap, factor);
  });
  const rng = bitsOf(options.rng);
  const n = BigInt(utilities.length);
  for (;;) {
    const r = Number(rng.below(n));
    if (bernoulliExp(gammas[r] as Rational, rng)) return r;
  }
}
