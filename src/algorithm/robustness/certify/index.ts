/**
 * @module Randomized smoothing certification (Cohen, Rosenfeld & Kolter 2019, CERTIFY): the
 * smoothed classifier g(x) = argmax_c P(f(x + N(0, σ²I)) = c) is certifiably constant within the
 * L2 radius σ·Φ⁻¹(p̲A), p̲A a Clopper–Pearson lower bound on the top class's probability.
 * Needs only predictions, so it certifies local models and remote endpoints alike.
 */
import type { Tensor } from '../../../engine/index.js';
import { AisfError } from '../../../errors.js';
import type { PredictModel } from '../attacks/attack.js';
import { sampleSeed } from '../attacks/black-box.js';
import { argmaxRows } from '../attacks/common.js';
import { createRng } from '../image.js';
import { clopperPearsonLower, normalQuantile } from './stats.js';

export { betaQuantile, clopperPearsonLower, incompleteBeta, normalQuantile } from './stats.js';

/**
 * Defaults: Cohen et al.'s n0 = 100 selection draws and α = 0.001; n = 1000 estimation draws
 * (Cohen et al. use 100 000; with 1000, p̲A ≤ α^(1/n) = 0.9931, so radii stop at 2.46·σ).
 * Radii of the certified-accuracy curve as in Cohen et al.'s tables (0 … 1 in steps of 0.25).
 */
export const CERTIFY_DEFAULTS = {
  n0: 100,
  n: 1000,
  alpha: 0.001,
  radii: [0, 0.25, 0.5, 0.75, 1],
  batchSize: 1000,
} as const;

/** Options of certify. */
export interface CertifyOptions {
  /** Noise level σ of the smoothed classifier, in input units. */
  sigma: number;
  /** @default 100 */
  n0?: number;
  /** @default 1000 */
  n?: number;
  /** Failure probability of the certificate. @default 0.001 */
  alpha?: number;
  /** @default 0 */
  seed?: number;
  /** Noisy copies per predict call. @default 1000 */
  batchSize?: number;
  /** Called with the fraction of samples done. */
  onProgress?: (fraction: number) => void;
}

/** One sample's certificate. */
export interface Certificate {
  /** The smoothed prediction, or -1 when it abstains. */
  prediction: number;
  /** Certified L2 radius (0 when abstaining). */
  radius: number;
  /** Clopper–Pearson lower bound on the top class's probability. */
  pALower: number;
  /** Draws of the selected class among the n estimation draws. */
  count: number;
}

/** Draws `total` noisy copies of one sample and counts the base classifier's votes. */
async function sampleUnderNoise(
  model: PredictModel,
  x: Float32Array,
  shape: readonly number[],
  sigma: number,
  total: number,
  batchSize: number,
  rng: ReturnType<typeof createRng>,
): Promise<Map<number, number>> {
  const d = x.length;
  const counts = new Map<number, number>();
  const buf = new Float32Array(Math.min(total, batchSize) * d);
  for (let done = 0; done < total; ) {
    const m = Math.min(batchSize, total - done);
    for (let j = 0; j < m; j++)
      // No clipping to the value range: the certificate is for g on all of ℝᵈ (Cohen et al.).
      for (let i = 0; i < d; i++) buf[j * d + i] = (x[i] as number) + sigma * rng.normal();
    const pred = argmaxRows(
      await model.predict({ data: buf.subarray(0, m * d), shape: [m, ...shape] }, { batchSize }),
    );
    for (const c of pred) counts.set(c, (counts.get(c) ?? 0) + 1);
    done += m;
  }
  return counts;
}

/**
 * Runs Cohen et al.'s CERTIFY on every sample: pick ĉA from n0 noisy draws, count it among n
 * fresh draws, p̲A = Clopper–Pearson lower bound at 1 − α; abstain if p̲A < ½, else certify
 * radius σ·Φ⁻¹(p̲A). Each certificate is wrong with probability at most α.
 *
 * @example
 * const certs = await certify(model, x, { sigma: 0.25, n: 1000 });
 */
