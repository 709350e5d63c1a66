/**
 * @module The model API every technique builds on: load an ONNX model safely, describe its inputs
 * and outputs, predict in memory-bounded batches, and compute losses with gradients w.r.t. the
 * input and/or the weights through aisf's ONNX autodiff — one ONNX Runtime session per graph,
 * created once and reused.
 */

import { readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { AisfError } from '../errors.js';
import {
  buildGradientGraph,
  type GradientGraph,
  trainableWeights,
  unsupportedOps,
} from './autodiff/backward.js';
import { LOSSES, type LossName, REDUCTIONS, type Reduction } from './autodiff/losses.js';
import { type ProbedShape, probeShapes } from './autodiff/shapes.js';
import { checkModel, defaultOpset } from './onnx/checker.js';
import { hasExternalData, resolveExternalData } from './onnx/external.js';
import { checkModelIsolated, type ParseIsolation } from './onnx/isolate.js';
import { type DecodeLimits, decodeModel, encodeModel, type ModelProto } from './onnx/proto.js';
import { type OnnxSafetyFinding, scanOnnxModel } from './onnx/safety.js';
import { DATA_TYPE_NAMES, elementCount, tensorToArray } from './onnx/tensor.js';
import { WorkerPool } from './runtime/parallel.js';
import {
  createSession,
  type RuntimeOptions,
  type Session,
  type Tensor,
} from './runtime/session.js';

/** Options of loadModel. */
export interface LoadOptions extends RuntimeOptions, DecodeLimits {
  /**
   * Load a model that failed the safety checks (custom ops, Python ops, external data outside
   * the folder, size mismatches). Only for models from a source you trust.
   * @default false
   */
  trusted?: boolean;
  /** Full input shape (batch first) when the model declares symbolic non-batch dims. */
  inputShape?: number[];
  /**
   * Memory budget for one batch's activations (forward + backward), used to split large inputs.
   * @default 512 MiB
   */
  memoryLimitBytes?: number;
  /** Name used in messages (defaults to the path). */
  source?: string;
  /**
   * Limits of the worker that parses a model file before this thread does (skipped when
   * `trusted`, or with `false`, e.g. for files this process wrote itself).
   * @default { memoryMb: 1024, timeoutMs: 120000 }
   */
  isolation?: ParseIsolation | false;
}

/** A model input or output as users see it. */
export interface TensorInfo {
  name: string;
  /** Dims: numbers, symbolic names (e.g. "batch"), or null when unknown. */
  shape: (number | string | null)[];
  /** "float32", "int64" … */
  type: string;
}

/** Options of lossAndGradient. */
export interface GradientOptions {
  /** @default 'cross-entropy' */
  loss?: LossName;
  /** Sum over samples, or mean over samples (PyTorch's default for cross_entropy). @default 'sum' */
  reduction?: Reduction;
  /** What to differentiate. @default 'input' */
  wrt?: 'input' | 'weights' | 'both';
  /** κ of the Carlini–Wagner margin. @default 0 */
  kappa?: number;
  /** Samples per ONNX Runtime run; default from memoryLimitBytes. */
  batchSize?: number;
  /** Output to treat as logits. @default the first graph output */
  output?: string;
}

/** What lossAndGradient returns. */
export interface GradientResult {
  /** The reduced loss (sum, or mean over samples). */
  loss: number;
  /** Per-sample losses. */
  losses: Float32Array;
  logits: Tensor<Float32Array>;
  /** d loss / d input, shaped like the input (when wrt includes the input). */
  inputGradient?: Tensor<Float32Array>;
  /** d loss / d weight per trainable initializer (when wrt includes the weights). */
  weightGradients?: Map<string, Tensor<Float32Array>>;
}

const DEFAULT_MEMORY = 512 * 2 ** 20;

function infoOf(v: {
  name: string;
  elemType: number;
  shape?: (number | string | undefined)[];
}): TensorInfo {
  return {
    name: v.name,
    shape: v.shape ? v.shape.map((d) => (d === undefined ? null : d)) : [],
    type: DATA_TYPE_NAMES[v.elemType] ?? 'unknown',
  };
}

function asFloat32(t: Tensor, what: string): Tensor<Float32Array> {
  if (t.data instanceof Float32Array) return t as Tensor<Float32Array>;
  if (t.data instanceof Float64Array) return { data: Float32Array.from(t.data), shape: t.shape };
  if (t.data instanceof Uint8Array)
    throw new AisfError(
      'E_INPUT',
      `${what} is uint8; scale it to float32 first (e.g. divide by 255)`,
    );
  throw new AisfError('E_INPUT', `${what} must be float32 or float64`);
}

/**
 * A loaded ONNX model. Create with loadModel; call release() when done to free the sessions.
 */
export class Model {
  /** Graph inputs (initializers excluded). */
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  /** Default-domain opset. */
  readonly opset: number;
  private readonly sessions = new Map<
    string,
    Promise<{ session: Session; graph?: GradientGraph }>
  >();
  private shapesPromise: Promise<Map<string, ProbedShape>> | undefined;
  /** The worker threads of `parallelism: 'data'`, shared by all of this model's graphs. */
  private pool: WorkerPool | undefined;
  private weightCache: Map<string, Tensor<Float32Array>> | undefined;

  /** @internal use loadModel */
  constructor(
    private proto: ModelProto,
    private readonly options: LoadOptions,
  ) {
    const graph = proto.graph as NonNullable<ModelProto['graph']>;
    const inits = new Set(graph.initializer.map((t) => t.name));
    this.inputs = graph.input.filter((v) => !inits.has(v.name)).map(infoOf);
    this.outputs = graph.output.map(infoOf);
    this.opset = defaultOpset(proto) ?? 0;
  }

  /** The decoded ONNX model (treat as read-only; use setWeights to change parameters). */
  get onnx(): ModelProto {
    return this.proto;
  }

  /** The ONNX Runtime options the model was loaded with (threads, spinning), for derived sessions. */
  get runtimeOptions(): RuntimeOptions {
    const { threads, spinning, profilePrefix, parallelism } = this.options;
    return {
      ...(threads === undefined ? {} : { threads }),
      ...(spinning === undefined ? {} : { spinning }),
      ...(parallelism === undefined ? {} : { parallelism }),
      ...(profilePrefix === undefined ? {} : { profilePrefix }),
    };
  }

  /**
   * Independent batches worth running at the same time: the worker count of a data-parallel
   * model (its shards interleave while the caller works on another batch), 1 otherwise.
   */
  get concurrency(): number {
    const { parallelism, threads } = this.options;
    return parallelism === 'data' ? Math.max(1, threads ?? availableParallelism()) : 1;
  }

  private get source(): string {
    return this.options.source ?? 'the model';
  }

  /** Op type → count, over the main graph. */
  opCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const n of this.proto.graph?.node ?? []) counts[n.opType] = (counts[n.opType] ?? 0) + 1;
    return counts;
  }

  /** Number of trainable parameters (elements of float initializers the output depends on). */
  parameterCount(): number {
    let total = 0;
    const names = new Set(trainableWeights(this.proto));
    for (const t of this.proto.graph?.initializer ?? [])
      if (names.has(t.name)) total += elementCount(t.dims) ?? 0;
    return total;
  }

  /** Op types on the path to the output that aisf cannot differentiate (empty: gradients work). */
  unsupportedOps(): string[] {
    return unsupportedOps(this.proto);
  }

  private shapes(): Promise<Map<string, ProbedShape>> {
    if (!this.shapesPromise) {
      const inputShapes: Record<string, number[]> = {};
      const first = this.inputs[0];
      if (this.options.inputShape && first) inputShapes[first.name] = this.options.inputShape;
      this.shapesPromise = probeShapes(this.proto, { inputShapes });
    }
    return this.shapesPromise;
  }

  /** Samples per run under the memory budget (≥ 1). */
  private async batchSizeFor(factor: number, requested?: number): Promise<number> {
    // Exports with a fixed batch dim (e.g. [1, 3, 224, 224]) run in chunks of exactly that size.
    const fixed = this.options.inputShape ? undefined : this.inputs[0]?.shape[0];
    if (typeof fixed === 'number' && fixed > 0) {
      if (requested !== undefined && requested !== fixed)
        throw new AisfError(
          'E_INPUT',
          `the model's batch size is fixed at ${fixed}; batchSize ${requested} cannot be used`,
        );
      return fixed;
    }
    if (requested !== undefined) {
      if (!Number.isSafeInteger(requested) || requested < 1)
        throw new AisfError('E_INPUT', `batchSize must be a positive integer (got ${requested})`);
      return requested;
    }
    const shapes = await this.shapes();
    let perSample = 0;
    for (const s of shapes.values())
      if (s[0] === -1) perSample += 4 * s.slice(1).reduce((a, d) => a * Math.max(1, d), 1);
    const budget = this.options.memoryLimitBytes ?? DEFAULT_MEMORY;
    return Math.max(1, Math.floor(budget / Math.max(1, perSample * factor)));
  }

  private session(key: string, build: () => Promise<{ bytes: Uint8Array; graph?: GradientGraph }>) {
    let s = this.sessions.get(key);
    if (!s) {
      s = build().then(async ({ bytes, graph }) => ({
        session: await this.openSession(bytes),
        ...(graph ? { graph } : {}),
      }));
      this.sessions.set(key, s);
    }
    return s;
  }

  /** A session for a graph: from the shared worker pool when data-parallel, else a plain one. */
  private openSession(bytes: Uint8Array): Promise<Session> {
    const threads = this.options.threads ?? availableParallelism();
    if (this.options.parallelism !== 'data' || threads < 2)
      return createSession(bytes, this.options);
    this.pool ??= new WorkerPool({ ...this.runtimeOptions, threads });
    return this.pool.createSession(bytes);
  }

  private checkInput(x: Tensor): Tensor<Float32Array> {
    const input = this.inputs[0];
    if (!input || this.inputs.length !== 1)
      throw new AisfError(
        'E_INPUT',
        `${this.source} has ${this.inputs.length} inputs; aisf runs single-input models`,
      );
    const t = asFloat32(x, `input "${input.name}"`);
    const n = t.shape.reduce((a, d) => a * d, 1);
    if (n !== t.data.length)
      throw new AisfError(
        'E_INPUT',
        `input shape [${t.shape.join(', ')}] does not match its ${t.data.length} values`,
      );
    const expected = this.options.inputShape ?? input.shape;
    const ok =
      t.shape.length === expected.length &&
      expected.every((d, i) => i === 0 || typeof d !== 'number' || d === t.shape[i]);
    if (!ok)
      throw new AisfError(
        'E_INPUT',
        `input shape [${t.shape.join(', ')}] does not fit model input "${input.name}" [${expected.map((d) => d ?? '?').join(', ')}]`,
      );
    return t;
  }

  private checkFixedBatch(x: Tensor): void {
    const fixed = this.options.inputShape ? undefined : this.inputs[0]?.shape[0];
    if (typeof fixed === 'number' && fixed > 1 && (x.shape[0] as number) % fixed !== 0)
      throw new AisfError(
        'E_INPUT',
        `the model's batch size is fixed at ${fixed}; pass a multiple of ${fixed} samples`,
      );
  }

  /**
   * Runs the model on a batch (split into memory-bounded chunks) and returns the first output.
   *
   * @example
   * const logits = await model.predict({ data: x, shape: [128, 1, 28, 28] });
   */
  async predict(x: Tensor, options: { batchSize?: number } = {}): Promise<Tensor<Float32Array>> {
    const input = this.checkInput(x);
    this.checkFixedBatch(input);
    const { session } = await this.session('forward', async () => ({
      bytes: encodeModel(this.proto),
    }));
    const name = (this.inputs[0] as TensorInfo).name;
    const out = this.proto.graph?.output[0]?.name as string;
    const batch = await this.batchSizeFor(1, options.batchSize);
    const n = input.shape[0] as number;
    const inner = input.data.length / Math.max(1, n);
    const chunks: Float32Array[] = [];
    let outShape: number[] = [];
    for (let start = 0; start < n; start += batch) {
      const end = Math.min(n, start + batch);
      const result = await session.runSharded(
        {
          [name]: {
            data: input.data.subarray(start * inner, end * inner),
            shape: [end - start, ...input.shape.slice(1)],
          },
        },
        { batched: [name] },
      );
      const y = result[out] as Tensor;
      chunks.push(asFloat32(y, 'output').data);
      outShape = y.shape;
    }
    const total = chunks.reduce((a, c) => a + c.length, 0);
    const data = new Float32Array(total);
    let offset = 0;
    for (const c of chunks) {
      data.set(c, offset);
      offset += c.length;
    }
    return { data, shape: [n, ...outShape.slice(1)] };
  }

  /** Trainable weights (copies), keyed by initializer name. */
  weights(): Map<string, Tensor<Float32Array>> {
    if (!this.weightCache) {
      const names = new Set(trainableWeights(this.proto));
      this.weightCache = new Map();
      for (const t of this.proto.graph?.initializer ?? [])
        if (names.has(t.name))
          this.weightCache.set(t.name, {
            data: tensorToArray(t) as Float32Array,
            shape: [...t.dims],
          });
    }
    return new Map(
      [...this.weightCache].map(([k, v]) => [k, { data: v.data.slice(), shape: [...v.shape] }]),
    );
  }

  /**
   * Replaces weights (same names and shapes). Forward sessions are rebuilt on next use; gradient
   * sessions that take the weights as inputs keep running.
   *
   * @example
   * model.setWeights(new Map([['fc.weight', { data: w, shape: [10, 64] }]]));
   */
  setWeights(weights: ReadonlyMap<string, Tensor<Float32Array>>): void {
    const current = this.weights();
    for (const [name, t] of weights) {
      const old = current.get(name);
      if (!old || old.data.length !== t.data.length)
        throw new AisfError('E_INPUT', `weight "${name}" is not a trainable weight of this shape`);
      const init = this.proto.graph?.initializer.find((x) => x.name === name);
      if (!init) continue;
      init.rawData = new Uint8Array(t.data.slice().buffer);
      init.floatData = [];
      this.weightCache?.set(name, { data: t.data.slice(), shape: [...old.shape] });
    }
    for (const key of [...this.sessions.keys()])
      if (!key.includes('weights')) this.dropSession(key);
  }

  private dropSession(key: string): void {
    const s = this.sessions.get(key);
    this.sessions.delete(key);
    void s?.then(({ session }) => session.release()).catch(() => undefined);
  }

  /** The model as ONNX bytes (with the current weights). */
  toOnnx(): Uint8Array {
    return encodeModel(this.proto);
  }

  private labelsFor(y: Tensor, n: number, classes: number, loss: LossName, logitShape: number[]) {
    const floatTarget =
      loss === 'mse' &&
      y.shape.length === logitShape.length &&
      y.shape.slice(1).every((d, i) => d === logitShape[i + 1]);
    if (floatTarget) return { classes: false, tensor: asFloat32(y, 'labels') };
    if (y.data.length !== n)
      throw new AisfError(
        'E_INPUT',
        `labels hold ${y.data.length} values for ${n} samples; pass one class index per sample`,
      );
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) {
      const v = Number(y.data[i]);
      if (!Number.isInteger(v) || v < 0 || v >= classes)
        throw new AisfError(
          'E_INPUT',
          `label #${i} is ${v}; class indices must be integers in 0…${classes - 1}`,
        );
      out[i] = BigInt(v);
    }
    return { classes: true, tensor: { data: out, shape: [n] } as Tensor };
  }

  /**
   * Loss and gradients for a labelled batch, through the autodiff graph (built once per
   * loss/wrt/label kind and cached).
   *
   * @throws AisfError E_MODEL_UNSUPPORTED_OP when an op on the path has no gradient rule.
   * @example
   * const { loss, inputGradient } = await model.lossAndGradient(x, y, { loss: 'cross-entropy' });
   */
  async lossAndGradient(
    x: Tensor,
    y: Tensor,
    options: GradientOptions = {},
  ): Promise<GradientResult> {
    const loss = options.loss ?? 'cross-entropy';
    const reduction = options.reduction ?? 'sum';
    const wrtName = options.wrt ?? 'input';
    if (!LOSSES.includes(loss))
      throw new AisfError('E_INPUT', `loss must be one of ${LOSSES.join(', ')}`);
    if (!REDUCTIONS.includes(reduction))
      throw new AisfError('E_INPUT', `reduction must be sum or mean`);
    const wrt: ('input' | 'weights')[] = wrtName === 'both' ? ['input', 'weights'] : [wrtName];
    const input = this.checkInput(x);
    this.checkFixedBatch(input);
    const n = input.shape[0] as number;
    const shapes = await this.shapes();
    const outName = options.output ?? (this.proto.graph?.output[0]?.name as string);
    if (!this.outputs.some((o) => o.name === outName))
      throw new AisfError(
        'E_INPUT',
        `output "${outName}" is not an output of the model (outputs: ${this.outputs.map((o) => o.name).join(', ')})`,
      );
    const logitShape = shapes.get(outName) ?? [];
    const classes = logitShape[logitShape.length - 1] ?? 0;
    const labels = this.labelsFor(y, n, classes, loss, logitShape);
    const key = `grad:${loss}:${wrt.join('+')}:${labels.classes}:${options.kappa ?? 0}:${outName}`;
    const { session, graph } = await this.session(key, async () => {
      const g = buildGradientGraph(this.proto, shapes, {
        loss,
        wrt,
        labelsAreClasses: labels.classes,
        output: outName,
        ...(options.kappa === undefined ? {} : { kappa: options.kappa }),
      });
      return { bytes: encodeModel(g.model), graph: g };
    });
    const g = graph as GradientGraph;
    const batch = await this.batchSizeFor(3, options.batchSize);
    const inner = input.data.length / Math.max(1, n);
    const labelInner = labels.tensor.data.length / Math.max(1, n);
    const scale = reduction === 'mean' ? 1 / n : 1;
    const all = g.weights.length ? this.weights() : new Map<string, Tensor<Float32Array>>();
    const weights = new Map(g.weights.map((w) => [w, all.get(w) as Tensor<Float32Array>]));
    const losses = new Float32Array(n);
    const logitChunks: Float32Array[] = [];
    // One chunk (the attacks' case): the runtime's output arrays are returned as they are.
    const single = n <= batch;
    const wantInput = wrt.includes('input');
    let inputGrad: Float32Array | undefined =
      wantInput && !single ? new Float32Array(input.data.length) : undefined;
    const weightGrads = new Map<string, Tensor<Float32Array>>();
    for (const [name, w] of weights)
      weightGrads.set(name, { data: new Float32Array(w.data.length), shape: w.shape });
    let outShape: number[] = [];
    for (let start = 0; start < n; start += batch) {
      const end = Math.min(n, start + batch);
      const feeds: Record<string, Tensor> = {
        [g.inputs[0] as string]: {
          data: input.data.subarray(start * inner, end * inner),
          shape: [end - start, ...input.shape.slice(1)],
        },
        [g.labels]: {
          data: labels.tensor.data.subarray(start * labelInner, end * labelInner),
          shape: [end - start, ...labels.tensor.shape.slice(1)],
        },
        [g.scale]: { data: Float32Array.of(scale), shape: [] },
      };
      for (const [name, w] of weights) feeds[name] = w;
      const out = await session.runSharded(feeds, {
        batched: [g.inputs[0] as string, g.labels],
        sum: [...weights.keys()].map((w) => g.gradients.get(w) as string),
      });
      losses.set(asFloat32(out[g.losses] as Tensor, 'losses').data, start);
      const logits = out[g.logits] as Tensor;
      logitChunks.push(asFloat32(logits, 'logits').data);
      outShape = logits.shape;
      if (wantInput) {
        const gx = asFloat32(
          out[g.gradients.get(g.inputs[0] as string) as string] as Tensor,
          'gradient',
        ).data;
        if (single) inputGrad = gx;
        else inputGrad?.set(gx, start * inner);
      }
      for (const [name, acc] of weightGrads) {
        const gw = asFloat32(out[g.gradients.get(name) as string] as Tensor, 'gradient').data;
        for (let i = 0; i < gw.length; i++)
          acc.data[i] = (acc.data[i] as number) + (gw[i] as number);
      }
    }
    let total = 0;
    for (const l of losses) total += l;
    let logitData = logitChunks[0] ?? new Float32Array(0);
    if (logitChunks.length > 1) {
      logitData = new Float32Array(logitChunks.reduce((a, c) => a + c.length, 0));
      let offset = 0;
      for (const c of logitChunks) {
        logitData.set(c, offset);
        offset += c.length;
      }
    }
    return {
      loss: total * scale,
      losses,
      logits: { data: logitData, shape: [n, ...outShape.slice(1)] },
      ...(inputGrad ? { inputGradient: { data: inputGrad, shape: [...input.shape] } } : {}),
      ...(weightGrads.size ? { weightGradients: weightGrads } : {}),
    };
  }

  /** Releases every ONNX Runtime session of this model. */
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
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }
}

