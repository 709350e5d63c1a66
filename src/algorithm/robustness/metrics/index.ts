/**
 * @module Robustness metrics: accuracy, attack success rate, mean L∞/L2 perturbation and per-class
 * breakdowns, from predicted and true labels.
 */
import type { Tensor } from '../../../engine/index.js';
import { perturbationNorms } from '../attacks/common.js';

/** Fraction of predictions equal to the labels (null for an empty batch). */
export function accuracyOf(pred: ArrayLike<number>, y: ArrayLike<number>): number | null {
  if (pred.length === 0) return null;
  let ok = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === y[i]) ok++;
  return ok / pred.length;
}

/**
 * Attack success rate. Untargeted: among samples the model classified correctly before the
 * attack, the fraction it misclassifies after (samples already wrong are not counted as
 * successes). Targeted: the fraction of all samples classified as their target. Null when there
 * is nothing to count.
 */
export function successRate(
  cleanPred: ArrayLike<number>,
  advPred: ArrayLike<number>,
  y: ArrayLike<number>,
  targets?: ArrayLike<number>,
): number | null {
  if (targets) return accuracyOf(advPred, targets);
  let eligible = 0;
  let flipped = 0;
  for (let i = 0; i < y.length; i++)
    if (cleanPred[i] === y[i]) {
      eligible++;
      if (advPred[i] !== y[i]) flipped++;
    }
  return eligible === 0 ? null : flipped / eligible;
}

/** One class's accuracy. */
export interface ClassAccuracy {
  class: number;
  n: number;
  accuracy: number | null;
}

/** Accuracy per true class, for every class that occurs in y. */
export function perClassAccuracy(pred: ArrayLike<number>, y: ArrayLike<number>): ClassAccuracy[] {
  const counts = new Map<number, { n: number; ok: number }>();
  for (let i = 0; i < y.length; i++) {
    const c = y[i] as number;
    const e = counts.get(c) ?? { n: 0, ok: 0 };
    e.n++;
    if (pred[i] === c) e.ok++;
    counts.set(c, e);
  }
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([c, e]) => ({ class: c, n: e.n, accuracy: e.n ? e.ok / e.n : null }));
}

/** Mean over samples of the L∞ and L2 norms of adv − x. */
export function meanPerturbation(
  x: Tensor<Float32Array>,
  adv: Tensor<Float32Array>,
): { meanLinf: number; meanL2: number } {
  const { linf, l2 } = perturbationNorms(x, adv);
  const mean = (a: Float64Array) => (a.length ? a.reduce((s, v) => s + v, 0) / a.length : 0);
  return { meanLinf: mean(linf), meanL2: mean(l2) };
}
