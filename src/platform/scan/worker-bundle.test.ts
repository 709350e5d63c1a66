/**
 * The built scan worker (dist/: worker-loader.cjs running worker.bundle.cjs from its V8 code
 * cache, written by `npm run build`) keeps the isolation of worker.ts: the same verdicts as an
 * in-process scan, the heap and time limits, and libhdf5 loaded on demand. The other tests of
 * this folder run worker.ts through tsx; this one runs what `aisf scan` runs.
 */
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slowPickle, stackExpansionPickle } from '../../../test/helpers/pathological-pickles.js';
import { listFiles, type ScanReport } from './files.js';
import type * as Isolate from './isolate.js';
import { scanPaths } from './scan.js';

const DIST = new URL('../../../dist/platform/scan/', import.meta.url);
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'aisf-bundle-'));
let isolate: typeof Isolate;

beforeAll(async () => {
  const bundle = new URL('./worker.bundle.cjs', DIST);
  if (!existsSync(bundle) || !existsSync(new URL('./worker.bundle.cjs.cache', DIST)))
    throw new Error(
      'dist/ has no scan-worker bundle: run `npm run build` (npm test does it) first',
    );
  if (statSync(bundle).mtimeMs < statSync(new URL('./worker.js', DIST)).mtimeMs)
    throw new Error('the scan-worker bundle is older than dist/: run `npm run build`');
  isolate = (await import(new URL('./isolate.js', DIST).href)) as typeof Isolate;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Results without their timing. */
function comparable(report: ScanReport): unknown {
  return report.results.map(({ durationMs: _, ...rest }) => rest);
}

describe('the built scan worker', () => {
  it('gives the in-process results on the whole corpus', async () => {
    const files = listFiles([FIXTURES], true);
    const built = await isolate.scanPathsIsolated([FIXTURES], { recursive: true });
    const inProcess = await scanPaths([FIXTURES], { recursive: true });
    expect(built.results.map((r) => r.path)).toEqual(files);
    expect(comparable(built)).toEqual(comparable(inProcess));
  });

  it('loads libhdf5 on demand (dense HDF5 attributes) and finds the pickle', async () => {
    const report = await isolate.scanPathsIsolated([
      fileURLToPath(new URL('./keras/fixtures/dense-attrs-pickled.h5', import.meta.url)),
    ]);
    expect(report.results[0]?.verdict).toBe('findings');
    expect(report.results[0]?.findings.map((f) => f.severity)).toContain('critical');
  });

  it('stops a file at the heap limit and scans the next file in a fresh worker', async () => {
    const big = join(dir, 'big.pkl');
    writeFileSync(big, stackExpansionPickle());
    const report = await isolate.scanPathsIsolated(
      [big, join(FIXTURES, 'benign', 'array.npy')],
      {},
      { memoryMb: 24, timeoutMs: 60_000 },
    );
    expect(report.results[0]?.errors[0]?.message).toMatch(/memory limit/);
    expect(report.results[1]?.verdict).toBe('clean');
  });

  it('stops a file at the time limit', async () => {
    const slow = join(dir, 'slow.pkl');
    writeFileSync(slow, slowPickle());
    const report = await isolate.scanPathsIsolated(
      [slow],
      { limits: { maxPickleOps: 100_000_000 } },
      { timeoutMs: 20 },
    );
    expect(report.results[0]?.errors[0]?.message).toMatch(/time limit/);
  });

  it('ignores a code cache made for another bundle of the same length', async () => {
    // V8 checks only the source length of cached data; a stale cache would run the old bytecode
    // (here: the old message text). The loader's SHA-256 check must make it compile afresh.
    const copy = mkdtempSync(join(dir, 'stale-'));
    for (const name of ['worker-loader.cjs', 'worker.bundle.cjs.cache'])
      copyFileSync(new URL(`./${name}`, DIST), join(copy, name));
    const source = readFileSync(new URL('./worker.bundle.cjs', DIST), 'utf8');
    expect(source).toContain('(expansion attack)');
    writeFileSync(
      join(copy, 'worker.bundle.cjs'),
      source.replaceAll('expansion attack', 'EXPANSION ATTACK'),
    );
    const worker = new Worker(join(copy, 'worker-loader.cjs'));
    const messages = await new Promise<
      { type: string; result?: { findings: { message: string }[] } }[]
    >((resolve, reject) => {
      const seen: { type: string }[] = [];
      worker.on('error', reject);
      worker.on('message', (msg: { type: string }) => {
        seen.push(msg);
        if (msg.type === 'done') resolve(seen);
      });
      worker.postMessage({ files: [join(FIXTURES, 'malicious', 'p4-expansion.pkl')], options: {} });
    });
    await worker.terminate();
    const result = messages.find((m) => m.type === 'result')?.result;
    expect(result?.findings.map((f) => f.message).join('\n')).toContain('(EXPANSION ATTACK)');
  });
});
