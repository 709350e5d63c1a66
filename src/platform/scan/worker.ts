/** @module Worker-thread entry: scans the files it is given and posts one message per file (see isolate.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { scanFile } from './scan.js';
import type { ScanOptions } from './types.js';

interface Job {
  files: string[];
  options: ScanOptions;
}

const job = workerData as Job;
for (const [index, file] of job.files.entries()) {
  parentPort?.postMessage({ type: 'start', index });
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
