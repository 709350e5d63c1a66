/**
 * @module One file's scan: the format-scanner contract, content sniffing in registry order, nested
 * members (archives, nested pickles) with depth and byte budgets, and the findings/errors it collects.
 */
import type { Severity } from '../../evidence/test-plugin.js';
import { type Source, sha256Of } from './source.js';
import {
  DEFAULT_LIMITS,
  type MemberDigest,
  type ScanFinding,
  type ScanLimits,
  type ScanLocation,
  type ScanOptions,
  ScanParseError,
} from './types.js';

/** What a container tells the scanner of a member: how the victim loader will read it. */
export type BlobContext =
  | 'pytorch'
  | 'pytorch-legacy'
  | 'pytorch-tar'
  | 'numpy'
  | 'joblib'
  | 'keras';

/** Bytes to scan: a top-level file or an archive member. */
export interface Blob {
  source: Source;
  /** Base name or member path; only a hint (sniffing is by content). */
  name: string;
  location: ScanLocation;
  /** Archive nesting depth (0 = the file itself). */
  depth: number;
  /** Folder on disk of a top-level file (ONNX external data, TF.js shards); absent in archives. */
  dir?: string;
  /** Other members of the enclosing archive, name → size (ONNX/TF.js inside archives). */
  siblings?: ReadonlyMap<string, number>;
  context?: BlobContext;
}

/** What `sniff` sees: the first 64 KiB, the size and the name. */
export interface Probe {
  head: Uint8Array;
  size: number;
  name: string;
  source: Source;
  /** True when the blob is a member of an archive (raw tensor members are not trial-parsed). */
  nested: boolean;
}

/**
 * A file-format scanner: one folder under src/platform/scan/ with this descriptor as `index.ts`.
 * Registered in formats.ts; sniffed in registry order.
 */
export interface FormatScanner {
  /** Stable id, also the JSON `format`, e.g. `safetensors`. */
  id: string;
  title: string;
  /** True if the content is this format (never the extension alone). */
  sniff(probe: Probe): boolean;
  /** Scans; returns a refined format label (zip → `pytorch-zip`) or undefined to keep `id`. */
  scan(blob: Blob, session: ScanSession): string | undefined;
}

/**
 * Thrown by a scanner whose heavy dependency (libhdf5, the ONNX engine) is not loaded yet: scanFile
 * awaits `load` and scans the file again, so only runs that meet such a file pay for the import.
 */
export class NeedLoadError extends Error {
  override readonly name: string = 'NeedLoadError';
  constructor(
    readonly load: () => Promise<void>,
    what: string,
  ) {
    super(`${what} is not loaded yet`);
  }
}

/** Bytes read for sniffing. */
export const PROBE_BYTES = 64 * 1024;

/** Collects findings, errors and member digests of one top-level file. */
export class ScanSession {
  readonly findings: ScanFinding[] = [];
  readonly errors: { message: string; location: ScanLocation }[] = [];
  readonly members: (MemberDigest & { format: string })[] = [];
  readonly limits: ScanLimits;
  readonly allowImports: ReadonlySet<string>;
  /** Decompressed bytes so far (bounded by limits.maxTotalBytes). */
  private expanded = 0;
  /** Tensor bytes whose values were checked (bounded by limits.maxValueBytes). */
  private valueBytes = 0;
  private readonly seen = new Set<string>();

  constructor(
    readonly registry: readonly FormatScanner[],
    options: ScanOptions = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.allowImports = new Set(options.allowImports ?? []);
  }

