import { describe, expect, it } from 'vitest';
import { fitLogistic, predictProba, solveSpd } from './logistic.js';

/** Objective ½‖w‖² + C Σ s log(1 + e^z) − y z, for finite differences. */
function objective(x: number[][], y: number[], w: number[], b: number, C: number, s?: number[]) {
  let f = 0.5 * w.reduce((a, v) => a + v * v, 0);
  x.forEach((row, i) => {
    const z = b + row.reduce((a, v, j) => a + v * (w[j] as number), 0);
    f += C * (s ? (s[i] as number) : 1) * (Math.log1p(Math.exp(z)) - (y[i] as number) * z);
  });
  return f;
}

describe('logistic regression', () => {
  it('solves SPD systems', () => {
    const x = solveSpd(new Float64Array([4, 2, 2, 3]), new Float64Array([2, 1]), 2);
    expect(x[0]).toBeCloseTo(0.5, 12);
    expect(x[1]).toBeCloseTo(0, 12);
  });
  it('matches the closed form for a single binary feature without regularisation', () => {
    // With C huge the MLE of a saturated 2×2 model is logit of each cell's rate.
    const x = [[0], [0], [0], [0], [1], [1], [1], [1], [1]];
    const y = [0, 0, 0, 1, 1, 1, 1, 0, 0];
    const m = fitLogistic(x, y, { C: 1e12 });
    const logit = (p: number) => Math.log(p / (1 - p));
    expect(m.intercept).toBeCloseTo(logit(1 / 4), 6);
    expect((m.coef[0] as number) + m.intercept).toBeCloseTo(logit(3 / 5), 6);
  });
  it('reaches a stationary point of the regularised weighted objective (finite differences)', () => {
    const x = [
      [0.5, 1.2],
      [-1, 0.3],
      [2, -0.7],
      [0.1, 0.1],
      [-0.4, 2.2],
      [1.3, -1.1],
    ];
    const y = [1, 0, 1, 0, 1, 0];
    const s = [1, 2, 0.5, 1, 3, 1];
    const m = fitLogistic(x, y, { C: 0.7, sampleWeight: s });
    expect(m.converged).toBe(true);
    const h = 1e-6;
    const w = m.coef;
    for (let j = 0; j <= 2; j++) {
      const plus = [...w, m.intercept];
      const minus = [...w, m.intercept];
      plus[j] = (plus[j] as number) + h;
      minus[j] = (minus[j] as number) - h;
      const g =
        (objective(x, y, plus.slice(0, 2), plus[2] as number, 0.7, s) -
          objective(x, y, minus.slice(0, 2), minus[2] as number, 0.7, s)) /
        (2 * h);
      expect(Math.abs(g)).toBeLessThan(1e-6);
    }
  });
  it('integer sample weights equal duplicated rows', () => {
    const x = [[0], [1], [2], [3]];
    const a = fitLogistic(x, [0, 1, 0, 1], { sampleWeight: [1, 2, 1, 3] });
    const b = fitLogistic([[0], [1], [1], [2], [3], [3], [3]], [0, 1, 1, 0, 1, 1, 1]);
    expect(a.coef[0]).toBeCloseTo(b.coef[0] as number, 10);
    expect(a.intercept).toBeCloseTo(b.intercept, 10);
    expect(predictProba(a, [[1.5]])[0]).toBeCloseTo(predictProba(b, [[1.5]])[0] as number, 10);
  });
  it('rejects mismatched lengths', () => {
    expect(() => fitLogistic([[1]], [1, 0])).toThrow(/one label per row/);
  });
});
