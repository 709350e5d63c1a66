/**
 * Parity of the RDP accountant with the upstream Python accountants. Every expected number is
 * either a value published in an upstream test/docstring (cited per case) or the output of the
 * unmodified upstream code (google/differential-privacy dp_accounting @ b5b0286, pytorch/opacus
 * @ 4d0ebc8) recorded in fixtures/reference.json by scripts/privacy/reference_values.py.
 */
import { describe, expect, it } from 'vitest';
import ref from './fixtures/reference.json' with { type: 'json' };
import {
  composeRdp,
  DP_ACCOUNTING_ORDERS,
  deltaFromRdp,
  dpSgdEpsilon,
  epsilonFromRdp,
  logA,
  noiseMultiplierForEpsilon,
  OPACUS_ORDERS,
  RdpAccountant,
  rdpPoissonGaussian,
  TF_PRIVACY_ORDERS,
} from './rdp.js';

type Num = number | string;
const num = (x: Num | null): number =>
  x === 'Infinity'
    ? Number.POSITIVE_INFINITY
    : x === '-Infinity'
      ? Number.NEGATIVE_INFINITY
      : Number(x);

/** |a − b| ≤ rtol·|b| + atol, with ∞ equal to ∞. */
function close(actual: number, expected: number, rtol = 1e-9, atol = 0): void {
  if (!Number.isFinite(expected)) {
    expect(actual).toBe(expected);
    return;
  }
  const err = Math.abs(actual - expected);
  if (err > rtol * Math.abs(expected) + atol) {
    throw new Error(`expected ${expected}, got ${actual} (rel err ${err / Math.abs(expected)})`);
  }
}

describe('default order lists', () => {
  it('equal the upstream lists element for element', () => {
    expect([...DP_ACCOUNTING_ORDERS]).toEqual(ref.defaultOrders.dpAccounting);
    expect([...OPACUS_ORDERS]).toEqual(ref.defaultOrders.opacus);
    expect([...TF_PRIVACY_ORDERS]).toEqual(ref.defaultOrders.tfPrivacy);
  });
});

describe('log A_α of the Poisson-subsampled Gaussian', () => {
  // log A near 0 (tiny q) is a cancellation-limited quantity: both upstream implementations
  // differ from each other by up to ~1e-15 absolute there, hence the atol.
  it('matches dp_accounting _compute_log_a (integer and fractional orders, incl. its mpmath stress cases)', () => {
    for (const c of ref.logA) {
      close(logA(c.q, c.sigma, c.order), num(c.dpAccounting), 1e-9, 1e-14);
    }
  });

  it('matches Opacus _compute_log_a (signed fractional series) in opacus mode', () => {
    for (const c of ref.logA) {
      if (c.opacus === null) continue;
      close(logA(c.q, c.sigma, c.order, { series: 'opacus' }), num(c.opacus), 1e-9, 1e-14);
    }
  });

  it('α = 2 equals the closed form log(1 + q²(e^{1/σ²} − 1))', () => {
    for (const [q, sigma] of [
      [0.01, 1],
      [0.3, 0.7],
      [1e-5, 4],
    ] as const) {
      close(logA(q, sigma, 2), Math.log1p(q * q * Math.expm1(1 / sigma ** 2)), 1e-12, 1e-18);
    }
  });

  it('the dp-accounting series is never below the signed (Opacus) series', () => {
    for (const order of [1.5, 3.9, 10.9, 20.5]) {
      const signed = logA(0.04, 1.5, order, { series: 'opacus' });
      expect(logA(0.04, 1.5, order)).toBeGreaterThanOrEqual(signed - 1e-13 * Math.abs(signed));
    }
    expect(logA(0.04, 1.5, 3.9)).toBeGreaterThan(logA(0.04, 1.5, 3.9, { series: 'opacus' }));
  });
});

