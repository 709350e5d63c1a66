import { describe, expect, it } from 'vitest';
import { binomial, createRng, multinomial } from './rng.js';

describe('seeded RNG', () => {
  it('is reproducible for a seed and differs across seeds', () => {
    const a = createRng(1);
    const b = createRng(1);
    const c = createRng(2);
    const xs = [a.next(), a.next(), a.next()];
    expect([b.next(), b.next(), b.next()]).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]);
  });
  it('binomial draws have mean np and variance np(1−p) (closed form, 4σ tolerance)', () => {
    const rng = createRng(3);
    for (const [n, p] of [
      [10, 0.3],
      [1000, 0.05],
      [1_000_000, 0.42],
    ] as const) {
      const k = 4000;
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < k; i++) {
        const x = binomial(rng, n, p);
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(n);
        s += x;
        s2 += x * x;
      }
      const mean = s / k;
      const variance = s2 / k - mean * mean;
      const sd = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(mean - n * p)).toBeLessThan((4 * sd) / Math.sqrt(k));
      expect(variance / (sd * sd)).toBeGreaterThan(0.9);
      expect(variance / (sd * sd)).toBeLessThan(1.1);
    }
  });
  it('multinomial draws sum to n and skip zero-probability cells', () => {
    const rng = createRng(4);
    for (let i = 0; i < 200; i++) {
      const d = multinomial(rng, 1000, [0.5, 0, 0.3, 0.2, 0]);
      expect(d.reduce((a, b) => a + b, 0)).toBe(1000);
      expect(d[1]).toBe(0);
      expect(d[4]).toBe(0);
    }
  });
});
