/**
 * @module Parameter-value checks (TC260 seed 000 §3(四)2, "check parameter ranges before
 * loading"): NaN and ±Inf in float weights (the model then outputs NaN/Inf — corrupted or
 * sabotaged weights) and absurd magnitudes. Streaming and bounded: at most
 * `limits.maxValueBytes` of tensor data per file is read; past it a finding says so.
 */
import type { ScanSession } from './session.js';
import type { Source } from './source.js';
import type { ScanLocation } from './types.js';

/** Float encodings the check understands. */
export type FloatKind = 'f16' | 'bf16' | 'f32' | 'f64';

/** Bytes per element of each float kind. */
export const FLOAT_BYTES: Readonly<Record<FloatKind, number>> = { f16: 2, bf16: 2, f32: 4, f64: 8 };

/** What the check saw in one tensor. */
export interface ValueStats {
  elements: number;
  nan: number;
  inf: number;
  /** Largest finite |value|. */
  maxAbs: number;
}

/** |value| from which a weight is reported as absurd (low), and as overflow-prone (medium). */
export const MAGNITUDE_LOW = 1e8;
export const MAGNITUDE_MEDIUM = 1e30;

function scanChunk(kind: FloatKind, bytes: Uint8Array, stats: ValueStats): void {
  const aligned = bytes.byteOffset % FLOAT_BYTES[kind] === 0 ? bytes : bytes.slice();
  const n = Math.floor(aligned.length / FLOAT_BYTES[kind]);
  stats.elements += n;
  if (kind === 'f16' || kind === 'bf16') {
    // Exponent all ones = Inf (mantissa 0) or NaN (IEEE 754 binary16; bfloat16 = top half of f32).
    const u = new Uint16Array(aligned.buffer, aligned.byteOffset, n);
    const exp = kind === 'f16' ? 0x7c00 : 0x7f80;
    const mant = kind === 'f16' ? 0x03ff : 0x007f;
    let maxBits = 0;
    for (let i = 0; i < n; i++) {
      const h = (u[i] as number) & 0x7fff;
      if ((h & exp) === exp) {
        if ((h & mant) === 0) stats.inf++;
        else stats.nan++;
      } else if (h > maxBits) maxBits = h;
    }
    // The largest finite bit pattern is the largest magnitude (sign removed, ordered encoding).
    const max =
      kind === 'bf16'
        ? new Float32Array(new Uint32Array([maxBits << 16]).buffer)[0]
        : halfToFloat(maxBits);
    stats.maxAbs = Math.max(stats.maxAbs, max ?? 0);
    return;
  }
  const v =
    kind === 'f32'
      ? new Float32Array(aligned.buffer, aligned.byteOffset, n)
      : new Float64Array(aligned.buffer, aligned.byteOffset, n);
  let max = stats.maxAbs;
  for (let i = 0; i < n; i++) {
    const x = v[i] as number;
    if (Number.isNaN(x)) stats.nan++;
    else if (x === Infinity || x === -Infinity) stats.inf++;
    else if (x > max) max = x;
    else if (-x > max) max = -x;
  }
  stats.maxAbs = max;
}

function halfToFloat(h: number): number {
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  return e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * Checks the float values of one tensor stored at [offset, offset+length) of `source`, reading
 * in 4 MiB chunks within the session's value budget; reports non-finite values and magnitudes.
 * @example checkFloatTensor(session, source, 'f32', 8 + headerLength, 4096, 'tensor "w"', location);
 */
export function checkFloatTensor(
  session: ScanSession,
  source: Source,
  kind: FloatKind,
  offset: number,
  length: number,
  label: string,
  location: ScanLocation,
): ValueStats {
  const stats: ValueStats = { elements: 0, nan: 0, inf: 0, maxAbs: 0 };
  const width = FLOAT_BYTES[kind];
  const budget = session.valueBudget(length);
  const chunk = 4 * 1024 * 1024;
  for (let at = 0; at + width <= budget; at += chunk) {
    const n = Math.min(chunk, budget - at);
    scanChunk(kind, source.read(offset + at, n - (n % width)), stats);
  }
  if (budget < length)
    session.report(
      'scan.weights.partial',
      'info',
      `${label}: values checked in the first ${budget} of ${length} bytes only (value budget of ${session.limits.maxValueBytes} bytes per file reached)`,
      location,
    );
  reportValues(session, stats, label, location);
  return stats;
}

/** Turns value statistics into findings. */
export function reportValues(
  session: ScanSession,
  stats: ValueStats,
  label: string,
  location: ScanLocation,
): void {
  if (stats.nan > 0 || stats.inf > 0)
    session.report(
      'scan.weights.non-finite',
      'medium',
      `${label} holds ${stats.nan} NaN and ${stats.inf} ±Inf of ${stats.elements} values: the model computes NaN/Inf (corrupted or sabotaged weights; masks that need -Inf are better stored as a large finite value)`,
      location,
      { nan: stats.nan, inf: stats.inf, elements: stats.elements },
    );
  if (stats.maxAbs >= MAGNITUDE_LOW)
    session.report(
      'scan.weights.magnitude',
      stats.maxAbs >= MAGNITUDE_MEDIUM ? 'medium' : 'low',
      `${label} has a weight of magnitude ${stats.maxAbs.toPrecision(3)} (activations overflow; tampered weights?)`,
      location,
      { maxAbs: stats.maxAbs },
    );
}
