/**
 * @module Data-parallel ONNX Runtime sessions: one worker thread per requested thread, each with
 * its own single-threaded session on the same graph. A batched run is cut into contiguous shards
 * (one per worker) that run side by side; per-sample outputs are concatenated in order and
 * batch-summed outputs (weight gradients) are added, so the result equals one whole-batch run up
 * to float summation order in the sums.
 */
import { Worker } from 'node:worker_threads';
import { AisfError, type ErrorCode } from '../../errors.js';
import type { TypedArray } from '../onnx/tensor.js';
import { workerEntry } from '../worker-entry.js';
import type { RuntimeOptions, Session, Tensor } from './session.js';

/** Messages to and from parallel-worker.ts. */
export type WorkerRequest =
  | { type: 'create'; id: number; bytes: Uint8Array; options: RuntimeOptions }
  | { type: 'run'; id: number; feeds: Record<string, Tensor> }
  | { type: 'close'; id: number };
export type WorkerReply =
  | {
      id: number;
      ok: true;
      out?: Record<string, Tensor>;
      names?: { inputs: string[]; outputs: string[] };
    }
  | { id: number; ok: false; code: string; message: string };

/** How long a worker may take to release its session before it is terminated. */
const CLOSE_TIMEOUT_MS = 10_000;

interface Pending {
  resolve(reply: WorkerReply & { ok: true }): void;
  reject(error: unknown): void;
}

/** One worker thread and its pending requests. */
class SessionWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private failure: AisfError | undefined;
  private readonly exited: Promise<unknown>;

  constructor() {
    const { url, eval: isEval } = workerEntry(import.meta.url, './parallel-worker');
    // execArgv []: the worker must not inherit the parent's loader flags (tsx, vitest).
    this.worker = new Worker(url, { eval: isEval, execArgv: [] });
    this.exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if (reply.ok) p.resolve(reply);
      else p.reject(new AisfError(reply.code as ErrorCode, reply.message));
    });
    const fail = (why: string) => {
      this.failure ??= new AisfError('E_INTERNAL', `an ONNX Runtime worker thread ${why}`);
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
    this.worker.on('error', (error) => fail(`failed: ${error.message.slice(0, 200)}`));
    this.worker.on('exit', (code) => fail(`exited (code ${code})`));
    // An idle pool must not keep the process alive; a pending request does (request()).
    this.worker.unref();
  }

  request(
    message: WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never,
    transfer: ArrayBuffer[] = [],
  ): Promise<WorkerReply & { ok: true }> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  /**
   * Releases the worker's session and lets the thread end by itself; terminates it only if it
   * does not answer in time. (Terminating a thread inside ONNX Runtime can take the process down.)
   */
  async close(): Promise<void> {
    if (!this.failure) {
      let timer: NodeJS.Timeout | undefined;
      const closed = this.request({ type: 'close' }).then(
        () => true,
        () => false,
      );
      const late = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), CLOSE_TIMEOUT_MS);
      });
      const graceful = await Promise.race([closed, late]);
      clearTimeout(timer);
      this.failure ??= new AisfError('E_INTERNAL', 'the session was released');
      if (graceful) {
        this.worker.ref();
        await this.exited;
        return;
      }
    }
    await this.worker.terminate();
  }
}

/** Sizes of `shards` contiguous shards of `n` samples, as even as possible (larger first). */
export function shardSizes(n: number, shards: number): number[] {
  const k = Math.max(1, Math.min(shards, n));
  const base = Math.floor(n / k);
  return Array.from({ length: k }, (_, i) => base + (i < n % k ? 1 : 0));
}

/** A copy of rows [start, end) of a batch-first tensor, in its own buffer (so it can be transferred). */
function rows(t: Tensor, start: number, end: number): Tensor {
  const n = t.shape[0] as number;
  const inner = n === 0 ? 0 : t.data.length / n;
  return {
    data: t.data.slice(start * inner, end * inner),
    shape: [end - start, ...t.shape.slice(1)],
  };
}

