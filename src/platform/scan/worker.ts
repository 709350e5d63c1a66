/**
 * @module Worker-thread entry: waits for one job (files + options), scans the files in order and
 * posts one message per file (see isolate.ts). The job arrives by message so the parent can start
 * this worker — and its module loading — before it has listed the files.
 */
import { parentPort } from 'node:worker_threads';
import { scanFile } from './scan.js';
import type { ScanOptions } from './types.js';

interface Job {
  files: string[];
  options: ScanOptions;
}

parentPort?.once('message', async (job: Job) => {
  // One message per file: file i+1 starts when result i is posted, so the parent re-arms its
  // per-file timer on each result (a 'start' message per file doubled the messages).
  parentPort?.postMessage({ type: 'ready' });
  for (const [index, file] of job.files.entries()) {
    try {
      const result = await scanFile(file, job.options);
      parentPort?.postMessage({ type: 'result', index, result });
    } catch (error) {
      parentPort?.postMessage({
        type: 'failed',
        index,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  parentPort?.postMessage({ type: 'done' });
});
