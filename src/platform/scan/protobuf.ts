/**
 * @module A bounded wire-level protobuf walker (no schema, no codegen): enough to read the few
 * fields the ONNX and TensorFlow scanners need without materialising tensors. Every length is
 * checked against its enclosing message; the caller bounds recursion depth.
 */
import { ScanParseError } from './types.js';

/** One field on the wire. LEN fields give [start, end) into the buffer, varints a number or bigint. */
export interface WireField {
  field: number;
  wire: 0 | 1 | 2 | 5;
  /** varint value (number when safe, else bigint); undefined for LEN/I32/I64. */
  varint?: number | bigint;
  start: number;
  end: number;
}

/** Reads a varint at `pos`; returns [value, next]. */
export function readVarint(buf: Uint8Array, pos: number, end: number): [number | bigint, number] {
  let result = 0;
  let shift = 0;
  let p = pos;
  while (p < end && shift < 28) {
    const b = buf[p++] as number;
    result |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result >>> 0, p];
    shift += 7;
  }
  // Slow path for values beyond 28 bits.
  let big = BigInt(result >>> 0);
  let bshift = BigInt(shift);
  while (p < end) {
    const b = buf[p++] as number;
    big |= BigInt(b & 0x7f) << bshift;
    if ((b & 0x80) === 0) {
      if (bshift > 70n) throw new ScanParseError('varint longer than 10 bytes', pos);
      return [big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big, p];
    }
    bshift += 7n;
    if (bshift > 70n) throw new ScanParseError('varint longer than 10 bytes', pos);
  }
  throw new ScanParseError('truncated varint', pos);
}

/**
 * Iterates the fields of the message in [start, end). Throws ScanParseError on malformed wire
 * data (unknown wire type, length past the end, group encodings).
 */
export function* fields(buf: Uint8Array, start: number, end: number): Generator<WireField> {
  let p = start;
  while (p < end) {
    const [keyRaw, next] = readVarint(buf, p, end);
    if (typeof keyRaw === 'bigint') throw new ScanParseError('protobuf field key out of range', p);
    const key = keyRaw;
    p = next;
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 0) throw new ScanParseError('protobuf field number 0', p);
    if (wire === 0) {
      const [v, n2] = readVarint(buf, p, end);
      yield { field, wire: 0, varint: v, start: p, end: n2 };
      p = n2;
    } else if (wire === 2) {
      const [len, n2] = readVarint(buf, p, end);
      if (typeof len === 'bigint' || n2 + len > end)
        throw new ScanParseError(`protobuf field ${field} length runs past its message`, p);
      yield { field, wire: 2, start: n2, end: n2 + len };
      p = n2 + len;
    } else if (wire === 1) {
      if (p + 8 > end) throw new ScanParseError('truncated fixed64', p);
      yield { field, wire: 1, start: p, end: p + 8 };
      p += 8;
    } else if (wire === 5) {
      if (p + 4 > end) throw new ScanParseError('truncated fixed32', p);
      yield { field, wire: 5, start: p, end: p + 4 };
      p += 4;
    } else {
      throw new ScanParseError(`protobuf wire type ${wire} is not supported`, p);
    }
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: false });

/** The LEN field as text (lossy UTF-8; for names and ops). */
export function text(buf: Uint8Array, f: WireField): string {
  return UTF8.decode(buf.subarray(f.start, f.end));
}

/** Numbers of a repeated int64 field, packed or not. */
export function packedVarints(buf: Uint8Array, f: WireField): (number | bigint)[] {
  if (f.wire === 0) return [f.varint as number | bigint];
  const out: (number | bigint)[] = [];
  let p = f.start;
  while (p < f.end) {
    const [v, n] = readVarint(buf, p, f.end);
    out.push(v);
    p = n;
  }
  return out;
}

/** True if [start, end) parses as protobuf fields whose numbers are all in `allowed`. */
export function looksLikeMessage(
  buf: Uint8Array,
  start: number,
  end: number,
  allowed: ReadonlySet<number>,
  required: number,
): boolean {
  let saw = false;
  let count = 0;
  try {
    for (const f of fields(buf, start, end)) {
      if (!allowed.has(f.field)) return false;
      if (f.field === required && f.wire === 2) saw = true;
      if (++count > 1_000_000) break;
    }
  } catch {
    return false;
  }
  return saw;
}
