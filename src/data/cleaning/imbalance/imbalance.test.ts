import { describe, expect, it } from 'vitest';
import { imbalanceReport } from './index.js';

describe('imbalance report', () => {
  it("matches AIF360's class_imbalance sign convention (unweighted counts)", () => {
    // 4 privileged (1), 3 unprivileged (0): (3 − 4) / 7
    const r = imbalanceReport(
      ['1', '1', '1', '1', '0', '0', '0'],
      [1, 0, 1, 1, 0, 1, 0],
      (g) => g === '1',
    );
    expect(r.classImbalance).toBeCloseTo(-1 / 7, 12);
    expect(r.baseRateDifference).toBeCloseTo(1 / 3 - 3 / 4, 12);
    expect(r.sizeRatio).toBeCloseTo(4 / 3, 12);
    expect(r.rows.map((x) => x.group)).toEqual(['0', '1']);
  });
  it('reports undefined comparisons with a reason', () => {
    const r = imbalanceReport(['a', 'b'], [1, 0]);
    expect(r.classImbalance).toBeNull();
    expect(r.reasons.classImbalance).toMatch(/privileged/);
  });
});
