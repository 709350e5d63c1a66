/**
 * @module The special functions randomized smoothing needs, in float64: log Γ (Lanczos), the
 * regularised incomplete beta function Iₓ(a, b) and its inverse (the Beta quantile), the normal
 * quantile Φ⁻¹ (Wichura's AS 241) and the one-sided Clopper–Pearson lower bound.
 */
import { AisfError } from '../../../errors.js';

// Lanczos approximation, g = 7, n = 9 (Numerical Recipes 3rd ed. / Boost), relative error ~1e-15.
const LANCZOS = [
  0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
  12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
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
  3.3871328727963665, 133.14166789178438, 1971.5909503065513, 13731.69376550946, 45921.95393154987,
  67265.7709270087, 33430.57558358813, 2509.0809287301227,
];
const B = [
  1, 42.31333070160091, 687.1870074920579, 5394.196021424751, 21213.794301586597, 39307.89580009271,
  28729.085735721943, 5226.495278852546,
];
const C = [
  1.4234371107496835, 4.630337846156546, 5.769497221460691, 3.6478483247632045, 1.2704582524523684,
  0.2417807251774506, 0.022723844989269184, 0.0007745450142783414,
];
const D = [
  1, 2.053191626637759, 1.6763848301838038, 0.6897673349851, 0.14810397642748008,
  0.015198666563616457, 0.0005475938084995345, 1.0507500716444169e-9,
];
const E = [
  6.657904643501103, 5.463784911164114, 1.7848265399172913, 0.29656057182850487,
  0.026532189526576124, 0.0012426609473880784, 2.7115555687434876e-5, 2.0103343992922881e-7,
];
const F = [
  1, 0.599832206555888, 0.1369298809227358, 0.014875361290850615, 0.0007868691311456133,
  1.8463183175100548e-5, 1.421511758316446e-7, 2.0442631033899397e-15,
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
