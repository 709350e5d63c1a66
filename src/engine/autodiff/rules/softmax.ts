/** @module Gradient rules of Softmax, LogSoftmax and the reductions (ReduceMean, GlobalAveragePool). */
import { attrInt, attrInts } from '../../graph/builder.js';
import {
  defineGradient,
  type GradContext,
  type GradientRule,
  reduceSum,
  unsqueeze,
  unsupported,
} from '../context.js';

function softmaxAxis(ctx: GradContext): number {
  const rank = ctx.shape(ctx.node.input[0] as string).length;
  let axis = attrInt(ctx.node, 'axis', ctx.opset >= 13 ? -1 : 1);
  if (axis < 0) axis += rank;
  // Before opset 13 the op flattened to 2-D at `axis`; identical only for the last axis.
  if (ctx.opset < 13 && axis !== rank - 1)
    unsupported(ctx.node, 'opset < 13 softmax over a non-last axis; re-export with opset 13+');
  return axis;
}

/** Rules of this family, keyed by ONNX op type. */
export const SOFTMAX_GRADIENTS: Record<string, GradientRule> = {
  Softmax: defineGradient({
    differentiable: 'all',
    grad(ctx) {
      const axis = softmaxAxis(ctx);
      const y = ctx.node.output[0] as string;
      const dy = ctx.dy[0] as string;
      const b = ctx.b;
      // dx = y ⊙ (dy − Σ(dy ⊙ y))
      const s = reduceSum(ctx, b.op('Mul', [dy, y]), [axis], true);
      return [b.op('Mul', [y, b.op('Sub', [dy, s])])];
    },
  }),
  LogSoftmax: defineGradient({
    differentiable: 'all',
    grad(ctx) {
      const axis = softmaxAxis(ctx);
      const y = ctx.node.output[0] as string;
      const dy = ctx.dy[0] as string;
      const b = ctx.b;
      // dx = dy − softmax(x) · Σ dy
      const s = reduceSum(ctx, dy, [axis], true);
      return [b.op('Sub', [dy, b.op('Mul', [b.op('Exp', [y]), s])])];
    },
  }),
  ReduceMean: defineGradient({
    differentiable: [0],
    grad(ctx) {
      const x = ctx.node.input[0] as string;
      const sx = ctx.shape(x);
      const b = ctx.b;
      let axes = attrInts(ctx.node, 'axes');
      if (ctx.opset >= 18 && ctx.node.input[1]) {
        const c = ctx.constant(ctx.node.input[1]);
        if (!c) unsupported(ctx.node, 'axes are not a constant');
        axes = Array.from(c.data, Number);
      }
      if (!axes || axes.length === 0) axes = sx.map((_, i) => i);
      axes = axes.map((a) => (a < 0 ? a + sx.length : a)).sort((p, q) => p - q);
      if (axes.some((a) => sx[a] === -1)) unsupported(ctx.node, 'a mean over the batch axis');
      const count = axes.reduce((n, a) => n * (sx[a] as number), 1);
      let dy = ctx.dy[0] as string;
      if (attrInt(ctx.node, 'keepdims', 1) === 0) dy = unsqueeze(ctx, dy, axes);
      const scaled = b.op('Mul', [dy, b.scalar(1 / count)]);
      return [b.op('Expand', [scaled, b.op('Shape', [x])])];
    },
  }),
  ReduceSum: defineGradient({
    differentiable: [0],
    grad(ctx) {
      const x = ctx.node.input[0] as string;
      const sx = ctx.shape(x);
      const b = ctx.b;
      let axes: number[] | undefined;
      if (ctx.opset >= 13) {
        const name = ctx.node.input[1];
        if (name) {
          const c = ctx.constant(name);
          if (!c) unsupported(ctx.node, 'axes are not a constant');
          axes = Array.from(c.data, Number);
        }
      } else axes = attrInts(ctx.node, 'axes');
      if (!axes || axes.length === 0) axes = sx.map((_, i) => i);
      axes = axes.map((a) => (a < 0 ? a + sx.length : a)).sort((p, q) => p - q);
      let dy = ctx.dy[0] as string;
      if (attrInt(ctx.node, 'keepdims', 1) === 0) dy = unsqueeze(ctx, dy, axes);
      return [b.op('Expand', [dy, b.op('Shape', [x])])];
    },
  }),
  GlobalAveragePool: defineGradient({
    differentiable: 'all',
    grad(ctx) {
      const x = ctx.node.input[0] as string;
      const sx = ctx.shape(x);
      const spatial = sx.slice(2) as number[];
      const count = spatial.reduce((n, d) => n * d, 1);
      // dy [N, C, 1, 1] × constant [1, 1, H, W] of 1/(H·W): one broadcasting Mul (fast kernel).
      const k = ctx.b.constant(new Float32Array(count).fill(1 / count), [1, 1, ...spatial], 'gap');
      return [ctx.b.op('Mul', [ctx.dy[0] as string, k])];
    },
  }),
};