/** Merges shard outputs: sums for `sum`, concatenation along dim 0 for the rest. */
export function mergeShards(
  parts: readonly Record<string, Tensor>[],
  sum: ReadonlySet<string>,
): Record<string, Tensor> {
  const first = parts[0] as Record<string, Tensor>;
  if (parts.length === 1) return first;
  const out: Record<string, Tensor> = {};
  for (const [name, t0] of Object.entries(first)) {
    const tensors = parts.map((p) => p[name] as Tensor);
    const Ctor = t0.data.constructor as new (length: number) => TypedArray;
    if (sum.has(name)) {
      const acc = new Ctor(t0.data.length) as Float32Array;
      for (const t of tensors) {
        const d = t.data as Float32Array;
        for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) + (d[i] as number);
      }
      out[name] = { data: acc, shape: [...t0.shape] };
      continue;
    }
    const total = tensors.reduce((a, t) => a + t.data.length, 0);
    const data = new Ctor(total);
    let offset = 0;
    let rowsTotal = 0;
    for (const t of tensors) {
      (data as Float32Array).set(t.data as Float32Array, offset);
      offset += t.data.length;
      rowsTotal += t.shape[0] ?? 0;
    }
    out[name] = { data, shape: [rowsTotal, ...t0.shape.slice(1)] };
  }
  return out;
}

/**
 * Creates a data-parallel session: `options.threads` workers, each running the graph in its own
 * single-threaded ONNX Runtime session. Use through createSession with `parallelism: 'data'`.
 * @example const s = await createSession(bytes, { threads: 2, parallelism: 'data' });
 */
export async function createParallelSession(
  bytes: Uint8Array,
  options: RuntimeOptions & { threads: number },
): Promise<Session> {
  const workers = Array.from({ length: options.threads }, () => new SessionWorker());
  const { parallelism: _, ...perWorker } = { ...options, threads: 1 };
  let names: { inputs: string[]; outputs: string[] } = { inputs: [], outputs: [] };
  try {
    const replies = await Promise.all(
      workers.map((w) => w.request({ type: 'create', bytes, options: perWorker })),
    );
    names = replies[0]?.names ?? names;
  } catch (error) {
    await Promise.all(workers.map((w) => w.close()));
    throw error;
  }
  let turn = 0;
  /** Posts a run; `owned` feeds are this call's own copies, moved to the worker without a copy. */
  const runOn = async (
    w: SessionWorker,
    feeds: Record<string, Tensor>,
    owned: ReadonlySet<string>,
  ): Promise<Record<string, Tensor>> => {
    const transfer: ArrayBuffer[] = [];
    const sent: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      if (owned.has(name)) {
        transfer.push(t.data.buffer as ArrayBuffer);
        sent[name] = t;
        continue;
      }
      // Cloning a view clones its whole buffer: send exactly the view's values.
      const whole = t.data.byteOffset === 0 && t.data.byteLength === t.data.buffer.byteLength;
      sent[name] = whole ? t : { data: t.data.slice(), shape: t.shape };
    }
    return (await w.request({ type: 'run', feeds: sent }, transfer)).out as Record<string, Tensor>;
  };
  const run = (feeds: Record<string, Tensor>) =>
    runOn(workers[turn++ % workers.length] as SessionWorker, feeds, new Set());
  return {
    inputNames: names.inputs,
    outputNames: names.outputs,
    run,
    async runSharded(feeds, plan) {
      const batched = plan.batched.filter((name) => feeds[name] !== undefined);
      const n = batched.length ? ((feeds[batched[0] as string] as Tensor).shape[0] ?? 0) : 0;
      const sizes = shardSizes(n, workers.length);
      if (sizes.length < 2) return run(feeds);
      let start = 0;
      const owned = new Set(batched);
      const parts = await Promise.all(
        sizes.map((size, i) => {
          const shard: Record<string, Tensor> = {};
          for (const [name, t] of Object.entries(feeds))
            shard[name] = owned.has(name) ? rows(t, start, start + size) : t;
          start += size;
          return runOn(workers[i] as SessionWorker, shard, owned);
        }),
      );
      return mergeShards(parts, new Set(plan.sum ?? []));
    },
    endProfiling() {
      return undefined;
    },
    async release() {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
