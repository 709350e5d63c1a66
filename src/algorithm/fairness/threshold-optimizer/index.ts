/**
 * @module Group-specific randomized thresholds (Hardt, Price & Srebro 2016, "Equality of
 * Opportunity in Supervised Learning") as Fairlearn's `ThresholdOptimizer` computes them: per group,
 * the upper convex hull of the ROC (or selection-rate/accuracy) trade-off, interpolated on a grid of
 * `gridSize + 1` points, the grid point maximising accuracy while the constraint holds exactly, and
 * per group a mixture of two threshold rules (plus, for equalized odds, a mix with the constant
 * predictor). Maximising over the hull is the LP of Hardt et al. solved on the grid. Prediction is
 * randomized and seeded (Fairlearn#588: predictions vary between calls unless seeded).
 */
import { AisfError } from '../../../errors.js';
import { solveLinearProgram } from '../lp/index.js';
import { createRng } from '../rng.js';

/** `score > threshold` (or `<`) → 1. Infinite thresholds serialise as the strings "inf"/"-inf". */
export interface ThresholdRule {
  operator: '>' | '<';
  threshold: number;
}

/**
 * The post-processor for one group: P(ŷ = 1) = p0·rule0(s) + p1·rule1(s) (grid solver), or
 * Σ p·rule(s) over `mixture` (LP solver, which may mix more than two rules).
 */
export interface GroupThresholds {
  p0: number;
  rule0: ThresholdRule;
  p1: number;
  rule1: ThresholdRule;
  mixture?: { p: number; rule: ThresholdRule }[];
  /** Equalized odds only: probability of answering with the constant `predictionConstant`. */
  pIgnore?: number;
  predictionConstant?: number;
}

/** A fitted threshold optimizer: one entry per group value. */
export interface ThresholdOptimizerModel {
  constraint: 'demographic-parity' | 'equalized-odds';
  groups: Record<string, GroupThresholds>;
}

/** Options of {@link fitThresholdOptimizer}. */
export interface ThresholdOptimizerOptions {
  /** @default 'demographic-parity' (Fairlearn) */
  constraint?: 'demographic-parity' | 'equalized-odds';
  /** @default 1000 (Fairlearn) */
  gridSize?: number;
  /** Also consider inverted rules (score < t → 1). @default false (Fairlearn) */
  flip?: boolean;
  /**
   * 'grid': Fairlearn's interpolation on `gridSize + 1` points (bit-for-bit Fairlearn);
   * 'lp': the exact linear program of Hardt et al. over the groups' hull vertices (solved by our
   * simplex), which is at least as accurate as any grid point.
   * @default 'grid'
   */
  solver?: 'grid' | 'lp';
}

interface Point {
  x: number;
  y: number;
  rule: ThresholdRule;
}

interface Counts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

function metric(name: 'selection' | 'accuracy' | 'fpr' | 'tpr', c: Counts): number {
  const n = c.tp + c.fp + c.tn + c.fn;
  switch (name) {
    case 'selection':
      return (c.tp + c.fp) / n;
    case 'accuracy':
      return (c.tp + c.tn) / n;
    case 'fpr':
      return c.fp / (c.fp + c.tn);
    default:
      return c.tp / (c.tp + c.fn);
  }
}

