/**
 * @module Rényi-DP accountant for the Poisson-subsampled Gaussian mechanism (DP-SGD), matching
 * Google's dp_accounting (which TF Privacy uses) and Opacus to double precision.
 */
import { AisfError } from '../../../errors.js';
import { logAdd, logErfc, logSub } from '../special.js';

/**
 * How the fractional-order series of Mironov, Talwar & Zhang 2019 (arXiv 1908.10530, §3.3)
 * treats binomial coefficients C(α, i) that are negative (i > α):
 * - `dp-accounting`: adds |terms| (dp_accounting since commit 0b109e9, 2024-04, "Improve
 *   numerical stability"); a slightly larger, conservative A_α; stops when both series terms
 *   decrease and are e^30 below the running total, gives up after 1000 terms (order → ∞,
 *   i.e. excluded from the minimum).
 * - `opacus`: adds positive and subtracts negative terms (Opacus, TF Privacy before 2024);
 *   stops when both terms are below e^−30.
 * Integer orders use the exact binomial expansion in both modes; `opacus` mode also reproduces
 * Opacus' log(1 − q) (dp_accounting: log1p(−q)).
 */
export const FRACTIONAL_SERIES = ['dp-accounting', 'opacus'] as const;
/** One of FRACTIONAL_SERIES. */
export type FractionalSeries = (typeof FRACTIONAL_SERIES)[number];

/**
 * RDP → (ε, δ) conversions:
 * - `improved`: Balle et al. 2020 ("Hypothesis testing interpretations and Rényi DP", Thm 21)
 *   = Canonne, Kamath & Steinke 2020 Prop. 12: ε = rdp + log((α−1)/α) − (log δ + log α)/(α−1),
 *   exactly as dp_accounting `compute_epsilon` (orders ≤ 1.01 skipped, ε = 0 when the KL bound
 *   δ² + expm1(−rdp) > 0 already holds, result clamped at 0). Opacus `get_privacy_spent` uses
 *   the same formula (without the KL shortcut, which only matters when rdp < δ²).
 * - `classic`: Mironov 2017 ("Rényi Differential Privacy", Prop. 3): ε = rdp − log δ/(α−1).
 */
export const CONVERSIONS = ['improved', 'classic'] as const;
/** One of CONVERSIONS. */
export type Conversion = (typeof CONVERSIONS)[number];

/**
 * dp_accounting `DEFAULT_RDP_ORDERS`: 1.1, 1.2, …, 10.9, 11, …, 63, 128, 256, 512, 1024.
 * The default of every aisf accountant function.
 */
export const DP_ACCOUNTING_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10),
  ...Array.from({ length: 53 }, (_, x) => 11 + x),
  128,
  256,
  512,
  1024,
]);

/** Opacus `RDPAccountant.DEFAULT_ALPHAS`: 1.1, 1.2, …, 10.9, 12, …, 63 (no 11, no large orders). */
export const OPACUS_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10),
  ...Array.from({ length: 52 }, (_, x) => 12 + x),
]);

/**
 * TF Privacy `compute_dp_sgd_privacy` orders: 1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5,
 * 5, …, 63, 128, 256, 512.
 */
export const TF_PRIVACY_ORDERS: readonly number[] = Object.freeze([
  1.25,
  1.5,
  1.75,
  2,
  2.25,
  2.5,
  3,
  3.5,
  4,
  4.5,
  ...Array.from({ length: 59 }, (_, x) => 5 + x),
  128,
  256,
  512,
]);

/** The named order lists, for CLI flags and configs. */
export const ORDER_LISTS = {
  'dp-accounting': DP_ACCOUNTING_ORDERS,
  opacus: OPACUS_ORDERS,
  'tf-privacy': TF_PRIVACY_ORDERS,
} as const;
/** A key of ORDER_LISTS (the `--orders` flag). */
export type OrderListName = keyof typeof ORDER_LISTS;

/** Options shared by the RDP functions. */
export interface RdpOptions {
  /** Fractional-order series variant. @default 'dp-accounting' */
  series?: FractionalSeries;
}

const MAX_FRACTIONAL_TERMS = 1000; // dp_accounting _MAX_STEPS_LOG_A_FRAC
const OPACUS_MAX_TERMS = 100_000; // Opacus has no cap; we stop (order → ∞) instead of hanging.

