/**
 * @module Exponentiated-gradient reduction (Agarwal et al. 2018, "A Reductions Approach to Fair
 * Classification"): a randomized classifier over cost-sensitive base learners that minimises error
 * subject to demographic parity or equalized odds. Defaults and the control flow (ν, η schedule,
 * LP step over the found classifiers, stopping rule) follow Fairlearn's `ExponentiatedGradient`
 * (`fairlearn/reductions/_exponentiated_gradient`), so Fairlearn's published smoke-test values
 * reproduce with the same base learner.
 */
import { AisfError } from '../../../errors.js';
import { solveLinearProgram } from '../lp/index.js';
import { createRng } from '../rng.js';

/** A hard classifier: 0/1 per row. */
export type Predictor = (x: readonly (readonly number[])[]) => number[];

/** A base learner that accepts sample weights (the reduction's cost-sensitive oracle). */
export type Learner = (
  x: readonly (readonly number[])[],
  y: readonly number[],
  weights: readonly number[],
) => Predictor;

/** The parity constraint. */
export type ReductionConstraint = 'demographic-parity' | 'equalized-odds';

/** Options of {@link fitExponentiatedGradient}; defaults are Fairlearn's. */
export interface ExponentiatedGradientOptions {
  /** @default 'demographic-parity' */
  constraint?: ReductionConstraint;
  /**
   * Allowed |E[h | group, event] − E[h | event]| (Fairlearn's `difference_bound`).
   * @default 0.01 (Fairlearn's `_DEFAULT_DIFFERENCE_BOUND`)
   */
  differenceBound?: number;
  /**
   * Allowed constraint violation of the returned classifier; B = 1/eps bounds ‖λ‖₁.
   * @default 0.01 (Fairlearn)
   */
  eps?: number;
  /** @default 50 (Fairlearn) */
  maxIter?: number;
  /** Convergence threshold on the duality gap. @default 0.5·std(|h₀(X) − y|)/√n (Fairlearn) */
  nu?: number;
  /** Initial step: η = eta0 / B. @default 2.0 (Fairlearn) */
  eta0?: number;
  /** Also try the LP over the hull of found classifiers each iteration. @default true */
  runLinprog?: boolean;
}

/** The fitted randomized classifier and its diagnostics. */
export interface ExponentiatedGradientModel {
  predictors: Predictor[];
  /** Probability of each predictor (sums to 1). */
  weights: number[];
  bestGap: number;
  bestIter: number;
  lastIter: number;
  nOracleCalls: number;
  constraint: ReductionConstraint;
}

const PRECISION = 1e-8;
const ACCURACY_MUL = 0.5;
const REGRET_CHECK_START_T = 5;
const REGRET_CHECK_INCREASE_T = 1.6;
const SHRINK_REGRET = 0.8;
const SHRINK_ETA = 0.8;
const MIN_ITER = 5;

/** Fairlearn's UtilityParity moment with ratio 1 (demographic parity / equalized odds). */
class ParityMoment {
  /** (event, group) cells in pandas groupby order; constraints are (+, cell) then (−, cell). */
  readonly cells: { event: string; group: string; pEvent: number; pCell: number }[];
  readonly rowEvent: number[];
  readonly rowCell: number[];
  readonly eventOfCell: number[];
  readonly events: string[];
  readonly n: number;

  constructor(
    readonly y: readonly number[],
    groups: readonly string[],
    constraint: ReductionConstraint,
    readonly bound: number,
  ) {
    this.n = y.length;
    const eventOf = (i: number): string =>
      constraint === 'equalized-odds' ? `label=${y[i]}` : 'all';
    this.events = [...new Set(y.map((_, i) => eventOf(i)))].sort();
    const keys = new Map<string, number>();
    const cellList: [string, string][] = [];
    for (let i = 0; i < this.n; i++) {
      const k = `${eventOf(i)}\u0000${groups[i]}`;
      if (!keys.has(k)) {
        keys.set(k, -1);
        cellList.push([eventOf(i), groups[i] as string]);
      }
    }
    cellList.sort((a, b) =>
      a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1,
    );
    cellList.forEach(([e, g], idx) => {
      keys.set(`${e}\u0000${g}`, idx);
    });
    const eventCount = new Map<string, number>();
    const cellCount = new Array<number>(cellList.length).fill(0);
    this.rowEvent = [];
    this.rowCell = [];
    for (let i = 0; i < this.n; i++) {
      const e = eventOf(i);
      eventCount.set(e, (eventCount.get(e) ?? 0) + 1);
      const c = keys.get(`${e}\u0000${groups[i]}`) as number;
      cellCount[c] = (cellCount[c] as number) + 1;
      this.rowEvent.push(this.events.indexOf(e));
      this.rowCell.push(c);
    }
    this.cells = cellList.map(([event, group], idx) => ({
      event,
      group,
      pEvent: (eventCount.get(event) as number) / this.n,
      pCell: (cellCount[idx] as number) / this.n,
    }));
    this.eventOfCell = cellList.map(([e]) => this.events.indexOf(e));
  }

