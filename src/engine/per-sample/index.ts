/**
 * @module Per-example gradients of a classifier's cross-entropy loss through the engine: a fast
 * ONNX graph for Gemm/MatMul/Conv/bias models (ghost norms and grouped-Conv per-example weight
 * gradients, see graph.ts) and a general path by microbatching (one lossAndGradient call per
 * example) for everything else. DP-SGD's clip-and-sum runs in one ONNX Runtime call per chunk.
 */
import { AisfError } from '../../errors.js';
import { type ProbedShape, probeShapes } from '../autodiff/shapes.js';
import type { Model } from '../model.js';
import { encodeModel } from '../onnx/proto.js';
import {
  createSession,
  type RuntimeOptions,
  type Session,
  type Tensor,
} from '../runtime/session.js';
import {
  buildPerSampleGraph,
  type PerSampleGraph,
  type PerSampleMode,
  perSampleUnsupported,
} from './graph.js';

export { buildPerSampleGraph, type PerSampleGraph, perSampleUnsupported } from './graph.js';

/** How per-example gradients are computed. */
export const PER_SAMPLE_METHODS = ['auto', 'graph', 'microbatch'] as const;
export type PerSampleMethod = (typeof PER_SAMPLE_METHODS)[number];

/** Options of perSampleGradients. */
export interface PerSampleOptions extends RuntimeOptions {
  /**
   * `graph`: the per-sample ONNX graph (Gemm/MatMul/Conv/bias-Add models); `microbatch`: one
   * gradient call per example (any differentiable model); `auto`: graph when supported.
   * @default 'auto'
   */
  method?: PerSampleMethod;
  /**
   * Largest number of examples per ONNX Runtime call; larger batches run in chunks (clipping is
   * per example, so chunk sums add up). Default: from a 256 MiB budget, between 8 and 256.
   */
  maxChunk?: number;
  /**
   * Graphs are built for a fixed batch (grouped Conv needs it); a smaller batch is padded up to
   * a multiple of this with zero-weight rows, so Poisson batches reuse a few cached graphs.
   * @default 8
   */
  granularity?: number;
  /** Full input shape (batch first) when the model declares symbolic non-batch dims. */
  inputShape?: number[];
}

/** Per-example gradients of a batch. */
export interface PerSampleResult {
  /** Per weight: gradients of each example's own loss, stacked [n, …weight dims]. */
  gradients: Map<string, Tensor<Float32Array>>;
  /** ‖g_i‖₂ over all trainable weights. */
  norms: Float32Array;
  /** Per-example cross-entropy losses. */
  losses: Float32Array;
}

/** DP-SGD's clipped sum of a batch. */
export interface ClippedSum {
  /** Per weight: Σ_i min(1, C / (‖g_i‖ + 1e-6)) · g_i. */
  gradients: Map<string, Tensor<Float32Array>>;
  /** ‖g_i‖₂ before clipping. */
  norms: Float32Array;
  losses: Float32Array;
}

interface Built {
  session: Session;
  graph: PerSampleGraph;
}

function f32(out: Record<string, Tensor>, name: string): Float32Array {
  const t = out[name];
  if (!t || !(t.data instanceof Float32Array))
    throw new AisfError('E_INTERNAL', `per-sample graph output "${name}" missing`);
  return t.data;
}

function roundUp(n: number, k: number): number {
  return Math.ceil(n / k) * k;
}

/**
 * Per-example gradient engine for one model. Create with perSampleGradients; call release()
 * when done.
 */
export class PerSampleGradients {
  private readonly sessions = new Map<string, Promise<Built>>();

  /** @internal use perSampleGradients */
  constructor(
    readonly model: Model,
    /** The method in use (`auto` resolved). */
    readonly method: 'graph' | 'microbatch',
    /** Why the graph path is not used (microbatch only). */
    readonly reason: string | undefined,
    private readonly shapes: Map<string, ProbedShape>,
    private readonly maxChunk: number,
    private readonly granularity: number,
    private readonly options: RuntimeOptions,
  ) {}