/** All threshold points of one group, sorted by (x, y) (Fairlearn `_calculate_tradeoff_points`). */
function tradeoffPoints(
  scores: readonly number[],
  labels: readonly number[],
  flip: boolean,
  xMetric: 'selection' | 'fpr',
  yMetric: 'accuracy' | 'tpr',
  name: string,
): Point[] {
  const order = scores
    .map((_, i) => i)
    .sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const s = order.map((i) => scores[i] as number);
  const l = order.map((i) => labels[i] as number);
  const n = s.length;
  const nPos = l.reduce((a, b) => a + b, 0);
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0)
    throw new AisfError(
      'E_DATA_INVALID',
      `group "${name}" has only ${nPos === 0 ? 'negative' : 'positive'} labels; the threshold optimizer needs both in every group`,
    );
  s.push(Number.NEGATIVE_INFINITY);
  const points: Point[] = [];
  const count = [0, 0];
  let i = 0;
  let first = true;
  while (i < n) {
    let threshold: number;
    if (first) {
      threshold = Number.POSITIVE_INFINITY;
      first = false;
    } else {
      threshold = s[i] as number;
      while (s[i] === threshold) {
        const lab = l[i] as number;
        count[lab] = (count[lab] as number) + 1;
        i++;
      }
      threshold = (threshold + (s[i] as number)) / 2;
    }
    const actual: Counts = {
      fp: count[0] as number,
      tp: count[1] as number,
      tn: nNeg - (count[0] as number),
      fn: nPos - (count[1] as number),
    };
    const flipped: Counts = {
      fp: nNeg - (count[0] as number),
      tp: nPos - (count[1] as number),
      tn: count[0] as number,
      fn: count[1] as number,
    };
    const ops: [ThresholdRule['operator'], Counts][] = flip
      ? [
          ['>', actual],
          ['<', flipped],
        ]
      : [['>', actual]];
    for (const [operator, c] of ops) {
      points.push({ x: metric(xMetric, c), y: metric(yMetric, c), rule: { operator, threshold } });
    }
  }
  // pandas sort_values(by=["x","y"]) is not stable; ties carry equal (x, y) so the values agree.
  return points.sort((a, b) => a.x - b.x || a.y - b.y);
}

/** Upper convex hull by Andrew's monotone chain (Fairlearn `_filter_points_to_get_convex_hull`). */
function upperHull(points: readonly Point[]): Point[] {
  const out: Point[] = [];
  for (const r2 of points) {
    while (out.length >= 2) {
      const r1 = out[out.length - 1] as Point;
      const r0 = out[out.length - 2] as Point;
      if ((r1.y - r0.y) * (r2.x - r0.x) <= (r2.y - r0.y) * (r1.x - r0.x)) out.pop();
      else break;
    }
    out.push(r2);
  }
  return out;
}

interface GridPoint {
  x: number;
  y: number;
  p0: number;
  rule0: ThresholdRule;
  p1: number;
  rule1: ThresholdRule;
}

function interpolate(hull: readonly Point[], grid: readonly number[]): GridPoint[] {
  let i = 0;
  const x0 = (hull[0] as Point).x;
  while ((hull[i + 1] as Point).x === x0) i++;
  return grid.map((x) => {
    while (x > (hull[i + 1] as Point).x) i++;
    const a = hull[i] as Point;
    const b = hull[i + 1] as Point;
    const p0 = (b.x - x) / (b.x - a.x);
    const p1 = 1 - p0;
    return { x, y: p0 * a.y + p1 * b.y, p0, rule0: a.rule, p1, rule1: b.rule };
  });
}

function linspace(n: number): number[] {
  // numpy.linspace(0, 1, n + 1): i·step, with the last point exactly 1
  const step = 1 / n;
  return Array.from({ length: n + 1 }, (_, i) => (i === n ? 1 : i * step));
}

function argmax(values: readonly number[]): number {
  let best = 0;
  values.forEach((v, i) => {
    if (v > (values[best] as number)) best = i;
  });
  return best;
}

/**
 * Fits per-group randomized thresholds on (score, label, group).
 *
 * @example
 * const model = fitThresholdOptimizer(scores, labels, groups, { constraint: 'equalized-odds' });
 * const p = thresholdPmf(model, scores, groups); // P(ŷ = 1) per row
 */
