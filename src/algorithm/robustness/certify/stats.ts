/**
 * @module The special functions randomized smoothing needs, in float64: log Γ (Lanczos), the
 * regularised incomplete beta function Iₓ(a, b) and its inverse (the Beta quantile), the normal
 * quantile Φ⁻¹ (Wichura's AS 241) and the one-sided Clopper–Pearson lower bound.
 */
import { AisfError } from '../../../errors.js';

// Lanczos approximation, g = 7, n = 9 (Numerical Recipes 3rd ed. / Boost), relative error ~1e-15.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let s = LANCZOS[0] as number;
  for (let i = 1; i < 9; i++) s += (LANCZOS[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** ln B(a, b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** Continued fraction of Iₓ(a, b) by modified Lentz (Numerical Recipes `betacf`). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) return h;
  }
  return h;
}

function checkShape(a: number, b: number): void {
  if (!(a > 0 && b > 0 && Number.isFinite(a) && Number.isFinite(b)))
    throw new AisfError('E_INPUT', `beta parameters must be finite and > 0 (got a=${a}, b=${b})`);
}

/**
 * The regularised incomplete beta function Iₓ(a, b) = B(x; a, b)/B(a, b), the Beta(a, b) CDF.
 *
 * @example
 * incompleteBeta(0.3, 2, 5); // 0.579825
 */
export function incompleteBeta(x: number, a: number, b: number): number {
  checkShape(a, b);
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b);
  // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/**
 * The Beta(a, b) quantile: the x with Iₓ(a, b) = p, by Newton steps on the CDF kept inside a
 * shrinking bracket (bisection whenever a step leaves it), to full float64 precision.
 *
 * @example
 * betaQuantile(0.001, 2, 5); // 0.0082554927…
 */
export function betaQuantile(p: number, a: number, b: number): number {
  checkShape(a, b);
  if (!(p >= 0 && p <= 1))
    throw new AisfError('E_INPUT', `probability must lie in [0, 1] (got ${p})`);
  if (p === 0) return 0;
  if (p === 1) return 1;
  const lb = logBeta(a, b);
  let lo = 0;
  let hi = 1;
  // Start at the mean, clamped away from the ends.
  let x = Math.min(1 - 1e-12, Math.max(1e-12, a / (a + b)));
  for (let it = 0; it < 1000; it++) {
    const f = incompleteBeta(x, a, b) - p;
    if (f === 0) return x;
    if (f < 0) lo = x;
    else hi = x;
    const logPdf = (a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - lb;
    const pdf = Math.exp(logPdf);
    let next = pdf > 0 && Number.isFinite(pdf) ? x - f / pdf : Number.NaN;
    // Outside the bracket: bisect (geometrically towards an open end, for tiny tails).
    if (!(next > lo && next < hi))
      next = lo === 0 ? hi / 2 : hi === 1 ? (lo + 1) / 2 : (lo + hi) / 2;
    if (
      Math.abs(next - x) <= 1e-16 * Math.max(x, 1e-300) ||
      hi - lo <= 4e-16 * Math.max(lo, 1e-300)
    )
      return next;
    x = next;
  }
  return x;
}

// Wichura (1988), Algorithm AS 241 PPND16: Φ⁻¹ to about 1e-16 relative.
const A = [
  3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125,
  45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727,
];
const B = [
  1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077, 21213.794301586595867,
  39307.89580009271061, 28729.085735721942674, 5226.495278852545925,
];
const C = [
  1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504,
  1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833,
  7.7454501427834140764e-4,
];
const D = [
  1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455, 0.14810397642748007459,
  0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9,
];
const E = [
  6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123,
  0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5,
  2.01033439929228813265e-7,
];
const F = [
  1, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525,
  7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7,
  2.04426310338993978564e-15,
];

function poly(c: readonly number[], x: number): number {
  let s = 0;
  for (let i = c.length - 1; i >= 0; i--) s = s * x + (c[i] as number);
  return s;
}

/**
 * The standard normal quantile Φ⁻¹(p) (Wichura's AS 241); ±Infinity at 0 and 1.
 *
 * @example
 * normalQuantile(0.975); // 1.959963984540054
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1))
    throw new AisfError('E_INPUT', `probability must lie in [0, 1] (got ${p})`);
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * poly(A, r)) / poly(B, r);
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  const v = r <= 5 ? poly(C, r - 1.6) / poly(D, r - 1.6) : poly(E, r - 5) / poly(F, r - 5);
  return q < 0 ? -v : v;
}

/**
 * The one-sided (1 − α) Clopper–Pearson lower confidence bound on a binomial proportion from k
 * successes in n trials: Beta(α; k, n − k + 1), 0 when k = 0 — exactly Cohen et al.'s
 * `proportion_confint(k, n, alpha=2α, method="beta")[0]`.
 *
 * @example
 * clopperPearsonLower(990, 1000, 0.001); // 0.97603618…
 */
export function clopperPearsonLower(k: number, n: number, alpha: number): number {
  if (!Number.isSafeInteger(n) || n < 1 || !Number.isSafeInteger(k) || k < 0 || k > n)
    throw new AisfError('E_INPUT', `need integers 0 ≤ k ≤ n, n ≥ 1 (got k=${k}, n=${n})`);
  if (!(alpha > 0 && alpha < 1))
    throw new AisfError('E_INPUT', `alpha must lie in (0, 1) (got ${alpha})`);
  if (k === 0) return 0;
  return betaQuantile(alpha, k, n - k + 1);
}
