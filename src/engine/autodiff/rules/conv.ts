/**
 * @module Gradient rule of Conv (any groups incl. depthwise, strides, pads, dilations, auto_pad).
 * Input gradient: with constant weights and unit strides, a plain Conv with weights flipped and
 * transposed at build time — measured faster in ONNX Runtime than ConvTranspose (its NCHWc
 * kernels) — else ConvTranspose with the original weights. Weight gradient: for group 1, input
 * patches (a Conv with one-hot kernels) times the output gradient in one batched MatMul, summed
 * over the batch; otherwise one grouped Conv with the batch folded into channels (input ⋆
 * output-gradient), strides and dilations swapped.
 */
import { attrInt, attrInts, attrString } from '../../graph/builder.js';
import {
  defineGradient,
  type GradContext,
  type GradientRule,
  nonChannelAxes,
  reduceSum,
  unsupported,
} from '../context.js';

/** Explicit [begin…, end…] pads for a conv/pool node, resolving auto_pad from static shapes. */
export function explicitPads(
  ctx: GradContext,
  spatial: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
): number[] {
  const r = spatial.length;
  const autoPad = attrString(ctx.node, 'auto_pad', 'NOTSET');
  if (autoPad === 'NOTSET') return attrInts(ctx.node, 'pads') ?? new Array<number>(2 * r).fill(0);
  if (autoPad === 'VALID') return new Array<number>(2 * r).fill(0);
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < r; i++) {
    const h = spatial[i] as number;
    const s = strides[i] as number;
    const kEff = ((kernel[i] as number) - 1) * (dilations[i] as number) + 1;
    const total = Math.max(0, (Math.ceil(h / s) - 1) * s + kEff - h);
    const small = Math.floor(total / 2);
    begin.push(autoPad === 'SAME_LOWER' ? total - small : small);
    end.push(autoPad === 'SAME_LOWER' ? small : total - small);
  }
  return [...begin, ...end];
}

/** Conv weights [Cout, Cin/g, k…] → [Cin, Cout/g, k…], spatially flipped (group-wise). */
function flipTranspose(w: Float32Array, dims: readonly number[], group: number): Float32Array {
  const [cout, k] = dims as [number, number];
  const spatial = dims.slice(2).reduce((a, b) => a * b, 1);
  const perGroup = cout / group;
  const out = new Float32Array(w.length);
  for (let o = 0; o < cout; o++) {
    const gi = Math.floor(o / perGroup);
    const ol = o % perGroup;
    for (let j = 0; j < k; j++) {
      const src = (o * k + j) * spatial;
      const dst = ((gi * k + j) * perGroup + ol) * spatial;
      for (let s = 0; s < spatial; s++) out[dst + spatial - 1 - s] = w[src + s] as number;
    }
  }
  return out;
}

function convParams(ctx: GradContext) {
  const [x, w] = ctx.node.input as [string, string];
  const sx = ctx.shape(x);
  const sw = ctx.shape(w);
  const r = sx.length - 2;
  if (r < 1) unsupported(ctx.node, 'input rank below 3');
  const spatial = sx.slice(2);
  if (spatial.some((d) => d < 0))
    unsupported(ctx.node, 'spatial dims that depend on the batch size');
  const kernel = attrInts(ctx.node, 'kernel_shape') ?? sw.slice(2);
  const strides = attrInts(ctx.node, 'strides') ?? new Array<number>(r).fill(1);
  const dilations = attrInts(ctx.node, 'dilations') ?? new Array<number>(r).fill(1);
  const group = attrInt(ctx.node, 'group', 1);
  const pads = explicitPads(ctx, spatial, kernel, strides, dilations);
  return { x, w, sx, sw, r, spatial, kernel, strides, dilations, group, pads };
}

