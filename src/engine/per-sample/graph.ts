/**
 * @module Per-sample gradient graphs for models whose trainable weights all sit in Gemm, MatMul,
 * Conv or bias-Add layers: the autodiff graph exposes each layer's output-gradient, and per-example
 * weight gradients are formed from activations × output-gradients without summing over the batch.
 * Gemm/MatMul with 2-D activations use the ghost norm (Goodfellow 2015, "Efficient per-example
 * gradient computations"; Li et al. 2022 ghost clipping): ‖a_iᵀ·g_i‖ = ‖a_i‖·‖g_i‖, and the
 * clipped sum Σ c_i a_iᵀ g_i is one Gemm with the output-gradient rows scaled by c_i. Conv weight
 * gradients are materialised per example: for group 1 as one batched MatMul of output-gradients
 * with input patches (im2col by a Conv with one-hot kernels), otherwise by one grouped Conv with
 * groups = batch × group (the engine's summed weight-gradient Conv, kept per example). In `clip` mode the whole
 * clip-and-sum of DP-SGD (Abadi et al. 2016) runs in the same ONNX Runtime call:
 * c_i = min(1, C / (‖g_i‖ + 1e-6)) as Opacus' flat clipping.
 */
import { AisfError } from '../../errors.js';
import { buildGradientGraph, trainableWeights } from '../autodiff/backward.js';
import type { ProbedShape } from '../autodiff/shapes.js';
import { attrFloat, attrInt, attrInts, attrString, GraphBuilder } from '../graph/builder.js';
import { DATA_TYPE, type ModelProto, type NodeProto } from '../onnx/proto.js';

/** What the per-sample graph returns. */
export type PerSampleMode = 'clip' | 'per-sample';

/** The built per-sample model and the names of its inputs and outputs. */
export interface PerSampleGraph {
  model: ModelProto;
  /** Static batch size the graph was built for (grouped Conv needs it). */
  batch: number;
  input: string;
  labels: string;
  /** Per-example loss weight [batch, 1] (1 for real rows, 0 for padding). */
  scale: string;
  /** Clipping bound C (scalar input; clip mode only). */
  maxNorm: string;
  /** Weights fed as graph inputs. */
  weights: string[];
  logits: string;
  losses: string;
  /** Per-example gradient L2 norms over all parameters [batch] (before clipping). */
  norms: string;
  /** Per weight: Σ_i c_i g_i (clip mode) or g_i stacked [batch, …dims] (per-sample mode). */
  gradients: Map<string, string>;
}

/** A trainable weight's place in a supported layer. */
interface Slot {
  weight: string;
  node: NodeProto;
  index: number;
}

/**
 * Why the model has no per-sample graph (undefined: it has one). Supported: every trainable
 * weight is used once, as Gemm B (transA = 0) or C, MatMul B (2-D), Conv W or B, or one operand
 * of an Add whose other operand carries the batch.
 */
export function perSampleUnsupported(model: ModelProto, output?: string): string | undefined {
  const r = findSlots(model, output);
  return typeof r === 'string' ? r : undefined;
}

function findSlots(model: ModelProto, output?: string): Slot[] | string {
  const graph = model.graph;
  if (!graph) return 'the model has no graph';
  const weights = trainableWeights(model, output);
  const set = new Set(weights);
  const uses = new Map<string, Slot[]>();
  for (const node of graph.node)
    node.input.forEach((x, index) => {
      if (set.has(x)) uses.set(x, [...(uses.get(x) ?? []), { weight: x, node, index }]);
    });
  const slots: Slot[] = [];
  for (const w of weights) {
    const u = uses.get(w) ?? [];
    if (u.length !== 1) return `weight "${w}" is used by ${u.length} nodes (weight sharing)`;
    const s = u[0] as Slot;
    const op = s.node.opType;
    const other = (i: number) => s.node.input[i] ?? '';
    let ok = false;
    if (op === 'Gemm')
      ok = attrInt(s.node, 'transA', 0) === 0 && s.index >= 1 && !set.has(other(0));
    else if (op === 'MatMul')
      ok =
        s.index === 1 &&
        !set.has(other(0)) &&
        graph.initializer.find((t) => t.name === w)?.dims.length === 2;
    else if (op === 'Conv') ok = s.index >= 1 && !set.has(other(0));
    else if (op === 'Add') ok = !set.has(other(1 - s.index));
    if (!ok) return `weight "${w}" feeds ${op} node "${s.node.name}" at input ${s.index}`;
    slots.push(s);
  }
  return slots;
}

