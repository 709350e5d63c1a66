/** @module Gradient rule of BatchNormalization in inference mode (running statistics are constants). */
import { attrFloat, attrInt } from '../../graph/builder.js';
import {
  channelVector,
  defineGradient,
  type GradientRule,
  nonChannelAxes,
  reduceSum,
  unsupported,
} from '../context.js';

/** Rules of this family, keyed by ONNX op type. */
export const NORM_GRADIENTS: Record<string, GradientRule> = {
  BatchNormalization: defineGradient({
    // X, scale and bias; the running mean and variance are statistics, not parameters.
    differentiable: [0, 1, 2],
    grad(ctx) {
      if (
        attrInt(ctx.node, 'training_mode', 0) !== 0 ||
        ctx.node.output.filter((o) => o).length > 1
      )
        unsupported(ctx.node, 'BatchNormalization in training mode; export the model in eval mode');
      const [x, scale, , mean, variance] = ctx.node.input as [
        string,
        string,
        string,
        string,
        string,
      ];
      const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
      const rank = ctx.shape(x).length;
      const b = ctx.b;
      const dy = ctx.dy[0] as string;
      const inv = b.op('Reciprocal', [b.op('Sqrt', [b.op('Add', [variance, b.scalar(eps)])])]);
      const axes = nonChannelAxes(rank);
      const dx = ctx.needs(0)
        ? b.op('Mul', [dy, channelVector(ctx, b.op('Mul', [scale, inv]), rank)])
        : undefined;
      let dScale: string | undefined;
      if (ctx.needs(1)) {
        const xhat = b.op('Mul', [
          b.op('Sub', [x, channelVector(ctx, mean, rank)]),
          channelVector(ctx, inv, rank),
        ]);
        dScale = reduceSum(ctx, b.op('Mul', [dy, xhat]), axes, false);
      }
      const dBias = ctx.needs(2) ? reduceSum(ctx, dy, axes, false) : undefined;
      return [dx, dScale, dBias];
    },
  }),
};
