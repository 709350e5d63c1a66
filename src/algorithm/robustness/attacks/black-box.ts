/**
 * @module What black-box attacks share: a per-sample query budget that is never exceeded, a pool
 * that runs one coroutine per sample and answers their queries in lockstep batches (one
 * `predict` call per round), per-sample seeded RNGs (results independent of the batch size),
 * the margin loss and the float32 L∞ box.
 */
import type { Tensor } from '../../../engine/index.js';
import { AisfError } from '../../../errors.js';
import { createRng, type Rng, type ValueRange } from '../image.js';
import type { PredictModel } from './attack.js';
import { nextFloat32 } from './common.js';

/** Thrown inside a sample's coroutine when its next query would exceed the budget. */
export class BudgetExhausted extends Error {
  constructor() {
    super('query budget exhausted');
  }
}

/** A sample's query function: k points (k·inner float32 values) → k rows of model scores. */
export type QueryFn = (points: Float32Array, k: number) => Promise<Float32Array>;

/** What a sample coroutine gets. */
export interface SampleContext {
  /** Index of the sample in the batch. */
  index: number;
  /** Asks the model; throws BudgetExhausted instead of exceeding the budget. */
  query: QueryFn;
  /** Queries spent so far. */
  used(): number;
  /** Queries left. */
  remaining(): number;
  /** Reports this sample's progress 0…1. */
  progress(fraction: number): void;
  /** This sample's RNG (seeded by the run's seed and the sample index). */
  rng: Rng;
}

/** Options of runSamples. */
export interface PoolOptions {
  /** Per-sample query budget. */
  maxQueries: number;
  seed: number;
  /** Samples attacked at the same time (bounds memory). @default 128 */
  concurrency: number;
  /** Rows per `predict` call handed to the engine. */
  batchSize: number;
  onProgress?: (fraction: number) => void;
}

/** A per-sample seed: a 32-bit mix of the run seed and the index (SplitMix-style). */
export function sampleSeed(seed: number, index: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Runs `worker` once per sample (at most `concurrency` at a time) and batches their queries:
 * whenever every running coroutine is waiting for an answer, all pending points go to the model
 * in one `predict` call. Each sample's queries are counted and capped at `maxQueries`.
 *
 * @example
 * const { results, queries } = await runSamples(model, [1, 28, 28], 100, opts, async (s) => { … });
 */
export async function runSamples<T>(
  model: PredictModel,
  sampleShape: readonly number[],
  n: number,
  options: PoolOptions,
  worker: (s: SampleContext) => Promise<T>,
): Promise<{ results: T[]; queries: number[] }> {
  const inner = sampleShape.reduce((a, b) => a * b, 1);
  const queries = new Array<number>(n).fill(0);
  const progress = new Float64Array(n);
  const results = new Array<T>(n);
  let failure: unknown;
  let pending: { points: Float32Array; k: number; resolve: (v: Float32Array) => void }[] = [];
  let active = 0;
  let flushing = false;
  let rejectAll: ((e: unknown) => void)[] = [];

  const report = () => {
    if (!options.onProgress) return;
    let s = 0;
    for (const p of progress) s += p;
    options.onProgress(n ? s / n : 1);
  };

  const flush = async () => {
    flushing = true;
    const batch = pending;
    const rejects = rejectAll;
    pending = [];
    rejectAll = [];
    try {
      const rows = batch.reduce((a, b) => a + b.k, 0);
      const data = new Float32Array(rows * inner);
      let o = 0;
      for (const p of batch) {
        data.set(p.points.subarray(0, p.k * inner), o * inner);
        o += p.k;
      }
      const out = await model.predict(
        { data, shape: [rows, ...sampleShape] },
        {
          batchSize: options.batchSize,
        },
      );
      if (!(out.data instanceof Float32Array) || out.shape[0] !== rows || out.data.length === 0)
        throw new AisfError(
          'E_UPSTREAM',
          `the model returned scores of shape [${out.shape.join(', ')}] for ${rows} inputs`,
        );
      const classes = out.data.length / rows;
      o = 0;
      for (const p of batch) {
        p.resolve(out.data.slice(o * classes, (o + p.k) * classes));
        o += p.k;
      }
      report();
    } catch (error) {
      failure = error;
      for (const r of rejects) r(error);
    } finally {
      flushing = false;
    }
    maybeFlush();
  };
  const maybeFlush = () => {
    if (!flushing && pending.length > 0 && pending.length >= active) void flush();
  };

  const runOne = async (index: number): Promise<void> => {
    const ctx: SampleContext = {
      index,
      rng: createRng(sampleSeed(options.seed, index)),
      used: () => queries[index] as number,
      remaining: () => options.maxQueries - (queries[index] as number),
      progress: (f) => {
        progress[index] = Math.min(1, Math.max(progress[index] as number, f));
      },
      query: (points, k) => {
        if (failure !== undefined) return Promise.reject(failure);
        if (!Number.isSafeInteger(k) || k < 1 || points.length < k * inner)
          throw new AisfError('E_INTERNAL', `bad query of ${k} points`);
        if ((queries[index] as number) + k > options.maxQueries)
          return Promise.reject(new BudgetExhausted());
        queries[index] = (queries[index] as number) + k;
        return new Promise<Float32Array>((resolve, reject) => {
          pending.push({ points, k, resolve });
          rejectAll.push(reject);
          maybeFlush();
        });
      },
    };
    try {
      results[index] = await worker(ctx);
      progress[index] = 1;
    } finally {
      active--;
      maybeFlush();
    }
  };

  const concurrency = Math.max(1, options.concurrency);
  for (let start = 0; start < n; start += concurrency) {
    const end = Math.min(n, start + concurrency);
    active = end - start;
    const running: Promise<void>[] = [];
    for (let i = start; i < end; i++) running.push(runOne(i));
    // allSettled first: never leave a coroutine running when one fails.
    const settled = await Promise.allSettled(running);
    const bad = settled.find((s) => s.status === 'rejected');
    if (bad) throw (bad as PromiseRejectedResult).reason;
    report();
  }
  return { results, queries };
}

/** Argmax of a score row (first index on ties, as numpy and argmaxRows). */
export function argmaxRow(scores: Float32Array, offset = 0, k = scores.length - offset): number {
  let best = 0;
  for (let j = 1; j < k; j++)
    if ((scores[offset + j] as number) > (scores[offset + best] as number)) best = j;
  return best;
}

/**
 * The margin loss of Carlini–Wagner / Square attack on one score row: untargeted
 * s_y − max_{j≠y} s_j (push below 0), targeted max_{j≠t} s_j − s_t. Smaller is better for the
 * attacker.
 */
export function marginLoss(
  scores: Float32Array,
  offset: number,
  k: number,
  label: number,
  targeted: boolean,
): number {
  let other = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < k; j++)
    if (j !== label) other = Math.max(other, scores[offset + j] as number);
  const own = scores[offset + label] as number;
  return targeted ? other - own : own - other;
}

