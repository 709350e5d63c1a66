/**
 * @module FGSM / FGM (Goodfellow et al. 2015): one signed (L∞) or normalised (L2) gradient step of
 * the cross-entropy loss through the engine's input gradients, clipped to the value range.
 */
import type { Tensor } from '../../../../engine/index.js';
import { type AttackDescriptor, requireGradients } from '../attack.js';
import {
  type AttackModel,
  type CommonAttackOptions,
  checkAttackInput,
  checkAttackNumbers,
  commonDefaults,
  fgsmLinf,
  forEachBatch,
  NORMS,
  type Norm,
  projectBall,
  resolveLabels,
  stepDirection,
  writeAdversarial,
} from '../common.js';

/** FGSM options. */
export interface FgsmOptions extends CommonAttackOptions {
  /** Perturbation budget in input units. @default 0.3 (ART FastGradientMethod) */
  eps?: number;
  /** @default 'inf' (ART) */
  norm?: Norm;
}

/** ART `FastGradientMethod` defaults: norm ∞, eps 0.3, untargeted, no random init. */
export const FGSM_DEFAULTS = { eps: 0.3, norm: 'inf' as Norm, targeted: false } as const;

/**
 * Runs FGSM: x' = clip(x + ε·d(∇ₓL(x, y))) untargeted, x' = clip(x − ε·d(∇ₓL(x, t))) targeted,
 * d = sign (L∞) or g/‖g‖₂ (L2), L the softmax cross-entropy of the model's logits.
 *
 * @example
 * const adv = await fgsm(model, x, { eps: 0.1, labels: y });
 */
export async function fgsm(
  model: AttackModel,
  x: Tensor<Float32Array>,
  options: FgsmOptions = {},
): Promise<Tensor<Float32Array>> {
  const { range, batchSize } = commonDefaults(options);
  const eps = options.eps ?? FGSM_DEFAULTS.eps;
  const norm = options.norm ?? FGSM_DEFAULTS.norm;
  checkAttackNumbers('fgsm', { eps }, norm, range);
  checkAttackInput(x, range);
  const labels = await resolveLabels(model, x, options);
  const n = x.shape[0] as number;
  const inner = x.data.length / Math.max(1, n);
  const out = new Float32Array(x.data.length);
  const dir = new Float64Array(inner);
  const sign = options.targeted ? -1 : 1;
  let done = 0;
  await forEachBatch(model, n, batchSize, async (start, end) => {
    const xb = {
      data: x.data.subarray(start * inner, end * inner),
      shape: [end - start, ...x.shape.slice(1)],
    };
    const yb = { data: labels.subarray(start, end), shape: [end - start] };
    const { inputGradient } = await model.lossAndGradient(xb, yb, {
      loss: 'cross-entropy',
      reduction: 'sum',
      wrt: 'input',
    });
    const g = (inputGradient as Tensor<Float32Array>).data;
    if (norm === 'inf') {
      // One fused pass over the batch (same values as the per-sample path below).
      fgsmLinf(xb.data, g, sign * eps, eps, range, out.subarray(start * inner, end * inner));
      done += end - start;
      options.onProgress?.(done, n);
      return;
    }
    for (let s = 0; s < end - start; s++) {
      stepDirection(g.subarray(s * inner, (s + 1) * inner), norm, dir);
      for (let i = 0; i < inner; i++) dir[i] = sign * eps * (dir[i] as number);
      projectBall(dir, eps, norm);
      const o = (start + s) * inner;
      writeAdversarial(
        x.data.subarray(o, o + inner),
        dir,
        eps,
        norm,
        range,
        out.subarray(o, o + inner),
      );
    }
    done += end - start;
    options.onProgress?.(done, n);
  });
  return { data: out, shape: [...x.shape] };
}

/** The FGSM registry entry. */
export const fgsmAttack: AttackDescriptor = {
  id: 'fgsm',
  title: 'Fast Gradient Sign Method (FGSM / FGM)',
  reference: 'Goodfellow et al. 2015; ART FastGradientMethod defaults',
  kind: 'white-box',
  norms: NORMS,
  defaults: { eps: FGSM_DEFAULTS.eps, loss: 'cross-entropy' },
  cost: () => 1,
  async run(model, x, ctx) {
    const adversarial = await fgsm(requireGradients(model, 'fgsm'), x, {
      range: ctx.range,
      batchSize: ctx.batchSize,
      labels: ctx.labels,
      targeted: ctx.targeted,
      eps: ctx.eps,
      norm: ctx.norm,
      onProgress: (done, total) => ctx.onProgress(done / Math.max(1, total)),
    });
    return { adversarial, params: { targeted: ctx.targeted, loss: 'cross-entropy' } };
  },
};
