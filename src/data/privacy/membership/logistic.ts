/**
 * @module A small L2-regularised logistic regression fitted by Newton–Raphson (IRLS): the attack
 * model of the shadow-model attack. Features are standardised; the fit is deterministic.
 */
import { AisfError } from '../../../errors.js';

/** A fitted logistic regression: logit = b + Σ w_j (x_j − μ_j) / σ_j. */
export interface LogisticModel {
  weights: number[];
  bias: number;
  mean: number[];
  scale: number[];
}

/** Options of fitLogistic. */
export interface LogisticOptions {
  /** L2 penalty on the (standardised) weights, not the bias. @default 1e-4 */
  l2?: number;
  /** @default 100 */
  maxIter?: number;
  /** Stop when the largest Newton step is below this. @default 1e-10 */
  tol?: number;
}

/** Solves A x = b (A symmetric positive definite, small) by Gaussian elimination with pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] as number]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++)
      if (Math.abs((m[r] as number[])[c] as number) > Math.abs((m[p] as number[])[c] as number))
        p = r;
    [m[c], m[p]] = [m[p] as number[], m[c] as number[]];
    const pivot = (m[c] as number[])[c] as number;
    if (Math.abs(pivot) < 1e-300) throw new AisfError('E_INTERNAL', 'singular Newton system');
    for (let r = c + 1; r < n; r++) {
      const f = ((m[r] as number[])[c] as number) / pivot;
      for (let k = c; k <= n; k++)
        (m[r] as number[])[k] =
          ((m[r] as number[])[k] as number) - f * ((m[c] as number[])[k] as number);
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = (m[r] as number[])[n] as number;
    for (let k = r + 1; k < n; k++) s -= ((m[r] as number[])[k] as number) * (x[k] as number);
    x[r] = s / ((m[r] as number[])[r] as number);
  }
  return x;
}

/**
 * Fits P(member | x) = σ(b + w·z), z the standardised features, by Newton–Raphson on the
 * penalised log-likelihood (the penalty keeps separable data finite).
 *
 * @example
 * const model = fitLogistic([[0.1], [2.3]], [0, 1]);
 * logisticLogit(model, [1.5]);
 */
export function fitLogistic(
  features: readonly (readonly number[])[],
  labels: readonly (0 | 1)[],
  options: LogisticOptions = {},
): LogisticModel {
  const n = features.length;
  const d = features[0]?.length ?? 0;
  if (n === 0 || labels.length !== n)
    throw new AisfError('E_INPUT', 'logistic regression needs one label per feature row');
  const l2 = options.l2 ?? 1e-4;
  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(0);
  for (const row of features)
    for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (row[j] as number) / n;
  for (const row of features)
    for (let j = 0; j < d; j++)
      scale[j] = (scale[j] as number) + ((row[j] as number) - (mean[j] as number)) ** 2 / n;
  for (let j = 0; j < d; j++) scale[j] = Math.sqrt(scale[j] as number) || 1;
  const z = features.map((row) =>
    row.map((v, j) => (v - (mean[j] as number)) / (scale[j] as number)),
  );
  // θ = [bias, w_1 … w_d]
  const theta = new Array<number>(d + 1).fill(0);
  for (let iter = 0; iter < (options.maxIter ?? 100); iter++) {
    const grad = new Array<number>(d + 1).fill(0);
    const hess = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    for (let i = 0; i < n; i++) {
      const zi = z[i] as number[];
      let t = theta[0] as number;
      for (let j = 0; j < d; j++) t += (theta[j + 1] as number) * (zi[j] as number);
      const p = 1 / (1 + Math.exp(-t));
      const r = p - (labels[i] as number);
      const w = Math.max(p * (1 - p), 1e-12);
      const xi = [1, ...zi];
      for (let a = 0; a <= d; a++) {
        grad[a] = (grad[a] as number) + r * (xi[a] as number);
        const row = hess[a] as number[];
        for (let b = 0; b <= d; b++)
          row[b] = (row[b] as number) + w * (xi[a] as number) * (xi[b] as number);
      }
    }
    for (let a = 1; a <= d; a++) {
      grad[a] = (grad[a] as number) + n * l2 * (theta[a] as number);
      (hess[a] as number[])[a] = ((hess[a] as number[])[a] as number) + n * l2;
    }
    const step = solve(hess, grad);
    let largest = 0;
    for (let a = 0; a <= d; a++) {
      theta[a] = (theta[a] as number) - (step[a] as number);
      largest = Math.max(largest, Math.abs(step[a] as number));
    }
    if (largest < (options.tol ?? 1e-10)) break;
  }
  return { bias: theta[0] as number, weights: theta.slice(1), mean, scale };
}

/** The fitted model's logit (monotone in P(member)) for one feature row. */
export function logisticLogit(model: LogisticModel, row: readonly number[]): number {
  let t = model.bias;
  for (let j = 0; j < model.weights.length; j++)
    t +=
      (model.weights[j] as number) *
      (((row[j] as number) - (model.mean[j] as number)) / (model.scale[j] as number));
  return t;
}
