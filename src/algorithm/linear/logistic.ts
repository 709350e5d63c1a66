/**
 * @module L2-regularised logistic regression with sample weights, fitted by Newton's method
 * (IRLS) with a backtracking line search: deterministic, exact to machine precision on the small
 * tabular problems fairness work uses (the HMDA credit model, the reductions' base learner).
 * Stands in until the ONNX engine's training loop exists.
 */
import { AisfError } from '../../errors.js';

/** Options of {@link fitLogistic}. */
export interface LogisticOptions {
  /**
   * Inverse regularisation strength, scikit-learn's convention: minimise
   * ½‖w‖² + C·Σ sᵢ·logloss(xᵢ, yᵢ); the intercept is not penalised.
   * @default 1.0 (scikit-learn LogisticRegression's default)
   */
  C?: number;
  /** @default true */
  fitIntercept?: boolean;
  /** Per-row weights sᵢ ≥ 0 (e.g. from reweighing or the reductions). @default all 1 */
  sampleWeight?: ArrayLike<number>;
  /** @default 100 Newton steps (scikit-learn's max_iter) */
  maxIter?: number;
  /**
   * Stop when the max-abs gradient is below tol·max(1, |objective|).
   * @default 1e-12
   */
  tol?: number;
}

/** A fitted model: p(y = 1 | x) = σ(w·x + b). */
export interface LogisticModel {
  coef: number[];
  intercept: number;
  iterations: number;
  converged: boolean;
}

const sigmoid = (z: number): number =>
  z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));

/** log(1 + e^z) without overflow. */
const softplus = (z: number): number =>
  z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));

/** Solves A x = b for a symmetric positive definite A (Cholesky); A is d×d row-major. */
export function solveSpd(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * d + k] as number) * (l[j * d + k] as number);
      if (i === j) {
        if (!(s > 0)) throw new AisfError('E_INTERNAL', 'Hessian is not positive definite');
        l[i * d + i] = Math.sqrt(s);
      } else l[i * d + j] = s / (l[j * d + j] as number);
    }
  }
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * d + k] as number) * (y[k] as number);
    y[i] = s / (l[i * d + i] as number);
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i] as number;
    for (let k = i + 1; k < d; k++) s -= (l[k * d + i] as number) * (x[k] as number);
    x[i] = s / (l[i * d + i] as number);
  }
  return x;
}

/**
 * Fits logistic regression by Newton's method. Rows of `x` are feature vectors; `y` is 0/1.
 *
 * @example
 * const model = fitLogistic([[0], [1], [2], [3]], [0, 0, 1, 1], { C: 1 });
 * predictProba(model, [[1.5]]); // ≈ [0.5]
 */
