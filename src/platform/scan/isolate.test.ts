/**
 * Safe loading: parsing runs in a worker with a heap limit and a per-file time limit; a file that
 * exhausts either is `error` and the next file is still scanned.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { slowPickle, stackExpansionPickle } from '../../../test/helpers/pathological-pickles.js';
import { scanPathsIsolated } from './isolate.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'aisf-isolate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scanPathsIsolated', () => {
  it('gives the in-process verdicts for ordinary files', async () => {
    const report = await scanPathsIsolated([
      join(FIXTURES, 'malicious', 'p0-os-system.pkl'),
      join(FIXTURES, 'benign', 'model.safetensors'),
    ]);
    expect(report.results.map((r) => r.verdict)).toEqual(['findings', 'clean']);
  });

  it('a pool of workers returns the results in file order', async () => {
    const files = [
      join(FIXTURES, 'malicious', 'p0-os-system.pkl'),
      join(FIXTURES, 'benign', 'model.safetensors'),
      join(FIXTURES, 'error', 'truncated.npy'),
      join(FIXTURES, 'benign', 'array.npy'),
      join(FIXTURES, 'malicious', 'hdf5-pickled-dataset.h5'),
    ];
    const report = await scanPathsIsolated(files, {}, { workers: 2 });
    expect(report.results.map((r) => r.path)).toEqual(files);
    expect(report.results.map((r) => r.verdict)).toEqual([
      'findings',
      'clean',
      'error',
      'clean',
      'findings',
    ]);
  });

  it('stops a file at the heap limit, reports error, and scans the next file', async () => {
    const big = join(dir, 'big.pkl');
    writeFileSync(big, stackExpansionPickle());
    const report = await scanPathsIsolated(
      [big, join(FIXTURES, 'benign', 'array.npy')],
      {},
      { memoryMb: 24, timeoutMs: 60_000 },
    );
    expect(report.results[0]?.verdict).toBe('error');
    expect(report.results[0]?.errors[0]?.message).toMatch(/memory|exited|failed/);
    expect(report.results[1]?.verdict).toBe('clean');
  });

  it('stops a file at the time limit', async () => {
    const slow = join(dir, 'slow.pkl');
    writeFileSync(slow, slowPickle());
    const report = await scanPathsIsolated(
      [slow],
      { limits: { maxPickleOps: 100_000_000 } },
      { timeoutMs: 20 },
    );
    expect(report.results[0]?.verdict).toBe('error');
    expect(report.results[0]?.errors[0]?.message).toMatch(/time limit/);
  });
});