/** log of a non-negative BigInt, to double precision (top 64 bits + exponent). */
function logBigInt(n: bigint): number {
  const bits = n.toString(2).length;
  if (bits <= 1000) return Math.log(Number(n));
  const shift = BigInt(bits - 64);
  return Math.log(Number(n >> shift)) + Number(shift) * Math.LN2;
}

const logBinomialRows = new Map<number, Float64Array>();

/** log C(n, i) for i = 0..n, from exact BigInt binomials (no gammaln rounding). */
function logBinomialRow(n: number): Float64Array {
  const cached = logBinomialRows.get(n);
  if (cached) return cached;
  const row = new Float64Array(n + 1);
  let c = 1n;
  for (let i = 0; i <= n; i++) {
    row[i] = logBigInt(c);
    c = (c * BigInt(n - i)) / BigInt(i + 1);
  }
  if (logBinomialRows.size > 256) logBinomialRows.clear();
  logBinomialRows.set(n, row);
  return row;
}

/**
 * log(1 − q). dp_accounting uses log1p(−q); Opacus computes math.log(1 − q), which loses digits
 * for tiny q (≈1e-6 relative at q = 1e-6) — reproduced in `opacus` mode for exact parity.
 */
function log1mQ(q: number, series: FractionalSeries): number {
  return series === 'opacus' ? Math.log(1 - q) : Math.log1p(-q);
}

/** log A_α for integer α: Σ_i C(α,i) (1−q)^(α−i) q^i exp((i²−i)/(2σ²)), in log space. */
function logAInteger(q: number, sigma: number, alpha: number, series: FractionalSeries): number {
  const row = logBinomialRow(alpha);
  const logQ = Math.log(q);
  const log1mq = log1mQ(q, series);
  let logA = Number.NEGATIVE_INFINITY;
  for (let i = 0; i <= alpha; i++) {
    const logCoef = (row[i] as number) + i * logQ + (alpha - i) * log1mq;
    logA = logAdd(logA, logCoef + (i * i - i) / (2 * sigma ** 2));
  }
  return logA;
}

/** log A_α for fractional α: the two-series computation of arXiv 1908.10530 §3.3. */
function logAFractional(q: number, sigma: number, alpha: number, series: FractionalSeries): number {
  let logA0 = Number.NEGATIVE_INFINITY;
  let logA1 = Number.NEGATIVE_INFINITY;
  const z0 = sigma ** 2 * Math.log(1 / q - 1) + 0.5;
  const logQ = Math.log(q);
  const log1mq = log1mQ(q, series);
  const scale = Math.SQRT2 * sigma;
  let logCoef = 0; // log |C(α, 0)|
  let positive = true; // sign of C(α, i)
  let lastS0 = Number.NEGATIVE_INFINITY;
  let lastS1 = Number.NEGATIVE_INFINITY;
  const cap = series === 'opacus' ? OPACUS_MAX_TERMS : MAX_FRACTIONAL_TERMS;
  for (let i = 0; i < cap; i++) {
    const j = alpha - i;
    const logT0 = logCoef + i * logQ + j * log1mq;
    const logT1 = logCoef + j * logQ + i * log1mq;
    const logE0 = Math.log(0.5) + logErfc((i - z0) / scale);
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / scale);
    const logS0 = logT0 + (i * i - i) / (2 * sigma ** 2) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma ** 2) + logE1;
    if (series === 'opacus') {
      if (positive) {
        logA0 = logAdd(logA0, logS0);
        logA1 = logAdd(logA1, logS1);
      } else {
        logA0 = logSub(logA0, logS0);
        logA1 = logSub(logA1, logS1);
      }
      if (Math.max(logS0, logS1) < -30) return logAdd(logA0, logA1);
    } else {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
      const total = logAdd(logA0, logA1);
      if (logS0 < lastS0 && logS1 < lastS1 && Math.max(logS0, logS1) < total - 30) return total;
      lastS0 = logS0;
      lastS1 = logS1;
    }
    // C(α, i+1) = C(α, i)·(α − i)/(i + 1): the sign flips whenever α − i < 0.
    const factor = alpha - i;
    logCoef += Math.log(Math.abs(factor)) - Math.log(i + 1);
    if (factor < 0) positive = !positive;
  }
  return Number.POSITIVE_INFINITY; // did not converge: exclude this order (dp_accounting)
}