export function fitThresholdOptimizer(
  scores: readonly number[],
  labels: readonly number[],
  groups: readonly string[],
  options: ThresholdOptimizerOptions = {},
): ThresholdOptimizerModel {
  const n = labels.length;
  if (scores.length !== n || groups.length !== n)
    throw new AisfError(
      'E_INPUT',
      `scores (${scores.length}), labels (${n}) and groups (${groups.length}) must have one entry per row`,
    );
  const constraint = options.constraint ?? 'demographic-parity';
  const gridSize = options.gridSize ?? 1000;
  const flip = options.flip ?? false;
  if (options.solver === 'lp') return fitByLinearProgram(scores, labels, groups, constraint, flip);
  const grid = linspace(gridSize);
  const byGroup = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const list = byGroup.get(g) ?? [];
    list.push(i);
    byGroup.set(g, list);
  });
  const names = [...byGroup.keys()].sort();
  const curves = new Map<string, GridPoint[]>();
  const out: Record<string, GroupThresholds> = {};
  if (constraint === 'demographic-parity') {
    const overall = new Array<number>(grid.length).fill(0);
    for (const g of names) {
      const idx = byGroup.get(g) as number[];
      const pts = tradeoffPoints(
        idx.map((i) => scores[i] as number),
        idx.map((i) => labels[i] as number),
        flip,
        'selection',
        'accuracy',
        g,
      );
      const curve = interpolate(upperHull(pts), grid);
      curves.set(g, curve);
      const pg = idx.length / n;
      curve.forEach((p, k) => {
        overall[k] = (overall[k] as number) + pg * p.y;
      });
    }
    const best = argmax(overall);
    for (const g of names) {
      const p = (curves.get(g) as GridPoint[])[best] as GridPoint;
      out[g] = { p0: p.p0, rule0: p.rule0, p1: p.p1, rule1: p.rule1 };
    }
  } else {
    const nPos = labels.reduce((a: number, b) => a + b, 0);
    const nNeg = n - nPos;
    const yMin = new Array<number>(grid.length).fill(Number.POSITIVE_INFINITY);
    for (const g of names) {
      const idx = byGroup.get(g) as number[];
      const pts = tradeoffPoints(
        idx.map((i) => scores[i] as number),
        idx.map((i) => labels[i] as number),
        flip,
        'fpr',
        'tpr',
        g,
      );
      const curve = interpolate(upperHull(pts), grid);
      curves.set(g, curve);
      curve.forEach((p, k) => {
        yMin[k] = Math.min(yMin[k] as number, p.y);
      });
    }
    // accuracy at each grid point, rounded to 15 decimals as Fairlearn does (np.around(…, 15))
    const objective = grid.map((x, k) => {
      const acc = (nPos * (yMin[k] as number) + nNeg * (1 - x)) / n;
      return Math.round(acc * 1e15) / 1e15;
    });
    const best = argmax(objective);
    const xBest = grid[best] as number;
    const yBest = yMin[best] as number;
    for (const g of names) {
      const p = (curves.get(g) as GridPoint[])[best] as GridPoint;
      const pIgnore = p.y === p.x ? 0 : (p.y - yBest) / (p.y - p.x);
      out[g] = {
        p0: p.p0,
        rule0: p.rule0,
        p1: p.p1,
        rule1: p.rule1,
        pIgnore,
        predictionConstant: xBest,
      };
    }
  }
  return { constraint, groups: out };
}

/**
 * Hardt et al.'s LP: per group g, weights λ_gk ≥ 0 (Σ_k λ_gk = 1) on its hull vertices; the
 * constrained coordinates Σ_k λ_gk·x_gk equal a common X (and, for equalized odds, Σ_k λ_gk·y_gk a
 * common Y); maximise accuracy: Σ_g n_g·Σ_k λ_gk·acc_gk (demographic parity) or
 * (n₊·Y + n₋·(1 − X)) / n (equalized odds).
 */
