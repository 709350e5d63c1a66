/**
 * Data-parallel sessions: shard arithmetic, output merging, and errors crossing the worker
 * boundary with their codes. (PyTorch parity of data-parallel predictions and gradients is in
 * model.test.ts, which runs every parity case on both runtimes.)
 */
import { describe, expect, it } from 'vitest';
import { AisfError } from '../../errors.js';
import { linearOnnx } from '../fixtures/test-models.js';
import { mergeShards, shardSizes, WorkerPool } from './parallel.js';
import { createSession } from './session.js';

describe('shardSizes', () => {
  it('splits a batch into contiguous near-equal shards, never an empty one', () => {
    expect(shardSizes(128, 2)).toEqual([64, 64]);
    expect(shardSizes(7, 3)).toEqual([3, 2, 2]);
    expect(shardSizes(1, 4)).toEqual([1]);
    expect(shardSizes(0, 2)).toEqual([0]);
    for (let n = 1; n < 40; n++)
      for (let k = 1; k < 6; k++) {
        const s = shardSizes(n, k);
        expect(s.reduce((a, b) => a + b, 0)).toBe(n);
        expect(Math.max(...s) - Math.min(...s)).toBeLessThanOrEqual(1);
        expect(s.every((v) => v > 0)).toBe(true);
      }
  });
});

describe('mergeShards', () => {
  it('concatenates per-sample outputs in shard order and adds summed ones', () => {
    const merged = mergeShards(
      [
        {
          y: { data: Float32Array.of(1, 2, 3, 4), shape: [2, 2] },
          w: { data: Float32Array.of(1, 1), shape: [2] },
        },
        {
          y: { data: Float32Array.of(5, 6), shape: [1, 2] },
          w: { data: Float32Array.of(2, 3), shape: [2] },
        },
      ],
      new Set(['w']),
    );
    expect(Array.from(merged.y?.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(merged.y?.shape).toEqual([3, 2]);
    expect(Array.from(merged.w?.data as Float32Array)).toEqual([3, 4]);
    expect(merged.w?.shape).toEqual([2]);
  });
});

describe('data-parallel session', () => {
  const w = Float32Array.of(1, 0, 0, 1, 1, 1);
  const b = Float32Array.of(0, 0, 0.5);
  const bytes = linearOnnx(w, b, 2);

  it('a sharded run equals the single-session run, row for row', async () => {
    const single = await createSession(bytes, { threads: 1 });
    const parallel = await createSession(bytes, { threads: 2, parallelism: 'data' });
    expect(parallel.inputNames).toEqual(['x']);
    expect(parallel.outputNames).toEqual(['out']);
    const x = { data: Float32Array.from({ length: 10 }, (_, i) => i / 3), shape: [5, 2] };
    const want = await single.run({ x });
    const got = await parallel.runSharded({ x }, { batched: ['x'] });
    expect(got.out?.shape).toEqual([5, 3]);
    expect(Array.from(got.out?.data as Float32Array)).toEqual(
      Array.from(want.out?.data as Float32Array),
    );
    // An unsplit run goes whole to one worker.
    expect(Array.from((await parallel.run({ x })).out?.data as Float32Array)).toEqual(
      Array.from(want.out?.data as Float32Array),
    );
    await single.release();
    await parallel.release();
  });

  it('runtime errors keep their code across the worker boundary; a released session refuses', async () => {
    const parallel = await createSession(bytes, { threads: 2, parallelism: 'data' });
    const bad = { x: { data: new Float32Array(9), shape: [3, 3] } };
    await expect(parallel.runSharded(bad, { batched: ['x'] })).rejects.toMatchObject({
      code: 'E_INPUT',
    });
    await parallel.release();
    const x = { data: new Float32Array(4), shape: [2, 2] };
    const error = await parallel.run({ x }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AisfError);
    expect((error as AisfError).code).toBe('E_INTERNAL');
  });

  it('an invalid graph is refused at creation with E_MODEL_INVALID, like a single session', async () => {
    await expect(
      createSession(Uint8Array.of(1, 2, 3), { threads: 2, parallelism: 'data' }),
    ).rejects.toMatchObject({ code: 'E_MODEL_INVALID' });
  });

  it('a pool holds several graphs in the same threads; releasing one leaves the others', async () => {
    const pool = new WorkerPool({ threads: 2 });
    expect(pool.size).toBe(2);
    const a = await pool.createSession(bytes);
    const b = await pool.createSession(
      linearOnnx(Float32Array.of(2, 0, 0, 2), Float32Array.of(1, 1), 2),
    );
    const x = { data: Float32Array.of(1, 2, 3, 4, 5, 6), shape: [3, 2] };
    await a.release();
    const out = await b.runSharded({ x }, { batched: ['x'] });
    expect(Array.from(out.out?.data as Float32Array)).toEqual([3, 5, 7, 9, 11, 13]);
    await expect(a.run({ x })).rejects.toMatchObject({ code: 'E_INTERNAL' });
    await pool.close();
    await expect(pool.createSession(bytes)).rejects.toMatchObject({ code: 'E_INTERNAL' });
    await expect(b.run({ x })).rejects.toMatchObject({ code: 'E_INTERNAL' });
  });
});