function checkRate(q: number): void {
  if (!(q >= 0 && q <= 1)) {
    throw new AisfError(
      'E_INPUT',
      `sampling rate must be in [0, 1] (got ${q}); use batch size / dataset size`,
    );
  }
}

function checkSigma(sigma: number): void {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) {
    throw new AisfError(
      'E_INPUT',
      `noise multiplier must be a finite number ≥ 0 (got ${sigma}); it is the noise std divided by the L2 sensitivity (clipping norm)`,
    );
  }
}

function checkOrder(order: number): void {
  if (!(order >= 1)) {
    throw new AisfError('E_INPUT', `RDP orders must be ≥ 1 (got ${order})`);
  }
}

/**
 * log A_α of the Poisson-subsampled Gaussian for 0 < q < 1 (the quantity in dp_accounting and
 * Opacus `_compute_log_a`): integer α by the exact binomial expansion, fractional α by the
 * two-series expansion.
 *
 * @example
 * logA(0.01, 1, 2); // log(1 + q²(e^{1/σ²} − 1))
 */
export function logA(q: number, sigma: number, order: number, options: RdpOptions = {}): number {
  checkRate(q);
  checkSigma(sigma);
  if (!(order > 1)) throw new AisfError('E_INPUT', `logA needs an order > 1 (got ${order})`);
  if (q === 0 || q === 1) throw new AisfError('E_INPUT', 'logA needs 0 < q < 1');
  const series = options.series ?? 'dp-accounting';
  if (Number.isInteger(order)) return logAInteger(q, sigma, order, series);
  try {
    return logAFractional(q, sigma, order, series);
  } catch (cause) {
    // Opacus' signed series can go negative in floating point (it raises ValueError there).
    throw new AisfError(
      'E_INPUT',
      `the signed (Opacus) fractional-order series failed numerically at q=${q}, σ=${sigma}, order ${order}; use the dp-accounting series`,
      { cause },
    );
  }
}

/**
 * RDP ε(α) of ONE step of the Poisson-subsampled Gaussian mechanism with sampling rate q and
 * noise multiplier σ (noise std / L2 sensitivity), at each order. Neighbouring relation:
 * add/remove one example. Special cases as upstream: q = 0 → 0; σ = 0 or α = ∞ → ∞;
 * q = 1 → α/(2σ²) (plain Gaussian).
 *
 * @example
 * rdpPoissonGaussian(0.01, 2.5, [1.5, 5, 50]).map((r) => r * 50);
 * // [6.70579741e-4, 2.18075656e-3, 2.38460375e-2] (dp_accounting test)
 */
export function rdpPoissonGaussian(
  q: number,
  sigma: number,
  orders: readonly number[],
  options: RdpOptions = {},
): number[] {
  checkRate(q);
  checkSigma(sigma);
  return orders.map((order) => {
    checkOrder(order);
    if (q === 0) return 0;
    if (order === Number.POSITIVE_INFINITY || sigma === 0) return Number.POSITIVE_INFINITY;
    if (q === 1) return order / (2 * sigma ** 2);
    if (order === 1) {
      throw new AisfError('E_INPUT', 'order 1 is only supported for q = 1; use orders > 1');
    }
    return logA(q, sigma, order, options) / (order - 1);
  });
}

/** One (ε, order) answer of a conversion. */
export interface EpsilonAtOrder {
  epsilon: number;
  /** The order where the minimum is attained (the first one on ties, like numpy argmin). */
  order: number;
}

function checkDelta(delta: number): void {
  if (!(delta > 0 && delta < 1)) {
    throw new AisfError(
      'E_INPUT',
      `delta must be in (0, 1) (got ${delta}); typical is 1e-5 or below 1/dataset size`,
    );
  }
}

function checkLengths(orders: readonly number[], rdp: readonly number[]): void {
  if (orders.length !== rdp.length || orders.length === 0) {
    throw new AisfError('E_INPUT', 'orders and rdp must be non-empty lists of the same length');
  }
}

