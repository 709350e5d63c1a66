import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { solveLinearProgram } from './index.js';

describe('two-phase simplex', () => {
  it('solves a textbook LP (closed form vertex)', () => {
    const r = solveLinearProgram({
      c: [-1, -1],
      aUb: [
        [1, 2],
        [3, 1],
      ],
      bUb: [4, 6],
    });
    expect(r.status).toBe('optimal');
    expect(r.x[0]).toBeCloseTo(1.6, 10);
    expect(r.x[1]).toBeCloseTo(1.2, 10);
    expect(r.objective).toBeCloseTo(-2.8, 10);
  });
  it('handles equalities, negative right-hand sides and free variables', () => {
    // min x − y, x + y = 1, x − y ≥ −3 (as −x + y ≤ 3), y free → y = 2, x = −1? x ≥ 0 so x = 0, y = 1
    const r = solveLinearProgram({
      c: [1, -1],
      aEq: [[1, 1]],
      bEq: [1],
      aUb: [[-1, 1]],
      bUb: [3],
      free: [false, true],
    });
    expect(r.status).toBe('optimal');
    expect(r.x[0]).toBeCloseTo(0, 10);
    expect(r.x[1]).toBeCloseTo(1, 10);
    // A free variable may go negative: min y s.t. y ≥ −2
    const s = solveLinearProgram({ c: [1], aUb: [[-1]], bUb: [2], free: [true] });
    expect(s.x[0]).toBeCloseTo(-2, 10);
  });
  it('detects infeasible and unbounded programs', () => {
    expect(solveLinearProgram({ c: [1], aUb: [[1]], bUb: [-1] }).status).toBe('infeasible');
    expect(solveLinearProgram({ c: [-1], aUb: [[-1]], bUb: [0] }).status).toBe('unbounded');
  });
  it('satisfies weak duality with equality at the optimum on random feasible LPs (property)', () => {
    // Primal: min cᵀx, Ax ≤ b, x ≥ 0 with b ≥ 0 and c ≥ 0 (feasible at 0, bounded below by 0).
    // Dual: max −bᵀy... written as min bᵀy s.t. −Aᵀy ≤ c, y ≥ 0; optimal values: p* = −d*.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 16, maxLength: 16 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 4, maxLength: 4 }),
        fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 4, maxLength: 4 }),
        (m, n, flat, b, c) => {
          const a = Array.from({ length: m }, (_, i) =>
            Array.from({ length: n }, (_, j) => flat[i * 4 + j] as number),
          );
          const cc = c.slice(0, n);
          const bb = b.slice(0, m);
          const p = solveLinearProgram({ c: cc, aUb: a, bUb: bb });
          const at = Array.from({ length: n }, (_, j) => a.map((row) => -(row[j] as number)));
          const d = solveLinearProgram({ c: bb, aUb: at, bUb: cc });
          if (p.status === 'optimal') {
            expect(d.status).toBe('optimal');
            expect(p.objective).toBeCloseTo(-d.objective, 7);
            // primal feasibility
            a.forEach((row, i) => {
              expect(row.reduce((s, v, j) => s + v * (p.x[j] as number), 0)).toBeLessThanOrEqual(
                (bb[i] as number) + 1e-9,
              );
            });
          } else {
            expect(p.status).toBe('unbounded');
            expect(d.status).toBe('infeasible');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
