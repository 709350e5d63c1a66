/**
 * @module Platform security — model-file scanning (TC260 seed 000 §3(四)2 模型文件校验): content
 * sniffing, bounded parsers per format, default-deny pickle analysis, archive walking, findings,
 * verdicts, SARIF, and worker-isolated scanning.
 */
export { FORMAT_SCANNERS } from './formats.js';
export { assertSafeToLoad, type SafeLoadOptions } from './guard.js';
export { DEFAULT_ISOLATION, type IsolationLimits, scanPathsIsolated } from './isolate.js';
export { loadHdf5 } from './keras/index.js';
export { ALLOWED_IMPORTS, DENIED_IMPORTS } from './pickle/policy.js';
export { SARIF_LEVEL, type SarifLog, toSarif } from './sarif.js';
export {
  listFiles,
  preloadScanners,
  type ScanPathsOptions,
  type ScanReport,
  type ScanSummary,
  scanBytes,
  scanFile,
  scanPaths,
  summarize,
} from './scan.js';
export type { Blob, FormatScanner, Probe } from './session.js';
export { ScanSession } from './session.js';
export {
  DEFAULT_LIMITS,
  type FileScanResult,
  type ScanFinding,
  type ScanLimits,
  type ScanLocation,
  type ScanOptions,
  SEVERITY_RANK,
  VERDICTS,
  type Verdict,
} from './types.js';
