import { describe, expect, it } from 'vitest';
import { accuracyOf, meanPerturbation, perClassAccuracy, successRate } from './index.js';

describe('robustness metrics', () => {
  const y = [0, 1, 2, 1, 0];
  const clean = [0, 1, 2, 0, 0]; // 4/5 correct
  const adv = [1, 1, 0, 0, 0]; // 2/5 correct
  it('accuracy and per-class accuracy', () => {
    expect(accuracyOf(clean, y)).toBe(0.8);
    expect(accuracyOf(adv, y)).toBe(0.4);
    expect(accuracyOf([], [])).toBeNull();
    expect(perClassAccuracy(adv, y)).toEqual([
      { class: 0, n: 2, accuracy: 0.5 },
      { class: 1, n: 2, accuracy: 0.5 },
      { class: 2, n: 1, accuracy: 0 },
    ]);
  });
  it('success rate counts only samples that were correct before (untargeted)', () => {
    // Correct before: #0, #1, #2, #4; flipped: #0, #2 → 2/4.
    expect(successRate(clean, adv, y)).toBe(0.5);
    expect(successRate([1, 0], [1, 0], [0, 1])).toBeNull();
    expect(successRate(clean, adv, y, [1, 1, 1, 1, 1])).toBe(0.4);
  });
  it('mean L∞ and L2 perturbation', () => {
    const x = { data: Float32Array.of(0, 0, 0, 0), shape: [2, 2] };
    const a = { data: Float32Array.of(0.5, 0, 0.25, 0.25), shape: [2, 2] };
    const m = meanPerturbation(x, a);
    expect(m.meanLinf).toBeCloseTo((0.5 + 0.25) / 2, 12);
    expect(m.meanL2).toBeCloseTo((0.5 + Math.SQRT2 * 0.25) / 2, 12);
  });
});
