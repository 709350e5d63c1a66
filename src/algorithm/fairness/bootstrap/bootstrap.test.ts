import { describe, expect, it } from 'vitest';
import { FairnessAccumulator } from '../metrics/index.js';
import { bootstrapIntervals, quantileSorted } from './index.js';

function table(nA: number, pA: number, nB: number, pB: number) {
  const acc = new FairnessAccumulator(['g'], false);
  for (let i = 0; i < nA; i++) acc.add(1, i < pA * nA ? 1 : 0, undefined, ['a']);
  for (let i = 0; i < nB; i++) acc.add(1, i < pB * nB ? 1 : 0, undefined, ['b']);
  return acc.table();
}

describe('bootstrap intervals', () => {
  it('quantiles interpolate linearly like numpy', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([0, 10], 0.025)).toBeCloseTo(0.25, 12);
  });
  it('match the normal-approximation interval of a difference of proportions', () => {
    // SPD = 0.6 − 0.4 with n = 2000 per group: SE = √(0.24/2000 + 0.24/2000) (closed form).
    const ci = bootstrapIntervals(table(2000, 0.6, 2000, 0.4), ['g'], {
      replicates: 2000,
      seed: 1,
      privileged: { g: 'b' },
    });
    const se = Math.sqrt(0.24 / 2000 + 0.24 / 2000);
    const spd = ci.intervals.statisticalParityDifference;
    expect(spd.lower as number).toBeCloseTo(0.2 - 1.96 * se, 2);
    expect(spd.upper as number).toBeCloseTo(0.2 + 1.96 * se, 2);
    const dpd = ci.intervals.demographicParityDifference;
    expect(((dpd.upper as number) - (dpd.lower as number)) / (2 * 1.96 * se)).toBeGreaterThan(0.9);
    expect(((dpd.upper as number) - (dpd.lower as number)) / (2 * 1.96 * se)).toBeLessThan(1.1);
  });
  it('is reproducible for a seed', () => {
    const t = table(50, 0.5, 40, 0.3);
    const a = bootstrapIntervals(t, ['g'], { replicates: 200, seed: 9 });
    const b = bootstrapIntervals(t, ['g'], { replicates: 200, seed: 9 });
    expect(a).toEqual(b);
  });
  it('reports an interval as undefined when most resamples are', () => {
    // No actual negatives anywhere: FPR, hence equalized odds, is never defined.
    const ci = bootstrapIntervals(table(50, 0.5, 40, 0.3), ['g'], { replicates: 100 });
    expect(ci.intervals.equalizedOddsDifference.lower).toBeNull();
    expect(ci.intervals.equalizedOddsDifference.reason).toMatch(/defined in only 0 of 100/);
  });
});