/**
 * Converts RDP values (at the given orders) to an (ε, δ)-DP guarantee, minimising over the
 * orders. `conversion` picks the improved bound (default; dp_accounting `compute_epsilon`) or
 * the classic one (Mironov 2017 Prop. 3), see CONVERSIONS.
 *
 * @example
 * epsilonFromRdp([2, 3, 32], [1.1, 1.1, 1.1], 1e-5); // { epsilon: 1.3278380617…, order: 32 }
 */
export function epsilonFromRdp(
  orders: readonly number[],
  rdp: readonly number[],
  delta: number,
  conversion: Conversion = 'improved',
): EpsilonAtOrder {
  checkLengths(orders, rdp);
  checkDelta(delta);
  let best = Number.POSITIVE_INFINITY;
  let bestOrder = orders[0] as number;
  let found = false;
  for (let k = 0; k < orders.length; k++) {
    const a = orders[k] as number;
    const r = rdp[k] as number;
    checkOrder(a);
    let eps: number;
    if (conversion === 'classic') {
      eps = r - Math.log(delta) / (a - 1);
    } else if (r < 0) {
      eps = 0; // numerical noise from extreme events (dp_accounting warns and returns 0)
    } else if (delta ** 2 + Math.expm1(-r) > 0) {
      eps = 0; // KL bound δ ≤ sqrt(1 − e^{−rdp}) already gives ε = 0
    } else if (a > 1.01) {
      eps = r + Math.log1p(-1 / a) - Math.log(delta * a) / (a - 1);
    } else {
      eps = Number.POSITIVE_INFINITY; // unstable as α → 1 (dp_accounting)
    }
    if (Number.isNaN(eps)) continue;
    if (!found || eps < best) {
      best = eps;
      bestOrder = a;
      found = true;
    }
  }
  return { epsilon: conversion === 'classic' ? best : Math.max(0, best), order: bestOrder };
}

/** One (δ, order) answer of a conversion. */
export interface DeltaAtOrder {
  delta: number;
  order: number;
}

/**
 * Converts RDP values to the smallest δ for a given ε (dp_accounting `compute_delta`): improved
 * bound (CKS20 Prop. 12) combined with the KL bound, or the classic δ = exp((rdp − ε)(α − 1)).
 *
 * @example
 * deltaFromRdp([2, 3, 32], [1.1, 1.1, 1.1], 1.32783806176).delta; // ≈ 1e-5
 */
export function deltaFromRdp(
  orders: readonly number[],
  rdp: readonly number[],
  epsilon: number,
  conversion: Conversion = 'improved',
): DeltaAtOrder {
  checkLengths(orders, rdp);
  if (!(epsilon >= 0)) {
    throw new AisfError('E_INPUT', `epsilon must be ≥ 0 (got ${epsilon})`);
  }
  let best = Number.POSITIVE_INFINITY;
  let bestOrder = orders[0] as number;
  for (let k = 0; k < orders.length; k++) {
    const a = orders[k] as number;
    const r = rdp[k] as number;
    checkOrder(a);
    let logDelta: number;
    if (conversion === 'classic') {
      logDelta = (r - epsilon) * (a - 1);
    } else {
      if (r <= 0) logDelta = Number.NEGATIVE_INFINITY;
      else logDelta = 0.5 * Math.log1p(-Math.exp(-r));
      if (a > 1.01) {
        const rdpBound = (a - 1) * (r - epsilon + Math.log1p(-1 / a)) - Math.log(a);
        logDelta = Math.min(logDelta, rdpBound);
      }
    }
    if (logDelta < best) {
      best = logDelta;
      bestOrder = a;
    }
  }
  return { delta: Math.min(Math.exp(best), 1), order: bestOrder };
}

/** A DP-SGD-style training run: T steps of the Poisson-subsampled Gaussian. */
export interface SubsampledGaussianRun {
  /** Poisson sampling rate q = expected batch size / dataset size, in [0, 1]. */
  samplingRate: number;
  /** Noise std divided by the L2 sensitivity (clipping norm), ≥ 0. */
  noiseMultiplier: number;
  /** Number of steps (compositions), a non-negative integer. */
  steps: number;
}

