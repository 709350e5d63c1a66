/**
 * @module The fairness report: per-group rates (marginal and intersectional), between-group metrics
 * in both conventions, small-group flags and bootstrap intervals, as one JSON-ready object.
 */
import { AisfError } from '../../errors.js';
import { type BootstrapResult, bootstrapIntervals } from './bootstrap/index.js';
import {
  type CellTable,
  CONVENTIONS,
  DEFAULT_MIN_GROUP_SIZE,
  FAIRNESS_METRICS,
  type FairnessMetric,
  fairnessMetrics,
  groupRates,
  type Maybe,
  METRIC_CONVENTIONS,
  marginalize,
  marginalScore,
  scoreRates,
} from './metrics/index.js';

/** One group's row in the report. */
export interface GroupReport {
  /** Feature name, or `a & b` for an intersection. */
  feature: string;
  /** Value, or `x & y` for an intersection. */
  value: string;
  values: Record<string, string>;
  n: number;
  /** Rates (null when undefined; `undefined` says why). */
  [metric: string]: unknown;
  undefined: Record<string, string>;
  small: boolean;
}

/** Metrics of one grouping, with reasons for undefined values. */
export interface GroupingReport {
  features: string[];
  metrics: Record<FairnessMetric, number | null>;
  undefined: Partial<Record<FairnessMetric, string>>;
  bootstrap?: BootstrapResult;
}

/** The whole report (the JSON of `aisf test fairness`). */
export interface FairnessReport {
  rows: number;
  sensitive: string[];
  privileged: Record<string, string> | null;
  overall: Record<string, number | null>;
  groups: GroupReport[];
  /** Top-level metrics: see `metricsFrom`. */
  metrics: Record<FairnessMetric, number | null>;
  undefined: Partial<Record<FairnessMetric, string>>;
  /** Which grouping the top-level metrics come from. */
  metricsFrom: string;
  byGrouping: Record<string, GroupingReport>;
  smallGroups: { feature: string; value: string; n: number; reason: string }[];
  conventions: typeof CONVENTIONS & { metric: typeof METRIC_CONVENTIONS };
}

/** Options of {@link evaluateFairness}. */
export interface EvaluateOptions {
  privileged?: Record<string, string>;
  /**
   * Also report intersections of all sensitive features (Fairlearn's MetricFrame semantics for
   * several features); the top-level metrics then come from the intersection.
   * @default false
   */
  intersectional?: boolean;
  /** @default DEFAULT_MIN_GROUP_SIZE (30) */
  minGroupSize?: number;
  /** Bootstrap replicates; 0 turns intervals off. @default 0 */
  bootstrap?: number;
  /** @default 0 */
  seed?: number;
  /** @default 0.95 */
  level?: number;
}

const INTERSECTION = ' & ';

function flatten(m: Record<string, Maybe>): {
  values: Record<string, number | null>;
  reasons: Record<string, string>;
} {
  const values: Record<string, number | null> = {};
  const reasons: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) {
    values[k] = v.value;
    if (v.value === null) reasons[k] = v.reason;
  }
  return { values, reasons };
}

/**
 * Builds the fairness report from per-group counts.
 *
 * @example
 * const { table } = await loadPredictions('preds.csv', cols);
 * const report = evaluateFairness(table, { privileged: { sex: 'male' }, bootstrap: 1000 });
 */
