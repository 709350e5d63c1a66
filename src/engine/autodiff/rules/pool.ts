/**
 * @module Gradient rules of MaxPool and AveragePool. MaxPool routes the gradient to the first
 * maximum of each window (as PyTorch does) with MaxUnpool on the pool's own indices — no
 * ScatterElements, which was measured to dominate the backward pass; overlapping windows are
 * split into non-overlapping phases whose unpooled results are added. AveragePool is a grouped
 * ConvTranspose with a ones kernel after dividing by each window's element count. Input-gradient
 * graphs rewrite Conv → ReLU → MaxPool 2×2 blocks into their four pool phases
 * (`rewritePhasePools`, `phasePoolGradient`), which needs no pool indices at all.
 */
import { attrInt, attrInts, attrString, type GraphBuilder } from '../../graph/builder.js';
import { DATA_TYPE, type NodeProto } from '../../onnx/proto.js';
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

/** A Conv → ReLU → MaxPool 2×2 block rewritten (gradient graph only) into its four pool phases. */
export interface PhasePoolBlock {
  /** The conv input (receives the gradient). */
  x: string;
  /** The pooled output (name kept from the MaxPool). */
  pooled: string;
  /** The four phase pre-activations, in PyTorch's first-max order (0,0) (0,1) (1,0) (1,1). */
  phases: string[];
  /** Max over the phases (before the ReLU). */
  max: string;
  /** The conv weight and its [begin, begin, end, end] pads. */
  w: string;
  pads: number[];
  /** Nodes of the rewritten forward (the last one is the ReLU producing `pooled`). */
  nodes: NodeProto[];
}

const intsOf = (node: NodeProto, name: string) => attrInts(node, name);

/**
 * Gradient graphs only (the model's own forward stays untouched): rewrites, in place, every
 * Conv (group 1, stride 1, no dilation, constant weights, explicit pads) → ReLU → MaxPool (2×2,
 * stride 2, no pads, floor mode) whose conv output has even spatial dims and whose intermediate
 * values have no other use into four stride-2 Convs — one per pool phase (dy, dx), i.e. the conv
 * output at rows 2i+dy, columns 2j+dx — then Max and ReLU (max and ReLU commute). The pool's
 * backward then runs at pooled resolution, without MaxPool indices, whose branchy kernel was
 * measured to dominate the backward (bench/gradient/RESULTS.md). Returns the rewritten blocks
 * keyed by pooled value.
 */
