/**
 * @module Group fairness metrics from confusion counts, in both named conventions: Fairlearn's
 * (unsigned max − min and min / max over all groups) and AIF360's (signed unprivileged −
 * privileged and unprivileged / privileged against a declared privileged group). Undefined values
 * are null with a reason, never 0. Everything is computed from per-group counts, so rows stream.
 */
import { AisfError } from '../../../errors.js';

/** The number of equal-width score bins for the expected calibration error (as in Guo et al. 2017). */
export const CALIBRATION_BINS = 10;

/**
 * Groups with fewer rows than this are flagged as small: their rates have a standard error of
 * about 0.09 or more (√(0.25/30)), the usual rule-of-thumb minimum for a normal approximation.
 */
export const DEFAULT_MIN_GROUP_SIZE = 30;

/** The default cap on distinct (intersectional) groups a table keeps. */
export const DEFAULT_MAX_GROUPS = 100_000;

/** Sufficient statistics of one finest (intersectional) group. */
export interface GroupCells {
  /** The group's value of each sensitive feature, in feature order. */
  values: string[];
  /** Confusion counts indexed by 2·y + ŷ: [TN, FP, FN, TP]. */
  confusion: [number, number, number, number];
  /** Score sums, when a score column is given. */
  score?: ScoreStats;
}

/** Streaming sums for score-based (calibration) metrics. */
export interface ScoreStats {
  sum: number;
  sumSq: number;
  /** Σ s·y. */
  sumSy: number;
  /** Per bin: count, Σ s, Σ y. */
  bins: Float64Array;
}

/** The counts for every finest group, built by {@link FairnessAccumulator}. */
export interface CellTable {
  features: string[];
  groups: GroupCells[];
  hasScore: boolean;
}

function newScoreStats(): ScoreStats {
  return { sum: 0, sumSq: 0, sumSy: 0, bins: new Float64Array(3 * CALIBRATION_BINS) };
}

/**
 * Accumulates rows into per-group confusion counts (and score sums); O(groups) memory, so it
 * serves 1M-row files as well as 18-row fixtures.
 *
 * @example
 * const acc = new FairnessAccumulator(['sex'], false);
 * acc.add(1, 1, undefined, ['f']);
 * const table = acc.table();
 */
export class FairnessAccumulator {
  private readonly index = new Map<string, GroupCells>();
  private readonly order: GroupCells[] = [];

  constructor(
    readonly features: string[],
    readonly hasScore: boolean,
    /**
     * Most distinct groups kept (memory bound against a continuous column passed as sensitive).
     * @default DEFAULT_MAX_GROUPS (100 000)
     */
    readonly maxGroups = DEFAULT_MAX_GROUPS,
  ) {}

  /** Adds one row: labels are 0/1, score in [0, 1] when the table has scores. */
  add(y: 0 | 1, yhat: 0 | 1, score: number | undefined, values: readonly string[]): void {
    const key = values.length === 1 ? (values[0] as string) : values.join('\u0000');
    let cells = this.index.get(key);
    if (!cells) {
      if (this.order.length >= this.maxGroups)
        throw new AisfError(
          'E_DATA_INVALID',
          `more than ${this.maxGroups} distinct groups in ${this.features.join(', ')}; a sensitive column must be categorical (bin a numeric one first)`,
        );
      cells = { values: [...values], confusion: [0, 0, 0, 0] };
      if (this.hasScore) cells.score = newScoreStats();
      this.index.set(key, cells);
      this.order.push(cells);
    }
    const conf = cells.confusion;
    conf[2 * y + yhat] = (conf[2 * y + yhat] ?? 0) + 1;
    if (score !== undefined && cells.score) {
      const s = cells.score;
      s.sum += score;
      s.sumSq += score * score;
      s.sumSy += score * y;
      const bin = Math.min(CALIBRATION_BINS - 1, Math.floor(score * CALIBRATION_BINS));
      s.bins[3 * bin] = (s.bins[3 * bin] ?? 0) + 1;
      s.bins[3 * bin + 1] = (s.bins[3 * bin + 1] ?? 0) + score;
      s.bins[3 * bin + 2] = (s.bins[3 * bin + 2] ?? 0) + y;
    }
  }

