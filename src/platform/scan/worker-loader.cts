/**
 * @module Scan-worker entry of a built package: runs `worker.bundle.cjs` (worker.ts and every
 * scanner in one file, written by `npm run build`) from its V8 code cache. Loading ≈ 45 ES
 * modules cost the worker tens of milliseconds of resolving, reading and compiling before the
 * first file; one script compiled from a cache costs a few. CommonJS, like the bundle: an ES
 * module entry starts the worker's ES module loader (≈ 10 ms) for nothing. The bundle then
 * behaves as worker.ts.
 */
import crypto = require('node:crypto');
import fs = require('node:fs');
import nodeModule = require('node:module');
import path = require('node:path');
import vm = require('node:vm');
import threads = require('node:worker_threads');

/** The bundle, next to this module. */
const BUNDLE_FILE = path.join(__dirname, 'worker.bundle.cjs');
/** Its code cache: CACHE_MAGIC, the SHA-256 of the bundle's source, then V8's cached data. */
const CACHE_FILE = `${BUNDLE_FILE}.cache`;
const CACHE_MAGIC = Buffer.from('aisf-code-cache-1\n');

/**
 * Cached data for the source with this digest, or undefined. V8 itself rejects data of another
 * V8 version or flag set, but checks only the source's length: the digest keeps a stale cache
 * from being used for a rebuilt bundle of the same length.
 */
function readCache(digest: Buffer): Buffer | undefined {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(CACHE_FILE);
  } catch {
    return undefined;
  }
  const head = CACHE_MAGIC.length;
  if (!raw.subarray(0, head).equals(CACHE_MAGIC)) return undefined;
  if (!raw.subarray(head, head + 32).equals(digest)) return undefined;
  return raw.subarray(head + 32);
}

const source = fs.readFileSync(BUNDLE_FILE, 'utf8');
const digest = crypto.createHash('sha256').update(source).digest();
const cachedData = readCache(digest);
// A script compiled from cached data gets no dynamic-import callback from Node
// (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so the bundle imports h5wasm through this module's
// import(): the key is host-import.ts's.
(globalThis as Record<symbol, unknown>)[Symbol.for('aisf.scan.import')] = (specifier: string) =>
  import(specifier);
// The CommonJS wrapper, as Node's loader applies it.
const script = new vm.Script(
  `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
  { filename: BUNDLE_FILE, ...(cachedData ? { cachedData } : {}) },
);
const mod = { exports: {} };
(script.runInThisContext() as (...args: unknown[]) => void).call(
  mod.exports,
  mod.exports,
  nodeModule.createRequire(BUNDLE_FILE),
  mod,
  BUNDLE_FILE,
  __dirname,
);

// Build time only (worker-cache.ts): after a warm-up batch, write the cache, which then also
// holds the bytecode of the functions that batch compiled.
if ((threads.workerData as { writeCache?: boolean } | undefined)?.writeCache === true) {
  threads.parentPort?.on('message', (msg: { type?: string }) => {
    if (msg?.type !== 'write-cache') return;
    fs.writeFileSync(CACHE_FILE, Buffer.concat([CACHE_MAGIC, digest, script.createCachedData()]));
    threads.parentPort?.postMessage({ type: 'cache-written' });
  });
}
