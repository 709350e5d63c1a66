/** @module Gradient rules of ops that only move data: reshapes, transposes, concat, pad, identity. */
import { attrInt, attrInts, attrString } from '../../graph/builder.js';
import { DATA_TYPE } from '../../onnx/proto.js';
import { defineGradient, type GradientRule, reshapeLike, unsupported } from '../context.js';

const reshapeBack = defineGradient({
  differentiable: [0],
  grad: (ctx) => [reshapeLike(ctx, ctx.dy[0] as string, ctx.node.input[0] as string)],
});

const passThrough = defineGradient({ differentiable: [0], grad: (ctx) => [ctx.dy[0]] });

/** Rules of this family, keyed by ONNX op type. */
export const SHAPE_GRADIENTS: Record<string, GradientRule> = {
  Reshape: reshapeBack,
  Flatten: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,
  Identity: passThrough,
  // Inference-mode Dropout is the identity (ratio ignored, training_mode false).
  Dropout: defineGradient({
    differentiable: [0],
    grad(ctx) {
      const training = ctx.node.input[2];
      if (training && ctx.constant(training)?.data[0] !== 0)
        unsupported(ctx.node, 'Dropout in training mode; export the model in eval mode');
      return [ctx.dy[0]];
    },
  }),
  Cast: defineGradient({
    differentiable: [0],
    grad(ctx) {
      const to = attrInt(ctx.node, 'to', 0);
      if (to !== DATA_TYPE.FLOAT && to !== DATA_TYPE.DOUBLE)
        unsupported(ctx.node, 'a cast to a non-float type on the path to the loss has no gradient');
      return [ctx.dy[0]];
    },
  }),
  Constant: defineGradient({ differentiable: [], grad: () => [] }),
  Transpose: defineGradient({
    differentiable: [0],
    grad(ctx) {
      const rank = ctx.shape(ctx.node.input[0] as string).length;
      const perm =
        attrInts(ctx.node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
      const inverse = new Array<number>(perm.length);
      perm.forEach((p, i) => {
        inverse[p] = i;
      });
      return [ctx.b.op('Transpose', [ctx.dy[0] as string], { perm: { ints: inverse } })];
    },
  }),
  Concat: defineGradient({
    differentiable: 'all',
    grad(ctx) {
      const b = ctx.b;
      const inputs = ctx.node.input;
      const rank = ctx.shape(inputs[0] as string).length;
      let axis = attrInt(ctx.node, 'axis', 0);
      if (axis < 0) axis += rank;
      // Split sizes read at run time from each input's shape (batch-size free).
      const sizes = inputs.map((x) =>
        b.op('Slice', [b.op('Shape', [x]), b.int64s([axis]), b.int64s([axis + 1])]),
      );
      const split = b.op('Concat', sizes, { axis: { int: 0 } });
      if (ctx.opset < 13) unsupported(ctx.node, 'opset < 13; re-export with opset 13 or newer');
      return b.node('Split', [ctx.dy[0] as string, split], { axis: { int: axis } }, inputs.length);
    },
  }),
  Pad: defineGradient({
    differentiable: [0],
    grad(ctx) {
      const mode = attrString(ctx.node, 'mode', 'constant');
      if (mode !== 'constant') unsupported(ctx.node, `Pad mode "${mode}" (only "constant")`);
      const padsName = ctx.node.input[1];
      const pads =
        ctx.opset < 11
          ? attrInts(ctx.node, 'pads')
          : padsName
            ? Array.from(ctx.constant(padsName)?.data ?? [], Number)
            : undefined;
      if (!pads) unsupported(ctx.node, 'pads are not a constant');
      if (ctx.node.input[3]) unsupported(ctx.node, 'the axes input (opset 18) is not supported');
      if (pads.some((p) => p < 0)) unsupported(ctx.node, 'negative pads (cropping)');
      const rank = pads.length / 2;
      const starts = pads.slice(0, rank);
      // Slice back out the unpadded region; an end of 0 padding means "to the end".
      const ends = pads.slice(rank).map((p) => (p === 0 ? Number.MAX_SAFE_INTEGER : -p));
      const b = ctx.b;
      return [b.op('Slice', [ctx.dy[0] as string, b.int64s(starts), b.int64s(ends)])];
    },
  }),
};