  get size(): number {
    return 2 * this.cells.length;
  }

  /** γ(h): (+, e, g) = E[h | e, g] − E[h | e]; (−, e, g) its negation. */
  gamma(pred: readonly number[]): number[] {
    const sumEvent = new Array<number>(this.events.length).fill(0);
    const sumCell = new Array<number>(this.cells.length).fill(0);
    for (let i = 0; i < this.n; i++) {
      const e = this.rowEvent[i] as number;
      const c = this.rowCell[i] as number;
      sumEvent[e] = (sumEvent[e] as number) + (pred[i] as number);
      sumCell[c] = (sumCell[c] as number) + (pred[i] as number);
    }
    const plus = this.cells.map((cell, c) => {
      const e = this.eventOfCell[c] as number;
      // Fairlearn computes −Uᵀpred/n: Σ_{e} pred/(n p_e) − Σ_{e,g} pred/(n p_eg), negated
      return -(
        (sumEvent[e] as number) / this.n / cell.pEvent -
        (sumCell[c] as number) / this.n / cell.pCell
      );
    });
    return [...plus, ...plus.map((v) => -v)];
  }

  project(lambda: readonly number[]): number[] {
    const k = this.cells.length;
    const pos = this.cells.map((_, c) =>
      Math.max(0, (lambda[c] as number) - (lambda[k + c] as number)),
    );
    const neg = this.cells.map((_, c) =>
      Math.max(0, (lambda[k + c] as number) - (lambda[c] as number)),
    );
    return [...pos, ...neg];
  }

  /** Per-row signed cost weights of the constraints (Agarwal et al. §3.2, Fairlearn U·λ). */
  signedWeights(lambda: readonly number[]): number[] {
    const k = this.cells.length;
    const net = this.cells.map((_, c) => (lambda[c] as number) - (lambda[k + c] as number));
    const perEvent = new Array<number>(this.events.length).fill(0);
    this.cells.forEach((cell, c) => {
      const e = this.eventOfCell[c] as number;
      perEvent[e] = (perEvent[e] as number) + (net[c] as number) / cell.pEvent;
    });
    return this.rowCell.map((c, i) => {
      const cell = this.cells[c] as { pCell: number };
      return (perEvent[this.rowEvent[i] as number] as number) - (net[c] as number) / cell.pCell;
    });
  }
}

interface Candidate {
  predictor: Predictor;
  error: number;
  gamma: number[];
}

/**
 * Fits the exponentiated-gradient reduction.
 *
 * @example
 * const model = fitExponentiatedGradient(x, y, groups, logisticLearner(), { constraint: 'demographic-parity', differenceBound: 0.02 });
 * const p1 = pmfPredict(model, x); // P(ŷ = 1) per row
 */
