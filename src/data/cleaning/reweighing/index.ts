/**
 * @module Reweighing (Kamiran & Calders 2012, "Data preprocessing techniques for classification
 * without discrimination"): weight each (group, label) cell by w = W_g·W_y / (W·W_gy) so group and
 * label are independent in the weighted data; total weight is preserved. As AIF360's `Reweighing`
 * (`aif360/algorithms/preprocessing/reweighing.py`), generalised to any number of groups like its
 * scikit-learn API, and honouring existing instance weights.
 */
import { AisfError } from '../../../errors.js';

/** Weights per (group, label) cell, and per row. */
export interface ReweighingResult {
  /** group → [weight for y = 0, weight for y = 1]; null when the cell is empty. */
  factors: Record<string, [number | null, number | null]>;
  weights: number[];
}

/**
 * Computes reweighing factors and per-row weights.
 *
 * @example
 * const { weights } = reweigh(['a', 'a', 'b'], [1, 0, 1]);
 */
export function reweigh(
  groups: readonly string[],
  labels: readonly number[],
  instanceWeights?: readonly number[],
): ReweighingResult {
  const n = labels.length;
  if (groups.length !== n || (instanceWeights && instanceWeights.length !== n))
    throw new AisfError(
      'E_INPUT',
      `groups (${groups.length}), labels (${n}) and weights must have one entry per row`,
    );
  const w = (i: number): number => (instanceWeights ? (instanceWeights[i] as number) : 1);
  let total = 0;
  const wy = [0, 0];
  const wg = new Map<string, number>();
  const wgy = new Map<string, [number, number]>();
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1)
      throw new AisfError('E_DATA_INVALID', `labels must be 0/1 (row ${i + 1} has ${String(y)})`);
    const g = groups[i] as string;
    total += w(i);
    wy[y] = (wy[y] as number) + w(i);
    wg.set(g, (wg.get(g) ?? 0) + w(i));
    const cell = wgy.get(g) ?? [0, 0];
    cell[y] += w(i);
    wgy.set(g, cell);
  }
  const factors: ReweighingResult['factors'] = {};
  for (const g of [...wg.keys()].sort()) {
    const cell = wgy.get(g) as [number, number];
    const f = (y: 0 | 1): number | null =>
      cell[y] > 0 ? ((wg.get(g) as number) * (wy[y] as number)) / (total * cell[y]) : null;
    factors[g] = [f(0), f(1)];
  }
  const weights = labels.map(
    (y, i) =>
      w(i) *
      ((factors[groups[i] as string] as [number | null, number | null])[y as 0 | 1] as number),
  );
  return { factors, weights };
}
