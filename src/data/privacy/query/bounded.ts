/**
 * @module Bounded DP queries over one column: count, sum, mean, histogram and quantile with
 * declared bounds and clamping (the contribution bounding of Google's differential-privacy
 * library, one record = one value). Neighbouring datasets differ by adding or removing one record.
 */
import { AisfError } from '../../../errors.js';
import { rationalFromDouble, sampleDiscreteLaplace } from '../mechanisms/exact.js';
import {
  bitsOf,
  checkEpsilon,
  laplaceGranularity,
  laplaceOnLattice,
} from '../mechanisms/laplace.js';
import type { RandomBits, RandomSource } from '../random.js';
import { logAdd } from '../special.js';

/** The bounded queries `aisf dp query --query` offers. */
export const QUERY_KINDS = ['count', 'sum', 'mean', 'histogram', 'quantile'] as const;
/** One of QUERY_KINDS. */
export type QueryKind = (typeof QUERY_KINDS)[number];

/** Declared value bounds [lower, upper]; values outside are clamped into them. */
export type Bounds = readonly [number, number];

/** Options every bounded query takes. */
export interface QueryOptions {
  /** ε > 0 the query spends (pure ε-DP: every query here has δ = 0). */
  epsilon: number;
  /** Random bits. @default cryptoRandom() (node:crypto CSPRNG) */
  rng?: RandomSource | RandomBits;
}

/** A DP release: the noisy answer and the guarantee it was made under. */
export interface DpRelease<T = number> {
  query: QueryKind;
  value: T;
  epsilon: number;
  /** Always 0 here: every bounded query is pure ε-DP. */
  delta: number;
  /** L1 sensitivity the noise was calibrated to (after lattice widening). */
  sensitivity: number;
  mechanism: string;
  bounds?: Bounds;
}

/**
 * Validates declared bounds: finite, lower < upper.
 *
 * @example
 * checkBounds([0, 500000]);
 */
export function checkBounds(bounds: Bounds): void {
  const [lo, hi] = bounds;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new AisfError(
      'E_INPUT',
      `--bounds must be two finite numbers "lower,upper" (got ${lo},${hi})`,
    );
  }
  if (!(lo < hi)) {
    throw new AisfError(
      'E_INPUT',
      `--bounds are reversed or empty: lower ${lo} must be < upper ${hi}; write them as "lower,upper", e.g. 0,500000`,
    );
  }
}

/** Clamps x into [lo, hi] (NaN is rejected before this). */
export function clamp(x: number, bounds: Bounds): number {
  return x < bounds[0] ? bounds[0] : x > bounds[1] ? bounds[1] : x;
}

function integerRelease(value: number, epsilon: number, rng: RandomBits): number {
  // Count-type queries: integer, L1 sensitivity 1 → discrete Laplace with scale 1/ε (ε-DP).
  const scale = { num: rationalFromDouble(epsilon).den, den: rationalFromDouble(epsilon).num };
  return Number(BigInt(value) + sampleDiscreteLaplace(scale, rng));
}

/**
 * DP count of records: true count + discrete Laplace(1/ε). Sensitivity 1; ε-DP. The result is
 * an integer and may be negative (not post-processed, so it stays unbiased).
 *
 * @example
 * boundedCount(2380, { epsilon: 0.5 }).value; // e.g. 2377
 */
export function boundedCount(count: number, options: QueryOptions): DpRelease {
  checkEpsilon(options.epsilon);
  return {
    query: 'count',
    value: integerRelease(count, options.epsilon, bitsOf(options.rng)),
    epsilon: options.epsilon,
    delta: 0,
    sensitivity: 1,
    mechanism: 'discrete-laplace',
  };
}

/**
 * Exact integer sum of values clamped to the bounds and rounded to the lattice gℤ. Summing
 * BigInts avoids the float-sum sensitivity bug (Casacuberta et al. 2022, "Widespread
 * underestimation of sensitivity in differentially private libraries").
 */
function latticeSum(values: readonly number[], bounds: Bounds, shift: number, g: number): bigint {
  let sum = 0n;
  for (const x of values) sum += BigInt(Math.round((clamp(x, bounds) - shift) / g));
  return sum;
}

