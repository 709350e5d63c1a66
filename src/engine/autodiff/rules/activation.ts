/**
 * @module Gradient rules of further pointwise ops found in MobileNet/EfficientNet-style exports
 * (HardSigmoid, HardSwish, Softplus, Elu) and elementwise math (Sqrt, Log, Reciprocal, Pow with a
 * constant exponent), plus Slice (PyTorch exports it for channel splits and crops).
 */
import { attrFloat } from '../../graph/builder.js';
import { DATA_TYPE } from '../../onnx/proto.js';
import { defineGradient, type GradContext, type GradientRule, unsupported } from '../context.js';

const toFloat = (ctx: GradContext, b: string) =>
  ctx.b.op('Cast', [b], { to: { int: DATA_TYPE.FLOAT } });
const x0 = (ctx: GradContext) => ctx.node.input[0] as string;
const y0 = (ctx: GradContext) => ctx.node.output[0] as string;
const dy0 = (ctx: GradContext) => ctx.dy[0] as string;

/** 1 where lo < v < hi, as float. */
function between(ctx: GradContext, v: string, lo: number, hi: number): string {
  const b = ctx.b;
  return toFloat(
    ctx,
    b.op('And', [b.op('Greater', [v, b.scalar(lo)]), b.op('Less', [v, b.scalar(hi)])]),
  );
}

/** Rules of this family, keyed by ONNX op type. */
export const ACTIVATION_GRADIENTS: Record<string, GradientRule> = {
  HardSigmoid: defineGradient({
    differentiable: 'all',
    grad(ctx) {
      const alpha = attrFloat(ctx.node, 'alpha', 0.2);
      const beta = attrFloat(ctx.node, 'beta', 0.5);
      const b = ctx.b;
      const z = b.op('Add', [b.op('Mul', [x0(ctx), b.scalar(alpha)]), b.scalar(beta)]);
      return [b.op('Mul', [dy0(ctx), b.op('Mul', [between(ctx, z, 0, 1), b.scalar(alpha)])])];
    },
  }),
  HardSwish: defineGradient({
    differentiable: 'all',
    grad(ctx) {
      // y = x·clip(x/6 + 1/2, 0, 1): slope 0 below −3, 1 above 3, x/3 + 1/2 between.
      const b = ctx.b;
      const x = x0(ctx);
      const mid = b.op('Mul', [
        between(ctx, x, -3, 3),
        b.op('Add', [b.op('Mul', [x, b.scalar(1 / 3)]), b.scalar(0.5)]),
      ]);
      const high = toFloat(ctx, b.op('GreaterOrEqual', [x, b.scalar(3)]));
      return [b.op('Mul', [dy0(ctx), b.op('Add', [mid, high])])];
    },
  }),
  Softplus: defineGradient({
    differentiable: 'all',
    grad: (ctx) => [ctx.b.op('Mul', [dy0(ctx), ctx.b.op('Sigmoid', [x0(ctx)])])],
  }),
  Elu: defineGradient({
    differentiable: 'all',
    grad(ctx) {
      const alpha = attrFloat(ctx.node, 'alpha', 1);
      const b = ctx.b;
      const pos = toFloat(ctx, b.op('Greater', [x0(ctx), b.scalar(0)]));
      const neg = b.op('Sub', [b.scalar(1), pos]);
      // x > 0: 1; else y + α
      const slope = b.op('Add', [pos, b.op('Mul', [neg, b.op('Add', [y0(ctx), b.scalar(alpha)])])]);
      return [b.op('Mul', [dy0(ctx), slope])];
    },
  }),
  Sqrt: defineGradient({
    differentiable: 'all',
    grad: (ctx) => [ctx.b.op('Div', [ctx.b.op('Mul', [dy0(ctx), ctx.b.scalar(0.5)]), y0(ctx)])],
  }),
  Log: defineGradient({
    differentiable: 'all',
    grad: (ctx) => [ctx.b.op('Div', [dy0(ctx), x0(ctx)])],
  }),
  Reciprocal: defineGradient({
    differentiable: 'all',
    grad: (ctx) => [
      ctx.b.op('Neg', [ctx.b.op('Mul', [dy0(ctx), ctx.b.op('Mul', [y0(ctx), y0(ctx)])])]),
    ],
  }),
  Pow: defineGradient({
    // The exponent is treated as a constant (x², x^0.5 … in exported models).
    differentiable: [0],
    grad(ctx) {
      const e = ctx.node.input[1] as string;
      if (ctx.shape(e).length > 1 || !ctx.constant(e))
        unsupported(ctx.node, 'only a constant exponent');
      const b = ctx.b;
      const ef = toFloat(ctx, e);
      const slope = b.op('Mul', [ef, b.op('Pow', [x0(ctx), b.op('Sub', [ef, b.scalar(1)])])]);
      return [b.op('Mul', [dy0(ctx), slope])];
    },
  }),
  Slice: defineGradient({
    differentiable: [0],
    grad(ctx) {
      const [x, startsName, endsName, axesName, stepsName] = ctx.node.input as (
        | string
        | undefined
      )[];
      const read = (name: string | undefined) => (name ? ctx.constant(name) : undefined);
      const starts = read(startsName);
      const ends = read(endsName);
      if (!starts || !ends) unsupported(ctx.node, 'starts/ends are not constants');
      const sx = ctx.shape(x as string);
      const rank = sx.length;
      const nums = (name: string | undefined): number[] | undefined => {
        const c = read(name);
        return c ? Array.from(c.data as ArrayLike<number | bigint>, (v) => Number(v)) : undefined;
      };
      const axes = nums(axesName) ?? Array.from({ length: starts.data.length }, (_, i) => i);
      const steps = nums(stepsName) ?? axes.map(() => 1);
      const pads = new Array<number>(2 * rank).fill(0);
      axes.forEach((a0, i) => {
        const a = a0 < 0 ? a0 + rank : a0;
        const dim = sx[a] as number;
        if (dim < 0) unsupported(ctx.node, 'a slice along the batch axis');
        if (steps[i] !== 1) unsupported(ctx.node, 'a step other than 1');
        const clamp = (v: number) => Math.min(dim, Math.max(0, v < 0 ? v + dim : v));
        const s = clamp(Number(starts.data[i]));
        const e = Math.max(s, clamp(Number(ends.data[i])));
        pads[a] = s;
        pads[a + rank] = dim - e;
      });
      // The gradient of a crop is the gradient zero-padded back to the input's extent.
      return [ctx.b.op('Pad', [dy0(ctx), ctx.b.int64s(pads)])];
    },
  }),
};
