/** Bounded queries: clamping, sensitivities, noise scale; and the CSV reader (incl. fast-check properties). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AisfError } from '../../../errors.js';
import { RandomBits, seededRandom } from '../random.js';
import {
  boundedCount,
  boundedHistogram,
  boundedMean,
  boundedQuantile,
  boundedSum,
  categoricalHistogram,
  checkBounds,
} from './bounded.js';
import { numericColumn, parseCsv } from './csv.js';

const rng = (seed: string) => new RandomBits(seededRandom(seed));

describe('bounded queries clamp to the declared bounds', () => {
  // With ε = 1e6 the noise scale is ~1e-5 of the bound: the answer shows the clamped true value.
  const values = [-100, 5, 1000, 7];

  it('sum clamps every value (0 + 5 + 10 + 7 = 22, not 912)', () => {
    const r = boundedSum(values, { epsilon: 1e6, bounds: [0, 10], rng: rng('sum') });
    expect(r.value).toBeCloseTo(22, 3);
    expect(r.sensitivity).toBeCloseTo(10, 9);
    expect(r.delta).toBe(0);
  });

  it('sum sensitivity is max(|lo|, |hi|) for bounds around zero', () => {
    const r = boundedSum([-50, 3], { epsilon: 1e6, bounds: [-20, 10], rng: rng('sum2') });
    expect(r.value).toBeCloseTo(-17, 3);
    expect(r.sensitivity).toBeCloseTo(20, 9);
  });

  it('mean clamps and stays within the bounds', () => {
    const r = boundedMean(values, { epsilon: 1e6, bounds: [0, 10], rng: rng('mean') });
    expect(r.value).toBeCloseTo(22 / 4, 2);
    for (let i = 0; i < 200; i++) {
      const noisy = boundedMean([1000, 1000], {
        epsilon: 0.01,
        bounds: [0, 10],
        rng: rng(`m${i}`),
      });
      expect(noisy.value).toBeGreaterThanOrEqual(0);
      expect(noisy.value).toBeLessThanOrEqual(10);
    }
  });

  it('histogram puts out-of-range values in the edge bins', () => {
    const r = boundedHistogram([-1, 0.1, 0.6, 2, 0.99], {
      epsilon: 60,
      bounds: [0, 1],
      bins: 2,
      rng: rng('hist'),
    });
    expect(r.value.map((b) => b.count)).toEqual([2, 3]);
    expect(r.value.map((b) => b.bin)).toEqual(['[0, 0.5)', '[0.5, 1]']);
  });

  it('categorical histogram counts only declared categories', () => {
    const r = categoricalHistogram(['yes', 'no', 'no', 'maybe'], {
      epsilon: 60,
      categories: ['yes', 'no'],
      rng: rng('cat'),
    });
    expect(r.value).toEqual([
      { bin: 'yes', count: 1 },
      { bin: 'no', count: 2 },
    ]);
  });

  it('quantile lands inside the bounds and near the true median for large ε', () => {
    const data = Array.from({ length: 1001 }, (_, i) => i / 1000);
    const r = boundedQuantile(data, { epsilon: 50, bounds: [0, 1], quantile: 0.5, rng: rng('q') });
    expect(Math.abs(r.value - 0.5)).toBeLessThan(0.01);
    for (let i = 0; i < 100; i++) {
      const noisy = boundedQuantile([-5, 50, 60], {
        epsilon: 0.1,
        bounds: [0, 10],
        rng: rng(`q${i}`),
      });
      expect(noisy.value).toBeGreaterThanOrEqual(0);
      expect(noisy.value).toBeLessThanOrEqual(10);
    }
  });

  it('quantile picks gaps with probability ∝ length·exp(−ε|i − qn|/2)', () => {
    // Data [1, 2], bounds [0, 4], q = 0.5 (qn = 1): gaps [0,1], [1,2], [2,4] with utilities
    // −1, 0, −1 and lengths 1, 1, 2 → weights e^{-ε/2}, 1, 2e^{-ε/2}.
    const eps = 1;
    const w = [Math.exp(-eps / 2), 1, 2 * Math.exp(-eps / 2)];
    const z = w.reduce((a, b) => a + b, 0);
    const n = 20_000;
    const counts = [0, 0, 0];
    const bits = rng('gaps');
    for (let i = 0; i < n; i++) {
      const v = boundedQuantile([1, 2], { epsilon: eps, bounds: [0, 4], rng: bits }).value;
      const k = v < 1 ? 0 : v < 2 ? 1 : 2;
      counts[k] = (counts[k] as number) + 1;
    }
    counts.forEach((c, k) => {
      const p = (w[k] as number) / z;
      expect(Math.abs(c / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    });
  });

  it('count noise is discrete Laplace with scale 1/ε (variance 2r/(1−r)², r = e^{−ε})', () => {
    const n = 20_000;
    const bits = rng('count');
    const xs = Array.from(
      { length: n },
      () => boundedCount(1000, { epsilon: 0.5, rng: bits }).value - 1000,
    );
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    const r = Math.exp(-0.5);
    const expected = (2 * r) / (1 - r) ** 2;
    expect(Math.abs(variance - expected) / expected).toBeLessThan(0.05);
    expect(xs.every(Number.isInteger)).toBe(true);
  });

  it('rejects reversed bounds, naming --bounds and the fix', () => {
    expect(() => checkBounds([5, 1])).toThrow(/--bounds are reversed.*lower 5 must be < upper 1/);
    expect(() => boundedSum([1], { epsilon: 1, bounds: [1, 1] })).toThrow(/--bounds/);
    expect(() => boundedQuantile([1], { epsilon: 1, bounds: [0, 1], quantile: 2 })).toThrow(
      /--quantile/,
    );
    expect(() => boundedHistogram([1], { epsilon: 1, bounds: [0, 1], bins: 0 })).toThrow(/--bins/);
  });
});

describe('bounded queries on arbitrary data (property)', () => {
  const data = fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 50 });
  const boundsArb = fc
    .tuple(
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
    )
    .map(([lo, width]) => [lo, lo + width] as const);

  it('mean and quantile always land inside the declared bounds', () => {
    let k = 0;
    fc.assert(
      fc.property(
        data,
        boundsArb,
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        (xs, bounds, epsilon) => {
          const bits = rng(`prop${k++}`);
          const mean = boundedMean(xs, { epsilon, bounds, rng: bits }).value;
          const q = boundedQuantile(xs, { epsilon, bounds, rng: bits }).value;
          for (const v of [mean, q]) {
            expect(v).toBeGreaterThanOrEqual(bounds[0]);
            expect(v).toBeLessThanOrEqual(bounds[1]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('CSV reader', () => {
  it('parses quotes, escaped quotes, CRLF, BOM and blank lines', () => {
    const t = parseCsv('\ufeffa,b\r\n1,"x,""y"""\r\n\r\n2,\n');
    expect(t.header).toEqual(['a', 'b']);
    expect(t.rows).toEqual([
      ['1', 'x,"y"'],
      ['2', ''],
    ]);
  });

  it('reports ragged rows and unterminated quotes as E_DATA_INVALID', () => {
    expect(() => parseCsv('a,b\n1\n')).toThrow(/data row 1 has 1 fields/);
    expect(() => parseCsv('a\n"open\n')).toThrow(/unterminated/);
    expect(() => parseCsv('')).toThrow(/empty/);
  });

  it('numericColumn names the column and row but never echoes the cell', () => {
    const t = parseCsv('income\n12\nsecret-value\n');
    try {
      numericColumn(t, 'income', 'x.csv');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AisfError);
      expect((error as AisfError).code).toBe('E_DATA_INVALID');
      expect((error as AisfError).message).toMatch(/column "income" is not numeric: data row 2/);
      expect((error as AisfError).message).not.toMatch(/secret/);
    }
    expect(() => numericColumn(t, 'nope', 'x.csv')).toThrow(/no column "nope".*income/);
  });

  const cell = fc.string({ maxLength: 12 }).filter((s) => !s.includes('\r'));
  const quote = (s: string) => (/[",\n]/.test(s) || s === '' ? `"${s.replace(/"/g, '""')}"` : s);

  it('round-trips any table of strings (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((w) =>
          fc.tuple(
            fc.array(
              cell.filter((s) => s !== ''),
              { minLength: w, maxLength: w },
            ),
            fc.array(fc.array(cell, { minLength: w, maxLength: w }), { maxLength: 8 }),
          ),
        ),
        ([header, rows]) => {
          const text = [header, ...rows].map((r) => r.map(quote).join(',')).join('\n');
          const parsed = parseCsv(text);
          expect(parsed.header).toEqual(header);
          // Rows that serialise to an empty line (one empty unquoted… quoted cell) survive
          // because empty cells are quoted.
          expect(parsed.rows).toEqual(rows);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws anything but AisfError on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseCsv(text);
        } catch (error) {
          expect(error).toBeInstanceOf(AisfError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
