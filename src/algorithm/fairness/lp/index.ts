/**
 * @module A small dense two-phase simplex for the linear programs of the fairness mitigations
 * (the exponentiated-gradient hull step, Agarwal et al. 2018 §3; scipy's `linprog` in Fairlearn).
 * Bland's rule prevents cycling on the degenerate LPs these steps produce. Sized for tens of
 * variables and constraints, not for general use.
 */
import { AisfError } from '../../../errors.js';

/** minimise cᵀx subject to A_ub x ≤ b_ub, A_eq x = b_eq, x ≥ 0 (or free where `free[j]`). */
export interface LinearProgram {
  c: readonly number[];
  aUb?: readonly (readonly number[])[];
  bUb?: readonly number[];
  aEq?: readonly (readonly number[])[];
  bEq?: readonly number[];
  /** Variables without the x ≥ 0 bound. @default none */
  free?: readonly boolean[];
}

/** Outcome of {@link solveLinearProgram}. */
export interface LpResult {
  status: 'optimal' | 'infeasible' | 'unbounded';
  x: number[];
  objective: number;
}

const EPS = 1e-11;

/**
 * Solves a linear program with the two-phase simplex method (Dantzig; Bland's pivoting rule).
 *
 * @example
 * // max x + y s.t. x + 2y ≤ 4, 3x + y ≤ 6  →  x = 1.6, y = 1.2
 * solveLinearProgram({ c: [-1, -1], aUb: [[1, 2], [3, 1]], bUb: [4, 6] });
 */
export function solveLinearProgram(lp: LinearProgram): LpResult {
  const nOrig = lp.c.length;
  const free = lp.free ?? [];
  // Column map: each free variable becomes x⁺ − x⁻.
  const cols: { orig: number; sign: 1 | -1 }[] = [];
  for (let j = 0; j < nOrig; j++) {
    cols.push({ orig: j, sign: 1 });
    if (free[j]) cols.push({ orig: j, sign: -1 });
  }
  const aUb = lp.aUb ?? [];
  const bUb = lp.bUb ?? [];
  const aEq = lp.aEq ?? [];
  const bEq = lp.bEq ?? [];
  if (aUb.length !== bUb.length || aEq.length !== bEq.length)
    throw new AisfError('E_INTERNAL', 'LP: constraint matrix and right-hand side differ in length');
  const m = aUb.length + aEq.length;
  const nStruct = cols.length;
  const nSlack = aUb.length;
  // Tableau columns: structural, slack, artificial (one per row), rhs.
  const nArt = m;
  const width = nStruct + nSlack + nArt + 1;
  const t: Float64Array[] = [];
  const basis: number[] = [];
  for (let i = 0; i < m; i++) {
    const row = new Float64Array(width);
    const isUb = i < aUb.length;
    const src = isUb ? (aUb[i] as readonly number[]) : (aEq[i - aUb.length] as readonly number[]);
    let rhs = isUb ? (bUb[i] as number) : (bEq[i - aUb.length] as number);
    cols.forEach((col, k) => {
      row[k] = col.sign * (src[col.orig] ?? 0);
    });
    if (isUb) row[nStruct + i] = 1;
    if (rhs < 0) {
      for (let k = 0; k < width - 1; k++) row[k] = -(row[k] as number);
      rhs = -rhs;
    }
    row[nStruct + nSlack + i] = 1;
    row[width - 1] = rhs;
    t.push(row);
    basis.push(nStruct + nSlack + i);
  }
  const pivot = (r: number, c: number): void => {
    const pr = t[r] as Float64Array;
    const pv = pr[c] as number;
    for (let k = 0; k < width; k++) pr[k] = (pr[k] as number) / pv;
    for (let i = 0; i < t.length; i++) {
      if (i === r) continue;
      const row = t[i] as Float64Array;
      const f = row[c] as number;
      if (f === 0) continue;
      for (let k = 0; k < width; k++) row[k] = (row[k] as number) - f * (pr[k] as number);
    }
    basis[r] = c;
  };
  /** Runs simplex on objective `cost` over allowed columns; returns false if unbounded. */
  const run = (cost: Float64Array, allowed: (k: number) => boolean): boolean => {
    for (let iter = 0; iter < 50_000; iter++) {
      // reduced costs: cost_k − Σ_i cost_basis(i)·t[i][k]
      let enter = -1;
      for (let k = 0; k < width - 1; k++) {
        if (!allowed(k) || basis.includes(k)) continue;
        let rc = cost[k] as number;
        for (let i = 0; i < m; i++)
          rc -= (cost[basis[i] as number] as number) * ((t[i] as Float64Array)[k] as number);
        if (rc < -EPS) {
          enter = k; // Bland: the lowest index with negative reduced cost
          break;
        }
      }
      if (enter < 0) return true;
      let leave = -1;
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < m; i++) {
        const a = (t[i] as Float64Array)[enter] as number;
        if (a > EPS) {
          const ratio = ((t[i] as Float64Array)[width - 1] as number) / a;
          if (
            ratio < best - EPS ||
            (Math.abs(ratio - best) <= EPS && (basis[i] as number) < (basis[leave] as number))
          ) {
            best = ratio;
            leave = i;
          }
        }
      }
      if (leave < 0) return false;
      pivot(leave, enter);
    }
    throw new AisfError('E_INTERNAL', 'LP: simplex did not terminate');
  };
  // Phase 1: minimise the sum of artificials.
  const phase1 = new Float64Array(width);
  for (let i = 0; i < nArt; i++) phase1[nStruct + nSlack + i] = 1;
  run(phase1, () => true);
  let infeas = 0;
  for (let i = 0; i < m; i++)
    if ((basis[i] as number) >= nStruct + nSlack)
      infeas += (t[i] as Float64Array)[width - 1] as number;
  if (infeas > 1e-9)
    return { status: 'infeasible', x: new Array(nOrig).fill(0), objective: Number.NaN };
  // Drive degenerate artificials out of the basis where possible.
  for (let i = 0; i < m; i++) {
    if ((basis[i] as number) < nStruct + nSlack) continue;
    const row = t[i] as Float64Array;
    for (let k = 0; k < nStruct + nSlack; k++) {
      if (Math.abs(row[k] as number) > EPS) {
        pivot(i, k);
        break;
      }
    }
  }
  // Phase 2 on the original objective, artificials barred.
  const cost = new Float64Array(width);
  cols.forEach((col, k) => {
    cost[k] = col.sign * (lp.c[col.orig] as number);
  });
  const bounded = run(cost, (k) => k < nStruct + nSlack);
  const x = new Array<number>(nOrig).fill(0);
  for (let i = 0; i < m; i++) {
    const k = basis[i] as number;
    if (k < nStruct) {
      const col = cols[k] as { orig: number; sign: 1 | -1 };
      x[col.orig] =
        (x[col.orig] as number) + col.sign * ((t[i] as Float64Array)[width - 1] as number);
    }
  }
  const objective = x.reduce((a, v, j) => a + v * (lp.c[j] as number), 0);
  return { status: bounded ? 'optimal' : 'unbounded', x, objective };
}
