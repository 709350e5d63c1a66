import { describe, expect, it } from 'vitest';
import { solveSpd } from '../../linear/logistic.js';
import {
  fitExponentiatedGradient,
  type Learner,
  pmfPredict,
  randomizedPredict,
  reductionDiagnostics,
} from './index.js';

// Fairlearn test/unit/reductions/exponentiated_gradient/test_utilities.py (20 rows, 3 groups).
const bits = (s: string) => [...s].map(Number);
const A = [...'AAAAAAABBBBBBBCCCCCC'];
const Y = bits('01101000010111001111');
const X1 = bits('01101010111101001011');
const X2 = bits('00001000000011111111');
const X3 = bits('11111111111111111111');
const X = Y.map((_, i) => [X1[i] as number, X2[i] as number, X3[i] as number]);

/** Fairlearn's LeastSquaresBinaryClassifierLearner (simple_learners.py): weighted least squares, 1·(Xw > 0.5). */
const leastSquares: Learner = (x, y, w) => {
  const d = x[0]?.length ?? 0;
  const a = new Float64Array(d * d);
  const b = new Float64Array(d);
  x.forEach((row, i) => {
    for (let j = 0; j < d; j++) {
      b[j] = (b[j] as number) + (w[i] as number) * (row[j] as number) * (y[i] as number);
      for (let k = 0; k < d; k++)
        a[j * d + k] =
          (a[j * d + k] as number) + (w[i] as number) * (row[j] as number) * (row[k] as number);
    }
  });
  const coef = solveSpd(a, b, d);
  return (rows) =>
    rows.map((row) => (row.reduce((s, v, j) => s + v * (coef[j] as number), 0) > 0.5 ? 1 : 0));
};

describe('exponentiated gradient on Fairlearn smoke-test data (test_exponentiatedgradient_smoke.py)', () => {
  const cases = [
    { constraint: 'demographic-parity', eps: 0.1, disp: 0.1, error: 0.25 },
    { constraint: 'demographic-parity', eps: 0.05, disp: 0.05, error: 0.266522 },
    { constraint: 'demographic-parity', eps: 0.02, disp: 0.02, error: 0.332261 },
    { constraint: 'demographic-parity', eps: 0.01, disp: 0.01, error: 0.354174 },
    { constraint: 'equalized-odds', eps: 0.1, disp: 0.1, error: 0.309333 },
    { constraint: 'equalized-odds', eps: 0.05, disp: 0.05, error: 0.378827 },
    { constraint: 'equalized-odds', eps: 0.02, disp: 0.02, error: 0.421531 },
  ] as const;
  for (const c of cases) {
    it(`${c.constraint}, eps ${c.eps} → disparity ${c.disp}, error ${c.error} (abs 1e-5)`, () => {
      const model = fitExponentiatedGradient(X, Y, A, leastSquares, {
        constraint: c.constraint,
        eps: c.eps,
        differenceBound: c.eps,
      });
      const d = reductionDiagnostics(pmfPredict(model, X), Y, A, c.constraint);
      expect(Math.abs(d.disparity - c.disp)).toBeLessThan(1e-5);
      expect(Math.abs(d.error - c.error)).toBeLessThan(1e-5);
      expect(model.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    });
  }
  it('randomized predictions are seeded and follow the pmf', () => {
    const model = fitExponentiatedGradient(X, Y, A, leastSquares, {
      eps: 0.05,
      differenceBound: 0.05,
    });
    expect(randomizedPredict(model, X, 3)).toEqual(randomizedPredict(model, X, 3));
    const big = Array.from({ length: 500 }, () => X).flat();
    const mean = randomizedPredict(model, big, 1).reduce((a: number, b) => a + b, 0) / big.length;
    const expected = pmfPredict(model, X).reduce((a, b) => a + b, 0) / X.length;
    expect(Math.abs(mean - expected)).toBeLessThan(0.03);
  });
});