describe('RDP of T steps', () => {
  it('dp_accounting test_compute_rdp_poisson_subsampled_gaussian (q=0.01, σ=2.5, T=50)', () => {
    const c = ref.rdpPoissonGaussian;
    const orders = c.orders.map(num);
    const got = rdpPoissonGaussian(c.q, c.sigma, orders).map((r) => r * c.steps);
    // Published to 9 digits in the upstream test…
    c.published.forEach((p, k) => {
      close(got[k] as number, num(p), 1e-8);
    });
    // …and to 1e-9 against the full-precision upstream output.
    c.rdp.forEach((p, k) => {
      close(got[k] as number, num(p), 1e-9);
    });
  });

  it('q = 1 is the Gaussian mechanism α/(2σ²) (dp_accounting test_compute_rdp_gaussian)', () => {
    // The upstream test's literal order and σ (not π and e).
    const order = Number('3.14159');
    const sigma = Number('2.71828');
    close(rdpPoissonGaussian(1, sigma, [order])[0] as number, order / (2 * sigma ** 2), 1e-15);
  });

  it('handles q = 0, σ = 0 and α = ∞ as upstream', () => {
    expect(rdpPoissonGaussian(0, 1, [2, 3.5])).toEqual([0, 0]);
    expect(rdpPoissonGaussian(0.1, 0, [2])).toEqual([Number.POSITIVE_INFINITY]);
    expect(rdpPoissonGaussian(0.1, 1, [Number.POSITIVE_INFINITY])).toEqual([
      Number.POSITIVE_INFINITY,
    ]);
  });

  it('composes heterogeneous runs by adding RDP (Opacus docstring: ε ≈ 0.336 at order 23)', () => {
    const c = ref.opacusDocstring;
    const rdp = composeRdp(
      c.parts.map((p) => ({ samplingRate: p.q, noiseMultiplier: p.sigma, steps: p.steps })),
      c.orders,
      { series: 'opacus' },
    );
    const got = epsilonFromRdp(c.orders, rdp, c.delta);
    close(got.epsilon, num(c.epsilon), 1e-9);
    expect(got.order).toBe(c.publishedOrder);
    expect(got.epsilon.toFixed(3)).toBe(String(c.published));
  });
});

describe('(ε, δ) of DP-SGD', () => {
  it.each(ref.tfPrivacy)('$source: TF Privacy compute_dp_sgd_privacy', (c) => {
    const got = dpSgdEpsilon(
      { samplingRate: c.batchSize / c.n, noiseMultiplier: c.sigma, steps: c.steps, delta: c.delta },
      { orders: TF_PRIVACY_ORDERS },
    );
    expect(c.steps).toBe(Math.ceil((c.epochs * c.n) / c.batchSize));
    close(got.epsilon, c.publishedEpsilon, 1e-9); // the value published in the upstream test
    close(got.epsilon, num(c.epsilon), 1e-9); // today's dp_accounting output
    expect(got.order).toBe(c.publishedOrder);
  });

  it.each(ref.dpAccountingEpsilon)(
    'dp_accounting RdpAccountant, default orders: q=$q σ=$sigma T=$steps δ=$delta',
    (c) => {
      const improved = dpSgdEpsilon({
        samplingRate: c.q,
        noiseMultiplier: c.sigma,
        steps: c.steps,
        delta: c.delta,
      });
      close(improved.epsilon, num(c.epsilon), 1e-9);
      expect(improved.order).toBe(num(c.order));
      const rdp = composeRdp(
        [{ samplingRate: c.q, noiseMultiplier: c.sigma, steps: c.steps }],
        DP_ACCOUNTING_ORDERS,
      );
      rdp.forEach((r, k) => {
        close(r, num(c.rdp[k] as Num), 1e-9, 1e-14);
      });
      // Classic conversion (Mironov 2017 Prop. 3) on the same upstream RDP curve.
      const classic = dpSgdEpsilon(
        { samplingRate: c.q, noiseMultiplier: c.sigma, steps: c.steps, delta: c.delta },
        { conversion: 'classic' },
      );
      close(classic.epsilon, num(c.classicEpsilon), 1e-9);
      expect(classic.order).toBe(num(c.classicOrder));
      expect(classic.epsilon).toBeGreaterThan(improved.epsilon);
    },
  );

  it.each(ref.opacusEpsilon)('$source (Opacus RDPAccountant, q=$q σ=$sigma T=$steps)', (c) => {
    const acc = new RdpAccountant({ orders: OPACUS_ORDERS, series: 'opacus' });
    // Step one at a time like Opacus' optimizer hook for the short runs; merged history.
    acc.step({ noiseMultiplier: c.sigma, samplingRate: c.q }, c.steps - 1);
    acc.step({ noiseMultiplier: c.sigma, samplingRate: c.q });
    expect(acc.history).toHaveLength(1);
    const got = acc.epsilon(c.delta);
    close(got.epsilon, num(c.epsilon), 1e-9);
    expect(got.order).toBe(num(c.order));
    if (c.published !== null) close(got.epsilon, c.published, 1e-9);
  });

  it('opacus test_rdp_accountant: 7.32911117143 with Opacus semantics, more with dp_accounting', () => {
    const run = {
      samplingRate: 0.04,
      noiseMultiplier: 1.5,
      steps: Math.trunc(90 / 0.04),
      delta: 1e-5,
    };
    expect(run.steps).toBe(2250); // Python int(90 / 0.04) = 2250 (90 // 0.04 would be 2249)
    const opacus = dpSgdEpsilon(run, { orders: OPACUS_ORDERS, series: 'opacus' });
    close(opacus.epsilon, 7.32911117143, 1e-9);
    expect(opacus.order).toBe(3.9);
    const dpa = dpSgdEpsilon(run, { orders: OPACUS_ORDERS });
    expect(dpa.epsilon).toBeGreaterThan(opacus.epsilon);
  });
});

