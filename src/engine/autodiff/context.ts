/**
 * @module What a gradient rule sees (tfjs-core's op / kernel / gradient split: the op is the
 * forward ONNX node, the kernel is ONNX Runtime, the gradient is one rule emitting ONNX nodes),
 * plus the shared helpers rules are built from: broadcasting reduction, reshapes, opset-aware
 * ReduceSum/Unsqueeze.
 */
import { AisfError } from '../../errors.js';
import type { GraphBuilder } from '../graph/builder.js';
import type { NodeProto } from '../onnx/proto.js';
import type { TypedArray } from '../onnx/tensor.js';
import type { ProbedShape } from './shapes.js';

/** Everything a gradient rule may use. */
export interface GradContext {
  readonly b: GraphBuilder;
  readonly node: NodeProto;
  /** Gradient of each output (undefined: that output does not reach the loss). */
  readonly dy: readonly (string | undefined)[];
  /** Whether input i needs a gradient. */
  needs(i: number): boolean;
  /** The probed shape of a value (-1 marks batch dims). */
  shape(name: string): ProbedShape;
  /** The value of a constant input (initializer not being differentiated, or Constant node). */
  constant(name: string): { data: TypedArray; dims: number[] } | undefined;
  /** Default-domain opset of the model. */
  readonly opset: number;
  /** The node producing a value (undefined for inputs and initializers). */
  producer(name: string): NodeProto | undefined;
  /** Nodes consuming a value, and whether it is also a graph output. */
  consumers(name: string): { nodes: readonly NodeProto[]; graphOutput: boolean };
  /**
   * Scratch space shared by the rules of one graph, for peephole fusions (e.g. a MaxPool rule
   * that already applied the mask of the ReLU feeding it tells that ReLU's rule to pass through).
   */
  readonly fused: Set<string>;
}

/** A gradient rule: returns one gradient value name per input (undefined = none). */
export type GradientFn = (ctx: GradContext) => (string | undefined)[];

/** One registered gradient: the rule plus which inputs are differentiable. */
export interface GradientRule {
  grad: GradientFn;
  /** Inputs a gradient can flow to; other inputs (shapes, axes, running stats) are constants. */
  differentiable: readonly number[] | 'all';
}

/** Defines a rule (identity helper for inference, like tfjs-core's GradConfig). */
export function defineGradient(rule: GradientRule): GradientRule {
  return rule;
}

/** Throws E_MODEL_UNSUPPORTED_OP for a configuration a rule cannot differentiate. */
export function unsupported(node: NodeProto, reason: string): never {
  throw new AisfError(
    'E_MODEL_UNSUPPORTED_OP',
    `cannot differentiate ${node.opType} node "${node.name}": ${reason}`,
    { details: { op: node.opType, node: node.name } },
  );
}

/** ReduceSum over axes, written for the model's opset (axes became an input in opset 13). */
export function reduceSum(
  ctx: GradContext,
  x: string,
  axes: readonly number[],
  keepdims: boolean,
): string {
  if (axes.length === 0) return x;
  if (ctx.opset >= 13)
    return ctx.b.op('ReduceSum', [x, ctx.b.int64s(axes, 'axes')], {
      keepdims: { int: keepdims ? 1 : 0 },
    });
  return ctx.b.op('ReduceSum', [x], { axes: { ints: axes }, keepdims: { int: keepdims ? 1 : 0 } });
}

/** Unsqueeze, written for the model's opset. */
export function unsqueeze(ctx: GradContext, x: string, axes: readonly number[]): string {
  if (ctx.opset >= 13) return ctx.b.op('Unsqueeze', [x, ctx.b.int64s(axes, 'axes')]);
  return ctx.b.op('Unsqueeze', [x], { axes: { ints: axes } });
}

/** Reshapes `dy` to the runtime shape of `like` (dynamic, so batch size is free). */
export function reshapeLike(ctx: GradContext, dy: string, like: string): string {
  return ctx.b.op('Reshape', [dy, ctx.b.op('Shape', [like])]);
}

/**
 * Sums `dy` (shaped like the broadcast output) down to the shape of input `input` — the
 * gradient of numpy-style broadcasting.
 */
export function unbroadcast(ctx: GradContext, dy: string, output: string, input: string): string {
  const sy = ctx.shape(output);
  const sx = ctx.shape(input);
  const lead = sy.length - sx.length;
  const axes: number[] = [];
  for (let i = 0; i < sy.length; i++) {
    if (i < lead) {
      axes.push(i);
      continue;
    }
    const dx = sx[i - lead];
    const dY = sy[i];
    if (dx === 1 && dY !== 1) axes.push(i);
  }
  if (axes.length === 0) return dy;
  const summed = reduceSum(ctx, dy, axes, true);
  if (lead === 0) return summed;
  return sx.includes(-1)
    ? reshapeLike(ctx, summed, input)
    : ctx.b.op('Reshape', [summed, ctx.b.int64s(sx, 'shape')]);
}

/** A [1, C, 1, …] reshape of a per-channel vector for an NC… tensor of the given rank. */
export function channelVector(ctx: GradContext, v: string, rank: number): string {
  const shape = [1, -1, ...Array.from({ length: rank - 2 }, () => 1)];
  return ctx.b.op('Reshape', [v, ctx.b.int64s(shape, 'shape')]);
}

/** Axes [0, 2, 3, …] of an NC… tensor (everything but the channel). */
export function nonChannelAxes(rank: number): number[] {
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];
}
