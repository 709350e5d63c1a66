/**
 * @module Losses appended to a model's output, each with its closed-form gradient w.r.t. the
 * logits (no autodiff through the loss itself: the closed forms are exact and cheaper).
 * Per-sample losses are returned unscaled; the total is `scale · Σ lᵢ` with scale 1 (sum) or
 * 1/N (mean over samples, as PyTorch's `cross_entropy(reduction='mean')`).
 */
import { DATA_TYPE } from '../onnx/proto.js';
import type { GradContext } from './context.js';
import { reduceSum } from './context.js';

/** Loss names accepted by lossAndGradient and the CLI. */
export const LOSSES = ['cross-entropy', 'cw-margin', 'mse', 'logit'] as const;
export type LossName = (typeof LOSSES)[number];

/** Reductions: sum over samples, or mean over samples. */
export const REDUCTIONS = ['sum', 'mean'] as const;
export type Reduction = (typeof REDUCTIONS)[number];

/** Names of the loss graph's values. */
export interface LossValues {
  /** Per-sample losses [N]. */
  losses: string;
  /** d(scale · Σ lᵢ)/d logits. */
  dLogits: string;
}

/** Options of the loss graph. */
export interface LossOptions {
  loss: LossName;
  /** Logits value name ([N, C] for cross-entropy and cw-margin). */
  logits: string;
  /** Number of classes C (static). */
  classes: number;
  /** Labels input: int64 [N] class indices, or (mse only) a float target shaped like the logits. */
  labels: string;
  labelsAreClasses: boolean;
  /** Scalar float input multiplying the gradient (1 for sum, 1/N for mean). */
  scale: string;
  /**
   * Confidence κ of the Carlini–Wagner margin max(z_y − max_{j≠y} z_j, −κ).
   * @default 0 (Carlini & Wagner 2017, f6 with κ = 0)
   */
  kappa?: number;
}

/**
 * Appends the loss and its logits-gradient to the graph under construction.
 *
 * @example
 * const { losses, dLogits } = appendLoss(ctx, { loss: 'cross-entropy', logits, classes: 10, labels, labelsAreClasses: true, scale });
 */
export function appendLoss(ctx: GradContext, o: LossOptions): LossValues {
  const b = ctx.b;
  const onehot = () =>
    b.op(
      'OneHot',
      [o.labels, b.int64s([o.classes]), b.constant(Float32Array.of(0, 1), [2], 'onoff')],
      {
        axis: { int: -1 },
      },
    );
  const flat = (v: string) => b.op('Reshape', [v, b.int64s([-1])]);
  switch (o.loss) {
    case 'cross-entropy': {
      const ls = b.op('LogSoftmax', [o.logits], { axis: { int: 1 } });
      const oh = onehot();
      const losses = b.op('Neg', [reduceSum(ctx, b.op('Mul', [ls, oh]), [1], false)]);
      const dLogits = b.op('Mul', [b.op('Sub', [b.op('Exp', [ls]), oh]), o.scale]);
      return { losses, dLogits };
    }
    case 'cw-margin': {
      const kappa = o.kappa ?? 0;
      const oh = onehot();
      const zy = reduceSum(ctx, b.op('Mul', [o.logits, oh]), [1], true);
      // Push the true class far down so max/argmax pick the best other class.
      const masked = b.op('Sub', [o.logits, b.op('Mul', [oh, b.scalar(1e9)])]);
      const j = b.op('ArgMax', [masked], { axis: { int: 1 }, keepdims: { int: 0 } });
      const ohj = b.op(
        'OneHot',
        [j, b.int64s([o.classes]), b.constant(Float32Array.of(0, 1), [2], 'onoff')],
        {
          axis: { int: -1 },
        },
      );
      const other = reduceSum(ctx, b.op('Mul', [o.logits, ohj]), [1], true);
      const margin = b.op('Sub', [zy, other]);
      const losses = flat(b.op('Max', [margin, b.scalar(-kappa)]));
      const active = b.op('Cast', [b.op('Greater', [margin, b.scalar(-kappa)])], {
        to: { int: DATA_TYPE.FLOAT },
      });
      const dLogits = b.op('Mul', [b.op('Mul', [b.op('Sub', [oh, ohj]), active]), o.scale]);
      return { losses, dLogits };
    }
    case 'logit': {
      // lᵢ = z_{i,yᵢ}: the gradient of one class's logit (DeepFool, Moosavi-Dezfooli et al. 2016,
      // needs ∇ₓz_k for every class k; tile the batch with one label per class).
      const oh = onehot();
      const losses = reduceSum(ctx, b.op('Mul', [o.logits, oh]), [1], false);
      return { losses, dLogits: b.op('Mul', [oh, o.scale]) };
    }
    case 'mse': {
      const target = o.labelsAreClasses ? onehot() : o.labels;
      const d = b.op('Sub', [o.logits, target]);
      const rank = ctx.shape(o.logits).length;
      const axes = Array.from({ length: rank - 1 }, (_, i) => i + 1);
      const sq = b.op('Mul', [d, d]);
      const losses = axes.length ? reduceSum(ctx, sq, axes, false) : sq;
      const dLogits = b.op('Mul', [d, b.op('Mul', [o.scale, b.scalar(2)])]);
      return { losses, dLogits };
    }
  }
}