export function fitLogistic(
  x: readonly (readonly number[])[],
  y: ArrayLike<number>,
  options: LogisticOptions = {},
): LogisticModel {
  const n = x.length;
  if (n === 0) throw new AisfError('E_INPUT', 'logistic regression needs at least one row');
  if (y.length !== n)
    throw new AisfError('E_INPUT', `x has ${n} rows but y has ${y.length}; give one label per row`);
  const p = x[0]?.length ?? 0;
  const C = options.C ?? 1;
  if (!(C > 0)) throw new AisfError('E_INPUT', `C must be > 0 (got ${C})`);
  const fitIntercept = options.fitIntercept ?? true;
  const sw = options.sampleWeight;
  if (sw && sw.length !== n)
    throw new AisfError('E_INPUT', `sampleWeight has ${sw.length} entries for ${n} rows`);
  const d = p + (fitIntercept ? 1 : 0);
  const w = new Float64Array(d);
  const maxIter = options.maxIter ?? 100;
  const tol = options.tol ?? 1e-12;
  const design = (row: readonly number[], j: number): number => (j < p ? (row[j] as number) : 1);
  const objective = (v: Float64Array): number => {
    let f = 0;
    for (let j = 0; j < p; j++) f += 0.5 * (v[j] as number) ** 2;
    for (let i = 0; i < n; i++) {
      const row = x[i] as readonly number[];
      let z = fitIntercept ? (v[p] as number) : 0;
      for (let j = 0; j < p; j++) z += (v[j] as number) * (row[j] as number);
      const s = sw ? (sw[i] as number) : 1;
      f += C * s * (softplus(z) - (y[i] as number) * z);
    }
    return f;
  };
  let iterations = 0;
  let converged = false;
  let f = objective(w);
  for (; iterations < maxIter; iterations++) {
    const g = new Float64Array(d);
    const h = new Float64Array(d * d);
    for (let j = 0; j < p; j++) {
      g[j] = w[j] as number;
      h[j * d + j] = 1;
    }
    for (let i = 0; i < n; i++) {
      const row = x[i] as readonly number[];
      let z = fitIntercept ? (w[p] as number) : 0;
      for (let j = 0; j < p; j++) z += (w[j] as number) * (row[j] as number);
      const s = (sw ? (sw[i] as number) : 1) * C;
      if (s === 0) continue;
      const mu = sigmoid(z);
      const r = s * (mu - (y[i] as number));
      const q = s * mu * (1 - mu);
      for (let j = 0; j < d; j++) {
        const xj = design(row, j);
        g[j] = (g[j] as number) + r * xj;
        const qx = q * xj;
        for (let k = 0; k <= j; k++) h[j * d + k] = (h[j * d + k] as number) + qx * design(row, k);
      }
    }
    let gmax = 0;
    for (let j = 0; j < d; j++) gmax = Math.max(gmax, Math.abs(g[j] as number));
    // Relative to the objective's scale: sums over n rows carry ~n·ε rounding in the gradient.
    if (gmax < tol * Math.max(1, Math.abs(f))) {
      converged = true;
      break;
    }
    for (let j = 0; j < d; j++) for (let k = 0; k < j; k++) h[k * d + j] = h[j * d + k] as number;
    // A tiny ridge on the (unpenalised) intercept keeps separable or single-class data solvable.
    if (fitIntercept) h[p * d + p] = (h[p * d + p] as number) + 1e-12;
    const step = solveSpd(h, g, d);
    let stepMax = 0;
    let wMax = 0;
    for (let j = 0; j < d; j++) {
      stepMax = Math.max(stepMax, Math.abs(step[j] as number));
      wMax = Math.max(wMax, Math.abs(w[j] as number));
    }
    if (stepMax <= 1e-15 * (1 + wMax)) {
      converged = true; // the Newton step no longer changes w: optimum to machine precision
      break;
    }
    // Backtracking (Armijo without slope term); a rise within rounding of f counts as no rise,
    // because near the optimum f changes by less than its own rounding error.
    const slack = 1e-13 * Math.max(1, Math.abs(f));
    let t = 1;
    let next = new Float64Array(d);
    let fNext = f;
    for (let ls = 0; ls < 50; ls++) {
      next = new Float64Array(d);
      for (let j = 0; j < d; j++) next[j] = (w[j] as number) - t * (step[j] as number);
      fNext = objective(next);
      if (fNext <= f + slack) break;
      t /= 2;
    }
    if (!(fNext <= f + slack)) {
      converged = true; // no descent possible: at the optimum to machine precision
      break;
    }
    w.set(next);
    f = Math.min(f, fNext);
  }
  return {
    coef: Array.from(w.subarray(0, p)),
    intercept: fitIntercept ? (w[p] as number) : 0,
    iterations,
    converged,
  };
}

/** p(y = 1 | x) for each row. */
export function predictProba(model: LogisticModel, x: readonly (readonly number[])[]): number[] {
  return x.map((row) => {
    let z = model.intercept;
    for (let j = 0; j < model.coef.length; j++) z += (model.coef[j] as number) * (row[j] as number);
    return sigmoid(z);
  });
}

/** Hard 0/1 predictions at a threshold. @default threshold 0.5 */
export function predictLabels(
  model: LogisticModel,
  x: readonly (readonly number[])[],
  threshold = 0.5,
): (0 | 1)[] {
  return predictProba(model, x).map((q) => (q > threshold ? 1 : 0));
}

/** Per-column mean and standard deviation, to standardise features before fitting. */
export interface Standardizer {
  mean: number[];
  std: number[];
}

/** Fits a standardiser (population std; constant columns get std 1). */
export function fitStandardizer(x: readonly (readonly number[])[]): Standardizer {
  const p = x[0]?.length ?? 0;
  const mean = new Array<number>(p).fill(0);
  const std = new Array<number>(p).fill(0);
  for (const row of x)
    for (let j = 0; j < p; j++) mean[j] = (mean[j] as number) + (row[j] as number) / x.length;
  for (const row of x)
    for (let j = 0; j < p; j++)
      std[j] = (std[j] as number) + ((row[j] as number) - (mean[j] as number)) ** 2 / x.length;
  return { mean, std: std.map((v) => (v > 0 ? Math.sqrt(v) : 1)) };
}

/** Applies a standardiser. */
export function standardize(s: Standardizer, x: readonly (readonly number[])[]): number[][] {
  return x.map((row) => row.map((v, j) => (v - (s.mean[j] as number)) / (s.std[j] as number)));
}