/** Options of the (ε, δ) accountant functions. */
export interface AccountantOptions extends RdpOptions {
  /** RDP orders to minimise over. @default DP_ACCOUNTING_ORDERS */
  orders?: readonly number[];
  /** RDP → (ε, δ) conversion. @default 'improved' */
  conversion?: Conversion;
}

/** The result of an (ε, δ) computation, the shape `aisf dp epsilon` prints. */
export interface EpsilonResult {
  epsilon: number;
  delta: number;
  /** Optimal order. */
  order: number;
  /** The orders searched. */
  orders: number[];
}

function checkSteps(steps: number): void {
  if (!(Number.isInteger(steps) && steps >= 0)) {
    throw new AisfError('E_INPUT', `steps must be a non-negative integer (got ${steps})`);
  }
}

/**
 * Composes runs of the Poisson-subsampled Gaussian: RDP adds up across steps and runs
 * (ε_T(α) = Σ steps·ε(α)), as dp_accounting `RdpAccountant.compose` and Opacus
 * `RDPAccountant` do.
 *
 * @example
 * composeRdp([{ samplingRate: 0.01, noiseMultiplier: 2.5, steps: 50 }], [1.5]); // [6.7058e-4]
 */
export function composeRdp(
  runs: readonly SubsampledGaussianRun[],
  orders: readonly number[],
  options: RdpOptions = {},
): number[] {
  const total = orders.map(() => 0);
  for (const run of runs) {
    checkSteps(run.steps);
    if (run.steps === 0) continue;
    const rdp = rdpPoissonGaussian(run.samplingRate, run.noiseMultiplier, orders, options);
    for (let k = 0; k < total.length; k++)
      total[k] = (total[k] as number) + (rdp[k] as number) * run.steps;
  }
  return total;
}

/**
 * ε of T steps of DP-SGD (Poisson-subsampled Gaussian) at a given δ: RDP composed over the
 * steps, converted with the improved bound by default (dp_accounting, current TF Privacy), the
 * classic bound on request.
 *
 * @example
 * // TF Privacy compute_dp_sgd_privacy_test Test0: n=60000, batch 150, σ=1.3, 15 epochs
 * dpSgdEpsilon({ samplingRate: 0.0025, noiseMultiplier: 1.3, steps: 6000, delta: 1e-5 },
 *   { orders: TF_PRIVACY_ORDERS }); // { epsilon: 0.72422340261…, order: 19, … }
 */
export function dpSgdEpsilon(
  run: SubsampledGaussianRun & { delta: number },
  options: AccountantOptions = {},
): EpsilonResult {
  const orders = [...(options.orders ?? DP_ACCOUNTING_ORDERS)];
  checkDelta(run.delta);
  const rdp = composeRdp([run], orders, options);
  const { epsilon, order } = epsilonFromRdp(orders, rdp, run.delta, options.conversion);
  return { epsilon, delta: run.delta, order, orders };
}

/** Options of the noise-multiplier solver. */
export interface NoiseSolverOptions extends AccountantOptions {
  /**
   * Stop bisecting once target − ε(σ) ≤ this; the answer always satisfies ε(σ) ≤ target.
   * @default 0.01 (Opacus `get_noise_multiplier` epsilon_tolerance)
   */
  epsilonTolerance?: number;
}

const MAX_SIGMA = 1e6; // Opacus MAX_SIGMA

/**
 * The noise multiplier σ that keeps T steps of DP-SGD within (target ε, δ). Same search as
 * Opacus `get_noise_multiplier`: start the upper bracket at σ = 20 and double it until
 * ε(σ) ≤ target, then bisect [0, σ_high] until target − ε(σ_high) ≤ epsilonTolerance, and
 * return σ_high (so ε(σ) ≤ target always holds; σ is at most a little too large).
 *
 * @example
 * // Opacus test_get_noise_multiplier_rdp_steps (Opacus orders and series): σ ≈ 1.3562
 * noiseMultiplierForEpsilon({ samplingRate: 0.04, steps: 2000, delta: 1e-5, targetEpsilon: 8 },
 *   { orders: OPACUS_ORDERS, series: 'opacus' });
 */
