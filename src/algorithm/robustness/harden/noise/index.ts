/**
 * @module Gaussian-noise training (Cohen et al. 2019): the base classifier of randomized
 * smoothing is trained on x + N(0, σ²I), the same noise the smoothed classifier samples, so it
 * stays accurate under it. Like Cohen et al.'s code the noisy input is not clipped by default.
 */
import { z } from 'zod';
import type { Tensor } from '../../../../engine/index.js';
import { createRng, type Rng, type ValueRange } from '../../image.js';
import { chooseRows, fitHardened } from '../loop.js';
import { defineHardeningMethod, makeOptimizer, TRAINING_OPTIONS } from '../method.js';

/** Options of Gaussian-noise training. */
export const NOISE_TRAINING_OPTIONS = z.object({
  ...TRAINING_OPTIONS,
  sigma: z
    .number()
    .positive()
    .max(1e6)
    .default(0.25)
    .describe('standard deviation σ of the noise in input units (Cohen et al.: 0.25)'),
  ratio: z
    .number()
    .min(0)
    .max(1)
    .default(1)
    .describe('fraction of each batch made noisy (Cohen et al.: all)'),
  clip: z
    .boolean()
    .default(false)
    .describe('clip noisy inputs to the value range (Cohen et al. do not)'),
});

/**
 * A copy of x with N(0, σ²) added to every value of `rows` (other rows unchanged), clipped to
 * `clip` when given.
 */
export function addGaussianNoise(
  x: Tensor<Float32Array>,
  rows: ArrayLike<number>,
  sigma: number,
  rng: Rng,
  clip?: ValueRange,
): Tensor<Float32Array> {
  const b = x.shape[0] as number;
  const inner = x.data.length / Math.max(1, b);
  const out = Float32Array.from(x.data);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k] as number;
    for (let i = r * inner; i < (r + 1) * inner; i++) {
      const v = (out[i] as number) + sigma * rng.normal();
      out[i] = clip ? Math.min(clip.hi, Math.max(clip.lo, v)) : v;
    }
  }
  return { data: out, shape: [...x.shape] };
}

/** Gaussian data augmentation for randomized smoothing. */
export const noiseTraining = defineHardeningMethod({
  id: 'noise',
  title: 'Gaussian-noise training: the base classifier of randomized smoothing',
  reference: 'Cohen, Rosenfeld & Kolter 2019 (ICML), σ = 0.25; Lecuyer et al. 2019',
  options: NOISE_TRAINING_OPTIONS,
  async run(model, data, o, progress) {
    const rng = createRng((o.seed ^ 0x5f3759df) >>> 0);
    const r = await fitHardened(model, data.x, data.y, {
      optimizer: makeOptimizer(o),
      epochs: o.epochs,
      batchSize: o.batchSize,
      seed: o.seed,
      gradReg: { lambda: o.gradReg, step: o.gradRegStep },
      ...(progress ? { onProgress: progress } : {}),
      async transformBatch(x) {
        const rows = chooseRows(x.shape[0] as number, o.ratio, rng);
        const out = addGaussianNoise(x, rows, o.sigma, rng, o.clip ? data.range : undefined);
        return { x: out, replaced: rows.length };
      },
    });
    return { model, report: { ...r, details: { sigma: o.sigma } } };
  },
});
