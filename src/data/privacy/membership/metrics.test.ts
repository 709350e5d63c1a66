import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../engine/index.js';
import { fitLogistic, logisticLogit } from './logistic.js';
import { attackMetrics, aucStandardError, rocAuc, rocCurve } from './metrics.js';

/** Brute-force AUC: P(member > non-member) + ½ P(equal) over all pairs (the definition). */
function pairwiseAuc(m: number[], n: number[]): number {
  let s = 0;
  for (const a of m) for (const b of n) s += a > b ? 1 : a === b ? 0.5 : 0;
  return s / (m.length * n.length);
}

// Peer values: scripts/privacy/membership_reference.py with sklearn 1.2.1 (roc_auc_score,
// roc_curve(drop_intermediate=False)); the scores are integer-generated so JS builds the same.
const TIES_M = Array.from({ length: 300 }, (_, i) => ((i * 37) % 101) / 10 + 1.5);
const TIES_N = Array.from({ length: 250 }, (_, i) => ((i * 53) % 97) / 10);
const SKLEARN_TIES = {
  auc: 0.6597933333333333,
  advantage: 0.19266666666666668,
  tpr01: 0.19666666666666666,
};
const LARGE_M = Array.from({ length: 1500 }, (_, i) => ((i * 7919) % 1009) / 100 + 0.8);
const LARGE_N = Array.from({ length: 1200 }, (_, i) => ((i * 104729) % 1013) / 100);
const SKLEARN_LARGE = {
  auc: 0.5748008333333333,
  advantage: 0.08083333333333331,
  tpr01: 0.08666666666666667,
  tpr001: 0.07733333333333334,
};

describe('rocAuc (Mann–Whitney with mid-ranks)', () => {
  it('equals the pairwise definition on hand cases, ties counted as ½', () => {
    expect(rocAuc([0.9, 0.8], [0.1, 0.8])).toBe(0.875);
    expect(rocAuc([1, 1, 1], [1, 1])).toBe(0.5);
    expect(rocAuc([3], [1, 2, 3, 4])).toBe(0.625);
    expect(rocAuc([-Infinity, 0], [-Infinity])).toBe(0.75);
  });

  it('equals sklearn roc_auc_score on tied scores', () => {
    expect(rocAuc(TIES_M, TIES_N)).toBeCloseTo(SKLEARN_TIES.auc, 14);
    expect(rocAuc(LARGE_M, LARGE_N)).toBeCloseTo(SKLEARN_LARGE.auc, 14);
  });

  it('equals the pairwise count for arbitrary small score sets', () => {
    const score = fc.integer({ min: -4, max: 4 }).map((v) => v / 2);
    fc.assert(
      fc.property(
        fc.array(score, { minLength: 1, maxLength: 12 }),
        fc.array(score, { minLength: 1, maxLength: 12 }),
        (m, n) => {
          expect(rocAuc(m, n)).toBeCloseTo(pairwiseAuc(m, n), 12);
        },
      ),
      { numRuns: 300, seed: 5 },
    );
  });

  it('rejects empty sets and NaN scores', () => {
    expect(() => rocAuc([], [1])).toThrow(/members/);
    expect(() => rocAuc([1], [Number.NaN])).toThrow(/NaN/);
  });
});

