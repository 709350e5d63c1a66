/**
 * @module Scanning files and folders in-process: walks paths, hashes every file (SHA-256,
 * streamed), sniffs and scans each one, and computes verdicts and the summary. The CLI runs this
 * inside a worker with memory and time limits (isolate.ts).
 */
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AisfError } from '../../errors.js';
import { SEVERITIES, type Severity } from '../../evidence/test-plugin.js';
import { FORMAT_SCANNERS } from './formats.js';
import { loadHdf5, NeedHdf5Error } from './keras/index.js';
import { ScanSession } from './session.js';
import { BufferSource, FileSource, type Source, sha256Of } from './source.js';
import { type FileScanResult, type ScanOptions, SEVERITY_RANK, type Verdict } from './types.js';

/** Counts over all scanned files. */
export interface ScanSummary {
  files: number;
  verdicts: Record<Verdict, number>;
  findings: Record<Severity, number>;
  /** Highest finding severity, or null if none. */
  highest: Severity | null;
}

/** The machine-readable result of `aisf scan` (`--format json`). */
export interface ScanReport {
  results: FileScanResult[];
  summary: ScanSummary;
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
  const abs = resolve(path);
  let size: number;
  try {
    size = statSync(abs).size;
  } catch (cause) {
    throw new AisfError('E_FILE_NOT_FOUND', `cannot scan ${path}: no such file`, { cause });
  }
  const source = new FileSource(abs, size);
  try {
    try {
      return scanSource(source, path, dirname(abs), options);
    } catch (error) {
      if (!(error instanceof NeedHdf5Error)) throw error;
      await loadHdf5();
      return scanSource(source, path, dirname(abs), options);
    }
  } finally {
    source.close();
  }
}

/**
 * Scans bytes held in memory (tests, HTTP uploads). HDF5 content needs `await loadHdf5()` first
 * (else it throws NeedHdf5Error).
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

const SKIP_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '__pycache__']);

/** Expands paths to the files to scan (sorted; folders walked, `.git` skipped, symlinked folders not followed). */
export function listFiles(paths: readonly string[], recursive: boolean): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch (cause) {
      throw new AisfError('E_FILE_READ', `cannot list folder ${dir}`, { cause });
    }
    for (const name of entries) {
      const full = join(dir, name);
      const st = lstatSync(full);
      if (st.isDirectory()) {
        if (recursive && !SKIP_DIRS.has(name) && depth < 64) walk(full, depth + 1);
      } else if (st.isFile() || st.isSymbolicLink()) out.push(full);
    }
  };
  for (const p of paths) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch (cause) {
      throw new AisfError('E_FILE_NOT_FOUND', `${p} does not exist; check the path`, { cause });
    }
    if (st.isDirectory()) walk(p, 0);
    else out.push(p);
  }
  return out;
}

/** Builds the summary of a list of results. */
export function summarize(results: readonly FileScanResult[]): ScanSummary {
  const verdicts: Record<Verdict, number> = { clean: 0, findings: 0, error: 0, unknown: 0 };
  const findings = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let highest: Severity | null = null;
  for (const r of results) {
    verdicts[r.verdict]++;
    for (const f of r.findings) {
      findings[f.severity]++;
      if (highest === null || SEVERITY_RANK[f.severity] > SEVERITY_RANK[highest])
        highest = f.severity;
    }
  }
  return { files: results.length, verdicts, findings, highest };
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
