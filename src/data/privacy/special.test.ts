/**
 * Special functions against 40-digit mpmath values (mpmath 1.3.0: log(ncdf(x)), log(erfc(x)),
 * computed by `python3 -c "import mpmath as mp; mp.mp.dps=40; …"`) and closed forms.
 */
import { describe, expect, it } from 'vitest';
import { logAdd, logErfc, logNdtr, logSub, ndtr } from './special.js';

/** [x, 20-digit mpmath value as a string: more digits than a double holds]. */
const LOG_NDTR: [number, string][] = [
  [-1000, '-500007.82669481218431'],
  [-40, '-804.60844201375378817'],
  [-20, '-203.91715537109726394'],
  [-5.5, '-17.779376352625260511'],
  [-1, '-1.8410216450092635058'],
  [0, '-0.69314718055994530942'],
  [0.3, '-0.48141016158848120517'],
  [0.67, '-0.28958908310168703778'],
  [1.5, '-0.069143455612233982993'],
  [3, '-0.0013508099647481937988'],
  [5.6, '-1.0717590315744300203e-8'],
  [6, '-9.8658764552437573169e-10'],
  [10, '-7.6198530241605260704e-24'],
];

const LOG_ERFC: [number, string][] = [
  [-3, '0.69313613525044681032'],
  [0.1, '-0.11930497373739560532'],
  [1, '-1.8496055099332482486'],
  [4, '-17.987778312103006503'],
  [5, '-27.200889545537434422'],
  [26, '-679.83119976319423026'],
  [27.5, '-760.13721101534819463'],
  [100, '-10005.177585122664333'],
  [1000, '-1000007.4801207219062'],
];

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('special functions', () => {
  it.each(LOG_NDTR)('log Φ(%d) to 1e-14 relative', (x, expected) => {
    expect(rel(logNdtr(x), Number(expected))).toBeLessThan(1e-14);
  });

  it.each(LOG_ERFC)('log erfc(%d) to 1e-14 relative', (x, expected) => {
    expect(rel(logErfc(x), Number(expected))).toBeLessThan(1e-14);
  });

  it('Φ(0) = 1/2, log erfc(0) = 0, log Φ(38) ≈ −Φ(−38)', () => {
    expect(ndtr(0)).toBe(0.5);
    expect(Math.abs(logErfc(0))).toBeLessThan(1e-16);
    expect(Math.abs(logNdtr(38))).toBeLessThan(1e-300); // = −Φ(−38) ≈ −2.885e-316
  });

  it('log-space add and subtract', () => {
    expect(rel(logAdd(Math.log(2), Math.log(3)), Math.log(5))).toBeLessThan(1e-15);
    expect(logAdd(Number.NEGATIVE_INFINITY, 1)).toBe(1);
    expect(rel(logSub(Math.log(5), Math.log(3)), Math.log(2))).toBeLessThan(1e-15);
    expect(logSub(1, Number.NEGATIVE_INFINITY)).toBe(1);
    expect(logSub(1, 1)).toBe(Number.NEGATIVE_INFINITY);
    expect(() => logSub(1, 2)).toThrow(RangeError);
  });
});
