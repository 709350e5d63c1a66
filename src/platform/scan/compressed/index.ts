/**
 * @module Compressed wrappers: gzip and zlib streams (joblib `compress=`, `.tar.gz`) are inflated
 * with a byte cap and a ratio cap and their content scanned; bzip2, xz, lz4, zstd and 7z are
 * recognised but not decompressed — their verdict is `error`, never `clean` (fail closed).
 */
import { inflateCapped } from '../inflate.js';
import { inflateBounded } from '../pickle/index.js';
import type { Blob, FormatScanner, ScanSession } from '../session.js';
import { BufferSource, startsWith } from '../source.js';
import { ScanParseError } from '../types.js';

function gunzipBounded(bytes: Uint8Array, cap: number): Uint8Array {
  // zlib checks each member's CRC-32 and ISIZE trailer (RFC 1952): a truncated stream throws.
  return inflateCapped('gzip', bytes, cap, 'gzip stream');
}

function innerName(name: string): string {
  return name.replace(/\.(gz|tgz|z|zlib)$/i, (m) => (m.toLowerCase() === '.tgz' ? '.tar' : ''));
}

function scanInner(blob: Blob, session: ScanSession, inner: Uint8Array, label: string): string {
  const ratio = inner.length / Math.max(1, blob.source.size);
  if (inner.length > 1024 * 1024 && ratio > session.limits.maxCompressionRatio) {
    session.report(
      'scan.archive.compression-ratio',
      'high',
      `${label} stream expands ${ratio.toFixed(0)}× (decompression bomb?)`,
      blob.location,
    );
  }
  if (!session.charge(inner.length, blob.location)) return label;
  session.scanMember(
    blob,
    innerName(blob.name),
    new BufferSource(inner),
    blob.context ? { context: blob.context } : {},
  );
  return label;
}

/** gzip (RFC 1952). */
export const gzipScanner: FormatScanner = {
  id: 'gzip',
  title: 'gzip-compressed file',
  sniff: (probe) => startsWith(probe.head, [0x1f, 0x8b, 0x08]),
  scan(blob, session) {
    const cap = Math.min(
      session.limits.maxMemberBytes,
      Math.max(1, blob.source.size) * session.limits.maxCompressionRatio + 1024 * 1024,
    );
    return scanInner(
      blob,
      session,
      gunzipBounded(blob.source.all(session.limits.maxInMemoryBytes), cap),
      'gzip',
    );
  },
};

/** zlib (RFC 1950), as written by joblib's default compressor. */
export const zlibScanner: FormatScanner = {
  id: 'zlib',
  title: 'zlib-compressed file (joblib compress)',
  sniff(probe) {
    const [a, b] = probe.head;
    if (a !== 0x78 || b === undefined || (a * 256 + b) % 31 !== 0) return false;
    const head = inflateBounded(probe.head, 1 << 20);
    return head !== undefined || probe.size > probe.head.length;
  },
  scan(blob, session) {
    const cap = Math.min(
      session.limits.maxMemberBytes,
      Math.max(1, blob.source.size) * session.limits.maxCompressionRatio + 1024 * 1024,
    );
    const inner = inflateBounded(blob.source.all(session.limits.maxInMemoryBytes), cap);
    if (!inner)
      throw new ScanParseError('zlib stream is corrupt or inflates past the size/ratio limit');
    return scanInner(blob, session, inner, 'zlib');
  },
};

const UNSUPPORTED: [string, number[]][] = [
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['lz4', [0x04, 0x22, 0x4d, 0x18]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['7z', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ['rar', [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07]],
];

/** bzip2/xz/lz4/zstd/7z/rar: recognised, not decompressed → verdict error. */
export const unsupportedCompressionScanner: FormatScanner = {
  id: 'compressed',
  title: 'bzip2 / xz / lz4 / zstd / 7z / rar (not decompressed)',
  sniff: (probe) => UNSUPPORTED.some(([, magic]) => startsWith(probe.head, magic)),
  scan(blob, session) {
    const kind =
      UNSUPPORTED.find(([, magic]) => startsWith(blob.source.read(0, 8), magic))?.[0] ??
      'compressed';
    session.fail(
      `${kind}-compressed content is not decompressed by aisf; decompress it and scan the result`,
      blob.location,
    );
    return kind;
  },
};