export function noiseMultiplierForEpsilon(
  target: { samplingRate: number; steps: number; delta: number; targetEpsilon: number },
  options: NoiseSolverOptions = {},
): { noiseMultiplier: number; epsilon: number; order: number } {
  const tolerance = options.epsilonTolerance ?? 0.01;
  if (!(target.targetEpsilon > 0) || !Number.isFinite(target.targetEpsilon)) {
    throw new AisfError(
      'E_INPUT',
      `target epsilon must be a finite number > 0 (got ${target.targetEpsilon})`,
    );
  }
  if (!(tolerance > 0)) {
    throw new AisfError('E_INPUT', `epsilon tolerance must be > 0 (got ${tolerance})`);
  }
  checkRate(target.samplingRate);
  checkSteps(target.steps);
  checkDelta(target.delta);
  const at = (sigma: number) =>
    dpSgdEpsilon(
      {
        samplingRate: target.samplingRate,
        noiseMultiplier: sigma,
        steps: target.steps,
        delta: target.delta,
      },
      options,
    );
  let sigmaLow = 0;
  let sigmaHigh = 10;
  let high: EpsilonResult = { epsilon: Number.POSITIVE_INFINITY, delta: 0, order: 0, orders: [] };
  while (high.epsilon > target.targetEpsilon) {
    sigmaHigh *= 2;
    high = at(sigmaHigh);
    if (sigmaHigh > MAX_SIGMA) {
      throw new AisfError(
        'E_INPUT',
        `no noise multiplier ≤ ${MAX_SIGMA} reaches epsilon ${target.targetEpsilon} at delta ${target.delta}; raise the target epsilon or delta, or lower the steps or sampling rate`,
      );
    }
  }
  while (target.targetEpsilon - high.epsilon > tolerance) {
    const sigma = (sigmaLow + sigmaHigh) / 2;
    const mid = at(sigma);
    if (mid.epsilon < target.targetEpsilon) {
      sigmaHigh = sigma;
      high = mid;
    } else {
      sigmaLow = sigma;
    }
  }
  return { noiseMultiplier: sigmaHigh, epsilon: high.epsilon, order: high.order };
}

/**
 * A running RDP accountant (the object form, like dp_accounting `RdpAccountant` / Opacus
 * `RDPAccountant`): record steps as they happen, ask for (ε, δ) at any time. Consecutive steps
 * with the same (σ, q) are merged, as Opacus does.
 *
 * @example
 * const acc = new RdpAccountant();
 * acc.step({ noiseMultiplier: 1.1, samplingRate: 256 / 60000 }, 14063);
 * acc.epsilon(1e-5); // { epsilon: ≈2.6, order: 8, … }
 */
export class RdpAccountant {
  readonly #history: SubsampledGaussianRun[] = [];
  readonly #options: AccountantOptions;

  constructor(options: AccountantOptions = {}) {
    this.#options = options;
  }

  /** Records `count` steps (default 1) of the subsampled Gaussian. */
  step(step: { noiseMultiplier: number; samplingRate: number }, count = 1): void {
    checkRate(step.samplingRate);
    checkSigma(step.noiseMultiplier);
    checkSteps(count);
    const last = this.#history[this.#history.length - 1];
    if (
      last &&
      last.noiseMultiplier === step.noiseMultiplier &&
      last.samplingRate === step.samplingRate
    ) {
      last.steps += count;
    } else {
      this.#history.push({ ...step, steps: count });
    }
  }

  /** The recorded runs, oldest first. */
  get history(): readonly SubsampledGaussianRun[] {
    return this.#history.map((run) => ({ ...run }));
  }

  /** The RDP curve so far at the accountant's orders. */
  rdp(): number[] {
    return composeRdp(this.#history, this.#options.orders ?? DP_ACCOUNTING_ORDERS, this.#options);
  }

  /** (ε, optimal order) spent so far at δ. */
  epsilon(delta: number): EpsilonResult {
    const orders = [...(this.#options.orders ?? DP_ACCOUNTING_ORDERS)];
    if (this.#history.length === 0) return { epsilon: 0, delta, order: orders[0] ?? 0, orders };
    const result = epsilonFromRdp(orders, this.rdp(), delta, this.#options.conversion);
    return { ...result, delta, orders };
  }
}