/** Removes nodes and initializers no graph output depends on. */
function prune(model: ModelProto): void {
  const graph = model.graph as NonNullable<ModelProto['graph']>;
  const need = new Set(graph.output.map((o) => o.name));
  const keep: NodeProto[] = [];
  for (let i = graph.node.length - 1; i >= 0; i--) {
    const node = graph.node[i] as NodeProto;
    if (!node.output.some((o) => need.has(o))) continue;
    keep.push(node);
    for (const x of node.input) if (x) need.add(x);
  }
  graph.node = keep.reverse();
  graph.initializer = graph.initializer.filter((t) => need.has(t.name));
}

/**
 * Builds the per-sample (or clip-and-sum) graph for a fixed batch size.
 *
 * @throws AisfError E_MODEL_UNSUPPORTED_OP when a weight sits in an unsupported layer (callers
 *   fall back to microbatching).
 * @example
 * const g = buildPerSampleGraph(model.onnx, shapes, { batch: 64, mode: 'clip' });
 */
export function buildPerSampleGraph(
  forward: ModelProto,
  shapes: ReadonlyMap<string, ProbedShape>,
  options: {
    batch: number;
    mode: PerSampleMode;
    output?: string;
    /**
     * 2-D Gemm/MatMul weights: ghost norm and one rescaled Gemm, or materialised per-example
     * outer products (kept for A/B measurement, bench/dp-sgd/ab.ts). @default 'ghost'
     */
    gemm?: 'ghost' | 'materialise';
  },
): PerSampleGraph {
  const slots = findSlots(forward, options.output);
  if (typeof slots === 'string')
    throw new AisfError('E_MODEL_UNSUPPORTED_OP', `no per-sample gradient graph: ${slots}`);
  const B = options.batch;
  if (!Number.isSafeInteger(B) || B < 1)
    throw new AisfError('E_INPUT', `batch must be a positive integer (got ${B})`);
  const taps = [...new Set(slots.map((s) => s.node.output[0] as string))];
  const g = buildGradientGraph(forward, shapes, {
    loss: 'cross-entropy',
    wrt: ['weights'],
    values: taps,
    ...(options.output ? { output: options.output } : {}),
  });
  const model = g.model;
  const graph = model.graph as NonNullable<ModelProto['graph']>;
  const b = new GraphBuilder(graph, 'aisf_ps');
  // Fixed batch: the grouped Conv needs it; the scale becomes a per-example weight column.
  const inputInfo = graph.input.find((v) => v.name === g.inputs[0]);
  if (inputInfo?.shape) inputInfo.shape = [B, ...inputInfo.shape.slice(1)];
  const scaleInfo = graph.input.find((v) => v.name === g.scale);
  if (scaleInfo) scaleInfo.shape = [B, 1];
  const maxNorm = 'aisf_max_norm';
  if (options.mode === 'clip')
    graph.input.push({
      name: maxNorm,
      elemType: DATA_TYPE.FLOAT,
      shape: [],
      docString: '',
      unknown: [],
    });

  const shapeOf = (name: string): number[] => {
    const s = shapes.get(name);
    if (!s) throw new AisfError('E_INTERNAL', `no probed shape for value "${name}"`);
    return s.map((d, i) => (i === 0 && d === -1 ? B : d));
  };
  const sum = (x: string, axes: number[], keep = false) =>
    b.op('ReduceSum', [x, b.int64s(axes, 'axes')], { keepdims: { int: keep ? 1 : 0 } });
  const sq = (x: string) => b.op('Mul', [x, x]);
  const rows = (x: string) => b.op('Reshape', [x, b.int64s([B, -1])]);
  const rowSumSq = (x: string) => sum(sq(rows(x)), [1]);

  type Piece =
    | { kind: 'flat'; weight: string; dims: number[]; g: string }
    | {
        kind: 'ghost';
        weight: string;
        dims: number[];
        norm2: string;
        clipped: (c: string) => string;
        perSample: () => string;
      };
  const pieces: Piece[] = [];
  const dyOf = (node: NodeProto) => g.gradients.get(node.output[0] as string) as string;

  for (const s of slots) {
    const node = s.node;
    const dy = dyOf(node);
    const dims = shapeOf(s.weight);
    const y = node.output[0] as string;
    if (node.opType === 'Gemm' || node.opType === 'MatMul') {
      const gemm = node.opType === 'Gemm';
      const alpha = gemm ? attrFloat(node, 'alpha', 1) : 1;
      const beta = gemm ? attrFloat(node, 'beta', 1) : 1;
      const tb = gemm ? attrInt(node, 'transB', 0) : 0;
      const a = node.input[0] as string;
      const sa = shapeOf(a);
      if (s.index === 2) {
        // Bias C: per-example β·dy_i, summed down to C's element count (M or 1).
        const scaled = beta === 1 ? dy : b.op('Mul', [dy, b.scalar(beta)]);
        const count = dims.reduce((p, d) => p * d, 1);
        const flat = count === 1 ? sum(rows(scaled), [1], true) : rows(scaled);
        pieces.push({ kind: 'flat', weight: s.weight, dims, g: flat });
        continue;
      }
      if (sa.length === 2 && options.gemm === 'materialise') {
        const a3 = b.op('Unsqueeze', [a, b.int64s([tb ? 1 : 2])]);
        const d3 = b.op('Unsqueeze', [dy, b.int64s([tb ? 2 : 1])]);
        let gi = tb ? b.op('MatMul', [d3, a3]) : b.op('MatMul', [a3, d3]);
        if (alpha !== 1) gi = b.op('Mul', [gi, b.scalar(alpha)]);
        pieces.push({ kind: 'flat', weight: s.weight, dims, g: rows(gi) });
        continue;
      }
      if (sa.length === 2) {
        // Ghost norm: ‖α·a_i ⊗ dy_i‖² = α²‖a_i‖²‖dy_i‖².
        const norm2 = b.op('Mul', [
          b.op('Mul', [rowSumSq(a), rowSumSq(dy)]),
          b.scalar(alpha * alpha),
        ]);
        const withAlpha = (x: string) => (alpha === 1 ? x : b.op('Mul', [x, b.scalar(alpha)]));
        pieces.push({
          kind: 'ghost',
          weight: s.weight,
          dims,
          norm2,
          clipped: (c) => {
            const dyc = b.op('Mul', [dy, b.op('Unsqueeze', [c, b.int64s([1])])]);
            // transB: W [M, K], dW = dyᵀ·a; else W [K, M], dW = aᵀ·dy.
            const gw = tb
              ? b.op('Gemm', [dyc, a], { transA: { int: 1 } })
              : b.op('Gemm', [a, dyc], { transA: { int: 1 } });
            return withAlpha(gw);
          },
          perSample: () => {
            const a3 = b.op('Unsqueeze', [a, b.int64s([tb ? 1 : 2])]);
            const d3 = b.op('Unsqueeze', [dy, b.int64s([tb ? 2 : 1])]);
            return withAlpha(tb ? b.op('MatMul', [d3, a3]) : b.op('MatMul', [a3, d3]));
          },
        });
        continue;
      }
      // MatMul with a sequence dim: g_i = A_iᵀ·dy_i, materialised ([B, K, M]).
      const k = sa[sa.length - 1] as number;
      const m = dims[dims.length - 1] as number;
      const a3 = b.op('Reshape', [a, b.int64s([B, -1, k])]);
      const d3 = b.op('Reshape', [dy, b.int64s([B, -1, m])]);
      const gi = b.op('MatMul', [b.op('Transpose', [a3], { perm: { ints: [0, 2, 1] } }), d3]);
      pieces.push({ kind: 'flat', weight: s.weight, dims, g: rows(gi) });
      continue;
    }
    if (node.opType === 'Conv') {
      const sy = shapeOf(y);
      const r = sy.length - 2;
      const spatialAxes = Array.from({ length: r }, (_, i) => i + 2);
      if (s.index === 2) {
        pieces.push({ kind: 'flat', weight: s.weight, dims, g: sum(dy, spatialAxes) });
        continue;
      }
      const x = node.input[0] as string;
      const sx = shapeOf(x);
      const spatial = sx.slice(2);
      if (spatial.some((d) => d < 0))
        throw new AisfError(
          'E_MODEL_UNSUPPORTED_OP',
          `no per-sample gradient graph: Conv "${node.name}" has batch-dependent spatial dims`,
        );
      const kernel = attrInts(node, 'kernel_shape') ?? dims.slice(2);
      const strides = attrInts(node, 'strides') ?? new Array<number>(r).fill(1);
      const dilations = attrInts(node, 'dilations') ?? new Array<number>(r).fill(1);
      const group = attrInt(node, 'group', 1);
      const pads = convPads(node, spatial, kernel, strides, dilations);
      const cin = sx[1] as number;
      const cout = dims[0] as number;
      const k = cin / group;
      if (group === 1) {
        // g_i = dy_i [Cout, L] · patches_iᵀ [L, Cin·kk]: patches from a Conv with one-hot
        // kernels (exact copies of x), then one batched MatMul. Measured (bench/dp-sgd CNN,
        // batch 64, 2 threads, interleaved A/B): the clip-and-sum run fell from 22.2 / 22.9 ms to
        // 14.9 / 16.1 ms against the grouped Conv below (groups = batch, 11×11 kernels: ONNX
        // Runtime runs it as thousands of tiny GEMMs — 11.4 of 26 ms kernel time).
        const kk = kernel.reduce((a, v) => a * v, 1);
        const eye = new Float32Array(kk * kk);
        for (let j = 0; j < kk; j++) eye[j * kk + j] = 1;
        const patches = b.op(
          'Conv',
          [
            b.op('Reshape', [x, b.int64s([B * cin, 1, ...spatial])]),
            b.constant(eye, [kk, 1, ...kernel], 'eye'),
          ],
          { strides: { ints: strides }, dilations: { ints: dilations }, pads: { ints: pads } },
        );
        const pr = b.op('Reshape', [patches, b.int64s([B, cin * kk, -1])]);
        const dt = b.op('Transpose', [b.op('Reshape', [dy, b.int64s([B, cout, -1])])], {
          perm: { ints: [0, 2, 1] },
        });
        const gt = b.op('MatMul', [pr, dt]);
        const gi = b.op('Transpose', [gt], { perm: { ints: [0, 2, 1] } });
        pieces.push({ kind: 'flat', weight: s.weight, dims, g: rows(gi) });
        continue;
      }
      // x [B, Cin, …] → [k, B·group, …]: every (example, group) becomes one input channel.
      const xg = b.op('Reshape', [x, b.int64s([B, group, k, ...spatial])]);
      const xt = b.op('Transpose', [xg], {
        perm: { ints: [2, 0, 1, ...spatialAxes.map((i) => i + 1)] },
      });
      const xr = b.op('Reshape', [xt, b.int64s([k, B * group, ...spatial])]);
      // dy [B, Cout, …] → kernels [B·Cout, 1, …]: group e·group + j sees only its channel.
      const dyk = b.op('Reshape', [dy, b.int64s([B * cout, 1, ...sy.slice(2)])]);
      const full = b.op('Conv', [xr, dyk], {
        strides: { ints: dilations },
        dilations: { ints: strides },
        pads: { ints: pads },
        group: { int: B * group },
      });
      const cut = b.op('Slice', [
        full,
        b.int64s(new Array<number>(r).fill(0)),
        b.int64s(kernel),
        b.int64s(spatialAxes),
      ]);
      // [k, B·Cout, kernel…] → [B, Cout, k, kernel…] → rows.
      const c5 = b.op('Reshape', [cut, b.int64s([k, B, cout, ...kernel])]);
      const gi = b.op('Transpose', [c5], {
        perm: { ints: [1, 2, 0, ...spatialAxes.map((i) => i + 1)] },
      });
      pieces.push({ kind: 'flat', weight: s.weight, dims, g: rows(gi) });
      continue;
    }
    // Add with a weight operand: per-example dy summed over the axes the weight broadcasts on.
    const sy = shapeOf(y);
    const lead = sy.length - dims.length;
    const axes: number[] = [];
    for (let i = 1; i < sy.length; i++)
      if (i < lead || (dims[i - lead] === 1 && sy[i] !== 1)) axes.push(i);
    const per = axes.length ? sum(dy, axes, true) : dy;
    pieces.push({ kind: 'flat', weight: s.weight, dims, g: rows(per) });
  }

  const norm2s = pieces.map((p) => (p.kind === 'ghost' ? p.norm2 : rowSumSq(p.g)));
  const total = norm2s.length === 1 ? (norm2s[0] as string) : b.op('Sum', norm2s);
  const normsOut = 'aisf_norms';
  b.node('Sqrt', [total], {}, [normsOut]);
  b.output(normsOut);
  const gradients = new Map<string, string>();
  let c: string | undefined;
  if (options.mode === 'clip') {
    // Opacus flat clipping: factor = min(1, C / (‖g_i‖ + 1e-6)).
    c = b.op('Min', [b.op('Div', [maxNorm, b.op('Add', [normsOut, b.scalar(1e-6)])]), b.scalar(1)]);
  }
  for (const p of pieces) {
    const name = `aisf_ps:${p.weight}`;
    let value: string;
    if (c) {
      if (p.kind === 'ghost') value = p.clipped(c);
      else value = b.op('MatMul', [b.op('Unsqueeze', [c, b.int64s([0])]), p.g]);
      value = b.op('Reshape', [value, b.int64s(p.dims)]);
    } else {
      value = b.op('Reshape', [p.kind === 'ghost' ? p.perSample() : p.g, b.int64s([B, ...p.dims])]);
    }
    b.node('Identity', [value], {}, [name]);
    b.output(name);
    gradients.set(p.weight, name);
  }
  graph.output = graph.output.filter(
    (o) =>
      o.name === g.logits ||
      o.name === g.losses ||
      o.name === normsOut ||
      o.name.startsWith('aisf_ps:'),
  );
  prune(model);
  return {
    model,
    batch: B,
    input: g.inputs[0] as string,
    labels: g.labels,
    scale: g.scale,
    maxNorm,
    weights: g.weights,
    logits: g.logits,
    losses: g.losses,
    norms: normsOut,
    gradients,
  };
}

/** Explicit [begin…, end…] pads of a Conv, resolving auto_pad (as the Conv gradient rule). */
function convPads(
  node: NodeProto,
  spatial: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
): number[] {
  const r = spatial.length;
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (autoPad === 'NOTSET') return attrInts(node, 'pads') ?? new Array<number>(2 * r).fill(0);
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