export function rewritePhasePools(
  graph: { node: NodeProto[] },
  b: GraphBuilder,
  shape: (name: string) => readonly number[] | undefined,
  constant: (name: string) => { data: unknown; dims: number[] } | undefined,
  uses: (name: string) => number,
): Map<string, PhasePoolBlock> {
  const blocks = new Map<string, PhasePoolBlock>();
  for (let i = 0; i + 2 < graph.node.length; i++) {
    const conv = graph.node[i] as NodeProto;
    const relu = graph.node[i + 1] as NodeProto;
    const pool = graph.node[i + 2] as NodeProto;
    if (conv.opType !== 'Conv' || relu.opType !== 'Relu' || pool.opType !== 'MaxPool') continue;
    if (conv.domain || relu.domain || pool.domain) continue;
    const [x, w, bias] = conv.input as [string, string, string | undefined];
    const z = conv.output[0] as string;
    const r = relu.output[0] as string;
    if (relu.input[0] !== z || pool.input[0] !== r || pool.output.length !== 1) continue;
    if (uses(z) !== 1 || uses(r) !== 1) continue;
    const sx = shape(x);
    const sz = shape(z);
    if (!sx || !sz || sx.length !== 4 || sz.length !== 4) continue;
    if (sx.slice(1).some((d) => d <= 0) || sz.slice(1).some((d) => d <= 0)) continue;
    if ((sz[2] as number) % 2 !== 0 || (sz[3] as number) % 2 !== 0) continue;
    const wc = constant(w);
    const bc = bias ? constant(bias) : undefined;
    if (!wc || !(wc.data instanceof Float32Array) || wc.dims.length !== 4) continue;
    if (bias && (!bc || !(bc.data instanceof Float32Array))) continue;
    if (attrInt(conv, 'group', 1) !== 1) continue;
    if (attrString(conv, 'auto_pad', 'NOTSET') !== 'NOTSET') continue;
    if ((intsOf(conv, 'strides') ?? [1, 1]).some((s) => s !== 1)) continue;
    if ((intsOf(conv, 'dilations') ?? [1, 1]).some((s) => s !== 1)) continue;
    const pads = intsOf(conv, 'pads') ?? [0, 0, 0, 0];
    if (attrString(pool, 'auto_pad', 'NOTSET') !== 'NOTSET') continue;
    if ((intsOf(pool, 'kernel_shape') ?? []).join() !== '2,2') continue;
    if ((intsOf(pool, 'strides') ?? [1, 1]).join() !== '2,2') continue;
    if ((intsOf(pool, 'pads') ?? [0, 0, 0, 0]).some((v) => v !== 0)) continue;
    if ((intsOf(pool, 'dilations') ?? [1, 1]).some((v) => v !== 1)) continue;
    if (attrInt(pool, 'ceil_mode', 0) !== 0 || attrInt(pool, 'storage_order', 0) !== 0) continue;
    const [kh, kw] = wc.dims.slice(2) as [number, number];
    const start = graph.node.length;
    // Phase (dy, dx) reads the padded input from row dy / column dx: a stride-2 Conv with the
    // original kernel, its begin pads lowered by the offset (or the input cropped when a pad
    // would go negative).
    const phases = [0, 1, 2, 3].map((ph) => {
      const dy = ph >> 1;
      const dx = ph & 1;
      const [pt, pl, pb, pr] = pads as [number, number, number, number];
      const cropY = Math.max(0, dy - pt);
      const cropX = Math.max(0, dx - pl);
      const input =
        cropY || cropX
          ? b.op('Slice', [
              x,
              b.int64s([cropY, cropX]),
              b.int64s([2 ** 31, 2 ** 31]),
              b.int64s([2, 3]),
            ])
          : x;
      return b.op('Conv', bias ? [input, w, bias] : [input, w], {
        kernel_shape: { ints: [kh, kw] },
        strides: { ints: [2, 2] },
        pads: { ints: [Math.max(0, pt - dy), Math.max(0, pl - dx), pb, pr] },
      });
    });
    const max = b.op('Max', [
      b.op('Max', [phases[0] as string, phases[1] as string]),
      b.op('Max', [phases[2] as string, phases[3] as string]),
    ]);
    b.node('Relu', [max], {}, [pool.output[0] as string]);
    const nodes = graph.node.splice(start);
    graph.node.splice(i, 3, ...nodes);
    blocks.set(pool.output[0] as string, {
      x,
      pooled: pool.output[0] as string,
      phases,
      max,
      w,
      pads,
      nodes,
    });
    i += nodes.length - 1;
  }
  return blocks;
}

/**
 * Input gradient of a rewritten block: ReLU mask at pooled resolution (pooled > 0 ⇔ the window's
 * max is positive), the gradient routed to the first phase equal to the max in PyTorch's scan
 * order (0,0) (0,1) (1,0) (1,1) — exact on ties — then per phase a stride-2 ConvTranspose with
 * the original kernel, padded to its offset in the input (negative pads crop the conv's pads),
 * and the sum of the four.
 */
export function phasePoolGradient(
  ctx: GradContext,
  block: PhasePoolBlock,
  dPooled: string,
): string {
  const b = ctx.b;
  let rest = b.op('Mul', [dPooled, positiveMask(ctx, block.pooled)]);
  const parts: string[] = [];
  for (let ph = 0; ph < 3; ph++) {
    const eq = b.op('Equal', [block.phases[ph] as string, block.max]);
    const part = b.op('Mul', [rest, b.op('Cast', [eq], { to: { int: DATA_TYPE.FLOAT } })]);
    parts.push(part);
    rest = b.op('Sub', [rest, part]);
  }
  parts.push(rest);
  const [pt, pl, pb, pr] = block.pads as [number, number, number, number];
  return b.op(
    'Sum',
    parts.map((g, ph) => {
      const dy = ph >> 1;
      const dx = ph & 1;
      const ct = b.op('ConvTranspose', [g, block.w], { strides: { ints: [2, 2] } });
      return b.op('Pad', [ct, b.int64s([0, 0, dy - pt, dx - pl, 0, 0, 1 - dy - pb, 1 - dx - pr])]);
    }),
  );
}
