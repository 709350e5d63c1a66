import { describe, expect, it } from 'vitest';
import {
  betaQuantile,
  clopperPearsonLower,
  incompleteBeta,
  logGamma,
  normalQuantile,
} from './stats.js';

// Reference values from SciPy 1.10.1 (Debian python3-scipy), printed by
// scripts/robustness/smoothing-reference.py and committed here; the tests never run Python.
// [alpha, k, n, scipy.stats.beta.ppf(alpha, k, n - k + 1)]
const CLOPPER_PEARSON: [number, number, number, number][] = [
  [0.001, 1, 1, 0.001],
  [0.001, 90, 100, 0.7753298801677749],
  [0.001, 100, 100, 0.933254300796991],
  [0.001, 500, 1000, 0.45077105398478223],
  [0.001, 990, 1000, 0.9760361871553114],
  [0.001, 1000, 1000, 0.9931160484209338],
  [0.001, 99990, 100000, 0.9997586773435911],
  [0.001, 100000, 100000, 0.9999309248330094],
  [0.05, 7, 20, 0.17731091757444914],
  [0.01, 3, 10, 0.047506998951161256],
  [0.001, 51, 100, 0.3541501986578039],
  [0.1, 1, 2, 0.051316701949486204],
  [0.001, 9000, 10000, 0.8904097336749064],
  [1e-6, 999, 1000, 0.9834418358252559],
];
// [x, a, b, scipy.special.betainc(a, b, x)]
const BETAINC: [number, number, number, number][] = [
  [0.5, 0.5, 0.5, 0.5000000000000001],
  [0.3, 2.0, 5.0, 0.5798250000000001],
  [0.99, 1000.0, 1.0, 4.3171247410700756e-5],
  [0.2, 10.0, 30.0, 0.24135945128079195],
  [0.999, 100000.0, 11.0, 1.0826427684290098e-30],
  [0.7, 3.5, 0.75, 0.20518445459485307],
  [1e-5, 0.1, 2.0, 0.34785022639075575],
];
// [p, a, b, scipy.stats.beta.ppf(p, a, b)]
const BETA_PPF: [number, number, number, number][] = [
  [0.5, 0.5, 0.5, 0.4999999999999999],
  [0.001, 2.0, 5.0, 0.008255492787746678],
  [0.999, 10.0, 30.0, 0.48511571072484433],
  [0.05, 0.3, 0.7, 7.660738053881493e-5],
  [1e-9, 50.0, 2.0, 0.622343914548846],
];
// [p, scipy.stats.norm.ppf(p)]
const NORM_PPF: [number, number][] = [
  [1e-300, -37.0470962993612],
  [1e-10, -6.361340902404056],
  [0.001, -3.090232306167813],
  [0.02425, -1.972961051311885],
  [0.1, -1.2815515655446004],
  [0.5, 0.0],
  [0.6, 0.2533471031357997],
  [0.9, 1.2815515655446004],
  [0.97575, 1.972961051311885],
  [0.999, 3.090232306167813],
  [0.9999999999, 6.361340889697422],
  [0.9930687, 2.4608041927567847],
];

const rel = (got: number, want: number) =>
  want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want);

describe('special functions vs SciPy', () => {
  it('log Γ at integers and halves (closed form)', () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(rel(logGamma(101), 363.73937555556347)).toBeLessThan(1e-14); // ln 100!
  });

  it('incomplete beta', () => {
    for (const [x, a, b, want] of BETAINC)
      expect(rel(incompleteBeta(x, a, b), want)).toBeLessThan(1e-8);
    expect(incompleteBeta(0, 2, 3)).toBe(0);
    expect(incompleteBeta(1, 2, 3)).toBe(1);
  });

  it('beta quantile (incomplete beta inverse)', () => {
    for (const [p, a, b, want] of BETA_PPF)
      expect(rel(betaQuantile(p, a, b), want)).toBeLessThan(1e-10);
  });

  it('Clopper–Pearson lower bound = scipy beta.ppf(α, k, n − k + 1)', () => {
    for (const [alpha, k, n, want] of CLOPPER_PEARSON)
      expect(Math.abs(clopperPearsonLower(k, n, alpha) - want)).toBeLessThan(1e-12);
    expect(clopperPearsonLower(0, 10, 0.001)).toBe(0);
    // Closed form at k = n: α^(1/n).
    expect(clopperPearsonLower(1000, 1000, 0.001)).toBeCloseTo(0.001 ** (1 / 1000), 14);
    expect(() => clopperPearsonLower(11, 10, 0.001)).toThrow(/0 ≤ k ≤ n/);
    expect(() => clopperPearsonLower(1, 10, 0)).toThrow(/alpha/);
  });

  it('normal quantile', () => {
    for (const [p, want] of NORM_PPF)
      expect(Math.abs(normalQuantile(p) - want)).toBeLessThan(1e-13 * Math.max(1, Math.abs(want)));
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
  });
});
