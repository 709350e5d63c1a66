import { describe, expect, it } from 'vitest';
import { F1 } from '../fixtures/fairlearn-f1.js';
import {
  betweenGroupGeneralizedEntropyIndex,
  FairnessAccumulator,
  fairnessMetrics,
  generalizedEntropyIndex,
  groupRates,
  marginalize,
} from './index.js';

function f1Table() {
  const acc = new FairnessAccumulator(['sf'], false);
  F1.y.forEach((y, i) => {
    acc.add(y as 0 | 1, F1.p[i] as 0 | 1, undefined, [F1.sf[i] as string]);
  });
  return acc.table();
}

describe('group metrics on Fairlearn fixture F1', () => {
  const grouping = marginalize(f1Table(), ['sf']);
  it('reproduces the published per-group rates', () => {
    const byValue = Object.fromEntries(
      grouping.groups.map((g) => [g.values[0], groupRates(g.confusion)]),
    );
    expect(byValue.a?.tpr.value).toBeCloseTo(0.5, 12);
    expect(byValue.b?.tpr.value).toBeCloseTo(0.6, 12);
    expect(byValue.c?.tpr.value).toBeCloseTo(0.4, 12);
    expect(byValue.a?.fpr.value).toBeCloseTo(1.0, 12);
    expect(byValue.b?.fpr.value).toBeCloseTo(0.0, 12);
    expect(byValue.c?.fpr.value).toBeCloseTo(2 / 3, 12);
    expect(byValue.a?.selectionRate.value).toBeCloseTo(0.75, 12);
    expect(byValue.b?.selectionRate.value).toBeCloseTo(0.5, 12);
    expect(byValue.c?.selectionRate.value).toBeCloseTo(0.5, 12);
    const overall = groupRates(marginalize(f1Table(), []).groups[0]?.confusion ?? []);
    expect(overall.tpr.value).toBeCloseTo(0.5, 12);
    expect(overall.fpr.value).toBeCloseTo(2 / 3, 12);
    expect(overall.selectionRate.value).toBeCloseTo(10 / 18, 12);
  });
  it('reproduces the published Fairlearn-convention metrics', () => {
    const m = fairnessMetrics(grouping);
    expect(m.demographicParityDifference.value).toBeCloseTo(0.25, 12);
    expect(m.demographicParityRatio.value).toBeCloseTo(2 / 3, 12);
    expect(m.equalizedOddsDifference.value).toBeCloseTo(1.0, 12);
    expect(m.equalizedOddsRatio.value).toBeCloseTo(0.0, 12);
    expect(m.equalOpportunityDifference.value).toBeCloseTo(0.2, 12);
    expect(m.equalOpportunityRatio.value).toBeCloseTo(2 / 3, 12);
  });
  it('reproduces the AIF360-convention values (unprivileged a, privileged b)', () => {
    // Only a and b, as in the derived values of the research notes.
    const ab = { features: ['sf'], groups: grouping.groups.filter((g) => g.values[0] !== 'c') };
    const m = fairnessMetrics(ab, { privileged: { sf: 'b' } });
    expect(m.statisticalParityDifference.value).toBeCloseTo(0.25, 12);
    expect(m.disparateImpact.value).toBeCloseTo(1.5, 12);
    expect(m.truePositiveRateDifference.value).toBeCloseTo(-0.1, 12);
    expect(m.averageOddsDifference.value).toBeCloseTo(0.45, 12);
    expect(m.averageAbsOddsDifference.value).toBeCloseTo(0.55, 12);
  });
  it('says AIF360 metrics are undefined without a privileged group, with the reason', () => {
    const m = fairnessMetrics(grouping);
    expect(m.disparateImpact.value).toBeNull();
    expect(m.disparateImpact.reason).toMatch(/privileged/);
  });
});