export function fitExponentiatedGradient(
  x: readonly (readonly number[])[],
  y: readonly number[],
  groups: readonly string[],
  learner: Learner,
  options: ExponentiatedGradientOptions = {},
): ExponentiatedGradientModel {
  const n = y.length;
  if (x.length !== n || groups.length !== n)
    throw new AisfError(
      'E_INPUT',
      `features (${x.length}), labels (${n}) and groups (${groups.length}) must have one entry per row`,
    );
  if (!y.every((v) => v === 0 || v === 1))
    throw new AisfError('E_DATA_INVALID', 'labels must be 0/1');
  const constraint = options.constraint ?? 'demographic-parity';
  const eps = options.eps ?? 0.01;
  const maxIter = options.maxIter ?? 50;
  const eta0 = options.eta0 ?? 2.0;
  const runLinprog = options.runLinprog ?? true;
  const moment = new ParityMoment(y, groups, constraint, options.differenceBound ?? 0.01);
  const K = moment.size;
  const B = 1 / eps;
  const hs: Candidate[] = [];
  let nOracleCalls = 0;
  const objWeights = y.map((v) => -1 + 2 * v); // ErrorRate with unit costs
  const errorOf = (pred: readonly number[]): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs((y[i] as number) - (pred[i] as number));
    return s / n;
  };
  const dot = (a: readonly number[], b: readonly number[]): number =>
    a.reduce((s, v, i) => s + v * (b[i] as number), 0);
  const callOracle = (lambda: readonly number[]): Predictor => {
    const cw = moment.signedWeights(lambda);
    const signed = objWeights.map((v, i) => v + (cw[i] as number));
    const redY = signed.map((v) => (v > 0 ? 1 : 0));
    const abs = signed.map(Math.abs);
    const total = abs.reduce((a, b) => a + b, 0);
    const redW = abs.map((v) => (n * v) / total);
    nOracleCalls++;
    if (redY.every((v) => v === redY[0])) {
      const constant = redY[0] as number;
      return (rows) => rows.map(() => constant);
    }
    return learner(x, redY, redW);
  };
  const bestH = (lambda: readonly number[]): number => {
    const predictor = callOracle(lambda);
    const pred = predictor(x);
    const error = errorOf(pred);
    const gamma = moment.gamma(pred);
    const value = error + dot(gamma, lambda);
    let bestIdx = -1;
    let bestValue = Number.POSITIVE_INFINITY;
    hs.forEach((h, idx) => {
      const v = h.error + dot(h.gamma, lambda);
      if (v < bestValue) {
        bestValue = v;
        bestIdx = idx;
      }
    });
    if (value < bestValue - PRECISION) {
      hs.push({ predictor, error, gamma });
      bestIdx = hs.length - 1;
    }
    return bestIdx;
  };
  const evaluate = (q: ReadonlyMap<number, number>, lambda: readonly number[]) => {
    let error = 0;
    const gamma = new Array<number>(K).fill(0);
    for (const [idx, w] of q) {
      const h = hs[idx] as Candidate;
      error += w * h.error;
      for (let k = 0; k < K; k++) gamma[k] = (gamma[k] as number) + w * (h.gamma[k] as number);
    }
    const projected = moment.project(lambda);
    let L = error;
    let maxC = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) {
      const slack = (gamma[k] as number) - moment.bound;
      L += (projected[k] as number) * slack;
      if (slack > maxC) maxC = slack;
    }
    const high = maxC <= 0 ? error : error + B * maxC;
    return { L, high };
  };
  const evalGap = (
    q: ReadonlyMap<number, number>,
    lambda: readonly number[],
    nu: number,
  ): number => {
    const { L, high } = evaluate(q, lambda);
    let low = L;
    const gap = () => Math.max(L - low, high - L);
    for (const mul of [1, 2, 5, 10]) {
      const idx = bestH(lambda.map((v) => v * mul));
      const lowMul = evaluate(new Map([[idx, 1]]), lambda).L;
      if (lowMul < low) low = lowMul;
      if (gap() > nu + PRECISION) break;
    }
    return gap();
  };
  let lastLp: { nHs: number; q: Map<number, number>; gap: number } | undefined;
  const solveLp = (nu: number): { q: Map<number, number>; gap: number } => {
    if (lastLp && lastLp.nHs === hs.length) return lastLp;
    const nH = hs.length;
    const c = [...hs.map((h) => h.error), B];
    const aUb = Array.from({ length: K }, (_, k) => [
      ...hs.map((h) => (h.gamma[k] as number) - moment.bound),
      -1,
    ]);
    const primal = solveLinearProgram({
      c,
      aUb,
      bUb: new Array(K).fill(0),
      aEq: [[...new Array(nH).fill(1), 0]],
      bEq: [1],
    });
    // Dual: min −μ s.t. −A_ubᵀλ + A_eqᵀμ ≤ c, λ ≥ 0, μ free (Fairlearn's second linprog call).
    const dualA = c.map((_, j) => [...aUb.map((row) => -(row[j] as number)), j < nH ? 1 : 0]);
    const dual = solveLinearProgram({
      c: [...new Array(K).fill(0), -1],
      aUb: dualA,
      bUb: c,
      free: [...new Array(K).fill(false), true],
    });
    if (primal.status !== 'optimal' || dual.status !== 'optimal')
      throw new AisfError(
        'E_INTERNAL',
        `exponentiated gradient: LP step ${primal.status}/${dual.status}`,
      );
    const q = new Map(hs.map((_, i) => [i, primal.x[i] as number] as const));
    const lambda = dual.x.slice(0, K);
    const gap = evalGap(q, lambda, nu);
    lastLp = { nHs: nH, q, gap };
    return lastLp;
  };

  let theta = new Array<number>(K).fill(0);
  const lambdaSum = new Array<number>(K).fill(0);
  const qSum = new Map<number, number>();
  const gapsEg: number[] = [];
  const gaps: number[] = [];
  const qs: Map<number, number>[] = [];
  let lastRegretChecked = REGRET_CHECK_START_T;
  let lastGap = Number.POSITIVE_INFINITY;
  let nu = options.nu ?? 0;
  let eta = 0;
  for (let t = 0; t < maxIter; t++) {
    const expTheta = theta.map(Math.exp);
    const denom = 1 + expTheta.reduce((a, b) => a + b, 0);
    const lambda = expTheta.map((v) => (B * v) / denom);
    for (let k = 0; k < K; k++) lambdaSum[k] = (lambdaSum[k] as number) + (lambda[k] as number);
    const lambdaEg = lambdaSum.map((v) => v / (t + 1));
    const hIdx = bestH(lambda);
    if (t === 0) {
      if (options.nu === undefined) {
        // 0.5 · sample std (ddof 1, as pandas) of |h(X) − y| / √n
        const pred = (hs[hIdx] as Candidate).predictor(x);
        const d = pred.map((p, i) => Math.abs(p - (y[i] as number)));
        const mean = d.reduce((a, b) => a + b, 0) / n;
        const sd = Math.sqrt(d.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
        nu = (ACCURACY_MUL * sd) / Math.sqrt(n);
      }
      eta = eta0 / B;
    }
    qSum.set(hIdx, (qSum.get(hIdx) ?? 0) + 1);
    const gamma = (hs[hIdx] as Candidate).gamma;
    const total = [...qSum.values()].reduce((a, b) => a + b, 0);
    const qEg = new Map([...qSum].map(([k, v]) => [k, v / total] as const));
    const gapEg = evalGap(qEg, lambdaEg, nu);
    gapsEg.push(gapEg);
    let gapLp = Number.POSITIVE_INFINITY;
    let qLp: Map<number, number> | undefined;
    if (t > 0 && runLinprog) {
      const lp = solveLp(nu);
      qLp = lp.q;
      gapLp = lp.gap;
    }
    if (gapEg < gapLp || !qLp) {
      qs.push(qEg);
      gaps.push(gapEg);
    } else {
      qs.push(qLp);
      gaps.push(gapLp);
    }
    if ((gaps[t] as number) < nu && t >= MIN_ITER) break;
    if (t >= lastRegretChecked * REGRET_CHECK_INCREASE_T) {
      const bestGap = Math.min(...gapsEg);
      if (bestGap > lastGap * SHRINK_REGRET) eta *= SHRINK_ETA;
      lastRegretChecked = t;
      lastGap = bestGap;
    }
    theta = theta.map((v, k) => v + eta * ((gamma[k] as number) - moment.bound));
  }
  const minGap = Math.min(...gaps);
  let bestIter = 0;
  gaps.forEach((g, i) => {
    if (g <= minGap + PRECISION) bestIter = i;
  });
  const q = qs[bestIter] as Map<number, number>;
  return {
    predictors: hs.map((h) => h.predictor),
    weights: hs.map((_, i) => q.get(i) ?? 0),
    bestGap: gaps[bestIter] as number,
    bestIter,
    lastIter: qs.length - 1,
    nOracleCalls,
    constraint,
  };
}