  /** The counts so far, groups sorted by their values (stable, locale-independent order). */
  table(): CellTable {
    const groups = [...this.order].sort((a, b) => compareValues(a.values, b.values));
    return { features: [...this.features], groups, hasScore: this.hasScore };
  }
}

function compareValues(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** A value that may be undefined, with the reason why (e.g. no actual positives). */
export type Maybe = { value: number; reason?: undefined } | { value: null; reason: string };

const ok = (value: number): Maybe => ({ value });
const undef = (reason: string): Maybe => ({ value: null, reason });

function rate(num: number, den: number, what: string): Maybe {
  return den > 0 ? ok(num / den) : undef(what);
}

/** Per-group rates; names match Fairlearn's metric functions where one exists. */
export const GROUP_METRICS = [
  'selectionRate',
  'accuracy',
  'tpr',
  'fpr',
  'fnr',
  'tnr',
  'precision',
  'baseRate',
] as const;
export type GroupMetric = (typeof GROUP_METRICS)[number];

/** Score-based per-group metrics (when a score column is given). */
export const SCORE_METRICS = [
  'meanScore',
  'calibrationInTheLarge',
  'expectedCalibrationError',
  'brierScore',
] as const;
export type ScoreMetric = (typeof SCORE_METRICS)[number];

/** Rates of one group (or of all rows) from confusion counts. */
export function groupRates(c: readonly number[]): Record<GroupMetric, Maybe> {
  const [tn = 0, fp = 0, fn = 0, tp = 0] = c;
  const n = tn + fp + fn + tp;
  const pos = tp + fn;
  const neg = tn + fp;
  return {
    selectionRate: rate(tp + fp, n, 'the group is empty'),
    accuracy: rate(tp + tn, n, 'the group is empty'),
    tpr: rate(tp, pos, 'no actual positives (y_true = 1) in the group'),
    fpr: rate(fp, neg, 'no actual negatives (y_true = 0) in the group'),
    fnr: rate(fn, pos, 'no actual positives (y_true = 1) in the group'),
    tnr: rate(tn, neg, 'no actual negatives (y_true = 0) in the group'),
    precision: rate(tp, tp + fp, 'no predicted positives (y_pred = 1) in the group'),
    baseRate: rate(pos, n, 'the group is empty'),
  };
}

/** Calibration metrics of one group from its score sums. */
export function scoreRates(c: readonly number[], s: ScoreStats): Record<ScoreMetric, Maybe> {
  const [tn = 0, fp = 0, fn = 0, tp = 0] = c;
  const n = tn + fp + fn + tp;
  if (n === 0) {
    const r = undef('the group is empty');
    return { meanScore: r, calibrationInTheLarge: r, expectedCalibrationError: r, brierScore: r };
  }
  let ece = 0;
  for (let b = 0; b < CALIBRATION_BINS; b++) {
    const count = s.bins[3 * b] ?? 0;
    if (count > 0) ece += Math.abs((s.bins[3 * b + 1] ?? 0) - (s.bins[3 * b + 2] ?? 0)) / n;
  }
  const pos = tp + fn;
  return {
    meanScore: ok(s.sum / n),
    calibrationInTheLarge: ok((s.sum - pos) / n),
    expectedCalibrationError: ok(ece),
    // Σ(s − y)² = Σs² − 2Σsy + Σy (y² = y)
    brierScore: ok((s.sumSq - 2 * s.sumSy + pos) / n),
  };
}

/**
 * Generalized entropy index of the benefits b = ŷ − y + 1 (Speicher et al. 2018), as AIF360's
 * `ClassificationMetric.generalized_entropy_index` (unweighted mean; α = 1 is the Theil index
 * with 0·ln 0 = 0). Depends on the rows only through the overall confusion counts.
 */
export function generalizedEntropyIndex(c: readonly number[], alpha: number): Maybe {
  const [tn = 0, fp = 0, fn = 0, tp = 0] = c;
  const n = tn + fp + fn + tp;
  if (n === 0) return undef('no rows');
  // benefit values: TN → 1, FP → 2, FN → 0, TP → 1
  const counts = [
    [tn + tp, 1],
    [fp, 2],
    [fn, 0],
  ] as const;
  const mu = (tn + tp + 2 * fp) / n;
  if (mu === 0) return undef('every row is a false negative, so the mean benefit is 0');
  let total = 0;
  for (const [k, b] of counts) {
    if (k === 0) continue;
    const r = b / mu;
    if (alpha === 1) total += k * (r === 0 ? 0 : r * Math.log(r));
    else if (alpha === 0) {
      if (r === 0) return undef('α = 0 is infinite when a benefit is 0 (a false negative)');
      total += -k * Math.log(r);
    } else total += (k * (r ** alpha - 1)) / (alpha * (alpha - 1));
  }
  return ok(total / n);
}

/**
 * Between-group generalized entropy index (Speicher et al. 2018): the GEI with every row's benefit
 * replaced by its group's mean benefit, as AIF360's `between_all_groups_generalized_entropy_index`
 * over the groups of the grouping (empty groups ignored).
 */
export function betweenGroupGeneralizedEntropyIndex(grouping: Grouping, alpha: number): Maybe {
  let n = 0;
  let total = 0;
  const parts: [number, number][] = [];
  for (const g of grouping.groups) {
    const [tn = 0, fp = 0, fn = 0, tp = 0] = g.confusion;
    const k = tn + fp + fn + tp;
    if (k === 0) continue;
    const mean = (tn + tp + 2 * fp) / k;
    parts.push([k, mean]);
    n += k;
    total += k * mean;
  }
  if (n === 0) return undef('no rows');
  const mu = total / n;
  if (mu === 0) return undef('every row is a false negative, so the mean benefit is 0');
  let sum = 0;
  for (const [k, m] of parts) {
    const r = m / mu;
    if (alpha === 1) sum += k * (r === 0 ? 0 : r * Math.log(r));
    else if (alpha === 0) {
      if (r === 0) return undef('α = 0 is infinite when a group mean benefit is 0');
      sum += -k * Math.log(r);
    } else sum += (k * (r ** alpha - 1)) / (alpha * (alpha - 1));
  }
  return ok(sum / n);
}

/** Names of the between-group metrics and the convention each follows. */
export const METRIC_CONVENTIONS = {
  demographicParityDifference: 'fairlearn',
  demographicParityRatio: 'fairlearn',
  equalizedOddsDifference: 'fairlearn',
  equalizedOddsRatio: 'fairlearn',
  equalOpportunityDifference: 'fairlearn',
  equalOpportunityRatio: 'fairlearn',
  statisticalParityDifference: 'aif360',
  disparateImpact: 'aif360',
  truePositiveRateDifference: 'aif360',
  falsePositiveRateDifference: 'aif360',
  averageOddsDifference: 'aif360',
  averageAbsOddsDifference: 'aif360',
  theilIndex: 'aif360',
  generalizedEntropyIndex: 'aif360',
  betweenGroupGeneralizedEntropyIndex: 'aif360',
} as const;
export type FairnessMetric = keyof typeof METRIC_CONVENTIONS;
export const FAIRNESS_METRICS = Object.keys(METRIC_CONVENTIONS) as FairnessMetric[];

/** Human-readable statement of both conventions (printed in reports). */
export const CONVENTIONS = {
  fairlearn: {
    difference: 'max − min of the group values over all groups (unsigned, ≥ 0)',
    ratio: 'min / max of the group values over all groups (≤ 1)',
    equalizedOdds: 'worst case of the TPR and FPR differences (ratios)',
    reference:
      'fairlearn.metrics (_fairness_metrics.py, MetricFrame.difference/ratio between_groups)',
  },
  aif360: {
    difference: 'unprivileged − privileged (signed)',
    ratio: 'unprivileged / privileged (may exceed 1; four-fifths rule: ≥ 0.8)',
    unprivileged: 'every row not in the declared privileged group',
    individual:
      'theilIndex and generalizedEntropyIndex (α = 2) over all rows, benefit b = ŷ − y + 1',
    reference: 'aif360.metrics.ClassificationMetric',
  },
} as const;

/** Options of {@link fairnessMetrics}. */
export interface MetricOptions {
  /**
   * The privileged group for the AIF360 convention: feature → value (all must match).
   * Without it the AIF360 metrics are undefined with that reason.
   */
  privileged?: Readonly<Record<string, string>>;
  /**
   * α of the generalized entropy index.
   * @default 2 (AIF360's default)
   */
  gea?: number;
}

/** One grouping's groups: their label (values) and confusion counts. */
export interface Grouping {
  features: string[];
  groups: { values: string[]; confusion: number[] }[];
}

function sum4(list: readonly (readonly number[])[]): number[] {
  const out = [0, 0, 0, 0];
  for (const c of list) for (let i = 0; i < 4; i++) out[i] = (out[i] ?? 0) + (c[i] ?? 0);
  return out;
}

function label(features: readonly string[], values: readonly string[]): string {
  return features.map((f, i) => `${f}=${values[i]}`).join(', ');
}

function spread(
  grouping: Grouping,
  metric: GroupMetric,
  name: string,
): { diff: Maybe; ratio: Maybe; min?: number; max?: number } {
  if (grouping.groups.length < 2) {
    const r = undef(`needs at least two groups; found ${grouping.groups.length}`);
    return { diff: r, ratio: r };
  }
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const g of grouping.groups) {
    const v = groupRates(g.confusion)[metric];
    if (v.value === null) {
      const r = undef(`${name} undefined for ${label(grouping.features, g.values)}: ${v.reason}`);
      return { diff: r, ratio: r };
    }
    if (v.value < min) min = v.value;
    if (v.value > max) max = v.value;
  }
  return {
    diff: ok(max - min),
    ratio: max > 0 ? ok(min / max) : undef(`${name} is 0 in every group (0 / 0)`),
    min,
    max,
  };
}

