/**
 * @module ONNX Runtime sessions: creation from encoded bytes with the thread count and
 * optimisation level aisf uses, and typed-array ⇄ ort.Tensor conversion. One place imports
 * onnxruntime-node, so the rest of the engine stays runtime-agnostic.
 */
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { AisfError } from '../../errors.js';
import type { TypedArray } from '../onnx/tensor.js';

/** A dense tensor: data in C order plus its shape. */
export interface Tensor<T extends TypedArray = TypedArray> {
  data: T;
  shape: number[];
}

/** Options for ONNX Runtime sessions. */
export interface RuntimeOptions {
  /**
   * Intra-op threads. ONNX Runtime parallelises inside each kernel (Conv, Gemm …).
   * @default all cores (os.availableParallelism())
   */
  threads?: number;
  /** Write ONNX Runtime's JSON profile with this file prefix (for tuning gradient rules). */
  profilePrefix?: string;
  /**
   * Let idle intra-op threads spin-wait for work (ONNX Runtime's
   * `session.intra_op.allow_spinning`). Spinning lowers latency on an idle machine; on a shared,
   * loaded one it burns the cores the other threads need (measured 1.5× slower per gradient
   * batch at load average 9 on 2 cores).
   * @default true (ONNX Runtime's default)
   */
  spinning?: boolean;
  /**
   * How `threads` are used. `'intra-op'`: one session whose kernels run on `threads` threads.
   * `'data'`: `threads` worker threads, each with its own single-threaded session; a batched run
   * is split into one shard per worker (data parallelism). Small CNNs gain almost nothing from
   * intra-op threads (the Fashion-MNIST bench CNN: 32.7 ms per 1,024-image gradient with 1
   * thread, 32.2 ms with 2) while shards on separate cores run side by side; each worker holds its
   * own copy of the model. Only runs that say how to split (`runSharded`) are split.
   * @default 'intra-op'
   */
  parallelism?: 'intra-op' | 'data';
}

/**
 * How a batched run is split into shards: feeds whose first dimension is the batch, and outputs
 * that are sums over the batch (e.g. weight gradients). Every other output is per sample and is
 * concatenated along its first dimension; every other feed goes whole to every shard.
 */
export interface ShardPlan {
  batched: readonly string[];
  sum?: readonly string[];
}

/** A created session plus its input/output names. */
export interface Session {
  run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>;
  /**
   * Runs a batch that may be split into shards run side by side (`parallelism: 'data'`); the
   * outputs are merged as the plan says. A single-session runtime runs it whole.
   */
  runSharded(feeds: Record<string, Tensor>, plan: ShardPlan): Promise<Record<string, Tensor>>;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Ends profiling and returns the profile file path (if profiling). */
  endProfiling(): string | undefined;
  release(): Promise<void>;
}

function ortType(
  data: TypedArray,
): 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'int8' | 'uint16' | 'int16' {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int16Array) return 'int16';
  return 'uint8';
}

/**
 * Creates an ONNX Runtime session from ONNX bytes.
 *
 * @throws AisfError E_MODEL_INVALID when ONNX Runtime rejects the graph.
 * @example
 * const s = await createSession(encodeModel(model), { threads: 2 });
 */
export async function createSession(
  bytes: Uint8Array,
  options: RuntimeOptions = {},
): Promise<Session> {
  const threads = options.threads ?? availableParallelism();
  if (options.parallelism === 'data' && threads > 1) {
    // Imported here so single-session users never load the worker pool.
    const { createParallelSession } = await import('./parallel.js');
    return createParallelSession(bytes, { ...options, threads });
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...(options.profilePrefix
        ? { enableProfiling: true, profileFilePrefix: options.profilePrefix }
        : {}),
      ...(options.spinning === false
        ? { extra: { session: { intra_op: { allow_spinning: '0' } } } }
        : {}),
    });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new AisfError('E_MODEL_INVALID', `ONNX Runtime rejected the model: ${reason}`, { cause });
  }
  let profileFile: string | undefined;
  const handle: Session = {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds))
        ortFeeds[name] = new ort.Tensor(ortType(t.data), t.data as never, t.shape);
      let result: ort.InferenceSession.ReturnType;
      try {
        result = await session.run(ortFeeds);
      } catch (cause) {
        const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
        throw new AisfError(
          'E_INPUT',
          `ONNX Runtime could not run the model on this input: ${reason}`,
          { cause },
        );
      }
      const out: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(result))
        out[name] = { data: t.data as TypedArray, shape: t.dims.map(Number) };
      return out;
    },
    runSharded(feeds) {
      return handle.run(feeds);
    },
    endProfiling() {
      if (options.profilePrefix && profileFile === undefined) {
        session.endProfiling();
        profileFile = options.profilePrefix;
      }
      return profileFile;
    },
    async release() {
      await session.release();
    },
  };
  return handle;
}
