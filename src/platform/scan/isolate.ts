/**
 * @module Safe loading (TC260 seed 000 §3(四)3, least privilege): untrusted files are parsed in
 * worker threads with a V8 heap limit (`resourceLimits`) and a per-file wall-clock limit. A file
 * that exhausts either is reported as `error` (never clean) and the rest continue in a fresh worker.
 * Buffers live outside the V8 heap, so the byte limits of ScanLimits bound those.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type WorkerEntry, workerEntry } from '../../engine/worker-entry.js';
import { listFiles, type ScanReport, summarize } from './files.js';
import type { ScanPathsOptions } from './scan.js';
import type { FileScanResult, ScanOptions } from './types.js';

/** Limits of the scan workers. */
export interface IsolationLimits {
  /** Wall-clock time per file. @default 120000 ms */
  timeoutMs?: number;
  /** V8 old-generation heap of each worker. @default 1024 MiB */
  memoryMb?: number;
  /**
   * Workers scanning in parallel. @default 1 below 2,000 files, else min(CPUs, 4): a second
   * worker costs its start-up (tens of ms) and only pays off on large batches.
   */
  workers?: number;
}

/** Defaults of IsolationLimits. */
export const DEFAULT_ISOLATION = { timeoutMs: 120_000, memoryMb: 1024 } as const;

/** Files per batch from which the default pool uses more than one worker. */
const POOL_FROM_FILES = 2000;

/**
 * The bundled worker (worker-loader.cjs runs worker.bundle.cjs from its code cache) when the build
 * wrote one that is not older than worker.js; else worker.js and its module graph. A bundle older
 * than worker.js comes from an earlier build (`tsc` alone rewrites every .js file), so it may not
 * match the scanners' current code.
 */
function builtWorker(): URL {
  const plain = new URL('./worker.js', import.meta.url);
  try {
    const bundle = statSync(new URL('./worker.bundle.cjs', import.meta.url));
    if (bundle.mtimeMs >= statSync(plain).mtimeMs)
      return new URL('./worker-loader.cjs', import.meta.url);
  } catch {
    // no bundle: `tsc` without the bundling step
  }
  return plain;
}

function workerUrl(): WorkerEntry {
  if (!import.meta.url.endsWith('.ts')) return { url: builtWorker(), eval: false };
  // Under tsx/vitest the sources are TypeScript: worker.ts through tsx's scoped loader.
  return workerEntry(import.meta.url, './worker');
}

function errorResult(path: string, message: string): FileScanResult {
  return {
    path,
    format: 'unknown',
    sha256: null,
    size: 0,
    verdict: 'error',
    findings: [],
    errors: [{ message, location: { file: path } }],
    members: [],
    durationMs: 0,
  };
}

/** Starts a scan worker; it loads the scanners at once and waits for its job. */
function spawnWorker(memoryMb: number): Worker {
  const { url, eval: isEval } = workerUrl();
  return new Worker(url, {
    eval: isEval,
    // Do not inherit the parent's loader flags (tsx, vitest): the worker sets up its own.
    execArgv: [],
    resourceLimits: {
      maxOldGenerationSizeMb: memoryMb,
      maxYoungGenerationSizeMb: 64,
      stackSizeMb: 8,
    },
  });
}

