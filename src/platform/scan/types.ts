/** @module Shared types of the model-file scanner: findings, verdicts, results, limits and format descriptors. */
import type { Finding, Severity } from '../../evidence/test-plugin.js';

export type { Finding, Severity };

/**
 * How the scan of one file ended. `error` means the file (or a member) could not be parsed to
 * the end, so the scan is incomplete — never read as clean (fails closed, modelscan#354).
 */
export const VERDICTS = ['clean', 'findings', 'error', 'unknown'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Where a finding is: the file on disk, the archive member path (`a.zip!/b/data.pkl`), a byte offset. */
export interface ScanLocation {
  file: string;
  member?: string;
  offset?: number;
}

/** A finding of the scanner: the shared Finding with a mandatory location. */
export interface ScanFinding extends Finding {
  location: ScanLocation;
  evidence?: unknown;
}

/** SHA-256 of one archive member (integrity, issue 7 item 5). */
export interface MemberDigest {
  name: string;
  size: number;
  sha256: string;
}

/** The result for one file given on the command line (or found under a folder). */
export interface FileScanResult {
  path: string;
  /** Detected format of the top-level file, e.g. `pytorch-zip`, `safetensors`, `unknown`. */
  format: string;
  sha256: string | null;
  size: number;
  verdict: Verdict;
  findings: ScanFinding[];
  /** Why the scan is incomplete (only when verdict is `error`). */
  errors: { message: string; location: ScanLocation }[];
  /** Formats of nested members, e.g. `archive/data.pkl: pickle`. */
  members: (MemberDigest & { format: string })[];
  durationMs: number;
}

/**
 * Resource bounds of one file scan. Every parser of untrusted bytes is bounded (STYLE.md); hitting
 * a bound is a finding or an error, never a silent skip.
 */
export interface ScanLimits {
  /** Archive nesting depth (zip in zip in tar …). @default 5 */
  maxDepth: number;
  /** Members per archive. @default 10000 */
  maxMembers: number;
  /** Decompressed bytes of one member held in memory. @default 512 MiB */
  maxMemberBytes: number;
  /** Decompressed bytes of all members of one file. @default 4 GiB */
  maxTotalBytes: number;
  /** Compression ratio above which a member is treated as a bomb (modelaudit S410). @default 200 */
  maxCompressionRatio: number;
  /** Bytes a parser may read fully into memory (pickle, ONNX, SavedModel). @default 1 GiB */
  maxInMemoryBytes: number;
  /** Opcodes per pickle stream. @default 20,000,000 */
  maxPickleOps: number;
  /** Memo entries per pickle stream. @default 5,000,000 */
  maxPickleMemo: number;
  /** Nested-pickle recursion (pickle in bytes in pickle). @default 4 */
  maxNestedPickles: number;
  /** Tensor bytes per file whose values are checked for NaN/Inf and magnitude. @default 256 MiB */
  maxValueBytes: number;
}

/** Defaults of ScanLimits (sizes chosen so real LLM checkpoints pass and bombs do not). */
export const DEFAULT_LIMITS: ScanLimits = {
  maxDepth: 5,
  maxMembers: 10_000,
  maxMemberBytes: 512 * 1024 * 1024,
  maxTotalBytes: 4 * 1024 * 1024 * 1024,
  maxCompressionRatio: 200,
  maxInMemoryBytes: 1024 * 1024 * 1024,
  maxPickleOps: 20_000_000,
  maxPickleMemo: 5_000_000,
  maxNestedPickles: 4,
  maxValueBytes: 256 * 1024 * 1024,
};

/** Options of a scan. */
export interface ScanOptions {
  limits?: Partial<ScanLimits>;
  /**
   * Extra pickle imports to allow (`module.name`), e.g. `sklearn.linear_model._logistic.LogisticRegression`
   * for a trusted sklearn pipeline. Default-deny stays on for everything else.
   * @default []
   */
  allowImports?: readonly string[];
}

/** A parse failure inside a bounded parser; the file's verdict becomes `error`. */
export class ScanParseError extends Error {
  override readonly name = 'ScanParseError';
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    // Sniffers and bounded parsers throw these on every hostile or foreign file; a stack trace
    // (the costly part of `new Error`) is never shown for them, so none is captured.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** Severity order, for thresholds. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = {
  info: 0,
  low: 1,
  medium: 2,
  high: 3,
  critical: 4,
};
