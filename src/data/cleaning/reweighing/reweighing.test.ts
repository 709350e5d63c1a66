import { describe, expect, it } from 'vitest';
import { F1 } from '../../../algorithm/fairness/fixtures/fairlearn-f1.js';
import { reweigh } from './index.js';

// Fairlearn's 18-sample fixture F1, y_true as label (derived values in the research notes from
// AIF360's formula w = n_g·n_y / (n·n_gy)).
const { y, sf } = F1;

describe('reweighing', () => {
  const r = reweigh(sf, y);
  it('reproduces the per-cell factors', () => {
    expect(r.factors.a?.[1]).toBeCloseTo(4 / 3, 12);
    expect(r.factors.a?.[0]).toBeCloseTo(2 / 3, 12);
    expect(r.factors.b?.[1]).toBeCloseTo(0.8, 12);
    expect(r.factors.b?.[0]).toBeCloseTo(2.0, 12);
    expect(r.factors.c?.[1]).toBeCloseTo(16 / 15, 12);
    expect(r.factors.c?.[0]).toBeCloseTo(8 / 9, 12);
  });
  it('preserves total and per-group weight, and makes group ⟂ label', () => {
    const sum = (pred: (i: number) => boolean) =>
      r.weights.reduce((a, w, i) => a + (pred(i) ? w : 0), 0);
    expect(sum(() => true)).toBeCloseTo(18, 12);
    expect(sum((i) => sf[i] === 'a')).toBeCloseTo(4, 12);
    expect(sum((i) => sf[i] === 'b')).toBeCloseTo(6, 12);
    expect(sum((i) => sf[i] === 'c')).toBeCloseTo(8, 12);
    for (const g of ['a', 'b', 'c']) {
      const pos = sum((i) => sf[i] === g && y[i] === 1) / sum((i) => sf[i] === g);
      expect(pos).toBeCloseTo(12 / 18, 12);
    }
  });
  it('marks empty cells null', () => {
    expect(reweigh(['a', 'a', 'b'], [1, 1, 0]).factors.a?.[0]).toBeNull();
  });
});
