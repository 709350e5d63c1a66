import { describe, expect, it } from 'vitest';
import { fitRejectOption, rejectOptionPredict } from './index.js';

describe('reject-option classification', () => {
  // Hand-checkable case: unprivileged scores sit just below 0.5, privileged just above.
  const scores = [0.45, 0.46, 0.47, 0.48, 0.2, 0.52, 0.53, 0.54, 0.55, 0.8];
  const labels = [1, 1, 0, 0, 0, 1, 1, 0, 0, 1];
  const privileged = [false, false, false, false, false, true, true, true, true, true];

  it('flips the critical band: unprivileged → favourable, privileged → unfavourable', () => {
    const model = {
      classificationThreshold: 0.5,
      rocMargin: 0.1,
      favorable: 1 as const,
      satisfied: true,
      metric: 'statistical-parity-difference' as const,
      balancedAccuracy: 0,
      metricValue: 0,
    };
    expect(rejectOptionPredict(model, scores, privileged)).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 1]);
    // favourable 0: the band gives the unprivileged 0 and the privileged 1 (scores stay P(y = 1))
    expect(rejectOptionPredict({ ...model, favorable: 0 }, scores, privileged)).toEqual([
      0, 0, 0, 0, 0, 1, 1, 1, 1, 1,
    ]);
  });
  it('finds a threshold/margin inside the statistical-parity bounds', () => {
    const model = fitRejectOption(scores, labels, privileged);
    expect(model.satisfied).toBe(true);
    expect(Math.abs(model.metricValue)).toBeLessThanOrEqual(0.05);
    const pred = rejectOptionPredict(model, scores, privileged);
    const rate = (priv: boolean) => {
      const idx = privileged.map((p, i) => (p === priv ? i : -1)).filter((i) => i >= 0);
      return idx.reduce((a, i) => a + (pred[i] as number), 0) / idx.length;
    };
    expect(rate(false) - rate(true)).toBeCloseTo(model.metricValue, 12);
  });
  it('needs both groups', () => {
    expect(() => fitRejectOption([0.1], [1], [true])).toThrow(/both/);
  });
});
