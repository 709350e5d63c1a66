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
  | { type: 'create'; id: number; sid: number; bytes: Uint8Array; options: RuntimeOptions }
  | { type: 'run'; id: number; sid: number; feeds: Record<string, Tensor> }
  | { type: 'release'; id: number; sid: number }
  | { type: 'close'; id: number };
export type WorkerReply =
  | {
      id: number;
      ok: true;
      out?: Record<string, Tensor>;
      names?: { inputs: string[]; outputs: string[] };
    }
  | { id: number; ok: false; code: string; message: string };

/** How long a worker may take to release its sessions before it is terminated. */
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
      this.failure ??= new AisfError('E_INTERNAL', 'the worker pool was closed');
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
 * A pool of worker threads, each holding single-threaded ONNX Runtime sessions; every session
 * created through the pool exists once per worker. A Model keeps one pool for all its graphs
 * (forward, gradients), so the threads start once (≈ 0.25 s for two on the 2-core machine).
 */
export class WorkerPool {
  private readonly workers: SessionWorker[];
  private nextSession = 0;
  private turn = 0;
  private closing: Promise<void> | undefined;

  /** `options.threads` workers; each session in them gets 1 intra-op thread. */
  constructor(private readonly options: RuntimeOptions & { threads: number }) {
    this.workers = Array.from({ length: options.threads }, () => new SessionWorker());
  }

  /** Workers in the pool: the number of shards of a batch. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Creates the graph's session in every worker.
   * @throws AisfError E_MODEL_INVALID when ONNX Runtime rejects the graph.
   */
  async createSession(bytes: Uint8Array): Promise<Session> {
    if (this.closing) throw new AisfError('E_INTERNAL', 'the worker pool was closed');
    const sid = this.nextSession++;
    const { parallelism: _, ...perWorker } = { ...this.options, threads: 1 };
    const created = await Promise.allSettled(
      this.workers.map((w) => w.request({ type: 'create', sid, bytes, options: perWorker })),
    );
    const failed = created.find((r) => r.status === 'rejected');
    if (failed) {
      await Promise.allSettled(this.workers.map((w) => w.request({ type: 'release', sid })));
      throw (failed as PromiseRejectedResult).reason;
    }
    const names = (created[0] as PromiseFulfilledResult<WorkerReply & { ok: true }>).value
      .names ?? { inputs: [], outputs: [] };
    const workers = this.workers;
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
      const reply = await w.request({ type: 'run', sid, feeds: sent }, transfer);
      return reply.out as Record<string, Tensor>;
    };
    const run = (feeds: Record<string, Tensor>) =>
      runOn(workers[this.turn++ % workers.length] as SessionWorker, feeds, new Set());
    let released = false;
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
        if (released) return;
        released = true;
        await Promise.allSettled(workers.map((w) => w.request({ type: 'release', sid })));
      },
    };
  }

  /** Releases every session and ends the threads (idempotent). */
  close(): Promise<void> {
    this.closing ??= Promise.all(this.workers.map((w) => w.close())).then(() => undefined);
    return this.closing;
  }
}

/**
 * Creates a data-parallel session with a pool of its own: `options.threads` workers, each running
 * the graph in a single-threaded ONNX Runtime session; releasing the session ends the pool. Use
 * through createSession with `parallelism: 'data'` (a Model shares one pool between its graphs).
 * @example const s = await createSession(bytes, { threads: 2, parallelism: 'data' });
 */
export async function createParallelSession(
  bytes: Uint8Array,
  options: RuntimeOptions & { threads: number },
): Promise<Session> {
  const pool = new WorkerPool(options);
  let session: Session;
  try {
    session = await pool.createSession(bytes);
  } catch (error) {
    await pool.close();
    throw error;
  }
  return {
    ...session,
    async release() {
      await session.release();
      await pool.close();
    },
  };
}
