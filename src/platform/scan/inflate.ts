/**
 * @module Bounded decompression with the platform's zlib (C, several times faster than a JS
 * inflater): every call has an output cap (`maxOutputLength`), so a decompression bomb stops at
 * the cap instead of exhausting memory; truncated or corrupt streams (bad Adler-32/CRC-32) throw.
 */
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { ScanParseError } from './types.js';

/** Stream kinds: raw deflate (zip members), zlib (RFC 1950, joblib), gzip (RFC 1952). */
export type Deflate = 'raw' | 'zlib' | 'gzip';

const INFLATE = { raw: inflateRawSync, zlib: inflateSync, gzip: gunzipSync } as const;

/**
 * Inflates `bytes` to at most `cap` bytes; throws a ScanParseError naming `what` when the stream
 * is corrupt, truncated, or inflates past the cap.
 * @example const data = inflateCapped('raw', member, 1 << 20, 'zip member a.pkl');
 */
export function inflateCapped(
  kind: Deflate,
  bytes: Uint8Array,
  cap: number,
  what: string,
): Uint8Array {
  try {
    const out = INFLATE[kind](bytes, { maxOutputLength: Math.max(1, Math.floor(cap)) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError)
      throw new ScanParseError(`${what} inflates past ${cap} bytes`);
    throw new ScanParseError(
      `${what}: corrupt or truncated ${kind === 'raw' ? 'deflate' : kind} data (${error instanceof Error ? error.message.slice(0, 120) : String(error)})`,
    );
  }
}