/**
 * DP sum of values clamped to [lo, hi]: Laplace on the lattice with L1 sensitivity
 * max(|lo|, |hi|) (+ one lattice step for rounding). ε-DP.
 *
 * @example
 * boundedSum([1, 2, 3], { epsilon: 1, bounds: [0, 10] }).value;
 */
export function boundedSum(
  values: readonly number[],
  options: QueryOptions & { bounds: Bounds },
): DpRelease {
  checkEpsilon(options.epsilon);
  checkBounds(options.bounds);
  const sensitivity = Math.max(Math.abs(options.bounds[0]), Math.abs(options.bounds[1]));
  const g = laplaceGranularity(sensitivity, options.epsilon);
  const m = latticeSum(values, options.bounds, 0, g);
  const release = laplaceOnLattice(m, g, sensitivity + g, options);
  return {
    query: 'sum',
    value: release.value,
    epsilon: options.epsilon,
    delta: 0,
    sensitivity: sensitivity + g,
    mechanism: 'laplace-lattice',
    bounds: options.bounds,
  };
}

/**
 * DP mean of values clamped to [lo, hi] (Google's BoundedMean): ε/2 for a noisy count, ε/2 for
 * a noisy sum of (x − midpoint) with sensitivity (hi − lo)/2; mean = midpoint + sum/max(count, 1),
 * clamped to [lo, hi]. ε-DP by basic composition.
 *
 * @example
 * boundedMean([1, 2, 3], { epsilon: 1, bounds: [0, 10] }).value;
 */
export function boundedMean(
  values: readonly number[],
  options: QueryOptions & { bounds: Bounds },
): DpRelease {
  checkEpsilon(options.epsilon);
  checkBounds(options.bounds);
  const [lo, hi] = options.bounds;
  const half = options.epsilon / 2;
  const rng = bitsOf(options.rng);
  const count = integerRelease(values.length, half, rng);
  const mid = lo + (hi - lo) / 2;
  const sensitivity = (hi - lo) / 2;
  const g = laplaceGranularity(sensitivity, half);
  const sum = laplaceOnLattice(latticeSum(values, options.bounds, mid, g), g, sensitivity + g, {
    epsilon: half,
    rng,
  }).value;
  return {
    query: 'mean',
    value: clamp(mid + sum / Math.max(count, 1), options.bounds),
    epsilon: options.epsilon,
    delta: 0,
    sensitivity: sensitivity + g,
    mechanism: 'discrete-laplace count + laplace-lattice sum',
    bounds: options.bounds,
  };
}

/** One histogram bin: its label (range or category) and noisy count. */
export interface HistogramBin {
  bin: string;
  count: number;
}

/**
 * DP histogram of numeric values clamped to [lo, hi] in `bins` equal-width bins: each count +
 * discrete Laplace(1/ε). One record touches one bin, so the L1 sensitivity is 1 and the whole
 * histogram is ε-DP (parallel composition over disjoint bins).
 *
 * @example
 * boundedHistogram([0.1, 0.5, 0.9], { epsilon: 1, bounds: [0, 1], bins: 2 }).value;
 */
export function boundedHistogram(
  values: readonly number[],
  options: QueryOptions & { bounds: Bounds; bins?: number },
): DpRelease<HistogramBin[]> {
  checkEpsilon(options.epsilon);
  checkBounds(options.bounds);
  const bins = options.bins ?? 10;
  if (!(Number.isInteger(bins) && bins >= 1 && bins <= 100_000)) {
    throw new AisfError('E_INPUT', `--bins must be an integer from 1 to 100000 (got ${bins})`);
  }
  const [lo, hi] = options.bounds;
  const counts = new Array<number>(bins).fill(0);
  for (const x of values) {
    const k = Math.min(
      bins - 1,
      Math.max(0, Math.floor(((clamp(x, options.bounds) - lo) / (hi - lo)) * bins)),
    );
    counts[k] = (counts[k] as number) + 1;
  }
  const rng = bitsOf(options.rng);
  const width = (hi - lo) / bins;
  return {
    query: 'histogram',
    value: counts.map((c, k) => ({
      bin: `[${lo + k * width}, ${k === bins - 1 ? hi : lo + (k + 1) * width}${k === bins - 1 ? ']' : ')'}`,
      count: integerRelease(c, options.epsilon, rng),
    })),
    epsilon: options.epsilon,
    delta: 0,
    sensitivity: 1,
    mechanism: 'discrete-laplace',
    bounds: options.bounds,
  };
}