  /** Records a finding; identical (id, location, message) findings are kept once. */
  report(
    id: string,
    severity: Severity,
    message: string,
    location: ScanLocation,
    evidence?: unknown,
  ): void {
    const key = `${id}|${location.member ?? ''}|${location.offset ?? ''}|${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.findings.length >= 10_000) return;
    this.findings.push({
      id,
      severity,
      message,
      location: { ...location },
      ...(evidence === undefined ? {} : { evidence }),
    });
  }

  /** Records that part of the file could not be scanned: the verdict becomes `error`. */
  fail(message: string, location: ScanLocation): void {
    if (this.errors.length < 1000) this.errors.push({ message, location: { ...location } });
  }

  /** Takes up to `bytes` from the per-file value-check budget; returns what was granted. */
  valueBudget(bytes: number): number {
    const granted = Math.max(0, Math.min(bytes, this.limits.maxValueBytes - this.valueBytes));
    this.valueBytes += granted;
    return granted;
  }

  /** Counts decompressed bytes against the total budget; false (and an error) when exceeded. */
  charge(bytes: number, location: ScanLocation): boolean {
    this.expanded += bytes;
    if (this.expanded > this.limits.maxTotalBytes) {
      this.report(
        'scan.archive.total-size',
        'high',
        `archive expands past ${this.limits.maxTotalBytes} bytes (decompression bomb?); rest not scanned`,
        location,
      );
      this.fail(
        'decompressed size limit reached; members after this one were not scanned',
        location,
      );
      return false;
    }
    return true;
  }

  /** Finds the format of a blob by content (registry order). */
  sniff(blob: Blob): FormatScanner | undefined {
    const probe: Probe = {
      head: blob.source.read(0, PROBE_BYTES),
      size: blob.source.size,
      name: blob.name,
      source: blob.source,
      nested: blob.depth > 0,
    };
    for (const scanner of this.registry) {
      try {
        if (scanner.sniff(probe)) return scanner;
      } catch {
        // A sniffer that throws on hostile bytes simply does not match.
      }
    }
    return undefined;
  }

  /**
   * Sniffs and scans a blob; returns its format label (`unknown` if nothing matched). Any throw
   * inside a scanner becomes an error of this file (fail closed), never a crash of the scan.
   */
  scanBlob(blob: Blob, forced?: string): string {
    if (blob.depth > this.limits.maxDepth) {
      this.report(
        'scan.archive.depth',
        'high',
        `nesting deeper than ${this.limits.maxDepth} levels; not scanned`,
        blob.location,
      );
      this.fail('archive nesting limit reached', blob.location);
      return 'unknown';
    }
    const scanner = forced
      ? this.registry.find((s) => s.id === forced)
      : (this.sniff(blob) ?? undefined);
    if (!scanner) return 'unknown';
    try {
      return scanner.scan(blob, this) ?? scanner.id;
    } catch (error) {
      if (error instanceof NeedLoadError) throw error;
      const offset = error instanceof ScanParseError ? error.offset : undefined;
      const where = offset === undefined ? blob.location : { ...blob.location, offset };
      const message =
        error instanceof ScanParseError
          ? error.message
          : error instanceof RangeError
            ? `parser limit: ${error.message}`
            : `scanner failed: ${error instanceof Error ? error.message : String(error)}`;
      this.fail(`${scanner.id}: ${message}`, where);
      return scanner.id;
    }
  }

  /** Records an archive member's digest and scans it (depth + 1). */
  scanMember(parent: Blob, name: string, source: Source, extra: Partial<Blob> = {}): string {
    const member = parent.location.member ? `${parent.location.member}!/${name}` : name;
    const location: ScanLocation = { file: parent.location.file, member };
    const digest = { name: member, size: source.size, sha256: sha256Of(source) };
    const format = this.scanBlob({
      source,
      name,
      location,
      depth: parent.depth + 1,
      ...extra,
    });
    this.members.push({ ...digest, format });
    return format;
  }
}

/** Base name of a path or member name (`a/b/c.pkl` → `c.pkl`). */
export function baseName(name: string): string {
  const parts = name.split(/[\\/]/);
  return parts[parts.length - 1] ?? name;
}

/** Lower-case extension with the dot, or ''. */
export function extensionOf(name: string): string {
  const base = baseName(name);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot).toLowerCase();
}