function fitByLinearProgram(
  scores: readonly number[],
  labels: readonly number[],
  groups: readonly string[],
  constraint: 'demographic-parity' | 'equalized-odds',
  flip: boolean,
): ThresholdOptimizerModel {
  const n = labels.length;
  const byGroup = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const list = byGroup.get(g) ?? [];
    list.push(i);
    byGroup.set(g, list);
  });
  const names = [...byGroup.keys()].sort();
  const dp = constraint === 'demographic-parity';
  const hulls = names.map((g) => {
    const idx = byGroup.get(g) as number[];
    const pts = tradeoffPoints(
      idx.map((i) => scores[i] as number),
      idx.map((i) => labels[i] as number),
      flip,
      dp ? 'selection' : 'fpr',
      dp ? 'accuracy' : 'tpr',
      g,
    );
    return upperHull(pts);
  });
  // variables: all λ_gk, then X (and Y), free but implied in [0, 1]
  const offsets: number[] = [];
  let nVar = 0;
  for (const h of hulls) {
    offsets.push(nVar);
    nVar += h.length;
  }
  const xVar = nVar;
  const yVar = nVar + 1;
  const total = dp ? nVar + 1 : nVar + 2;
  const c = new Array<number>(total).fill(0);
  const aEq: number[][] = [];
  const bEq: number[] = [];
  const nPos = labels.reduce((a: number, b) => a + b, 0);
  hulls.forEach((h, gi) => {
    const off = offsets[gi] as number;
    const ng = (byGroup.get(names[gi] as string) as number[]).length;
    const sum = new Array<number>(total).fill(0);
    const xs = new Array<number>(total).fill(0);
    const ys = new Array<number>(total).fill(0);
    h.forEach((pt, k) => {
      sum[off + k] = 1;
      xs[off + k] = pt.x;
      ys[off + k] = pt.y;
      if (dp) c[off + k] = -(ng / n) * pt.y;
    });
    aEq.push(sum);
    bEq.push(1);
    xs[xVar] = -1;
    aEq.push(xs);
    bEq.push(0);
    if (!dp) {
      ys[yVar] = -1;
      aEq.push(ys);
      bEq.push(0);
    }
  });
  if (!dp) {
    c[yVar] = -nPos / n;
    c[xVar] = (n - nPos) / n;
  }
  const free = new Array<boolean>(total).fill(false);
  const result = solveLinearProgram({ c, aEq, bEq, free });
  if (result.status !== 'optimal')
    throw new AisfError('E_INTERNAL', `threshold optimizer LP ${result.status}`);
  const out: Record<string, GroupThresholds> = {};
  hulls.forEach((h, gi) => {
    const off = offsets[gi] as number;
    const mixture = h
      .map((pt, k) => ({ p: Math.max(0, result.x[off + k] as number), rule: pt.rule }))
      .filter((m) => m.p > 1e-12);
    const first = mixture[0] as { p: number; rule: ThresholdRule };
    const second = mixture[1] ?? { p: 0, rule: first.rule };
    out[names[gi] as string] = {
      p0: first.p,
      rule0: first.rule,
      p1: second.p,
      rule1: second.rule,
      mixture,
    };
  });
  return { constraint, groups: out };
}

const applyRule = (r: ThresholdRule, s: number): number =>
  r.operator === '>' ? (s > r.threshold ? 1 : 0) : s < r.threshold ? 1 : 0;

/** P(ŷ = 1) per row (Fairlearn `_pmf_predict`). A group unseen at fit time is an E_DATA_INVALID. */
export function thresholdPmf(
  model: ThresholdOptimizerModel,
  scores: readonly number[],
  groups: readonly string[],
): number[] {
  return scores.map((s, i) => {
    const g = groups[i] as string;
    const t = model.groups[g];
    if (!t)
      throw new AisfError(
        'E_DATA_INVALID',
        `group "${g}" was not seen when the threshold optimizer was fitted; refit with data that contains it`,
      );
    const p = t.mixture
      ? t.mixture.reduce((a, m) => a + m.p * applyRule(m.rule, s), 0)
      : t.p0 * applyRule(t.rule0, s) + t.p1 * applyRule(t.rule1, s);
    return t.pIgnore === undefined
      ? p
      : t.pIgnore * (t.predictionConstant as number) + (1 - t.pIgnore) * p;
  });
}

/** Seeded randomized 0/1 predictions (ŷ = 1 when u < P(ŷ = 1), u uniform). */
export function thresholdPredict(
  model: ThresholdOptimizerModel,
  scores: readonly number[],
  groups: readonly string[],
  seed = 0,
): (0 | 1)[] {
  const rng = createRng(seed);
  return thresholdPmf(model, scores, groups).map((p) => (rng.next() < p ? 1 : 0));
}

/** JSON with infinite thresholds as "inf"/"-inf" (JSON has no Infinity). */
export function thresholdModelToJson(model: ThresholdOptimizerModel): unknown {
  return JSON.parse(
    JSON.stringify(model, (_, v) =>
      v === Number.POSITIVE_INFINITY ? 'inf' : v === Number.NEGATIVE_INFINITY ? '-inf' : v,
    ),
  );
}
