import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNumberList, parseRange, parseSeverities } from './robustness.js';

const usageOrValue = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    expect((error as { code?: string }).code).toBe('E_USAGE');
  }
};

describe('robustness CLI parsers', () => {
  it('parse severities: single, ranges and lists', () => {
    expect(parseSeverities('3')).toEqual([3]);
    expect(parseSeverities('1-5')).toEqual([1, 2, 3, 4, 5]);
    expect(parseSeverities('5,1, 3')).toEqual([1, 3, 5]);
    expect(parseSeverities('2-3,3-4')).toEqual([2, 3, 4]);
    for (const bad of ['0', '6', '1-6', '3-1', '', 'a', '1,,2'])
      expect(() => parseSeverities(bad)).toThrow(/--severity/);
  });
  it('parse ranges and number lists', () => {
    expect(parseRange('0,1')).toEqual({ lo: 0, hi: 1 });
    expect(parseRange('-1, 255')).toEqual({ lo: -1, hi: 255 });
    for (const bad of ['1,0', '0', '0,1,2', 'a,b', '0,Infinity'])
      expect(() => parseRange(bad)).toThrow(/--range/);
    expect(parseNumberList('0.05,0.1', 'eps')).toEqual([0.05, 0.1]);
    expect(() => parseNumberList('0.1,', 'eps')).toThrow(/--eps/);
  });
  it('never crash on arbitrary strings: a value or E_USAGE', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        usageOrValue(() => {
          const v = parseSeverities(s);
          for (const x of v) expect(x >= 1 && x <= 5).toBe(true);
        });
        usageOrValue(() => {
          const r = parseRange(s);
          expect(r.lo < r.hi).toBe(true);
        });
        usageOrValue(() => {
          for (const x of parseNumberList(s, 'eps')) expect(Number.isFinite(x)).toBe(true);
        });
      }),
      { numRuns: 500, seed: 4 },
    );
  });
});