/**
 * DP histogram of a categorical column over DECLARED categories (the category list must not
 * come from the data, or it leaks which values occur). Values outside the list are not counted.
 * Each count + discrete Laplace(1/ε); ε-DP.
 *
 * @example
 * categoricalHistogram(['yes', 'no', 'no'], { epsilon: 1, categories: ['yes', 'no'] }).value;
 */
export function categoricalHistogram(
  values: readonly string[],
  options: QueryOptions & { categories: readonly string[] },
): DpRelease<HistogramBin[]> {
  checkEpsilon(options.epsilon);
  if (
    options.categories.length === 0 ||
    new Set(options.categories).size !== options.categories.length
  ) {
    throw new AisfError(
      'E_INPUT',
      '--categories must be a non-empty list of distinct values, e.g. yes,no',
    );
  }
  const index = new Map(options.categories.map((c, k) => [c, k]));
  const counts = new Array<number>(options.categories.length).fill(0);
  for (const v of values) {
    const k = index.get(v.trim());
    if (k !== undefined) counts[k] = (counts[k] as number) + 1;
  }
  const rng = bitsOf(options.rng);
  return {
    query: 'histogram',
    value: options.categories.map((c, k) => ({
      bin: c,
      count: integerRelease(counts[k] as number, options.epsilon, rng),
    })),
    epsilon: options.epsilon,
    delta: 0,
    sensitivity: 1,
    mechanism: 'discrete-laplace',
  };
}

/**
 * DP quantile of values clamped to [lo, hi] by the exponential mechanism over the gaps between
 * sorted values (Smith 2011; as in OpenDP/Google quantiles): gap i = [z_i, z_{i+1}] of the sorted
 * clamped data with lo and hi added, utility −|i − q·n| (sensitivity 1), picked with probability
 * ∝ length_i · exp(ε·utility/2), then a uniform point in the gap. ε-DP. Unlike the other
 * mechanisms here this one samples in float64 (log-space weights, 53-bit CSPRNG uniforms),
 * because the gap lengths are real; it is not hardened against floating-point attacks.
 *
 * @example
 * boundedQuantile([1, 2, 3, 4], { epsilon: 1, bounds: [0, 10], quantile: 0.5 }).value;
 */
export function boundedQuantile(
  values: readonly number[],
  options: QueryOptions & { bounds: Bounds; quantile?: number },
): DpRelease {
  checkEpsilon(options.epsilon);
  checkBounds(options.bounds);
  const q = options.quantile ?? 0.5;
  if (!(q >= 0 && q <= 1)) {
    throw new AisfError('E_INPUT', `--quantile must be in [0, 1] (got ${q}); 0.5 is the median`);
  }
  const [lo, hi] = options.bounds;
  const sorted = Float64Array.from(values, (x) => clamp(x, options.bounds)).sort();
  const n = sorted.length;
  const z = [lo, ...sorted, hi];
  const logWeights = new Float64Array(n + 1);
  let total = Number.NEGATIVE_INFINITY;
  for (let i = 0; i <= n; i++) {
    const length = (z[i + 1] as number) - (z[i] as number);
    const w =
      (length > 0 ? Math.log(length) : Number.NEGATIVE_INFINITY) -
      (options.epsilon * Math.abs(i - q * n)) / 2;
    logWeights[i] = w;
    total = logAdd(total, w);
  }
  const rng = bitsOf(options.rng);
  const u = rng.uniform53();
  let cumulative = 0;
  let chosen = n;
  for (let i = 0; i <= n; i++) {
    cumulative += Math.exp((logWeights[i] as number) - total);
    if (u < cumulative) {
      chosen = i;
      break;
    }
  }
  while (chosen > 0 && logWeights[chosen] === Number.NEGATIVE_INFINITY) chosen--; // float round-off guard
  const left = z[chosen] as number;
  const right = z[chosen + 1] as number;
  return {
    query: 'quantile',
    value: clamp(left + (right - left) * rng.uniform53(), options.bounds),
    epsilon: options.epsilon,
    delta: 0,
    sensitivity: 1,
    mechanism: 'exponential (float64)',
    bounds: options.bounds,
  };
}
