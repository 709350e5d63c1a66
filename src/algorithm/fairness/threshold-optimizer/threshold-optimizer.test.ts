import { describe, expect, it } from 'vitest';
import {
  fitThresholdOptimizer,
  thresholdModelToJson,
  thresholdPmf,
  thresholdPredict,
} from './index.js';

// Fairlearn test/unit/postprocessing/conftest.py and test_threshold_optimization.py.
const bits = (s: string) => [...s].map(Number);
const scores = bits('00112330001111011112');
const labels = bits('01101000010111000111');
const ex1 = [...'AAAAAAABBBBBBBCCCCCC'];
const ex2 = [...'xxxYYYYxYYYYYxYYYYYY'];
const ex3 = ex1.map((a, i) => `${a},${ex2[i]}`);

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('threshold optimizer on Fairlearn fixtures (flip = true)', () => {
  for (const [name, groups, p1] of [
    ['example 1', ex1, 0.572],
    ['example 2', ex2, 0.4],
    ['example 3', ex3, 0.5],
  ] as const) {
    it(`demographic parity, ${name}: every group has average P(ŷ=1) = ${p1}`, () => {
      const model = fitThresholdOptimizer(scores, labels, groups, { flip: true });
      const pmf = thresholdPmf(model, scores, groups);
      for (const g of new Set(groups)) {
        const avg = mean(pmf.filter((_, i) => groups[i] === g));
        expect(Math.abs(avg - p1)).toBeLessThan(1e-8);
      }
    });
  }
  for (const [name, groups, pos, neg] of [
    ['example 1', ex1, 0.66733333, 0.334],
    ['example 2', ex2, 0.888, 0.666],
    ['example 3', ex3, 0.6666666666666666, 0.5],
  ] as const) {
    it(`equalized odds, ${name}: P(ŷ=1 | y=1) = ${pos}, P(ŷ=1 | y=0) = ${neg} in every group`, () => {
      const model = fitThresholdOptimizer(scores, labels, groups, {
        flip: true,
        constraint: 'equalized-odds',
      });
      const pmf = thresholdPmf(model, scores, groups);
      for (const g of new Set(groups)) {
        const p = mean(pmf.filter((_, i) => groups[i] === g && labels[i] === 1));
        const q = mean(pmf.filter((_, i) => groups[i] === g && labels[i] === 0));
        expect(Math.abs(p - pos)).toBeLessThan(1e-7);
        expect(Math.abs(q - neg)).toBeLessThan(1e-7);
      }
    });
  }
  it('predicts reproducibly for a seed and serialises infinite thresholds', () => {
    const model = fitThresholdOptimizer(scores, labels, ex1, { flip: true });
    expect(thresholdPredict(model, scores, ex1, 5)).toEqual(
      thresholdPredict(model, scores, ex1, 5),
    );
    expect(JSON.stringify(thresholdModelToJson(model))).not.toContain('null');
  });
  it('rejects a group with only one label and an unseen group', () => {
    expect(() => fitThresholdOptimizer([0.1, 0.2, 0.3], [0, 0, 1], ['a', 'a', 'b'])).toThrow(
      /only negative labels/,
    );
    const model = fitThresholdOptimizer(scores, labels, ex1);
    expect(() => thresholdPmf(model, [0.5], ['Z'])).toThrow(/not seen/);
  });
});

describe('threshold optimizer, exact LP (Hardt et al.)', () => {
  const accuracy = (pmf: number[]) => mean(pmf.map((p, i) => (labels[i] === 1 ? p : 1 - p)));
  for (const groups of [ex1, ex2, ex3]) {
    it(`equalized odds holds exactly and accuracy ≥ the grid solution (${new Set(groups).size} groups)`, () => {
      const lp = fitThresholdOptimizer(scores, labels, groups, {
        flip: true,
        constraint: 'equalized-odds',
        solver: 'lp',
      });
      const grid = fitThresholdOptimizer(scores, labels, groups, {
        flip: true,
        constraint: 'equalized-odds',
      });
      const pmf = thresholdPmf(lp, scores, groups);
      const rates = [...new Set(groups)].map((g) =>
        [1, 0].map((y) => mean(pmf.filter((_, i) => groups[i] === g && labels[i] === y))),
      );
      for (const r of rates) {
        expect(Math.abs((r[0] as number) - (rates[0]?.[0] as number))).toBeLessThan(1e-9);
        expect(Math.abs((r[1] as number) - (rates[0]?.[1] as number))).toBeLessThan(1e-9);
      }
      const gridAcc = accuracy(thresholdPmf(grid, scores, groups));
      expect(accuracy(pmf)).toBeGreaterThanOrEqual(gridAcc - 1e-12);
      expect(accuracy(pmf) - gridAcc).toBeLessThan(0.01); // the grid is 1/1000 fine
    });
    it(`demographic parity holds exactly and accuracy ≥ the grid solution (${new Set(groups).size} groups)`, () => {
      const lp = fitThresholdOptimizer(scores, labels, groups, { flip: true, solver: 'lp' });
      const grid = fitThresholdOptimizer(scores, labels, groups, { flip: true });
      const pmf = thresholdPmf(lp, scores, groups);
      const sel = [...new Set(groups)].map((g) => mean(pmf.filter((_, i) => groups[i] === g)));
      for (const v of sel) expect(Math.abs(v - (sel[0] as number))).toBeLessThan(1e-9);
      expect(accuracy(pmf)).toBeGreaterThanOrEqual(
        accuracy(thresholdPmf(grid, scores, groups)) - 1e-12,
      );
    });
  }
});
