/**
 * @module Random-access byte sources: a file read by offset (so a 1 GB safetensors or GGUF file is
 * scanned with bounded memory), an in-memory buffer, or a slice of either (a stored zip member).
 */

import { createHash, hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { ScanParseError } from './types.js';

/** Bytes a scanner reads by offset; `read` past the end returns fewer bytes. */
export interface Source {
  readonly size: number;
  /** Reads up to `length` bytes at `offset` (fewer at the end). */
  read(offset: number, length: number): Uint8Array;
  /** All bytes in memory; throws a ScanParseError above `limit`. */
  all(limit: number): Uint8Array;
}

/** A Source over an in-memory buffer (archive members, tests). */
export class BufferSource implements Source {
  constructor(readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  read(offset: number, length: number): Uint8Array {
    return this.bytes.subarray(Math.min(offset, this.size), Math.min(offset + length, this.size));
  }
  all(limit: number): Uint8Array {
    if (this.size > limit) throw tooLarge(this.size, limit);
    return this.bytes;
  }
}

/** A window [start, start+size) of another Source (a stored zip or tar member: no copy). */
export class SliceSource implements Source {
  constructor(
    private readonly parent: Source,
    private readonly start: number,
    readonly size: number,
  ) {}
  read(offset: number, length: number): Uint8Array {
    const end = Math.min(offset + length, this.size);
    if (offset >= end) return new Uint8Array(0);
    return this.parent.read(this.start + offset, end - offset);
  }
  all(limit: number): Uint8Array {
    if (this.size > limit) throw tooLarge(this.size, limit);
    return this.read(0, this.size);
  }
}

function tooLarge(size: number, limit: number): ScanParseError {
  return new ScanParseError(
    `${size} bytes exceed the in-memory scan limit of ${limit} bytes; raise --max-bytes to scan it`,
  );
}

/** A Source over an open file descriptor; close it with `close()`. */
export class FileSource implements Source {
  private readonly fd: number;
  readonly size: number;
  private cache: Uint8Array | undefined;
  /** Opens `path` (or adopts an open descriptor `fd`, which close() then closes). */
  constructor(path: string, size: number, fd?: number) {
    this.fd = fd ?? openSync(path, 'r');
    this.size = size;
  }
  read(offset: number, length: number): Uint8Array {
    if (this.cache) return this.cache.subarray(offset, Math.min(offset + length, this.size));
    const n = Math.max(0, Math.min(length, this.size - offset));
    const out = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const got = readSync(this.fd, out, done, n - done, offset + done);
      if (got === 0) break;
      done += got;
    }
    return done === n ? out : out.subarray(0, done);
  }
  all(limit: number): Uint8Array {
    if (this.size > limit) throw tooLarge(this.size, limit);
    this.cache ??= this.read(0, this.size);
    return this.cache;
  }
  close(): void {
    this.cache = undefined;
    closeSync(this.fd);
  }
}

/** Streams a Source through SHA-256 in 8 MiB chunks (bounded memory, few syscalls). */
export function sha256Of(source: Source): string {
  // One-shot crypto.hash for what fits one read (no Hash object per small file or member).
  if (source instanceof BufferSource) return hash('sha256', source.bytes, 'hex');
  const chunk = 8 * 1024 * 1024;
  if (source.size <= chunk) return hash('sha256', source.read(0, source.size), 'hex');
  const digest = createHash('sha256');
  for (let offset = 0; offset < source.size; offset += chunk) {
    digest.update(source.read(offset, chunk));
  }
  return digest.digest('hex');
}

/** Little-endian readers with bounds checks: a read past the end is a ScanParseError. */
export class ByteReader {
  pos: number;
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get remaining(): number {
    return this.end - this.pos;
  }
  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new ScanParseError(
        `truncated: ${what} needs ${n} bytes, ${this.remaining} left`,
        this.pos,
      );
    }
  }
  u8(): number {
    this.need(1, 'u8');
    return this.bytes[this.pos++] as number;
  }
  u16(): number {
    this.need(2, 'u16');
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4, 'u32');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4, 'i32');
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  /** u64 as a number; values above 2^53 are rejected (no real length is that large). */
  u64(what = 'u64'): number {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ScanParseError(`${what} ${v} is out of range`, this.pos - 8);
    }
    return Number(v);
  }
  i64(): bigint {
    this.need(8, 'i64');
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }
  f32(): number {
    this.need(4, 'f32');
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f64(): number {
    this.need(8, 'f64');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  take(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const LATIN1 = new TextDecoder('latin1');

/** Strict UTF-8 decode; invalid bytes are a ScanParseError naming `what`. */
export function utf8(bytes: Uint8Array, what: string, offset?: number): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new ScanParseError(`${what} is not valid UTF-8`, offset);
  }
}

/** Latin-1 decode (never fails): for evidence text and ASCII magic checks. */
export function latin1(bytes: Uint8Array): string {
  return LATIN1.decode(bytes);
}

/** True if `bytes` starts with `prefix` at `at`. */
export function startsWith(bytes: Uint8Array, prefix: readonly number[] | string, at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  if (typeof prefix === 'string') {
    // Magic strings are ASCII: compare code units directly (no array per call; this runs for
    // every sniffer on every file).
    for (let i = 0; i < prefix.length; i++)
      if (bytes[at + i] !== prefix.charCodeAt(i)) return false;
    return true;
  }
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}