/** P(ŷ = 1) per row: the weight-averaged predictions (Fairlearn's `_pmf_predict`). */
export function pmfPredict(
  model: ExponentiatedGradientModel,
  x: readonly (readonly number[])[],
): number[] {
  const out = new Array<number>(x.length).fill(0);
  model.predictors.forEach((h, k) => {
    const w = model.weights[k] as number;
    if (w === 0) return;
    h(x).forEach((p, i) => {
      out[i] = (out[i] as number) + w * p;
    });
  });
  return out;
}

/**
 * Randomized 0/1 predictions: each row draws ŷ ~ Bernoulli(P(ŷ = 1)) from a seeded generator
 * (Fairlearn's `predict(X, random_state)` draws the same distribution).
 */
export function randomizedPredict(
  model: ExponentiatedGradientModel,
  x: readonly (readonly number[])[],
  seed = 0,
): (0 | 1)[] {
  const rng = createRng(seed);
  return pmfPredict(model, x).map((p) => (rng.next() < p ? 1 : 0));
}

/** Disparity and error of a soft classifier as Fairlearn's moments report them (for tests and tables). */
export function reductionDiagnostics(
  soft: readonly number[],
  y: readonly number[],
  groups: readonly string[],
  constraint: ReductionConstraint,
): { disparity: number; error: number } {
  const m = new ParityMoment(y, groups, constraint, 0);
  const error = soft.reduce((s, p, i) => s + Math.abs((y[i] as number) - p), 0) / y.length;
  return { disparity: Math.max(...m.gamma(soft)), error };
}