function unsafeModel(name: string, findings: readonly OnnxSafetyFinding[]): AisfError {
  return new AisfError(
    'E_MODEL_UNSAFE',
    `${name} failed the safety checks and was not loaded: ${findings.map((f) => f.message).join('; ')}. Load it only if you trust its source (--trusted / { trusted: true })`,
    { details: findings },
  );
}

/**
 * Loads an ONNX model from a path or bytes: bounded decode, safety checks (refused with
 * E_MODEL_UNSAFE unless `trusted`; a file is first parsed in a worker with memory and time limits),
 * external data from the model's folder only, and the checker.
 * No ONNX Runtime session is created until the first predict/gradient call.
 *
 * @example
 * const model = await loadModel('lenet.onnx', { threads: 2 });
 * const logits = await model.predict(x);
 */
export async function loadModel(
  source: string | Uint8Array,
  options: LoadOptions = {},
): Promise<Model> {
  let bytes: Uint8Array;
  let folder: string | undefined;
  let name = options.source ?? 'the model';
  if (typeof source === 'string') {
    const path = resolve(source);
    name = options.source ?? source;
    let size: number;
    try {
      size = statSync(path).size;
    } catch (cause) {
      throw new AisfError('E_FILE_NOT_FOUND', `model file ${source} does not exist`, { cause });
    }
    const limit = options.maxBytes ?? 2 ** 31 - 1;
    if (size > limit)
      throw new AisfError(
        'E_MODEL_INVALID',
        `${source} is ${size} bytes, above the ${limit}-byte limit; store weights as external data`,
      );
    if (!options.trusted && options.isolation !== false) {
      // Untrusted file: first parse and check it in a worker with memory and time limits.
      const limits: DecodeLimits & { source: string } = { source: name };
      if (options.maxBytes !== undefined) limits.maxBytes = options.maxBytes;
      if (options.maxDepth !== undefined) limits.maxDepth = options.maxDepth;
      if (options.maxRepeated !== undefined) limits.maxRepeated = options.maxRepeated;
      const early = await checkModelIsolated(path, limits, options.isolation ?? {});
      if (early.length) throw unsafeModel(name, early);
    }
    bytes = readFileSync(path);
    folder = dirname(path);
  } else bytes = source;
  const proto = decodeModel(bytes, { ...options, source: name });
  const findings = scanOnnxModel(proto);
  if (findings.length && !options.trusted) throw unsafeModel(name, findings);
  if (hasExternalData(proto)) {
    if (!folder)
      throw new AisfError(
        'E_MODEL_INVALID',
        `${name} stores weights in external files; load it from a path, not bytes`,
      );
    resolveExternalData(proto, folder);
  }
  checkModel(proto, { source: name });
  return new Model(proto, { ...options, source: name });
}
