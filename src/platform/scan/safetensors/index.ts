/**
 * @module safetensors scanner, streaming (the header, then float tensor values in 4 MiB chunks up
 * to the value budget, so a 1 GB file uses bounded memory): the rules of the Rust reference `safetensors/src/tensor.rs` — header ≤ 100 MB, valid
 * UTF-8 JSON starting with `{`, known dtypes, checked dtype × shape = byte length, offsets sorted,
 * contiguous, in bounds and covering the buffer exactly (no polyglot tail) — plus duplicate keys
 * (TOB-SFTN-7) and `__proto__` names, which JSON.parse would hide; NaN/Inf and absurd weights
 * (values.ts).
 */

import { isObject, type Json, parseJsonStrict } from '../json.js';
import type { FormatScanner } from '../session.js';
import { utf8 } from '../source.js';
import { ScanParseError } from '../types.js';
import { checkFloatTensor, type FloatKind } from '../values.js';

/** MAX_HEADER_SIZE of the Rust reference. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Bits per element of each dtype (sub-byte F4/F6 as in tensor.rs). */
export const DTYPE_BITS: Readonly<Record<string, number>> = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F8_E4M3FNUZ: 8,
  F8_E5M2FNUZ: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
};

function sniffHeader(head: Uint8Array, size: number): boolean {
  if (head.length < 9 || size < 10) return false;
  const n = Number(new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true));
  return head[8] === 0x7b && n >= 2 && n <= MAX_HEADER_BYTES && n + 8 <= size;
}

/** The safetensors scanner. */
export const safetensorsScanner: FormatScanner = {
  id: 'safetensors',
  title: 'safetensors',
  sniff: (probe) => sniffHeader(probe.head, probe.size),
  scan(blob, session) {
    const src = blob.source;
    const lenBytes = src.read(0, 8);
    if (lenBytes.length < 8)
      throw new ScanParseError('safetensors file shorter than its 8-byte header length');
    const big = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true);
    if (big > BigInt(MAX_HEADER_BYTES))
      throw new ScanParseError(
        `header length ${big} exceeds ${MAX_HEADER_BYTES} (HeaderTooLarge)`,
        0,
      );
    const n = Number(big);
    if (n + 8 > src.size)
      throw new ScanParseError(
        'header length runs past the end of the file (InvalidHeaderLength)',
        0,
      );
    const text = utf8(src.read(8, n), 'safetensors header', 8);
    if (!text.startsWith('{'))
      throw new ScanParseError('header does not start with "{" (InvalidHeaderStart)', 8);
    const header = parseJsonStrict(text.replace(/ +$/, ''), {
      onDuplicate: (path, key) =>
        session.report(
          'scan.safetensors.duplicate-key',
          'high',
          `duplicate header key ${JSON.stringify(key.slice(0, 100))} in ${path} (loaders disagree on which tensor is used)`,
          blob.location,
        ),
    });
    if (!isObject(header)) throw new ScanParseError('header is not a JSON object');
    const bufferSize = src.size - 8 - n;
    const tensors: { name: string; begin: number; end: number; dtype: string }[] = [];
    for (const [name, info] of Object.entries(header)) {
      if (name === '__metadata__') {
        if (!isObject(info) || !Object.values(info).every((v) => typeof v === 'string')) {
          throw new ScanParseError('__metadata__ must map strings to strings');
        }
        for (const [k, v] of Object.entries(info)) {
          if (/__class__|__import__|os\.system|subprocess|eval\(|exec\(/.test(v as string)) {
            session.report(
              'scan.safetensors.metadata-code',
              'medium',
              `metadata value ${JSON.stringify(k.slice(0, 60))} contains code-like text`,
              blob.location,
            );
          }
        }
        continue;
      }
      if (name === '__proto__' || name === 'constructor' || name === 'prototype') {
        session.report(
          'scan.safetensors.prototype-key',
          'high',
          `tensor named ${name} (prototype pollution in JS loaders)`,
          blob.location,
        );
      }
      if (!isObject(info))
        throw new ScanParseError(
          `tensor ${JSON.stringify(name.slice(0, 100))} entry is not an object`,
        );
      const dtype = info.dtype;
      const shape = info.shape as Json;
      const offsets = info.data_offsets as Json;
      if (typeof dtype !== 'string' || DTYPE_BITS[dtype] === undefined) {
        throw new ScanParseError(
          `tensor ${JSON.stringify(name.slice(0, 100))} has unknown dtype ${JSON.stringify(String(dtype).slice(0, 20))}`,
        );
      }
      if (
        !Array.isArray(shape) ||
        !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)
      ) {
        throw new ScanParseError(
          `tensor ${JSON.stringify(name.slice(0, 100))} shape must be non-negative integers`,
        );
      }
      if (
        !Array.isArray(offsets) ||
        offsets.length !== 2 ||
        !offsets.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)
      ) {
        throw new ScanParseError(
          `tensor ${JSON.stringify(name.slice(0, 100))} data_offsets must be two non-negative integers`,
        );
      }
      const [begin, end] = offsets as [number, number];
      if (end < begin)
        throw new ScanParseError(
          `tensor ${JSON.stringify(name.slice(0, 100))} ends before it begins (InvalidOffset)`,
        );
      let elements = 1n;
      for (const d of shape as number[]) elements *= BigInt(d);
      const bits = elements * BigInt(DTYPE_BITS[dtype] as number);
      if (bits % 8n !== 0n)
        throw new ScanParseError(
          `tensor ${JSON.stringify(name.slice(0, 100))} is not a whole number of bytes (MisalignedSlice)`,
        );
      if (bits / 8n !== BigInt(end - begin)) {
        session.report(
          'scan.safetensors.size-mismatch',
          'high',
          `tensor ${JSON.stringify(name.slice(0, 100))}: dtype × shape = ${bits / 8n} bytes but offsets span ${end - begin} (TensorInvalidInfo)`,
          blob.location,
        );
      }
      tensors.push({ name, begin, end, dtype });
    }
    tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
    let expected = 0;
    for (const t of tensors) {
      if (t.begin !== expected) {
        session.report(
          'scan.safetensors.offsets',
          'high',
          `tensor ${JSON.stringify(t.name.slice(0, 100))} starts at ${t.begin}, expected ${expected} (${t.begin < expected ? 'overlap' : 'gap'}; InvalidOffset)`,
          blob.location,
        );
      }
      expected = Math.max(expected, t.end);
    }
    if (expected > bufferSize)
      throw new ScanParseError(
        `tensors need ${expected} bytes but the file holds ${bufferSize} (truncated)`,
      );
    if (expected < bufferSize) {
      session.report(
        'scan.safetensors.trailing-data',
        'high',
        `${bufferSize - expected} bytes after the last tensor (MetadataIncompleteBuffer; polyglot?)`,
        { ...blob.location, offset: 8 + n + expected },
      );
    }
    // Parameter values of float tensors, streamed (bounded by limits.maxValueBytes).
    for (const t of tensors) {
      const kind = FLOAT_KINDS[t.dtype];
      if (kind === undefined || t.end > bufferSize) continue;
      checkFloatTensor(
        session,
        src,
        kind,
        8 + n + t.begin,
        t.end - t.begin,
        `tensor ${JSON.stringify(t.name.slice(0, 100))}`,
        blob.location,
      );
    }
    return 'safetensors';
  },
};

const FLOAT_KINDS: Readonly<Record<string, FloatKind>> = {
  F16: 'f16',
  BF16: 'bf16',
  F32: 'f32',
  F64: 'f64',
};