function worst(a: Maybe, b: Maybe, pick: (x: number, y: number) => number): Maybe {
  if (a.value === null) return a;
  if (b.value === null) return b;
  return ok(pick(a.value, b.value));
}

/**
 * All between-group metrics of one grouping, in both conventions.
 *
 * @example
 * const m = fairnessMetrics({ features: ['sf'], groups }, { privileged: { sf: 'b' } });
 * m.demographicParityDifference.value; // 0.25 on Fairlearn's 18-sample example
 */
export function fairnessMetrics(
  grouping: Grouping,
  options: MetricOptions = {},
): Record<FairnessMetric, Maybe> {
  const sr = spread(grouping, 'selectionRate', 'selection rate');
  const tpr = spread(grouping, 'tpr', 'TPR');
  const fpr = spread(grouping, 'fpr', 'FPR');
  const overall = sum4(grouping.groups.map((g) => g.confusion));
  const out: Record<string, Maybe> = {
    demographicParityDifference: sr.diff,
    demographicParityRatio: sr.ratio,
    equalizedOddsDifference: worst(tpr.diff, fpr.diff, Math.max),
    equalizedOddsRatio: worst(tpr.ratio, fpr.ratio, Math.min),
    equalOpportunityDifference: tpr.diff,
    equalOpportunityRatio: tpr.ratio,
    theilIndex: generalizedEntropyIndex(overall, 1),
    generalizedEntropyIndex: generalizedEntropyIndex(overall, options.gea ?? 2),
    betweenGroupGeneralizedEntropyIndex: betweenGroupGeneralizedEntropyIndex(
      grouping,
      options.gea ?? 2,
    ),
  };
  Object.assign(out, privilegedMetrics(grouping, options.privileged));
  return out as Record<FairnessMetric, Maybe>;
}

