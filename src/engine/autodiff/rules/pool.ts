/**
 * @module Gradient rules of MaxPool and AveragePool. MaxPool routes the gradient to the first
 * maximum of each window (as PyTorch does) with MaxUnpool on the pool's own indices — no
 * ScatterElements, which was measured to dominate the backward pass; overlapping windows are
 * split into non-overlapping phases whose unpooled results are added. AveragePool is a grouped
 * ConvTranspose with a ones kernel after dividing by each window's element count.
 */
import { attrInt, attrInts } from '../../graph/builder.js';
import { defineGradient, type GradContext, type GradientRule, unsupported } from '../context.js';
import { explicitPads } from './conv.js';
import { positiveMask } from './elementwise.js';

function poolParams(ctx: GradContext) {
  const x = ctx.node.input[0] as string;
  const sx = ctx.shape(x);
  const r = sx.length - 2;
  const spatial = sx.slice(2);
  if (spatial.some((d) => d < 0))
    unsupported(ctx.node, 'spatial dims that depend on the batch size');
  const kernel = attrInts(ctx.node, 'kernel_shape');
  if (!kernel) unsupported(ctx.node, 'no kernel_shape');
  const strides = attrInts(ctx.node, 'strides') ?? new Array<number>(r).fill(1);
  const dilations = attrInts(ctx.node, 'dilations') ?? new Array<number>(r).fill(1);
  const pads = explicitPads(ctx, spatial, kernel, strides, dilations);
  const sy = ctx.shape(ctx.node.output[0] as string);
  return { x, sx, r, spatial, kernel, strides, dilations, pads, out: sy.slice(2) };
}