function runBatch(
  worker: Worker,
  files: string[],
  options: ScanOptions,
  limits: Required<Omit<IsolationLimits, 'workers'>>,
  onResult: (index: number, result: FileScanResult) => void,
): Promise<number> {
  // Resolves with the index of the first file not finished (files.length when all done).
  return new Promise((resolveBatch) => {
    let current = 0;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (next: number, reason?: string) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (reason !== undefined && next < files.length)
        onResult(next, errorResult(files[next] as string, reason));
      void worker.terminate();
      resolveBatch(reason !== undefined ? next + 1 : next);
    };
    const arm = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(
        () =>
          finish(
            current,
            `scan exceeded the ${limits.timeoutMs} ms time limit; not scanned to the end`,
          ),
        limits.timeoutMs,
      );
    };
    worker.on(
      'message',
      (msg: { type: string; index?: number; result?: FileScanResult; message?: string }) => {
        if (msg.type === 'ready') {
          current = 0;
          arm();
        } else if (msg.type === 'result') {
          onResult(msg.index as number, msg.result as FileScanResult);
          current = (msg.index as number) + 1;
          arm();
        } else if (msg.type === 'failed') {
          onResult(
            msg.index as number,
            errorResult(files[msg.index as number] as string, msg.message ?? 'scan failed'),
          );
          current = (msg.index as number) + 1;
          arm();
        } else if (msg.type === 'done') finish(files.length);
      },
    );
    worker.on('error', (error) => {
      const oom = /memory|heap/i.test(error.message);
      finish(
        current,
        oom
          ? `scan exceeded the ${limits.memoryMb} MiB memory limit; not scanned to the end`
          : `scan worker failed: ${error.message}`,
      );
    });
    worker.on('exit', () => finish(current, 'scan worker exited before finishing this file'));
    worker.postMessage({ files, options });
  });
}

/** Scans `files` in order in one worker at a time; a worker that dies is replaced for the rest. */
async function runQueue(
  files: readonly string[],
  first: Worker | undefined,
  options: ScanOptions,
  limits: Required<Omit<IsolationLimits, 'workers'>>,
  onResult: (index: number, result: FileScanResult) => void,
): Promise<void> {
  let start = 0;
  let worker = first;
  while (start < files.length) {
    const base = start;
    const next = await runBatch(
      worker ?? spawnWorker(limits.memoryMb),
      files.slice(base),
      options,
      limits,
      (i, r) => onResult(base + i, r),
    );
    worker = undefined;
    start = base + Math.max(next, 1);
  }
  if (worker) void worker.terminate();
}

/**
 * Scans paths in workers with memory and time limits (the CLI's default). The first worker starts
 * before the paths are listed, so its start-up overlaps the directory walk.
 * @example const report = await scanPathsIsolated(['model.pt'], { recursive: false }, { timeoutMs: 60_000 });
 */
export async function scanPathsIsolated(
  paths: readonly string[],
  options: ScanPathsOptions = {},
  isolation: IsolationLimits = {},
): Promise<ScanReport> {
  const limits = {
    timeoutMs: isolation.timeoutMs ?? DEFAULT_ISOLATION.timeoutMs,
    memoryMb: isolation.memoryMb ?? DEFAULT_ISOLATION.memoryMb,
  };
  const first = spawnWorker(limits.memoryMb);
  let files: string[];
  try {
    files = listFiles(paths, options.recursive === true);
  } catch (error) {
    void first.terminate();
    throw error;
  }
  const results: (FileScanResult | undefined)[] = new Array(files.length);
  const scanOptions: ScanOptions = {
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.allowImports ? { allowImports: [...options.allowImports] } : {}),
  };
  const pool = Math.max(
    1,
    Math.min(
      files.length,
      isolation.workers ??
        (files.length >= POOL_FROM_FILES ? Math.min(availableParallelism(), 4) : 1),
    ),
  );
  if (files.length === 0) void first.terminate();
  // Round-robin shares: neighbouring files (often alike in size) go to different workers.
  const shares = Array.from({ length: pool }, (_, w) =>
    files.map((_, i) => i).filter((i) => i % pool === w),
  );
  await Promise.all(
    shares.map((indices, w) =>
      indices.length === 0
        ? undefined
        : runQueue(
            indices.map((i) => files[i] as string),
            w === 0 ? first : undefined,
            scanOptions,
            limits,
            (i, r) => {
              results[indices[i] as number] = r;
            },
          ),
    ),
  );
  const done = results.map((r, i) => r ?? errorResult(files[i] as string, 'not scanned'));
  return { results: done, summary: summarize(done) };
}