describe('attackMetrics', () => {
  it('a perfectly separating score: AUC 1, advantage 1, TPR 1 at every FPR', () => {
    const members = Array.from({ length: 1000 }, (_, i) => 10 + i);
    const nonMembers = Array.from({ length: 1000 }, (_, i) => -i);
    const m = attackMetrics(members, nonMembers);
    expect(m.auc).toBe(1);
    expect(m.advantage).toBe(1);
    expect(m.advantageThreshold).toBe(10);
    expect(m.tprAtFpr).toEqual({ '0.01': 1, '0.001': 1 });
    const reversed = attackMetrics(nonMembers, members);
    expect(reversed.auc).toBe(0);
    expect(reversed.advantage).toBe(0);
  });

  it('identical distributions: AUC ≈ 0.5 and a small advantage', () => {
    const r = seededRandom(11);
    const draw = () => Array.from({ length: 4000 }, () => r() + r() + r());
    const m = attackMetrics(draw(), draw());
    // AUC standard error at n = m = 4000 is √((n+m+1)/(12nm)) ≈ 0.0065.
    expect(Math.abs(m.auc - 0.5)).toBeLessThan(0.02);
    // Kolmogorov–Smirnov: the advantage is the KS statistic; 1.36·√(2/4000) ≈ 0.03 at 5 %.
    expect(m.advantage).toBeLessThan(0.04);
  });

  it('advantage and TPR at FPR equal sklearn roc_curve values', () => {
    const a = attackMetrics(TIES_M, TIES_N);
    expect(a.advantage).toBeCloseTo(SKLEARN_TIES.advantage, 14);
    expect(a.tprAtFpr['0.01']).toBeCloseTo(SKLEARN_TIES.tpr01, 14);
    // 250 non-members cannot resolve FPR 0.1 %.
    expect(a.tprAtFpr['0.001']).toBeNull();
    expect(a.minResolvableFpr).toBe(1 / 250);
    const b = attackMetrics(LARGE_M, LARGE_N);
    expect(b.advantage).toBeCloseTo(SKLEARN_LARGE.advantage, 14);
    expect(b.tprAtFpr['0.01']).toBeCloseTo(SKLEARN_LARGE.tpr01, 14);
    expect(b.tprAtFpr['0.001']).toBeCloseTo(SKLEARN_LARGE.tpr001, 14);
  });

  it('TPR at FPR takes the highest ROC point with FPR ≤ α, without interpolation', () => {
    // 100 non-members 0…99, members 50.5…149.5.
    const nonMembers = Array.from({ length: 100 }, (_, i) => i);
    const members = Array.from({ length: 100 }, (_, i) => 50.5 + i);
    const m = attackMetrics(members, nonMembers, [0.01, 0.015]);
    // Lowest threshold with one non-member (99) above it: 98.5, TPR = members ≥ 98.5 = 52/100.
    expect(m.tprAtFpr['0.01']).toBe(0.52);
    // FPR 0.015 falls between ROC points 0.01 and 0.02: no interpolation, the 0.01 point counts.
    expect(m.tprAtFpr['0.015']).toBe(0.52);
  });

  it('AUC standard error follows Hanley & McNeil 1982', () => {
    // At A = ½ it is exactly the Mann–Whitney null variance (m + n + 1) / (12mn).
    for (const [m, n] of [
      [100, 100],
      [400, 250],
      [7, 3],
    ] as const)
      expect(aucStandardError(0.5, m, n)).toBeCloseTo(Math.sqrt((m + n + 1) / (12 * m * n)), 15);
    // Perfect separation has no variance.
    expect(aucStandardError(1, 50, 80)).toBe(0);
  });

  it('the ROC curve runs from (0,0) to (1,1) with one point per distinct score', () => {
    const c = rocCurve([3, 2], [1, 2]);
    expect(c.map((p) => [p.fpr, p.tpr])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
  });
});

describe('fitLogistic (the shadow attack model)', () => {
  it('equals sklearn LogisticRegression(C = 1/(n·l2)) on standardised features', () => {
    // scripts/privacy/membership_reference.py, sklearn 1.2.1, lbfgs, tol 1e-12.
    const x = Array.from({ length: 200 }, (_, i) => [((i * 13) % 17) / 3, ((i * 29) % 23) / 5 - 1]);
    const y = x.map((row, i) => ((i * 31) % 7 < 3 !== (row[0] as number) > 3 ? 1 : 0)) as (0 | 1)[];
    const model = fitLogistic(x, y, { l2: 1e-2 });
    expect(model.weights[0]).toBeCloseTo(0.22019717253091348, 7);
    expect(model.weights[1]).toBeCloseTo(0.1016776249155733, 7);
    expect(model.bias).toBeCloseTo(-3.767927775555226e-5, 7);
  });

  it('stays finite on separable data and orders it', () => {
    const model = fitLogistic([[0], [1], [2], [3]], [0, 0, 1, 1]);
    expect(Number.isFinite(model.bias)).toBe(true);
    expect(logisticLogit(model, [3])).toBeGreaterThan(logisticLogit(model, [0]));
  });
});
