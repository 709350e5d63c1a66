/** @module Float64 special functions the accountant and the Gaussian mechanisms need: log Φ, log erfc, log-space sums. */

// Coefficients of W. J. Cody's rational Chebyshev approximations of the normal distribution
// function ("Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969)
// 631–637), in the form used by R's pnorm (nmath/pnorm.c) and Cody's ACM TOMS Algorithm 715
// ANORM. They give ~18 significant digits; the log-space branch keeps full relative precision
// deep in the tails, which the fractional-order RDP series needs (arguments of erfc up to ~1e3).
// Kept as the published decimal strings (more digits than a double holds) and parsed once.
const digits = (...xs: string[]): number[] => xs.map(Number);
const A = digits(
  '2.2352520354606839287',
  '161.02823106855587881',
  '1067.6894854603709582',
  '18154.981253343561249',
  '0.065682337918207449113',
);
const B = digits(
  '47.20258190468824187',
  '976.09855173777669322',
  '10260.932208618978205',
  '45507.789335026729956',
);
const C = digits(
  '0.39894151208813466764',
  '8.8831497943883759412',
  '93.506656132177855979',
  '597.27027639480026226',
  '2494.5375852903726711',
  '6848.1904505362823326',
  '11602.651437647350124',
  '9842.7148383839780218',
  '1.0765576773720192317e-8',
);
const D = digits(
  '22.266688044328115691',
  '235.38790178262499861',
  '1519.377599407554805',
  '6485.558298266760755',
  '18615.571640885098091',
  '34900.952721145977266',
  '38912.003286093271411',
  '19685.429676859990727',
);
const P = digits(
  '0.21589853405795699',
  '0.1274011611602473639',
  '0.022235277870649807',
  '0.001421619193227893466',
  '2.9112874951168792e-5',
  '0.02307344176494017303',
);
const Q = digits(
  '1.28426009614491121',
  '0.468238212480865118',
  '0.0659881378689285515',
  '0.00378239633202758244',
  '7.29751555083966205e-5',
);
const ONE_OVER_SQRT_2PI = Number('0.398942280401432677939946059934');
const SQRT_32 = Number('5.656854249492380195206754896838');
const EPS_HALF = 2 ** -53;

/**
 * log Φ(x) and log(1 − Φ(x)) of the standard normal, both to full double precision in either
 * tail. The exponent −x²/2 is split as in Cody's code (x = xsq + rest, xsq a multiple of 1/16) so
 * that rounding of x² does not cost digits.
 */
function logNormalBoth(x: number): { lower: number; upper: number } {
  if (Number.isNaN(x)) return { lower: Number.NaN, upper: Number.NaN };
  const y = Math.abs(x);
  if (y <= 0.67448975) {
    let xnum = 0;
    let xden = 0;
    if (y > EPS_HALF) {
      const xsq = x * x;
      xnum = (A[4] as number) * xsq;
      xden = xsq;
      for (let i = 0; i < 3; i++) {
        xnum = (xnum + (A[i] as number)) * xsq;
        xden = (xden + (B[i] as number)) * xsq;
      }
    }
    const temp = (x * (xnum + (A[3] as number))) / (xden + (B[3] as number));
    return { lower: Math.log(0.5 + temp), upper: Math.log(0.5 - temp) };
  }
  let temp: number;
  if (y <= SQRT_32) {
    let xnum = (C[8] as number) * y;
    let xden = y;
    for (let i = 0; i < 7; i++) {
      xnum = (xnum + (C[i] as number)) * y;
      xden = (xden + (D[i] as number)) * y;
    }
    temp = (xnum + (C[7] as number)) / (xden + (D[7] as number));
  } else if (y < 1e170) {
    const xsq = 1 / (x * x);
    let xnum = (P[5] as number) * xsq;
    let xden = xsq;
    for (let i = 0; i < 4; i++) {
      xnum = (xnum + (P[i] as number)) * xsq;
      xden = (xden + (Q[i] as number)) * xsq;
    }
    temp = (xsq * (xnum + (P[4] as number))) / (xden + (Q[4] as number));
    temp = (ONE_OVER_SQRT_2PI - temp) / y;
  } else {
    return x > 0
      ? { lower: 0, upper: Number.NEGATIVE_INFINITY }
      : { lower: Number.NEGATIVE_INFINITY, upper: 0 };
  }
  const xsq = Math.trunc(y * 16) / 16;
  const del = (y - xsq) * (y + xsq);
  const logSmall = -xsq * xsq * 0.5 - del * 0.5 + Math.log(temp); // log of the tail beyond |x|
  const logLarge = Math.log1p(-Math.exp(-xsq * xsq * 0.5) * Math.exp(-del * 0.5) * temp);
  return x > 0 ? { lower: logLarge, upper: logSmall } : { lower: logSmall, upper: logLarge };
}

/**
 * log Φ(x), the log of the standard normal CDF, accurate in the far lower tail (scipy's
 * `special.log_ndtr`).
 *
 * @example
 * logNdtr(-40); // ≈ -804.6084420137538
 */
export function logNdtr(x: number): number {
  return logNormalBoth(x).lower;
}

/**
 * Φ(x), the standard normal CDF (scipy's `special.ndtr`).
 *
 * @example
 * ndtr(0); // 0.5
 */
export function ndtr(x: number): number {
  return Math.exp(logNormalBoth(x).lower);
}

/**
 * log erfc(x) for any real x, without underflow for large x: log 2 + log Φ(−√2·x), the
 * identity dp_accounting and Opacus use (`_log_erfc`).
 *
 * @example
 * logErfc(30); // ≈ -904.2783
 */
export function logErfc(x: number): number {
  return Math.LN2 + logNdtr(-x * Math.SQRT2);
}

/**
 * log(e^a + e^b) without overflow (dp_accounting / Opacus `_log_add`, same operation order so
 * results agree to the last bit where possible).
 *
 * @example
 * logAdd(Math.log(2), Math.log(3)); // log 5
 */
export function logAdd(logx: number, logy: number): number {
  const a = Math.min(logx, logy);
  const b = Math.max(logx, logy);
  if (a === Number.NEGATIVE_INFINITY) return b;
  return Math.log1p(Math.exp(a - b)) + b;
}

/**
 * log(e^x − e^y) for x ≥ y (Opacus `_log_sub`); throws a RangeError when the result would be
 * negative, as Opacus raises ValueError.
 *
 * @example
 * logSub(Math.log(5), Math.log(3)); // log 2
 */
export function logSub(logx: number, logy: number): number {
  if (logx < logy) throw new RangeError('log-space subtraction with a negative result');
  if (logy === Number.NEGATIVE_INFINITY) return logx;
  if (logx === logy) return Number.NEGATIVE_INFINITY;
  const diff = Math.expm1(logx - logy);
  // Python's math.expm1 raises OverflowError where JS returns Infinity; Opacus then returns logx.
  if (!Number.isFinite(diff)) return logx;
  return Math.log(diff) + logy;
}