export async function certify(
  model: PredictModel,
  x: Tensor<Float32Array>,
  options: CertifyOptions,
): Promise<Certificate[]> {
  const sigma = options.sigma;
  const n0 = options.n0 ?? CERTIFY_DEFAULTS.n0;
  const n = options.n ?? CERTIFY_DEFAULTS.n;
  const alpha = options.alpha ?? CERTIFY_DEFAULTS.alpha;
  const batchSize = options.batchSize ?? CERTIFY_DEFAULTS.batchSize;
  if (!(sigma > 0 && Number.isFinite(sigma)))
    throw new AisfError('E_INPUT', `certify: sigma must be a finite number > 0 (got ${sigma})`);
  for (const [k, v] of [
    ['n0', n0],
    ['n', n],
    ['batchSize', batchSize],
  ] as const)
    if (!Number.isSafeInteger(v) || v < 1)
      throw new AisfError('E_INPUT', `certify: ${k} must be a positive integer (got ${v})`);
  if (!(alpha > 0 && alpha < 1))
    throw new AisfError('E_INPUT', `certify: alpha must lie in (0, 1) (got ${alpha})`);
  if (!(x.data instanceof Float32Array) || x.shape.length < 2)
    throw new AisfError('E_INPUT', 'certify: inputs must be a float32 batch-first tensor');
  const count = x.shape[0] as number;
  const shape = x.shape.slice(1);
  const d = shape.reduce((a, b) => a * b, 1);
  const out: Certificate[] = [];
  for (let s = 0; s < count; s++) {
    const xi = x.data.subarray(s * d, (s + 1) * d);
    // One RNG per sample: certificates do not depend on order or batch size.
    const rng = createRng(sampleSeed(options.seed ?? 0, s));
    const selection = await sampleUnderNoise(model, xi, shape, sigma, n0, batchSize, rng);
    let top = -1;
    let topCount = -1;
    for (const [c, k] of selection)
      if (k > topCount || (k === topCount && c < top)) {
        top = c;
        topCount = k;
      }
    const estimation = await sampleUnderNoise(model, xi, shape, sigma, n, batchSize, rng);
    const nA = estimation.get(top) ?? 0;
    const pALower = clopperPearsonLower(nA, n, alpha);
    out.push(
      pALower < 0.5
        ? { prediction: -1, radius: 0, pALower, count: nA }
        : { prediction: top, radius: sigma * normalQuantile(pALower), pALower, count: nA },
    );
    options.onProgress?.((s + 1) / count);
  }
  return out;
}

/** Certified accuracy at each radius r: the share of samples certified correct with radius ≥ r. */
export function certifiedAccuracy(
  certificates: readonly Certificate[],
  labels: ArrayLike<number>,
  radii: readonly number[] = CERTIFY_DEFAULTS.radii,
): { radius: number; accuracy: number | null }[] {
  if (labels.length !== certificates.length)
    throw new AisfError(
      'E_INPUT',
      `labels hold ${labels.length} values for ${certificates.length} certificates`,
    );
  return radii.map((radius) => {
    if (certificates.length === 0) return { radius, accuracy: null };
    let ok = 0;
    certificates.forEach((c, i) => {
      if (c.prediction === Number(labels[i]) && c.radius >= radius) ok++;
    });
    return { radius, accuracy: ok / certificates.length };
  });
}

/** The report section `certification` of `aisf test robustness --certify`. */
export interface CertificationReport {
  sigma: number;
  n0: number;
  n: number;
  alpha: number;
  certifiedAccuracy: { radius: number; accuracy: number | null }[];
  /** Share of samples where the smoothed classifier abstained. */
  abstain: number | null;
  /** Mean certified radius over the correctly certified samples (0 if none). */
  meanRadius: number;
}

/** Certifies and summarises (the runner's and CLI's entry point). */
export async function certificationReport(
  model: PredictModel,
  x: Tensor<Float32Array>,
  labels: ArrayLike<number>,
  options: CertifyOptions & { radii?: readonly number[] },
): Promise<CertificationReport> {
  const certs = await certify(model, x, options);
  const correct = certs.filter((c, i) => c.prediction === Number(labels[i]));
  return {
    sigma: options.sigma,
    n0: options.n0 ?? CERTIFY_DEFAULTS.n0,
    n: options.n ?? CERTIFY_DEFAULTS.n,
    alpha: options.alpha ?? CERTIFY_DEFAULTS.alpha,
    certifiedAccuracy: certifiedAccuracy(certs, labels, options.radii ?? CERTIFY_DEFAULTS.radii),
    abstain: certs.length ? certs.filter((c) => c.prediction === -1).length / certs.length : null,
    meanRadius: correct.length ? correct.reduce((a, c) => a + c.radius, 0) / correct.length : 0,
  };
}
