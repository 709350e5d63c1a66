/**
 * @module Refuse-to-load gate (issue 7 item 6, TC260 seed 000 §3(四)2): scan a model file in the
 * isolated worker before any loader touches it, and throw E_MODEL_UNSAFE unless it is clean.
 * The engine sits below the platform layer, so callers above it (CLI, assess, server) call this
 * before `loadModel`.
 */
import { AisfError } from '../../errors.js';
import { type IsolationLimits, scanPathsIsolated } from './isolate.js';
import type { FileScanResult, ScanOptions } from './types.js';
import { SEVERITY_RANK } from './types.js';

/** Options of assertSafeToLoad. */
export interface SafeLoadOptions extends ScanOptions {
  /** Skip the scan: the caller vouches for the file (e.g. it verified a signature). @default false */
  trusted?: boolean;
  isolation?: IsolationLimits;
}

/**
 * Scans `path` and throws AisfError E_MODEL_UNSAFE if it has a medium-or-worse finding, could not
 * be scanned to the end (`error`), or is of an unknown format. Returns the scan result otherwise.
 * @example await assertSafeToLoad('model.onnx'); const session = await loadModel('model.onnx');
 */
export async function assertSafeToLoad(
  path: string,
  options: SafeLoadOptions = {},
): Promise<FileScanResult | undefined> {
  if (options.trusted) return undefined;
  const { trusted: _t, isolation, ...scan } = options;
  const report = await scanPathsIsolated([path], scan, isolation ?? {});
  const result = report.results[0];
  if (!result)
    throw new AisfError('E_MODEL_UNSAFE', `${path}: nothing was scanned; refusing to load it`);
  const bad = result.findings.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.medium);
  if (result.verdict === 'error' || result.verdict === 'unknown' || bad.length > 0) {
    const why =
      result.verdict === 'error'
        ? `it could not be scanned to the end (${result.errors[0]?.message ?? 'error'})`
        : result.verdict === 'unknown'
          ? 'its format is not recognised'
          : `${bad.length} finding(s), worst: ${bad[0]?.id} (${bad[0]?.severity})`;
    throw new AisfError(
      'E_MODEL_UNSAFE',
      `${path} failed the safety scan: ${why}; run \`aisf scan ${path}\` for details, or pass trusted to skip`,
      {
        details: {
          verdict: result.verdict,
          findings: bad.slice(0, 20).map((f) => ({ id: f.id, severity: f.severity })),
        },
      },
    );
  }
  return result;
}
