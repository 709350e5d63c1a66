/**
 * @module Seeded bootstrap confidence intervals for group fairness metrics. Every metric here is a
 * function of the per-group confusion counts, so resampling n rows with replacement is exactly a
 * Multinomial(n, cell frequencies) draw over the (group × confusion cell) table: an exact
 * nonparametric bootstrap that needs no row storage (it streams like the metrics).
 */
import { AisfError } from '../../../errors.js';
import {
  type CellTable,
  FAIRNESS_METRICS,
  type FairnessMetric,
  fairnessMetrics,
  type MetricOptions,
  marginalize,
} from '../metrics/index.js';
import { createRng, multinomial } from '../rng.js';

/** Options of {@link bootstrapIntervals}. */
export interface BootstrapOptions extends MetricOptions {
  /**
   * Number of resamples.
   * @default 1000 (Efron & Tibshirani's guidance for percentile intervals)
   */
  replicates?: number;
  /**
   * Two-sided confidence level.
   * @default 0.95
   */
  level?: number;
  /**
   * RNG seed.
   * @default 0
   */
  seed?: number;
}

/** A percentile interval, or null with the reason when too many resamples were undefined. */
export interface Interval {
  lower: number | null;
  upper: number | null;
  /** Resamples in which the metric was defined. */
  defined: number;
  reason?: string;
}

/** The result of {@link bootstrapIntervals}. */
export interface BootstrapResult {
  method: 'percentile, multinomial resampling of rows (exact, via cell counts)';
  replicates: number;
  level: number;
  seed: number;
  intervals: Record<FairnessMetric, Interval>;
}

/** Linear-interpolated quantile of a sorted array (numpy's default, "linear"). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/**
 * Bootstrap percentile intervals for every between-group metric of the grouping `features`.
 *
 * @example
 * const ci = bootstrapIntervals(table, ['sex'], { replicates: 1000, seed: 7 });
 * ci.intervals.demographicParityDifference; // { lower, upper, defined }
 */
export function bootstrapIntervals(
  table: CellTable,
  features: readonly string[],
  options: BootstrapOptions = {},
): BootstrapResult {
  const replicates = options.replicates ?? 1000;
  const level = options.level ?? 0.95;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(replicates) || replicates < 1 || replicates > 1_000_000)
    throw new AisfError(
      'E_INPUT',
      `bootstrap replicates must be an integer 1..1000000 (got ${replicates})`,
    );
  if (!(level > 0 && level < 1))
    throw new AisfError('E_INPUT', `bootstrap level must be in (0, 1) (got ${level})`);
  const grouping = marginalize(table, features);
  const cells = grouping.groups.flatMap((g) => g.confusion);
  const n = cells.reduce((a, b) => a + b, 0);
  const probs = cells.map((c) => (n > 0 ? c / n : 0));
  const rng = createRng(seed);
  const samples: Record<string, number[]> = Object.fromEntries(
    FAIRNESS_METRICS.map((m) => [m, []]),
  );
  for (let r = 0; r < replicates; r++) {
    const draw = multinomial(rng, n, probs);
    // A group that drew no rows is absent from the resample, as it would be in resampled data.
    const groups = grouping.groups
      .map((g, i) => ({ values: g.values, confusion: draw.slice(4 * i, 4 * i + 4) }))
      .filter((g) => g.confusion.some((c) => c > 0));
    const m = fairnessMetrics({ features: grouping.features, groups }, options);
    for (const name of FAIRNESS_METRICS) {
      const v = m[name].value;
      if (v !== null && Number.isFinite(v)) samples[name]?.push(v);
    }
  }
  const alpha = (1 - level) / 2;
  const intervals = {} as Record<FairnessMetric, Interval>;
  for (const name of FAIRNESS_METRICS) {
    const values = (samples[name] ?? []).sort((a, b) => a - b);
    // Percentile intervals from mostly-undefined resamples would be conditional on luck.
    if (values.length < 0.9 * replicates) {
      intervals[name] = {
        lower: null,
        upper: null,
        defined: values.length,
        reason: `defined in only ${values.length} of ${replicates} resamples (a group too small or without positives/negatives)`,
      };
    } else {
      intervals[name] = {
        lower: quantileSorted(values, alpha),
        upper: quantileSorted(values, 1 - alpha),
        defined: values.length,
      };
    }
  }
  return {
    method: 'percentile, multinomial resampling of rows (exact, via cell counts)',
    replicates,
    level,
    seed,
    intervals,
  };
}