function privilegedMetrics(
  grouping: Grouping,
  privileged: Readonly<Record<string, string>> | undefined,
): Record<string, Maybe> {
  const names = [
    'statisticalParityDifference',
    'disparateImpact',
    'truePositiveRateDifference',
    'falsePositiveRateDifference',
    'averageOddsDifference',
    'averageAbsOddsDifference',
  ];
  const conditions = Object.entries(privileged ?? {})
    .map(([f, v]) => [grouping.features.indexOf(f), v] as const)
    .filter(([i]) => i >= 0);
  if (conditions.length === 0) {
    const reason =
      privileged && Object.keys(privileged).length > 0
        ? `no privileged value declared for ${grouping.features.join(' & ')} (--privileged ${grouping.features[0]}=<value>)`
        : 'no privileged group declared (use --privileged feature=value)';
    return Object.fromEntries(names.map((n) => [n, undef(reason)]));
  }
  const priv: number[][] = [];
  const unpriv: number[][] = [];
  for (const g of grouping.groups) {
    (conditions.every(([i, v]) => g.values[i] === v) ? priv : unpriv).push(g.confusion);
  }
  const p = groupRates(sum4(priv));
  const u = groupRates(sum4(unpriv));
  const which = (side: Maybe, who: string): string => `${who} group: ${side.reason}`;
  const diff = (m: GroupMetric): Maybe => {
    const a = u[m];
    const b = p[m];
    if (priv.length === 0) return undef('no rows in the privileged group');
    if (unpriv.length === 0) return undef('no rows in the unprivileged group');
    if (a.value === null) return undef(which(a, 'unprivileged'));
    if (b.value === null) return undef(which(b, 'privileged'));
    return ok(a.value - b.value);
  };
  const spd = diff('selectionRate');
  const dtpr = diff('tpr');
  const dfpr = diff('fpr');
  const srP = p.selectionRate.value;
  const srU = u.selectionRate.value;
  let di: Maybe;
  if (spd.value === null) di = spd;
  else if (srP === 0) di = undef('the privileged group has selection rate 0 (division by 0)');
  else di = ok((srU as number) / (srP as number));
  return {
    statisticalParityDifference: spd,
    disparateImpact: di,
    truePositiveRateDifference: dtpr,
    falsePositiveRateDifference: dfpr,
    averageOddsDifference:
      dtpr.value === null ? dtpr : dfpr.value === null ? dfpr : ok(0.5 * (dfpr.value + dtpr.value)),
    averageAbsOddsDifference:
      dtpr.value === null
        ? dtpr
        : dfpr.value === null
          ? dfpr
          : ok(0.5 * (Math.abs(dfpr.value) + Math.abs(dtpr.value))),
  };
}

