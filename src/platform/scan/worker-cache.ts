/**
 * @module Build step (`npm run build`, after esbuild has written `worker.bundle.cjs`): writes the
 * bundle's V8 code cache (see worker-loader.cts). A worker loads the bundle, scans the committed
 * corpus once as a warm-up — so the cache also holds the bytecode of every function a scan
 * compiles lazily — and saves the cache. Without the corpus (a packed tarball) the warm-up is
 * empty. Run: `node dist/platform/scan/worker-cache.js`.
 */
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { listFiles } from './files.js';

const BUNDLE = fileURLToPath(new URL('./worker.bundle.cjs', import.meta.url));
const CORPUS = fileURLToPath(new URL('../../../src/platform/scan/fixtures/', import.meta.url));

/** Warms a bundle worker up on `files` and writes its code cache; resolves with the cache path. */
export function writeWorkerCache(files: readonly string[]): Promise<string> {
  rmSync(`${BUNDLE}.cache`, { force: true });
  const worker = new Worker(new URL('./worker-loader.cjs', import.meta.url), {
    workerData: { writeCache: true },
  });
  return new Promise((resolve, reject) => {
    worker.on('error', reject);
    worker.on('message', (msg: { type: string }) => {
      if (msg.type === 'done') worker.postMessage({ type: 'write-cache' });
      else if (msg.type === 'cache-written') {
        void worker.terminate();
        resolve(`${BUNDLE}.cache`);
      }
    });
    worker.postMessage({ files, options: {} });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!existsSync(BUNDLE)) {
    process.stderr.write(`worker-cache: ${BUNDLE} is missing; run esbuild first\n`);
    process.exit(1);
  }
  const files = existsSync(CORPUS) ? listFiles([CORPUS], true) : [];
  const path = await writeWorkerCache(files);
  process.stdout.write(`worker-cache: wrote ${path} (warm-up: ${files.length} files)\n`);
}