describe('undefined metrics are null with a reason, never 0', () => {
  it('TPR of a group without positives', () => {
    const r = groupRates([3, 1, 0, 0]);
    expect(r.tpr).toEqual({ value: null, reason: expect.stringMatching(/no actual positives/) });
    expect(r.fpr.value).toBeCloseTo(0.25, 12);
    const m = fairnessMetrics({
      features: ['g'],
      groups: [
        { values: ['x'], confusion: [3, 1, 0, 0] },
        { values: ['y'], confusion: [1, 1, 1, 1] },
      ],
    });
    expect(m.equalizedOddsDifference.value).toBeNull();
    expect(m.equalizedOddsDifference.reason).toMatch(/g=x.*no actual positives/);
    expect(m.demographicParityDifference.value).toBeCloseTo(0.25, 12);
  });
  it('ratios when every group has rate 0', () => {
    const m = fairnessMetrics({
      features: ['g'],
      groups: [
        { values: ['x'], confusion: [2, 0, 1, 0] },
        { values: ['y'], confusion: [1, 0, 1, 0] },
      ],
    });
    expect(m.demographicParityRatio.value).toBeNull();
    expect(m.demographicParityDifference.value).toBe(0);
  });
});

// AIF360 tests/test_classification_metric.py: feat=[0,0,1,1,1,1,2,2,2,2], label=[1,0,0,1,0,0,1,0,1,1],
// predictions flip rows 3,9 to 0 and rows 4,5 to 1.
describe('generalized entropy index (AIF360 fixtures)', () => {
  const counts = (y: number[], p: number[]) => {
    const c = [0, 0, 0, 0];
    y.forEach((v, i) => {
      const k = 2 * v + (p[i] as number);
      c[k] = (c[k] ?? 0) + 1;
    });
    return c;
  };
  const y = [1, 0, 0, 1, 0, 0, 1, 0, 1, 1];
  const p = [1, 0, 0, 0, 1, 1, 1, 0, 1, 0];
  it('GEI(α=2) = 0.2 and Theil = 4·ln2/10', () => {
    expect(generalizedEntropyIndex(counts(y, p), 2).value).toBeCloseTo(0.2, 12);
    expect(generalizedEntropyIndex(counts(y, p), 1).value).toBeCloseTo((4 * Math.log(2)) / 10, 12);
  });
  it('GEI = 0.3 with predictions [0,1,1,0,0,0,0,1,1,1]', () => {
    expect(generalizedEntropyIndex(counts(y, [0, 1, 1, 0, 0, 0, 0, 1, 1, 1]), 2).value).toBeCloseTo(
      0.3,
      12,
    );
  });
  it('between-group GEI over feat groups = 0.025 (AIF360 between_all_groups_generalized_entropy_index)', () => {
    const feat = ['0', '0', '1', '1', '1', '1', '2', '2', '2', '2'];
    const acc = new FairnessAccumulator(['feat'], false);
    y.forEach((v, i) => {
      acc.add(v as 0 | 1, p[i] as 0 | 1, undefined, [feat[i] as string]);
    });
    const grouping = marginalize(acc.table(), ['feat']);
    expect(betweenGroupGeneralizedEntropyIndex(grouping, 2).value).toBeCloseTo(0.025, 12);
    expect(fairnessMetrics(grouping).betweenGroupGeneralizedEntropyIndex.value).toBeCloseTo(
      0.025,
      12,
    );
  });
  it('is undefined when every row is a false negative', () => {
    expect(generalizedEntropyIndex([0, 0, 5, 0], 2).value).toBeNull();
  });
});

describe('memory bound', () => {
  it('rejects more distinct groups than the cap (a continuous column passed as sensitive)', () => {
    const acc = new FairnessAccumulator(['income'], false, 3);
    for (const v of ['1', '2', '3']) acc.add(1, 1, undefined, [v]);
    expect(() => acc.add(1, 1, undefined, ['4'])).toThrow(/more than 3 distinct groups in income/);
  });
});