/**
 * Collapses the finest groups of a table onto a subset of its features (marginal groups), e.g.
 * (gender, ethnicity) → gender.
 */
export function marginalize(table: CellTable, features: readonly string[]): Grouping {
  const idx = features.map((f) => table.features.indexOf(f));
  const map = new Map<string, { values: string[]; confusion: number[] }>();
  for (const g of table.groups) {
    const values = idx.map((i) => g.values[i] as string);
    const key = values.join('\u0000');
    let entry = map.get(key);
    if (!entry) {
      entry = { values, confusion: [0, 0, 0, 0] };
      map.set(key, entry);
    }
    for (let k = 0; k < 4; k++)
      entry.confusion[k] = (entry.confusion[k] ?? 0) + (g.confusion[k] ?? 0);
  }
  const groups = [...map.values()].sort((a, b) => compareValues(a.values, b.values));
  return { features: [...features], groups };
}

/** Sums the score statistics of the finest groups matching a marginal group. */
export function marginalScore(
  table: CellTable,
  features: readonly string[],
  values: readonly string[],
): ScoreStats | undefined {
  if (!table.hasScore) return undefined;
  const idx = features.map((f) => table.features.indexOf(f));
  const out = newScoreStats();
  for (const g of table.groups) {
    if (!g.score || !idx.every((i, k) => g.values[i] === values[k])) continue;
    out.sum += g.score.sum;
    out.sumSq += g.score.sumSq;
    out.sumSy += g.score.sumSy;
    for (let b = 0; b < out.bins.length; b++)
      out.bins[b] = (out.bins[b] ?? 0) + (g.score.bins[b] ?? 0);
  }
  return out;
}
