/**
 * @module Per-sample membership scores from a classifier's outputs: the output kind (logits,
 * probabilities or log-probabilities — declared, or detected from the graph or the values),
 * log-probabilities in float64, cross-entropy losses and the loss / entropy / modified-entropy
 * scores of Yeom et al. 2018 and Song & Mittal 2021. Higher score = "more likely a member".
 */
import type { Model } from '../../../engine/index.js';
import { AisfError } from '../../../errors.js';

/** What the model's first output holds. */
export const OUTPUT_KINDS = ['logits', 'probabilities', 'log-probabilities'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

/** How the output kind was established. */
export type OutputKindSource = 'declared' | 'graph' | 'values';

/**
 * Smallest probability used when taking logs of probability outputs: float32 softmax outputs
 * underflow to 0 for confident wrong predictions; log(1e-30) ≈ −69 keeps the loss finite.
 */
export const PROBABILITY_FLOOR = 1e-30;

/**
 * The output kind from the graph: the node producing the first output is Softmax
 * (probabilities), LogSoftmax (log-probabilities) or anything else (undefined: look at values).
 */
export function outputKindFromGraph(model: Model): OutputKind | undefined {
  const graph = model.onnx.graph;
  const out = graph?.output[0]?.name;
  if (!graph || out === undefined) return undefined;
  const producer = graph.node.find((n) => n.output.includes(out));
  if (producer?.opType === 'Softmax') return 'probabilities';
  if (producer?.opType === 'LogSoftmax') return 'log-probabilities';
  return undefined;
}

/**
 * The output kind from values: every row non-negative and summing to 1 (± 1e-3) →
 * probabilities; every row ≤ 0 with logsumexp 0 (± 1e-3) → log-probabilities; else logits.
 * Single-column outputs are probabilities when all lie in [0, 1] (a sigmoid), else logits.
 */
export function outputKindFromValues(outputs: Float32Array, classes: number): OutputKind {
  const rows = outputs.length / classes;
  if (rows === 0) return 'logits';
  if (classes === 1) return outputs.every((v) => v >= 0 && v <= 1) ? 'probabilities' : 'logits';
  let probabilities = true;
  let logProbabilities = true;
  for (let r = 0; r < rows && (probabilities || logProbabilities); r++) {
    let sum = 0;
    let max = Number.NEGATIVE_INFINITY;
    let nonNegative = true;
    let nonPositive = true;
    for (let k = 0; k < classes; k++) {
      const v = outputs[r * classes + k] as number;
      sum += v;
      if (v > max) max = v;
      if (v < 0) nonNegative = false;
      if (v > 0) nonPositive = false;
    }
    if (!nonNegative || Math.abs(sum - 1) > 1e-3) probabilities = false;
    if (!nonPositive) logProbabilities = false;
    else {
      let s = 0;
      for (let k = 0; k < classes; k++) s += Math.exp((outputs[r * classes + k] as number) - max);
      if (Math.abs(max + Math.log(s)) > 1e-3) logProbabilities = false;
    }
  }
  return probabilities ? 'probabilities' : logProbabilities ? 'log-probabilities' : 'logits';
}

/**
 * Log-probabilities (float64, [n, C]) from raw outputs of the given kind. Logits go through a
 * numerically stable log-softmax (log-sum-exp), so confident members keep distinct losses that
 * float32 probabilities would round to 0; probabilities are floored at PROBABILITY_FLOOR.
 * A single column is P(class 1) (probabilities) or its logit, expanded to two classes.
 */
export function logProbabilities(
  outputs: Float32Array,
  classes: number,
  kind: OutputKind,
): { logProbs: Float64Array; classes: number } {
  const rows = classes ? outputs.length / classes : 0;
  if (classes === 1) {
    const lp = new Float64Array(rows * 2);
    for (let r = 0; r < rows; r++) {
      const v = outputs[r] as number;
      if (kind === 'logits') {
        // log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z).
        lp[r * 2 + 1] = -softplus(-v);
        lp[r * 2] = -softplus(v);
      } else {
        const p = kind === 'probabilities' ? v : Math.exp(v);
        lp[r * 2 + 1] = Math.log(Math.max(p, PROBABILITY_FLOOR));
        lp[r * 2] = Math.log(Math.max(1 - p, PROBABILITY_FLOOR));
      }
    }
    return { logProbs: lp, classes: 2 };
  }
  const lp = new Float64Array(outputs.length);
  for (let r = 0; r < rows; r++) {
    const o = r * classes;
    if (kind === 'probabilities') {
      for (let k = 0; k < classes; k++)
        lp[o + k] = Math.log(Math.max(outputs[o + k] as number, PROBABILITY_FLOOR));
      continue;
    }
    // log-softmax; for log-probabilities it renormalises away float32 rounding (a no-op otherwise).
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < classes; k++) max = Math.max(max, outputs[o + k] as number);
    let s = 0;
    for (let k = 0; k < classes; k++) s += Math.exp((outputs[o + k] as number) - max);
    const lse = max + Math.log(s);
    for (let k = 0; k < classes; k++) lp[o + k] = (outputs[o + k] as number) - lse;
  }
  return { logProbs: lp, classes };
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function checkLabels(labels: Int32Array, rows: number, classes: number): void {
  if (labels.length !== rows)
    throw new AisfError(
      'E_INPUT',
      `${labels.length} labels for ${rows} model outputs; pass one class index per sample`,
    );
  for (let i = 0; i < rows; i++) {
    const y = labels[i] as number;
    if (y < 0 || y >= classes)
      throw new AisfError(
        'E_INPUT',
        `label #${i} is ${y} but the model has ${classes} classes (0…${classes - 1})`,
      );
  }
}

/**
 * Per-sample cross-entropy −log p(y | x).
 *
 * @example
 * const { logProbs, classes } = logProbabilities(logits, 10, 'logits');
 * const losses = crossEntropy(logProbs, classes, labels);
 */
export function crossEntropy(
  logProbs: Float64Array,
  classes: number,
  labels: Int32Array,
): Float64Array {
  const rows = logProbs.length / classes;
  checkLabels(labels, rows, classes);
  return Float64Array.from(labels, (y, i) => -(logProbs[i * classes + y] as number));
}

/** The membership scores aisf computes from one output vector (higher = member). */
export const SCORE_NAMES = ['loss', 'gap', 'entropy', 'modified-entropy'] as const;
export type ScoreName = (typeof SCORE_NAMES)[number];

/**
 * Membership scores per sample:
 * - `loss`: −CE = log p_y (Yeom et al. 2018's loss-threshold attack; the confidence attack
 *   p_y ranks identically, so it has the same ROC);
 * - `gap`: 1 when the prediction is correct, else 0 (ART MembershipInferenceBlackBoxRuleBased;
 *   Yeom et al.'s bound): advantage = member accuracy − non-member accuracy, AUC = ½ + advantage/2;
 * - `entropy`: −H(p) = Σ p log p (Song & Mittal 2021: members get confident predictions);
 * - `modified-entropy`: −Mentr, Mentr = −(1 − p_y) log p_y − Σ_{i≠y} p_i log(1 − p_i)
 *   (Song & Mittal 2021, eq. 4: uses the label, low for confident correct predictions only).
 *
 * @example
 * const s = membershipScores(logProbs, 10, labels, 'modified-entropy');
 */
export function membershipScores(
  logProbs: Float64Array,
  classes: number,
  labels: Int32Array,
  score: ScoreName,
): Float64Array {
  const rows = logProbs.length / classes;
  checkLabels(labels, rows, classes);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * classes;
    const y = labels[r] as number;
    const lpy = logProbs[o + y] as number;
    if (score === 'loss') {
      out[r] = lpy;
      continue;
    }
    if (score === 'gap') {
      let best = 0;
      for (let k = 1; k < classes; k++)
        if ((logProbs[o + k] as number) > (logProbs[o + best] as number)) best = k;
      out[r] = best === y ? 1 : 0;
      continue;
    }
    let s = 0;
    for (let k = 0; k < classes; k++) {
      const lp = logProbs[o + k] as number;
      const p = Math.exp(lp);
      if (score === 'entropy') s += p * lp;
      else if (k === y) s -= (1 - p) * lp;
      // log(1 − p) = log1p(−p); p = 1 exactly only for a degenerate output, floored like probabilities.
      else s -= p * Math.log(Math.max(-Math.expm1(lp), PROBABILITY_FLOOR));
    }
    out[r] = score === 'entropy' ? s : -s;
  }
  return out;
}

/** Top-1 accuracy of log-probabilities against labels. */
export function accuracyOf(logProbs: Float64Array, classes: number, labels: Int32Array): number {
  const rows = logProbs.length / classes;
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let k = 1; k < classes; k++)
      if ((logProbs[r * classes + k] as number) > (logProbs[r * classes + best] as number))
        best = k;
    if (best === labels[r]) correct++;
  }
  return rows ? correct / rows : 0;
}
