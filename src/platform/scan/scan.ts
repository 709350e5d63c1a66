/**
 * @module Scanning files and folders in-process: walks paths, hashes every file (SHA-256,
 * streamed), sniffs and scans each one, and computes verdicts and the summary. The CLI runs this
 * inside a worker with memory and time limits (isolate.ts).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { AisfError } from '../../errors.js';
import { listFiles, type ScanReport, summarize } from './files.js';
import { FORMAT_SCANNERS } from './formats.js';
import { loadHdf5 } from './keras/index.js';
import { loadOnnxEngine } from './onnx/index.js';
import { NeedLoadError, ScanSession } from './session.js';
import { BufferSource, FileSource, type Source, sha256Of } from './source.js';
import { type FileScanResult, type ScanOptions, SEVERITY_RANK, type Verdict } from './types.js';

export { listFiles, type ScanReport, type ScanSummary, summarize } from './files.js';

/** Files up to this size are read whole and scanned from memory. */
const SMALL_FILE_BYTES = 4 * 1024 * 1024;
/** The first read of every file; a shorter file needs no fstat. */
const SMALL_READ = 64 * 1024;
/** Reused first-read buffer (the read part of scanFile is synchronous). */
const SCRATCH = new Uint8Array(SMALL_READ);

/** Reads into `into` from `position` until it is full or the file ends; returns the bytes read. */
function readFull(fd: number, into: Uint8Array, position: number): number {
  let done = 0;
  while (done < into.length) {
    const got = readSync(fd, into, done, into.length - done, position + done);
    if (got === 0) break;
    done += got;
  }
  return done;
}

/** Verdict from a session: errors win (fail closed), then unknown, then findings ≥ low. */
function verdictOf(format: string, session: ScanSession): Verdict {
  if (session.errors.length > 0) return 'error';
  if (format === 'unknown') return 'unknown';
  return session.findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.low)
    ? 'findings'
    : 'clean';
}

function scanSource(
  source: Source,
  path: string,
  dir: string | undefined,
  options: ScanOptions,
): FileScanResult {
  const started = performance.now();
  const session = new ScanSession(FORMAT_SCANNERS, options);
  let sha256: string | null = null;
  try {
    sha256 = sha256Of(source);
  } catch (error) {
    session.fail(
      `could not read the file (${error instanceof Error ? error.message : String(error)})`,
      { file: path },
    );
  }
  const format =
    sha256 === null
      ? 'unknown'
      : session.scanBlob({
          source,
          name: basename(path),
          location: { file: path },
          depth: 0,
          ...(dir !== undefined ? { dir } : {}),
        });
  if (format === 'unknown' && session.errors.length === 0) {
    session.report(
      'scan.format.unknown',
      'low',
      'file format not recognised; not scanned (pass --fail-on low to fail on it)',
      { file: path },
    );
  }
  if (source.size === 0) session.report('scan.format.empty', 'info', 'empty file', { file: path });
  return {
    path,
    format,
    sha256,
    size: source.size,
    verdict: verdictOf(format, session),
    findings: session.findings.sort(
      (a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity],
    ),
    errors: session.errors,
    members: session.members,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
  };
}

/**
 * Scans one file on disk (streamed: large safetensors/GGUF files use bounded memory).
 * @example const result = await scanFile('model.safetensors');
 */
export async function scanFile(path: string, options: ScanOptions = {}): Promise<FileScanResult> {
  const abs = isAbsolute(path) ? path : resolve(path);
  let fd: number;
  try {
    fd = openSync(abs, 'r');
  } catch (cause) {
    throw new AisfError('E_FILE_NOT_FOUND', `cannot scan ${path}: no such file`, { cause });
  }
  let source: BufferSource | FileSource;
  try {
    // Read up to 64 KiB first: a file shorter than that (most configs, pickles, small models) is
    // then complete without an fstat, and one buffer serves sniffing, hashing and parsing.
    const first = SCRATCH;
    const got = readFull(fd, first, 0);
    if (got < SMALL_READ) {
      closeSync(fd);
      source = new BufferSource(first.slice(0, got));
    } else {
      const size = fstatSync(fd).size;
      if (size <= SMALL_FILE_BYTES) {
        const bytes = new Uint8Array(size);
        bytes.set(first);
        const done = SMALL_READ + readFull(fd, bytes.subarray(SMALL_READ), SMALL_READ);
        closeSync(fd);
        source = new BufferSource(bytes.subarray(0, done));
      } else source = new FileSource(abs, size, fd);
    }
  } catch (cause) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    throw new AisfError('E_FILE_READ', `cannot read ${path}`, { cause });
  }
  try {
    // A scanner that needs a heavy module (libhdf5, the ONNX engine) asks for it once; the file
    // is then scanned again from the start (a fresh session).
    for (let attempt = 0; ; attempt++) {
      try {
        return scanSource(source, path, dirname(abs), options);
      } catch (error) {
        if (!(error instanceof NeedLoadError) || attempt >= 4) throw error;
        await error.load();
      }
    }
  } finally {
    if (source instanceof FileSource) source.close();
  }
}

/**
 * Loads the modules some scanners import on first use (libhdf5, the ONNX engine), so that
 * scanBytes can scan every format synchronously.
 */
export async function preloadScanners(): Promise<void> {
  await Promise.all([loadHdf5(), loadOnnxEngine()]);
}

/**
 * Scans bytes held in memory (tests, HTTP uploads). ONNX and dense-HDF5 content needs
 * `await preloadScanners()` first (else it throws NeedLoadError).
 * @example const result = scanBytes(bytes, 'model.pkl');
 */
export function scanBytes(
  bytes: Uint8Array,
  name: string,
  options: ScanOptions = {},
): FileScanResult {
  return scanSource(new BufferSource(bytes), name, undefined, options);
}

/** Options of scanPaths. */
export interface ScanPathsOptions extends ScanOptions {
  /** Descend into sub-folders. @default false (a folder's own files only) */
  recursive?: boolean;
}

/**
 * Scans files and folders in this thread (use `scanPathsIsolated` for untrusted input).
 * @example const report = await scanPaths(['models/'], { recursive: true });
 */
export async function scanPaths(
  paths: readonly string[],
  options: ScanPathsOptions = {},
): Promise<ScanReport> {
  const results: FileScanResult[] = [];
  for (const file of listFiles(paths, options.recursive === true))
    results.push(await scanFile(file, options));
  return { results, summary: summarize(results) };
}