/** Whether a score row is adversarial: argmax ≠ label (untargeted) or = target. */
export function isAdversarial(
  scores: Float32Array,
  offset: number,
  k: number,
  label: number,
  targeted: boolean,
): boolean {
  const p = argmaxRow(scores, offset, k);
  return targeted ? p === label : p !== label;
}

/** The smallest float32 ≥ v. */
export function f32Ceil(v: number): number {
  const f = Math.fround(v);
  return f < v ? nextFloat32(f, true) : f;
}
/** The largest float32 ≤ v. */
export function f32Floor(v: number): number {
  const f = Math.fround(v);
  return f > v ? nextFloat32(f, false) : f;
}

/**
 * Per-value float32 bounds of the L∞ ball ∩ value range around x: every float32 in [lo, hi] is
 * within ε of x and inside the range, measured exactly.
 */
export function linfBox(
  x: Float32Array,
  eps: number,
  range: ValueRange,
): { lo: Float32Array; hi: Float32Array } {
  const rlo = f32Ceil(range.lo);
  const rhi = f32Floor(range.hi);
  const lo = new Float32Array(x.length);
  const hi = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    lo[i] = Math.max(rlo, f32Ceil(v - eps));
    hi[i] = Math.min(rhi, f32Floor(v + eps));
  }
  return { lo, hi };
}

/** Checks a per-sample budget. */
export function checkBudget(what: string, maxQueries: number): void {
  if (!Number.isSafeInteger(maxQueries) || maxQueries < 1)
    throw new AisfError(
      'E_INPUT',
      `${what}: maxQueries must be a positive integer (got ${maxQueries})`,
    );
}

/** Checks an integer option. */
export function checkInt(what: string, name: string, v: number, min: number): void {
  if (!Number.isSafeInteger(v) || v < min)
    throw new AisfError('E_INPUT', `${what}: ${name} must be an integer ≥ ${min} (got ${v})`);
}

/** The shape of one sample and its size. */
export function sampleDims(x: Tensor): { n: number; shape: number[]; inner: number } {
  const n = x.shape[0] as number;
  const shape = x.shape.slice(1);
  return { n, shape, inner: shape.reduce((a, b) => a * b, 1) };
}
