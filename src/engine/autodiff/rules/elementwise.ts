/** @module Gradient rules of broadcasting arithmetic and pointwise activations. */
import { attrFloat } from '../../graph/builder.js';
import { DATA_TYPE } from '../../onnx/proto.js';
import { defineGradient, type GradContext, type GradientRule, unbroadcast } from '../context.js';

const io = (ctx: GradContext) => {
  const [a, b] = ctx.node.input as [string, string];
  const y = ctx.node.output[0] as string;
  const dy = ctx.dy[0] as string;
  return { a, b, y, dy };
};

/** 1 where `x > 0`, else 0, as float (the ReLU mask). */
export function positiveMask(ctx: GradContext, x: string): string {
  return ctx.b.op('Cast', [ctx.b.op('Greater', [x, ctx.b.scalar(0)])], {
    to: { int: DATA_TYPE.FLOAT },
  });
}

/** Rules of this family, keyed by ONNX op type. */
export const ELEMENTWISE_GRADIENTS: Record<string, GradientRule> = {
  Add: defineGradient({
    differentiable: 'all',
    grad(ctx) {
      const { a, b, y, dy } = io(ctx);
      return [
        ctx.needs(0) ? unbroadcast(ctx, dy, y, a) : undefined,
        ctx.needs(1) ? unbroadcast(ctx, dy, y, b) : undefined,
      ];
    },
  }),
  Sub: defineGradient({
    differentiable: 'all',
    grad(ctx) {
      const { a, b, y, dy } = io(ctx);
      return [
        ctx.needs(0) ? unbroadcast(ctx, dy, y, a) : undefined,
        ctx.needs(1) ? unbroadcast(ctx, ctx.b.op('Neg', [dy]), y, b) : undefined,
      ];
    },
  }),
  Mul: defineGradient({
    differentiable: 'all',
    grad(ctx) {
      const { a, b, y, dy } = io(ctx);
      return [
        ctx.needs(0) ? unbroadcast(ctx, ctx.b.op('Mul', [dy, b]), y, a) : undefined,
        ctx.needs(1) ? unbroadcast(ctx, ctx.b.op('Mul', [dy, a]), y, b) : undefined,
      ];
    },
  }),
  Div: defineGradient({
    differentiable: 'all',
    grad(ctx) {
      const { a, b, y, dy } = io(ctx);
      // d(a/b)/db = -a/b² = -y/b
      return [
        ctx.needs(0) ? unbroadcast(ctx, ctx.b.op('Div', [dy, b]), y, a) : undefined,
        ctx.needs(1)
          ? unbroadcast(
              ctx,
              ctx.b.op('Neg', [ctx.b.op('Div', [ctx.b.op('Mul', [dy, y]), b])]),
              y,
              b,
            )
          : undefined,
      ];
    },
  }),
  Neg: defineGradient({
    differentiable: 'all',
    grad: (ctx) => [ctx.b.op('Neg', [ctx.dy[0] as string])],
  }),
  Relu: defineGradient({
    differentiable: 'all',
    grad(ctx) {
      // Mask from the forward output (y > 0 ⇔ x > 0), so x need not be kept.
      const y = ctx.node.output[0] as string;
      // A MaxPool fed only by this ReLU already masked at pooled resolution (see pool.ts).
      if (ctx.fused.has(`relu-mask:${y}`)) return [ctx.dy[0]];
      return [ctx.b.op('Mul', [ctx.dy[0] as string, positiveMask(ctx, y)])];
    },
  }),
  LeakyRelu: defineGradient({
    differentiable: 'all',
    grad(ctx) {
      const alpha = attrFloat(ctx.node, 'alpha', 0.01);
      const x = ctx.node.input[0] as string;
      const m = positiveMask(ctx, x);
      // slope = alpha + (1 − alpha)·[x > 0]
      const slope = ctx.b.op('Add', [
        ctx.b.op('Mul', [m, ctx.b.scalar(1 - alpha)]),
        ctx.b.scalar(alpha),
      ]);
      return [ctx.b.op('Mul', [ctx.dy[0] as string, slope])];
    },
  }),
  Sigmoid: defineGradient({
    differentiable: 'all',
    grad(ctx) {
      const y = ctx.node.output[0] as string;
      const d = ctx.b.op('Mul', [y, ctx.b.op('Sub', [ctx.b.scalar(1), y])]);
      return [ctx.b.op('Mul', [ctx.dy[0] as string, d])];
    },
  }),
  Tanh: defineGradient({
    differentiable: 'all',
    grad(ctx) {
      const y = ctx.node.output[0] as string;
      const d = ctx.b.op('Sub', [ctx.b.scalar(1), ctx.b.op('Mul', [y, y])]);
      return [ctx.b.op('Mul', [ctx.dy[0] as string, d])];
    },
  }),
  Exp: defineGradient({
    differentiable: 'all',
    grad: (ctx) => [ctx.b.op('Mul', [ctx.dy[0] as string, ctx.node.output[0] as string])],
  }),
  Clip: defineGradient({
    // min/max (inputs 1, 2 since opset 11) are treated as constants, as in PyTorch's clamp.
    differentiable: [0],
    grad(ctx) {
      const x = ctx.node.input[0] as string;
      const b = ctx.b;
      let lo = ctx.node.input[1] || undefined;
      let hi = ctx.node.input[2] || undefined;
      if (ctx.opset < 11) {
        const minA = ctx.node.attribute.find((a) => a.name === 'min')?.f;
        const maxA = ctx.node.attribute.find((a) => a.name === 'max')?.f;
        lo = minA === undefined ? undefined : b.scalar(minA);
        hi = maxA === undefined ? undefined : b.scalar(maxA);
      }
      const masks: string[] = [];
      if (lo) masks.push(b.op('GreaterOrEqual', [x, lo]));
      if (hi) masks.push(b.op('LessOrEqual', [x, hi]));
      if (masks.length === 0) return [ctx.dy[0]];
      const both = masks.length === 2 ? b.op('And', masks) : (masks[0] as string);
      return [
        b.op('Mul', [ctx.dy[0] as string, b.op('Cast', [both], { to: { int: DATA_TYPE.FLOAT } })]),
      ];
    },
  }),
};
