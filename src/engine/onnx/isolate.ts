/**
 * @module Isolated first parse of an untrusted model file (TC260 seed 000 §3(四)3: load in a
 * least-privilege environment). Before `loadModel` decodes a file in the calling thread, a worker
 * thread with a V8 heap limit (`resourceLimits`) and a wall-clock limit decodes it and runs the
 * safety checks; a file that crashes, hangs or exhausts the parser is refused (E_MODEL_UNSAFE)
 * without touching the caller. A file that passed is remembered by (path, size, mtime, inode).
 */
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { AisfError, type ErrorCode } from '../../errors.js';
import { workerEntry } from '../worker-entry.js';
import type { DecodeLimits } from './proto.js';
import type { OnnxSafetyFinding } from './safety.js';

/** Limits of the parse worker. */
export interface ParseIsolation {
  /** V8 old-generation heap of the worker. @default 1024 MiB */
  memoryMb?: number;
  /** Wall-clock time for the decode and checks. @default 120000 ms */
  timeoutMs?: number;
}

/** Defaults of ParseIsolation. */
export const DEFAULT_PARSE_ISOLATION = { memoryMb: 1024, timeoutMs: 120_000 } as const;

const checked = new Map<string, OnnxSafetyFinding[]>();

/**
 * Decodes `path` and runs the ONNX safety checks in a worker with memory and time limits; returns
 * the findings. Throws the decoder's AisfError (e.g. E_MODEL_INVALID) for a malformed file and
 * E_MODEL_UNSAFE when the worker hits a limit or dies.
 * @example const findings = await checkModelIsolated('model.onnx', { source: 'model.onnx' });
 */
export async function checkModelIsolated(
  path: string,
  limits: DecodeLimits & { source?: string } = {},
  isolation: ParseIsolation = {},
): Promise<OnnxSafetyFinding[]> {
  const st = statSync(path);
  const key = `${path}|${st.size}|${st.mtimeMs}|${st.ino}`;
  const hit = checked.get(key);
  if (hit) return hit;
  const memoryMb = isolation.memoryMb ?? DEFAULT_PARSE_ISOLATION.memoryMb;
  const timeoutMs = isolation.timeoutMs ?? DEFAULT_PARSE_ISOLATION.timeoutMs;
  const name = limits.source ?? path;
  const { url, eval: isEval } = workerEntry(import.meta.url, './parse-worker');
  const worker = new Worker(url, {
    eval: isEval,
    execArgv: [],
    workerData: { path, limits },
    resourceLimits: {
      maxOldGenerationSizeMb: memoryMb,
      maxYoungGenerationSizeMb: 64,
      stackSizeMb: 8,
    },
  });
  const findings = await new Promise<OnnxSafetyFinding[]>((resolvePromise, reject) => {
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const unsafe = (why: string) =>
      finish(() =>
        reject(
          new AisfError(
            'E_MODEL_UNSAFE',
            `${name} was not loaded: parsing it ${why}. Load it only if you trust its source (--trusted / { trusted: true })`,
          ),
        ),
      );
    const timer = setTimeout(() => unsafe(`exceeded the ${timeoutMs} ms time limit`), timeoutMs);
    worker.once(
      'message',
      (msg: { findings?: OnnxSafetyFinding[]; error?: { code: string; message: string } }) => {
        if (msg.error)
          finish(() =>
            reject(
              new AisfError(
                (msg.error?.code ?? 'E_MODEL_INVALID') as ErrorCode,
                msg.error?.message ?? '',
              ),
            ),
          );
        else finish(() => resolvePromise(msg.findings ?? []));
      },
    );
    worker.once('error', (error) =>
      unsafe(
        /memory|heap/i.test(error.message)
          ? `exceeded the ${memoryMb} MiB memory limit`
          : `crashed the parser (${error.message.slice(0, 200)})`,
      ),
    );
    worker.once('exit', () => unsafe('ended the parser before it finished'));
  });
  if (findings.length === 0) checked.set(key, findings);
  return findings;
}