export function evaluateFairness(table: CellTable, options: EvaluateOptions = {}): FairnessReport {
  const minGroupSize = options.minGroupSize ?? DEFAULT_MIN_GROUP_SIZE;
  for (const f of Object.keys(options.privileged ?? {})) {
    if (!table.features.includes(f))
      throw new AisfError(
        'E_INPUT',
        `--privileged names "${f}", which is not a --sensitive feature (${table.features.join(', ')}); add it to --sensitive or fix the name`,
      );
  }
  const groupings: string[][] = table.features.map((f) => [f]);
  if (options.intersectional && table.features.length > 1) groupings.push([...table.features]);
  const groups: GroupReport[] = [];
  const smallGroups: FairnessReport['smallGroups'] = [];
  const byGrouping: Record<string, GroupingReport> = {};
  for (const features of groupings) {
    const grouping = marginalize(table, features);
    const name = features.join(INTERSECTION);
    for (const g of grouping.groups) {
      const n = g.confusion.reduce((a, b) => a + b, 0);
      const rates = flatten(groupRates(g.confusion));
      const score = marginalScore(table, features, g.values);
      if (score) {
        const s = flatten(scoreRates(g.confusion, score));
        Object.assign(rates.values, s.values);
        Object.assign(rates.reasons, s.reasons);
      }
      const value = g.values.join(INTERSECTION);
      const pos = (g.confusion[2] ?? 0) + (g.confusion[3] ?? 0);
      const small = n < minGroupSize;
      if (small)
        smallGroups.push({
          feature: name,
          value,
          n,
          reason: `n = ${n} < ${minGroupSize}: rates have standard errors of ${(0.5 / Math.sqrt(Math.max(n, 1))).toFixed(2)} or more`,
        });
      else if (pos === 0 || pos === n)
        smallGroups.push({
          feature: name,
          value,
          n,
          reason: `no actual ${pos === 0 ? 'positives' : 'negatives'}: TPR/FPR are undefined`,
        });
      groups.push({
        feature: name,
        value,
        values: Object.fromEntries(features.map((f, i) => [f, g.values[i] as string])),
        n,
        ...rates.values,
        undefined: rates.reasons,
        small,
      });
    }
    const m = flatten(
      fairnessMetrics(grouping, {
        ...(options.privileged ? { privileged: options.privileged } : {}),
      }),
    );
    const report: GroupingReport = {
      features,
      metrics: m.values as Record<FairnessMetric, number | null>,
      undefined: m.reasons,
    };
    if ((options.bootstrap ?? 0) > 0) {
      report.bootstrap = bootstrapIntervals(table, features, {
        replicates: options.bootstrap as number,
        seed: options.seed ?? 0,
        level: options.level ?? 0.95,
        ...(options.privileged ? { privileged: options.privileged } : {}),
      });
    }
    byGrouping[name] = report;
  }
  // Top level: one feature → it; intersectional → the intersection; else the worst case per metric.
  const names = Object.keys(byGrouping);
  let metrics: Record<string, number | null>;
  let reasons: Record<string, string>;
  let metricsFrom: string;
  if (names.length === 1 || options.intersectional) {
    const top = byGrouping[names[names.length - 1] as string] as GroupingReport;
    metrics = { ...top.metrics };
    reasons = { ...top.undefined } as Record<string, string>;
    metricsFrom = top.features.join(INTERSECTION);
  } else {
    metrics = {};
    reasons = {};
    metricsFrom = `worst case over ${names.join(', ')} (largest |difference|, smallest ratio; disparateImpact farthest from 1)`;
    for (const metric of FAIRNESS_METRICS) {
      let best: number | null = null;
      let badness = Number.NEGATIVE_INFINITY;
      const why: string[] = [];
      for (const name of names) {
        const r = byGrouping[name] as GroupingReport;
        const v = r.metrics[metric];
        if (v === null) {
          why.push(`${name}: ${r.undefined[metric]}`);
          continue;
        }
        const bad = metric.endsWith('Ratio')
          ? -v
          : metric === 'disparateImpact'
            ? Math.abs(Math.log(v))
            : Math.abs(v);
        if (bad > badness) {
          badness = bad;
          best = v;
        }
      }
      // Undefined in any grouping makes the worst case unknown: report it undefined, with reasons.
      if (why.length > 0) {
        metrics[metric] = null;
        reasons[metric] = why.join('; ');
      } else metrics[metric] = best;
    }
  }
  const overall = flatten(groupRates(marginalize(table, []).groups[0]?.confusion ?? [0, 0, 0, 0]));
  return {
    rows: table.groups.reduce((a, g) => a + g.confusion.reduce((x, y) => x + y, 0), 0),
    sensitive: [...table.features],
    privileged: options.privileged ?? null,
    overall: overall.values,
    groups,
    metrics: metrics as Record<FairnessMetric, number | null>,
    undefined: reasons,
    metricsFrom,
    byGrouping,
    smallGroups,
    conventions: { ...CONVENTIONS, metric: METRIC_CONVENTIONS },
  };
}