describe('RDP → (ε, δ) conversions', () => {
  it('dp_accounting test_compute_epsilon_delta_pure_dp: ε = 1.32783806176 at order 32', () => {
    const c = ref.conversion.pureDp;
    const rdp = c.orders.map(() => c.rdp);
    const got = epsilonFromRdp(c.orders, rdp, c.delta);
    close(got.epsilon, c.published, 1e-9);
    close(got.epsilon, num(c.epsilon), 1e-12);
    expect(got.order).toBe(32);
    // Hand formula from the upstream test: 1.1 + ln(31/32) − ln(32e-5)/31.
    close(got.epsilon, 1.1 + Math.log(31 / 32) - Math.log(32e-5) / 31, 1e-14);
    const d = deltaFromRdp(c.orders, rdp, c.published);
    close(d.delta, num(c.deltaAtPublished), 1e-9);
    close(d.delta, 1e-5, 1e-9);
    expect(d.order).toBe(32);
  });

  it('dp_accounting test_compute_epsilon_delta_gaussian: (1, 1e-6) for σ = 4.530877117', () => {
    const c = ref.conversion.gaussian;
    const orders = Array.from({ length: 99000 }, (_, k) => 0.001 * (k + 1000));
    const rdp = rdpPoissonGaussian(1, c.sigma, orders);
    const e = epsilonFromRdp(orders, rdp, 1e-6);
    close(e.epsilon, num(c.epsilon), 1e-9);
    close(e.epsilon, 1, 1e-9);
    expect(e.order).toBe(num(c.order));
    const d = deltaFromRdp(orders, rdp, 1);
    close(d.delta, num(c.delta), 1e-9);
    expect(d.order).toBe(num(c.deltaOrder));
  });

  it('classic conversion is rdp − log δ/(α − 1), minimised', () => {
    const got = epsilonFromRdp([2, 4], [0.5, 0.9], 1e-5, 'classic');
    const expected = Math.min(0.5 - Math.log(1e-5), 0.9 - Math.log(1e-5) / 3);
    close(got.epsilon, expected, 1e-15);
    expect(got.order).toBe(4);
  });

  it('rejects bad δ and orders', () => {
    expect(() => epsilonFromRdp([2], [1], 1)).toThrow(/delta must be in \(0, 1\)/);
    expect(() => epsilonFromRdp([2], [1], 0)).toThrow(/delta/);
    expect(() => epsilonFromRdp([0.5], [1], 1e-5)).toThrow(/orders must be ≥ 1/);
    expect(() => rdpPoissonGaussian(1.5, 1, [2])).toThrow(/sampling rate/);
  });
});

describe('noise multiplier for a target ε', () => {
  it.each(ref.opacusNoiseMultiplier)('$source: target ε=$targetEpsilon q=$q T=$steps', (c) => {
    const got = noiseMultiplierForEpsilon(
      { samplingRate: c.q, steps: c.steps, delta: c.delta, targetEpsilon: c.targetEpsilon },
      { orders: OPACUS_ORDERS, series: 'opacus', epsilonTolerance: c.epsilonTolerance },
    );
    close(got.noiseMultiplier, num(c.noiseMultiplier), 1e-9);
    if (c.published !== null)
      expect(Math.abs(got.noiseMultiplier - c.published)).toBeLessThan(5e-5);
    expect(got.epsilon).toBeLessThanOrEqual(c.targetEpsilon);
    expect(c.targetEpsilon - got.epsilon).toBeLessThanOrEqual(c.epsilonTolerance);
  });

  it('never overshoots the target with the default (dp_accounting) accountant', () => {
    for (const [q, steps, target] of [
      [0.01, 1000, 1],
      [0.001, 30000, 2],
      [0.1, 50, 5],
    ] as const) {
      const { noiseMultiplier, epsilon } = noiseMultiplierForEpsilon(
        { samplingRate: q, steps, delta: 1e-5, targetEpsilon: target },
        { epsilonTolerance: 1e-4 },
      );
      const check = dpSgdEpsilon({ samplingRate: q, noiseMultiplier, steps, delta: 1e-5 });
      expect(check.epsilon).toBe(epsilon);
      expect(epsilon).toBeLessThanOrEqual(target);
      expect(target - epsilon).toBeLessThanOrEqual(1e-4);
    }
  });

  it('rejects a budget no σ can reach', () => {
    expect(() =>
      noiseMultiplierForEpsilon({ samplingRate: 1, steps: 1, delta: 1e-12, targetEpsilon: 1e-9 }),
    ).toThrow(/no noise multiplier/);
  });
});
