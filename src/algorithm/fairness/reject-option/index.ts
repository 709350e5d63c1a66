/**
 * @module Reject-option classification (Kamiran, Karim & Zhang 2012, "Decision Theory for
 * Discrimination-Aware Classification"): inside a band of uncertain scores around the threshold,
 * give the unprivileged group the favourable label and the privileged group the unfavourable one.
 * The grid search over (threshold, margin) and its defaults follow AIF360's
 * `RejectOptionClassification` (`aif360/algorithms/postprocessing/reject_option_classification.py`).
 */
import { AisfError } from '../../../errors.js';

/** The fairness metric the band must bring into [metricLb, metricUb] (AIF360's `metric_name`). */
export type RocMetric =
  | 'statistical-parity-difference'
  | 'average-odds-difference'
  | 'equal-opportunity-difference';

/** Options of {@link fitRejectOption}; defaults are AIF360's. */
export interface RejectOptionOptions {
  /** @default 0.01 */
  lowClassThresh?: number;
  /** @default 0.99 */
  highClassThresh?: number;
  /** @default 100 */
  numClassThresh?: number;
  /** @default 50 */
  numRocMargin?: number;
  /** @default 'statistical-parity-difference' */
  metric?: RocMetric;
  /** @default 0.05 */
  metricUb?: number;
  /** @default -0.05 */
  metricLb?: number;
  /**
   * The favourable label: 1 (AIF360's default) or 0 (e.g. `deny = 0` for credit). Scores are
   * always P(y = 1); with favourable 0 the band gives the unprivileged group 0.
   * @default 1
   */
  favorable?: 0 | 1;
}

/** A fitted reject-option post-processor. */
export interface RejectOptionModel {
  classificationThreshold: number;
  rocMargin: number;
  favorable: 0 | 1;
  /** Whether a combination met the metric bounds (AIF360 warns "Unable to satisfy" otherwise). */
  satisfied: boolean;
  metric: RocMetric;
  balancedAccuracy: number;
  metricValue: number;
}

function linspace(a: number, b: number, n: number): number[] {
  // numpy.linspace: a + i·step, last point exactly b
  if (n === 1) return [a];
  const step = (b - a) / (n - 1);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? b : a + i * step));
}

/** Predictions of the reject-option rule, in favourable-label space then mapped back. */
export function rejectOptionPredict(
  model: RejectOptionModel,
  scores: readonly number[],
  privileged: readonly boolean[],
): (0 | 1)[] {
  const f = model.favorable;
  return scores.map((s, i) => {
    const fs = f === 1 ? s : 1 - s; // P(favourable)
    let fav = fs > model.classificationThreshold;
    if (
      fs <= model.classificationThreshold + model.rocMargin &&
      fs > model.classificationThreshold - model.rocMargin
    )
      fav = !privileged[i];
    return (fav ? f : 1 - f) as 0 | 1;
  });
}

/**
 * Searches AIF360's grid of thresholds × margins for the best balanced accuracy whose fairness
 * metric (unprivileged − privileged, in favourable-label terms) lies in the bounds.
 *
 * @example
 * const model = fitRejectOption(scores, labels, privileged, { favorable: 0 });
 * const yhat = rejectOptionPredict(model, scores, privileged);
 */
export function fitRejectOption(
  scores: readonly number[],
  labels: readonly number[],
  privileged: readonly boolean[],
  options: RejectOptionOptions = {},
): RejectOptionModel {
  const n = labels.length;
  if (scores.length !== n || privileged.length !== n)
    throw new AisfError(
      'E_INPUT',
      `scores (${scores.length}), labels (${n}) and groups (${privileged.length}) must have one entry per row`,
    );
  if (!privileged.some(Boolean) || privileged.every(Boolean))
    throw new AisfError(
      'E_DATA_INVALID',
      'reject-option classification needs rows in both the privileged and the unprivileged group',
    );
  const low = options.lowClassThresh ?? 0.01;
  const high = options.highClassThresh ?? 0.99;
  const nThresh = options.numClassThresh ?? 100;
  const nMargin = options.numRocMargin ?? 50;
  const metric = options.metric ?? 'statistical-parity-difference';
  const ub = options.metricUb ?? 0.05;
  const lb = options.metricLb ?? -0.05;
  const favorable = options.favorable ?? 1;
  const fav = labels.map((y) => (y === favorable ? 1 : 0));
  const candidates: { t: number; m: number; bacc: number; metric: number }[] = [];
  for (const t of linspace(low, high, nThresh)) {
    const highMargin = t <= 0.5 ? t : 1 - t;
    for (const m of linspace(0, highMargin, nMargin)) {
      const model: RejectOptionModel = {
        classificationThreshold: t,
        rocMargin: m,
        favorable,
        satisfied: true,
        metric,
        balancedAccuracy: 0,
        metricValue: 0,
      };
      const pred = rejectOptionPredict(model, scores, privileged).map((p) =>
        p === favorable ? 1 : 0,
      );
      // counts per side: [n, selected, tp, pos, fp, neg]
      const c = [
        [0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0],
      ];
      for (let i = 0; i < n; i++) {
        const side = c[privileged[i] ? 1 : 0] as number[];
        const p = pred[i] as number;
        const y = fav[i] as number;
        side[0] = (side[0] as number) + 1;
        side[1] = (side[1] as number) + p;
        if (y === 1) {
          side[3] = (side[3] as number) + 1;
          side[2] = (side[2] as number) + p;
        } else {
          side[5] = (side[5] as number) + 1;
          side[4] = (side[4] as number) + p;
        }
      }
      const [u, pr] = c as [number[], number[]];
      const tp = (u[2] as number) + (pr[2] as number);
      const pos = (u[3] as number) + (pr[3] as number);
      const fp = (u[4] as number) + (pr[4] as number);
      const neg = (u[5] as number) + (pr[5] as number);
      const bacc = 0.5 * (tp / pos + (neg - fp) / neg);
      const rate = (s: number[], a: number, b: number) => (s[a] as number) / (s[b] as number);
      let value: number;
      if (metric === 'statistical-parity-difference') value = rate(u, 1, 0) - rate(pr, 1, 0);
      else if (metric === 'equal-opportunity-difference') value = rate(u, 2, 3) - rate(pr, 2, 3);
      else value = 0.5 * (rate(u, 4, 5) - rate(pr, 4, 5) + (rate(u, 2, 3) - rate(pr, 2, 3)));
      candidates.push({ t, m, bacc, metric: value });
    }
  }
  const ok = candidates.filter((c) => c.metric >= lb && c.metric <= ub);
  let best: { t: number; m: number; bacc: number; metric: number };
  if (ok.length > 0) {
    best = ok[0] as (typeof ok)[number];
    for (const c of ok) if (c.bacc > best.bacc) best = c;
  } else {
    // AIF360: no combination satisfies the bounds → the smallest metric value (first of ties).
    best = candidates[0] as (typeof candidates)[number];
    for (const c of candidates) if (c.metric < best.metric) best = c;
  }
  return {
    classificationThreshold: best.t,
    rocMargin: best.m,
    favorable,
    satisfied: ok.length > 0,
    metric,
    balancedAccuracy: best.bacc,
    metricValue: best.metric,
  };
}