  private built(mode: PerSampleMode, batch: number): Promise<Built> {
    const key = `${mode}:${batch}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = (async () => {
        const graph = buildPerSampleGraph(this.model.onnx, this.shapes, { batch, mode });
        // The graph's batch is fixed (padded chunks), so it is never split into shards: one
        // session on every thread, whatever the model's parallelism.
        const options = { ...this.options, parallelism: 'intra-op' as const };
        return { graph, session: await createSession(encodeModel(graph.model), options) };
      })();
      this.sessions.set(key, s);
    }
    return s;
  }

  private check(x: Tensor, y: Tensor): { x: Tensor<Float32Array>; labels: BigInt64Array } {
    if (!(x.data instanceof Float32Array))
      throw new AisfError('E_INPUT', 'per-sample gradients need float32 inputs');
    const n = x.shape[0] as number;
    if (y.data.length !== n)
      throw new AisfError(
        'E_INPUT',
        `labels hold ${y.data.length} values for ${n} samples; pass one class index per sample`,
      );
    const out = this.model.outputs[0]?.name ?? '';
    const logit = this.shapes.get(out) ?? [];
    const classes = logit[logit.length - 1] ?? 0;
    const labels = new BigInt64Array(n);
    for (let i = 0; i < n; i++) {
      const v = Number(y.data[i]);
      if (!Number.isInteger(v) || v < 0 || v >= classes)
        throw new AisfError(
          'E_INPUT',
          `label #${i} is ${v}; class indices must be integers in 0…${classes - 1}`,
        );
      labels[i] = BigInt(v);
    }
    return { x: x as Tensor<Float32Array>, labels };
  }

  /** Chunks [start, end) with the graph batch each runs at. */
  private chunks(n: number): { start: number; end: number; batch: number }[] {
    const out: { start: number; end: number; batch: number }[] = [];
    for (let start = 0; start < n; start += this.maxChunk) {
      const end = Math.min(n, start + this.maxChunk);
      out.push({
        start,
        end,
        batch: Math.min(this.maxChunk, roundUp(end - start, this.granularity)),
      });
    }
    return out;
  }

  private async runChunk(
    mode: PerSampleMode,
    x: Tensor<Float32Array>,
    labels: BigInt64Array,
    chunk: { start: number; end: number; batch: number },
    weights: Map<string, Tensor<Float32Array>>,
    maxNorm: number,
  ) {
    const { session, graph } = await this.built(mode, chunk.batch);
    const n = x.shape[0] as number;
    const inner = x.data.length / Math.max(1, n);
    const rows = chunk.end - chunk.start;
    const B = chunk.batch;
    const xs = new Float32Array(B * inner);
    xs.set(x.data.subarray(chunk.start * inner, chunk.end * inner));
    const ys = new BigInt64Array(B);
    ys.set(labels.subarray(chunk.start, chunk.end));
    const scale = new Float32Array(B);
    scale.fill(1, 0, rows);
    const feeds: Record<string, Tensor> = {
      [graph.input]: { data: xs, shape: [B, ...x.shape.slice(1)] },
      [graph.labels]: { data: ys, shape: [B] },
      [graph.scale]: { data: scale, shape: [B, 1] },
    };
    if (mode === 'clip') feeds[graph.maxNorm] = { data: Float32Array.of(maxNorm), shape: [] };
    for (const w of graph.weights) {
      const t = weights.get(w);
      if (!t) throw new AisfError('E_INTERNAL', `weight "${w}" missing`);
      feeds[w] = t;
    }
    const out = await session.run(feeds);
    return { out, graph, rows };
  }

  /**
   * Per-example gradients of each example's cross-entropy loss, w.r.t. every trainable weight.
   *
   * @example
   * const ps = await perSampleGradients(model);
   * const { gradients, norms } = await ps.perSample(x, y);
   */
  async perSample(x: Tensor, y: Tensor): Promise<PerSampleResult> {
    const { x: xf, labels } = this.check(x, y);
    const n = xf.shape[0] as number;
    const weights = this.model.weights();
    const gradients = new Map<string, Tensor<Float32Array>>();
    for (const [name, w] of weights)
      gradients.set(name, { data: new Float32Array(n * w.data.length), shape: [n, ...w.shape] });
    const norms = new Float32Array(n);
    const losses = new Float32Array(n);
    if (this.method === 'microbatch') {
      await this.microbatch(xf, labels, (i, g, loss) => {
        let s = 0;
        for (const [name, t] of g) {
          (gradients.get(name) as Tensor<Float32Array>).data.set(t.data, i * t.data.length);
          for (const v of t.data) s += v * v;
        }
        norms[i] = Math.sqrt(s);
        losses[i] = loss;
      });
      return { gradients, norms, losses };
    }
    for (const chunk of this.chunks(n)) {
      const { out, graph, rows } = await this.runChunk('per-sample', xf, labels, chunk, weights, 0);
      norms.set(f32(out, graph.norms).subarray(0, rows), chunk.start);
      losses.set(f32(out, graph.losses).subarray(0, rows), chunk.start);
      for (const [name, acc] of gradients) {
        const per = acc.data.length / Math.max(1, n);
        const g = f32(out, graph.gradients.get(name) as string);
        acc.data.set(g.subarray(0, rows * per), chunk.start * per);
      }
    }
    return { gradients, norms, losses };
  }

  /**
   * Σ_i c_i·g_i with c_i = min(1, C / (‖g_i‖ + 1e-6)) (Opacus flat clipping), the per-example
   * norms before clipping, and the losses.
   *
   * @example
   * const { gradients } = await ps.clippedSum(x, y, 1.0);
   */
  async clippedSum(x: Tensor, y: Tensor, maxGradNorm: number): Promise<ClippedSum> {
    if (!(maxGradNorm > 0))
      throw new AisfError('E_INPUT', `maxGradNorm must be > 0 (got ${maxGradNorm})`);
    const { x: xf, labels } = this.check(x, y);
    const n = xf.shape[0] as number;
    const weights = this.model.weights();
    const gradients = new Map<string, Tensor<Float32Array>>();
    for (const [name, w] of weights)
      gradients.set(name, { data: new Float32Array(w.data.length), shape: [...w.shape] });
    const norms = new Float32Array(n);
    const losses = new Float32Array(n);
    if (this.method === 'microbatch') {
      await this.microbatch(xf, labels, (i, g, loss) => {
        let s = 0;
        for (const t of g.values()) for (const v of t.data) s += v * v;
        const norm = Math.sqrt(s);
        const c = Math.min(1, maxGradNorm / (norm + 1e-6));
        for (const [name, t] of g) {
          const acc = (gradients.get(name) as Tensor<Float32Array>).data;
          for (let k = 0; k < acc.length; k++)
            acc[k] = (acc[k] as number) + c * (t.data[k] as number);
        }
        norms[i] = norm;
        losses[i] = loss;
      });
      return { gradients, norms, losses };
    }
    // An infinite bound means no clipping; float32 Infinity / norm = Infinity, min(1, ·) = 1.
    for (const chunk of this.chunks(n)) {
      const { out, graph, rows } = await this.runChunk(
        'clip',
        xf,
        labels,
        chunk,
        weights,
        maxGradNorm,
      );
      norms.set(f32(out, graph.norms).subarray(0, rows), chunk.start);
      losses.set(f32(out, graph.losses).subarray(0, rows), chunk.start);
      for (const [name, acc] of gradients) {
        const g = f32(out, graph.gradients.get(name) as string);
        for (let k = 0; k < acc.data.length; k++)
          acc.data[k] = (acc.data[k] as number) + (g[k] as number);
      }
    }
    return { gradients, norms, losses };
  }

  private async microbatch(
    x: Tensor<Float32Array>,
    labels: BigInt64Array,
    each: (i: number, g: Map<string, Tensor<Float32Array>>, loss: number) => void,
  ): Promise<void> {
    const n = x.shape[0] as number;
    const inner = x.data.length / Math.max(1, n);
    for (let i = 0; i < n; i++) {
      const r = await this.model.lossAndGradient(
        { data: x.data.subarray(i * inner, (i + 1) * inner), shape: [1, ...x.shape.slice(1)] },
        { data: labels.subarray(i, i + 1), shape: [1] },
        { wrt: 'weights', reduction: 'sum', batchSize: 1 },
      );
      each(i, r.weightGradients ?? new Map(), r.loss);
    }
  }

  /** Releases the per-sample sessions (the model's own sessions stay). */
  async release(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) {
      try {
        await (await s).session.release();
      } catch {
        // A session that failed to build has nothing to release.
      }
    }
  }
}