/** Rules of this family, keyed by ONNX op type. */
export const CONV_GRADIENTS: Record<string, GradientRule> = {
  Conv: defineGradient({
    differentiable: 'all',
    grad(ctx) {
      const p = convParams(ctx);
      const b = ctx.b;
      const dy = ctx.dy[0] as string;
      const y = ctx.node.output[0] as string;
      const sy = ctx.shape(y);
      const kEff = p.kernel.map((k, i) => (k - 1) * (p.dilations[i] as number) + 1);
      let dx: string | undefined;
      if (ctx.needs(0)) {
        const constW = ctx.constant(p.w);
        const unitStride = p.strides.every((s) => s === 1);
        const padsOk = p.pads.every((pad, i) => pad <= (kEff[i % p.r] as number) - 1);
        // Measured (bench/gradient, 2 threads): the flipped Conv beats ConvTranspose only when
        // it has enough output channels for ONNX Runtime's NCHWc blocks; a 1-channel image
        // input is faster through ConvTranspose.
        const wide = (p.sx[1] as number) >= 8;
        if (constW && constW.data instanceof Float32Array && unitStride && padsOk && wide) {
          const wt = b.constant(
            flipTranspose(constW.data, p.sw, p.group),
            [p.sx[1] as number, (p.sw[0] as number) / p.group, ...p.sw.slice(2)],
            'wflip',
          );
          const pads = p.pads.map((pad, i) => (kEff[i % p.r] as number) - 1 - pad);
          dx = b.op('Conv', [dy, wt], {
            pads: { ints: pads },
            dilations: { ints: p.dilations },
            group: { int: p.group },
          });
        } else {
          const outputPadding: number[] = [];
          for (let i = 0; i < p.r; i++) {
            const h = p.spatial[i] as number;
            const s = p.strides[i] as number;
            outputPadding.push(
              (h + (p.pads[i] as number) + (p.pads[i + p.r] as number) - (kEff[i] as number)) % s,
            );
          }
          dx = b.op('ConvTranspose', [dy, p.w], {
            strides: { ints: p.strides },
            pads: { ints: p.pads },
            dilations: { ints: p.dilations },
            group: { int: p.group },
            output_padding: { ints: outputPadding },
          });
        }
      }
      let dw: string | undefined;
      const outL = sy.slice(2).reduce((a, v) => a * v, 1);
      if (ctx.needs(1) && p.group === 1 && outL > 0 && sy.slice(2).every((d) => d > 0)) {
        // dW = Σ_i dy_i [Cout, L] · patches_iᵀ [L, Cin·kk]: patches (exact copies of x) from a
        // Conv with one-hot kernels, one batched MatMul, a sum over the batch. Measured
        // (bench/gradient CNN, batch 128, 2 threads, interleaved A/B): 36.1 / 36.3 ms per
        // weight-gradient run against 73.1 / 73.9 ms for the batch-as-channels Conv below, whose
        // kernel is the (dynamic) output gradient.
        const cin = p.sx[1] as number;
        const cout = p.sw[0] as number;
        const kk = p.kernel.reduce((a, v) => a * v, 1);
        const eye = new Float32Array(kk * kk);
        for (let j = 0; j < kk; j++) eye[j * kk + j] = 1;
        const patches = b.op(
          'Conv',
          [
            b.op('Reshape', [p.x, b.int64s([-1, 1, ...p.spatial])]),
            b.constant(eye, [kk, 1, ...p.kernel], 'eye'),
          ],
          {
            strides: { ints: p.strides },
            dilations: { ints: p.dilations },
            pads: { ints: p.pads },
          },
        );
        const pr = b.op('Reshape', [patches, b.int64s([-1, cin * kk, outL])]);
        const dt = b.op('Transpose', [b.op('Reshape', [dy, b.int64s([0, cout, -1])])], {
          perm: { ints: [0, 2, 1] },
        });
        const gt = b.op('ReduceSum', [b.op('MatMul', [pr, dt]), b.int64s([0])], {
          keepdims: { int: 0 },
        });
        dw = b.op('Reshape', [b.op('Transpose', [gt], { perm: { ints: [1, 0] } }), b.int64s(p.sw)]);
      } else if (ctx.needs(1)) {
        const k = (p.sx[1] as number) / p.group;
        const spatialAxes = Array.from({ length: p.r }, (_, i) => i + 3);
        const xg = b.op('Reshape', [p.x, b.int64s([0, p.group, k, ...p.spatial])]);
        const xt = b.op('Transpose', [xg], { perm: { ints: [2, 1, 0, ...spatialAxes] } });
        const xr = b.op('Reshape', [xt, b.int64s([k, -1, ...p.spatial])]);
        const dyt = b.op('Transpose', [dy], {
          perm: { ints: [1, 0, ...Array.from({ length: p.r }, (_, i) => i + 2)] },
        });
        const full = b.op('Conv', [xr, dyt], {
          strides: { ints: p.dilations },
          dilations: { ints: p.strides },
          pads: { ints: p.pads },
          group: { int: p.group },
        });
        // The correlation can be larger than the kernel when the stride does not divide evenly.
        const cut = b.op('Slice', [
          full,
          b.int64s(new Array<number>(p.r).fill(0)),
          b.int64s(p.kernel),
          b.int64s(Array.from({ length: p.r }, (_, i) => i + 2)),
        ]);
        dw = b.op('Transpose', [cut], {
          perm: { ints: [1, 0, ...Array.from({ length: p.r }, (_, i) => i + 2)] },
        });
      }
      const bias = ctx.node.input[2];
      const db =
        bias && ctx.needs(2) ? reduceSum(ctx, dy, nonChannelAxes(sy.length), false) : undefined;
      return [dx, dw, db];
    },
  }),
};