/** Rules of this family, keyed by ONNX op type. */
export const POOL_GRADIENTS: Record<string, GradientRule> = {
  MaxPool: defineGradient({
    differentiable: [0],
    grad(ctx) {
      const p = poolParams(ctx);
      if (attrInt(ctx.node, 'storage_order', 0) !== 0) unsupported(ctx.node, 'storage_order 1');
      if (p.dilations.some((d) => d !== 1)) unsupported(ctx.node, 'dilated MaxPool');
      const b = ctx.b;
      // Ask the forward node for its indices (a second output), so the pool runs once.
      let indices = ctx.node.output[1];
      if (!indices) {
        indices = b.fresh('maxpool_indices');
        ctx.node.output[1] = indices;
      }
      let dy = ctx.dy[0] as string;
      // ReLU → MaxPool fusion: relu(z) is active at a window's argmax iff the pooled value is
      // > 0, so mask the 4×-smaller pooled gradient instead of the full ReLU output (the ReLU
      // mask's Greater/Cast/Mul over full-size tensors was measured to dominate the backward).
      const relu = ctx.producer(p.x);
      const uses = ctx.consumers(p.x);
      if (
        relu?.opType === 'Relu' &&
        relu.domain === '' &&
        uses.nodes.length === 1 &&
        !uses.graphOutput
      ) {
        dy = b.op('Mul', [dy, positiveMask(ctx, ctx.node.output[0] as string)]);
        ctx.fused.add(`relu-mask:${p.x}`);
      }
      const shapeX = b.op('Shape', [p.x]);
      // With output_shape given, MaxUnpool only scatters by index; its kernel/strides/pads
      // merely set a minimum output size, so pass 1×1 windows whose implied size fits X.
      const unpool = (g: string, i: string, sizes: readonly number[]) =>
        b.op('MaxUnpool', [g, i, shapeX], {
          kernel_shape: { ints: sizes.map(() => 1) },
          strides: { ints: sizes.map(() => 1) },
          pads: {
            ints: [
              ...sizes.map(() => 0),
              ...sizes.map((n, d) => Math.max(0, n - (p.spatial[d] as number))),
            ],
          },
        });
      // Phases: windows m apart in every dim never overlap when m·stride ≥ kernel.
      const m = p.kernel.map((k, i) => Math.ceil(k / (p.strides[i] as number)));
      if (m.every((v) => v === 1)) return [unpool(dy, indices, p.out)];
      const axes = Array.from({ length: p.r }, (_, i) => i + 2);
      const parts: string[] = [];
      const phase = new Array<number>(p.r).fill(0);
      for (;;) {
        if (phase.every((v, i) => v < (p.out[i] as number))) {
          const starts = b.int64s(phase);
          const ends = b.int64s(new Array<number>(p.r).fill(Number.MAX_SAFE_INTEGER));
          const ax = b.int64s(axes);
          const steps = b.int64s(m);
          const sizes = phase.map((v, d) =>
            Math.ceil(((p.out[d] as number) - v) / (m[d] as number)),
          );
          parts.push(
            unpool(
              b.op('Slice', [dy, starts, ends, ax, steps]),
              b.op('Slice', [indices, starts, ends, ax, steps]),
              sizes,
            ),
          );
        }
        let d = 0;
        while (d < p.r && ++(phase[d] as number) >= (m[d] as number)) phase[d++] = 0;
        if (d === p.r) break;
      }
      return [parts.length === 1 ? parts[0] : b.op('Sum', parts)];
    },
  }),
  AveragePool: defineGradient({
    differentiable: [0],
    grad(ctx) {
      const p = poolParams(ctx);
      if (p.dilations.some((d) => d !== 1)) unsupported(ctx.node, 'dilated AveragePool');
      const includePad = attrInt(ctx.node, 'count_include_pad', 0) === 1;
      const channels = p.sx[1] as number;
      const b = ctx.b;
      // Per-dim window element counts, then their outer product over the output grid.
      const counts = p.out.map((o, i) => {
        const s = p.strides[i] as number;
        const k = p.kernel[i] as number;
        const pb = p.pads[i] as number;
        const h = p.spatial[i] as number;
        const lo = includePad ? -pb : 0;
        const hi = includePad ? h + (p.pads[i + p.r] as number) : h;
        return Array.from({ length: o }, (_, j) => {
          const start = j * s - pb;
          return Math.max(0, Math.min(start + k, hi) - Math.max(start, lo));
        });
      });
      const total = p.out.reduce((a, v) => a * v, 1);
      const inv = new Float32Array(total);
      for (let f = 0; f < total; f++) {
        let rest = f;
        let c = 1;
        for (let i = p.r - 1; i >= 0; i--) {
          const o = p.out[i] as number;
          c *= counts[i]?.[rest % o] as number;
          rest = Math.floor(rest / o);
        }
        inv[f] = c > 0 ? 1 / c : 0;
      }
      const scaled = b.op('Mul', [
        ctx.dy[0] as string,
        b.constant(inv, [1, 1, ...p.out], 'avgcnt'),
      ]);
      const kernelSize = p.kernel.reduce((a, v) => a * v, 1);
      const ones = b.constant(
        new Float32Array(channels * kernelSize).fill(1),
        [channels, 1, ...p.kernel],
        'ones',
      );
      const padsEnd: number[] = [];
      const outputPadding: number[] = [];
      for (let i = 0; i < p.r; i++) {
        const base =
          (p.strides[i] as number) * ((p.out[i] as number) - 1) +
          (p.kernel[i] as number) -
          (p.pads[i] as number) -
          (p.pads[i + p.r] as number);
        const diff = (p.spatial[i] as number) - base;
        padsEnd.push((p.pads[i + p.r] as number) + Math.max(0, -diff));
        outputPadding.push(Math.max(0, diff));
      }
      return [
        b.op('ConvTranspose', [scaled, ones], {
          strides: { ints: p.strides },
          pads: { ints: [...p.pads.slice(0, p.r), ...padsEnd] },
          group: { int: channels },
          output_padding: { ints: outputPadding },
        }),
      ];
    },
  }),
};
