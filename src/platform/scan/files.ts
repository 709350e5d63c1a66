/**
 * @module The light half of scanning, shared by the CLI process and the scan worker: expanding
 * paths to files and summarising results. It imports no format scanner, so the process that only
 * starts the worker never loads (or compiles) the parsers.
 */
import { type Dirent, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AisfError } from '../../errors.js';
import { SEVERITIES, type Severity } from '../../evidence/test-plugin.js';
import { type FileScanResult, SEVERITY_RANK, type Verdict } from './types.js';

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

const SKIP_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '__pycache__']);

/** Expands paths to the files to scan (sorted; folders walked, `.git` skipped, symlinked folders not followed). */
export function listFiles(paths: readonly string[], recursive: boolean): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: Dirent[];
    try {
      // Dirents carry the entry type: no lstat per file.
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (cause) {
      throw new AisfError('E_FILE_READ', `cannot list folder ${dir}`, { cause });
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (recursive && !SKIP_DIRS.has(entry.name) && depth < 64) walk(full, depth + 1);
      } else if (entry.isFile() || entry.isSymbolicLink()) out.push(full);
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