/**
 * Prepares per-example gradients for a classifier (cross-entropy on the first output): the fast
 * graph when every weight sits in a supported layer, else microbatching.
 *
 * @throws AisfError E_MODEL_UNSUPPORTED_OP when method is 'graph' and the model needs microbatching.
 * @example
 * const ps = await perSampleGradients(model, { threads: 2 });
 * const { gradients, norms } = await ps.clippedSum(x, y, 1.0);
 */
export async function perSampleGradients(
  model: Model,
  options: PerSampleOptions = {},
): Promise<PerSampleGradients> {
  const method = options.method ?? 'auto';
  if (!PER_SAMPLE_METHODS.includes(method))
    throw new AisfError('E_INPUT', `method must be one of ${PER_SAMPLE_METHODS.join(', ')}`);
  const granularity = options.granularity ?? 8;
  if (!Number.isSafeInteger(granularity) || granularity < 1)
    throw new AisfError('E_INPUT', `granularity must be a positive integer (got ${granularity})`);
  const input = model.inputs[0];
  if (!input || model.inputs.length !== 1)
    throw new AisfError('E_INPUT', 'per-sample gradients need a single-input model');
  const inputShapes: Record<string, number[]> = {};
  if (options.inputShape) inputShapes[input.name] = options.inputShape;
  // Derived sessions run like the model's own (its --threads), unless overridden here.
  const runtime: RuntimeOptions = {
    ...model.runtimeOptions,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  };
  const shapes = await probeShapes(model.onnx, { ...runtime, inputShapes });
  const fixedBatch = typeof input.shape[0] === 'number' && !options.inputShape;
  let reason = fixedBatch
    ? `the model's batch size is fixed at ${input.shape[0]}`
    : perSampleUnsupported(model.onnx);
  if (!reason && model.unsupportedOps().length)
    reason = `ops without gradient rules: ${model.unsupportedOps().join(', ')}`;
  if (method === 'graph' && reason)
    throw new AisfError('E_MODEL_UNSUPPORTED_OP', `no per-sample gradient graph: ${reason}`);
  const resolved = method === 'microbatch' || reason ? 'microbatch' : 'graph';
  let maxChunk = options.maxChunk;
  if (maxChunk === undefined) {
    let perExample = 0;
    for (const s of shapes.values())
      if (s[0] === -1) perExample += s.slice(1).reduce((a, d) => a * Math.max(1, d), 1);
    perExample = 3 * perExample + 2 * model.parameterCount();
    maxChunk = Math.min(256, Math.max(8, Math.floor(2 ** 28 / (4 * Math.max(1, perExample)))));
  }
  if (!Number.isSafeInteger(maxChunk) || maxChunk < 1)
    throw new AisfError('E_INPUT', `maxChunk must be a positive integer (got ${maxChunk})`);
  return new PerSampleGradients(
    model,
    resolved,
    resolved === 'microbatch' ? (reason ?? 'microbatch requested') : undefined,
    shapes,
    maxChunk,
    granularity,
    runtime,
  );
}
