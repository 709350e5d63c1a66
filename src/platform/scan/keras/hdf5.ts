/**
 * @module A bounded, read-only HDF5 metadata walker for the layouts h5py and Keras write
 * (superblock v0–v3, object headers v1/v2, symbol-table groups and compact links, compact
 * attributes, fixed and variable-length strings via the global heap, compact/contiguous data).
 * It visits every group, dataset and attribute without running libhdf5, so the scan needs no
 * WASM start-up; anything it does not implement (dense storage in fractal heaps, shared object
 * header messages) throws Hdf5Unsupported and the caller falls back to h5wasm — never to "clean".
 * Layout per the HDF5 File Format Specification v3.0 (The HDF Group).
 */
import type { Source } from '../source.js';
import { ScanParseError } from '../types.js';

/** A structure this reader does not implement; the caller falls back to libhdf5 (h5wasm). */
export class Hdf5Unsupported extends Error {
  override readonly name = 'Hdf5Unsupported';
}

/** HDF5 signature; files may have a user block, so it is searched at 0, 512, 1024, 2048 … */
export const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a] as const;

/** A decoded datatype: class number (HDF5 spec §IV.A.2.d) and what the value decoder needs. */
export interface H5Type {
  cls: number;
  size: number;
  /** Variable-length string (class 9, type 1) or sequence (class 9, type 0). */
  vlen?: 'string' | 'sequence';
  /** Element size of a variable-length sequence's base type. */
  baseSize?: number;
}

/** An attribute: its value is decoded for string, opaque and byte types only. */
export interface H5Attribute {
  name: string;
  type: H5Type;
  count: number;
  /** Strings of a string attribute (UTF-8 decoded, NUL padding removed). */
  strings?: string[];
  /** Raw bytes of each string, or of opaque / byte / vlen-byte values. */
  blobs?: Uint8Array[];
}

/** One object met on the walk. */
export interface H5Object {
  /** HDF5 path, `/` for the root group. */
  path: string;
  kind: 'group' | 'dataset' | 'other';
  attributes: H5Attribute[];
  /** Soft and external links (their targets are not followed). */
  links: { name: string; kind: 'soft' | 'external'; target: string }[];
  /** Files named by an External Data Files message (dataset bytes stored outside the file). */
  externalFiles: string[];
  /** Byte blobs of a dataset's data when it is small and of a byte/string/opaque type. */
  data?: Uint8Array[];
}

/** Bounds of one walk. */
export interface Hdf5WalkLimits {
  /** Objects (groups + datasets) visited. @default 100000 */
  maxObjects: number;
  /** Bytes of attribute and dataset values decoded in total. @default 256 MiB */
  maxValueBytes: number;
}

const DEFAULT_WALK: Hdf5WalkLimits = { maxObjects: 100_000, maxValueBytes: 256 * 1024 * 1024 };

const LATIN1 = new TextDecoder('latin1');
const UTF8 = new TextDecoder('utf-8');

/** Reads fixed-size little-endian fields of a file by absolute offset, with bounds checks. */
class H5Reader {
  offsetSize = 8;
  lengthSize = 8;
  base = 0;
  constructor(readonly source: Source) {}

  bytes(at: number, n: number, what: string): Uint8Array {
    if (!Number.isSafeInteger(at) || at < 0 || n < 0 || at + n > this.source.size)
      throw new ScanParseError(`HDF5 ${what} at ${at} runs past the end of the file`, at);
    return this.source.read(at, n);
  }

  /** Unsigned little-endian integer of `size` bytes (≤ 8) in `b` at `pos`. */
  uint(b: Uint8Array, pos: number, size: number, what: string): number {
    if (pos + size > b.length) throw new ScanParseError(`HDF5 ${what} truncated`);
    let v = 0;
    let undefinedAddress = true;
    for (let i = size - 1; i >= 0; i--) {
      const byte = b[pos + i] as number;
      if (byte !== 0xff) undefinedAddress = false;
      v = v * 256 + byte;
    }
    if (undefinedAddress && size >= 4) return -1; // all ones: the "undefined address"
    if (!Number.isSafeInteger(v)) throw new ScanParseError(`HDF5 ${what} out of range`);
    return v;
  }

  /** A file address field → absolute offset, or -1 when undefined. */
  addr(b: Uint8Array, pos: number, what: string): number {
    const v = this.uint(b, pos, this.offsetSize, what);
    return v < 0 ? -1 : v + this.base;
  }

  len(b: Uint8Array, pos: number, what: string): number {
    const v = this.uint(b, pos, this.lengthSize, what);
    if (v < 0) throw new ScanParseError(`HDF5 ${what} is undefined`);
    return v;
  }
}

interface Message {
  type: number;
  flags: number;
  data: Uint8Array;
}

/** Walks every object of an HDF5 file, calling `visit` once per object (cycles visited once). */
export function walkHdf5(
  source: Source,
  visit: (object: H5Object) => void,
  limits: Partial<Hdf5WalkLimits> = {},
): void {
  const bounds = { ...DEFAULT_WALK, ...limits };
  const r = new H5Reader(source);
  const rootHeader = readSuperblock(r);
  const seen = new Set<number>();
  const heaps = new Map<number, Map<number, Uint8Array>>();
  let valueBytes = 0;
  const charge = (n: number) => {
    valueBytes += n;
    if (valueBytes > bounds.maxValueBytes)
      throw new ScanParseError(`HDF5 values exceed ${bounds.maxValueBytes} bytes`);
  };
  const stack: { address: number; path: string; depth: number }[] = [
    { address: rootHeader, path: '/', depth: 0 },
  ];
  while (stack.length > 0) {
    const { address, path, depth } = stack.pop() as {
      address: number;
      path: string;
      depth: number;
    };
    if (seen.has(address)) continue;
    seen.add(address);
    if (seen.size > bounds.maxObjects)
      throw new ScanParseError(`HDF5 file has more than ${bounds.maxObjects} objects`);
    const messages = readObjectHeader(r, address);
    const object: H5Object = { path, kind: 'other', attributes: [], links: [], externalFiles: [] };
    let type: H5Type | undefined;
    let count = 0;
    let layout: { cls: number; address: number; size: number; compact?: Uint8Array } | undefined;
    const children: { name: string; address: number }[] = [];
    for (const m of messages) {
      if ((m.flags & 0x02) !== 0 && m.type !== 0x0003)
        throw new Hdf5Unsupported('shared object header message');
      switch (m.type) {
        case 0x0001:
          count = dataspaceCount(r, m.data);
          break;
        case 0x0003:
          // A committed (shared) datatype: its class is unknown here, so values are not decoded.
          type = (m.flags & 0x02) !== 0 ? undefined : parseType(r, m.data, 0).type;
          break;
        case 0x0008:
          layout = parseLayout(r, m.data);
          break;
        case 0x0007:
          object.externalFiles.push(...externalFiles(r, m.data));
          break;
        case 0x000c:
          object.attributes.push(parseAttribute(r, m.data, heaps, charge));
          break;
        case 0x0011: {
          object.kind = 'group';
          const btree = r.addr(m.data, 0, 'symbol table B-tree address');
          const heap = r.addr(m.data, r.offsetSize, 'symbol table heap address');
          groupEntries(r, btree, heap, children, bounds.maxObjects);
          break;
        }
        case 0x0002: {
          object.kind = 'group';
          const flags = m.data[1] as number;
          const at = 2 + ((flags & 1) !== 0 ? 8 : 0);
          if (r.addr(m.data, at, 'link info fractal heap address') !== -1)
            throw new Hdf5Unsupported('dense link storage (fractal heap)');
          break;
        }
        case 0x0006: {
          object.kind = 'group';
          const link = parseLink(r, m.data);
          if (link.kind === 'hard') children.push({ name: link.name, address: link.address });
          else object.links.push({ name: link.name, kind: link.kind, target: link.target });
          break;
        }
        case 0x0015: {
          const flags = m.data[1] as number;
          const at = 2 + ((flags & 1) !== 0 ? 2 : 0);
          if (r.addr(m.data, at, 'attribute info fractal heap address') !== -1)
            throw new Hdf5Unsupported('dense attribute storage (fractal heap)');
          break;
        }
        default:
          break;
      }
    }
    if (layout) {
      object.kind = 'dataset';
      if (type && isByteLike(type) && count > 0) {
        const raw =
          layout.compact ??
          (layout.cls === 1 && layout.address !== -1 && layout.size > 0
            ? (() => {
                const n = Math.min(layout.size, type.size * count);
                charge(n);
                return r.bytes(layout.address, n, 'dataset data');
              })()
            : undefined);
        if (raw) object.data = decodeBlobs(r, type, count, raw, heaps, charge);
      }
    }
    visit(object);
    if (depth >= 64) continue;
    for (let i = children.length - 1; i >= 0; i--) {
      const c = children[i] as { name: string; address: number };
      stack.push({
        address: c.address,
        path: `${path === '/' ? '' : path}/${c.name}`,
        depth: depth + 1,
      });
    }
  }
}

function readSuperblock(r: H5Reader): number {
  let sb = -1;
  for (let at = 0; at + 8 <= r.source.size; at = at === 0 ? 512 : at * 2) {
    const sig = r.source.read(at, 8);
    if (HDF5_SIGNATURE.every((v, i) => sig[i] === v)) {
      sb = at;
      break;
    }
  }
  if (sb < 0) throw new ScanParseError('HDF5 superblock signature not found');
  const head = r.bytes(sb, 96, 'superblock');
  const version = head[8] as number;
  if (version === 0 || version === 1) {
    r.offsetSize = head[13] as number;
    r.lengthSize = head[14] as number;
    checkSizes(r);
    const at = version === 0 ? 24 : 28;
    // Addresses are relative to the base address (the superblock when a user block precedes it).
    const base = r.uint(head, at, r.offsetSize, 'base address');
    r.base = base < 0 ? 0 : base;
    checkEof(r, r.addr(head, at + 2 * r.offsetSize, 'end-of-file address'));
    const entry = at + 4 * r.offsetSize;
    return r.addr(head, entry + r.offsetSize, 'root object header address');
  }
  if (version === 2 || version === 3) {
    r.offsetSize = head[9] as number;
    r.lengthSize = head[10] as number;
    checkSizes(r);
    const base = r.uint(head, 12, r.offsetSize, 'base address');
    r.base = base < 0 ? 0 : base;
    checkEof(r, r.addr(head, 12 + 2 * r.offsetSize, 'end-of-file address'));
    const ext = r.addr(head, 12 + r.offsetSize, 'superblock extension address');
    // The extension may declare shared object header messages (SOHM tables): not implemented.
    if (ext !== -1) throw new Hdf5Unsupported('superblock extension');
    return r.addr(head, 12 + 3 * r.offsetSize, 'root object header address');
  }
  throw new Hdf5Unsupported(`superblock version ${version}`);
}

/** libhdf5 refuses a file shorter than its superblock's end-of-file address (truncated). */
function checkEof(r: H5Reader, eof: number): void {
  if (eof !== -1 && eof > r.source.size)
    throw new ScanParseError(
      `HDF5 file is truncated: the superblock says it ends at ${eof}, the file has ${r.source.size} bytes`,
    );
}

function checkSizes(r: H5Reader): void {
  if (![2, 4, 8].includes(r.offsetSize) || ![2, 4, 8].includes(r.lengthSize))
    throw new ScanParseError(
      `HDF5 offset/length sizes ${r.offsetSize}/${r.lengthSize} are invalid`,
    );
}

const MAX_MESSAGES = 65_536;
const MAX_BLOCKS = 4096;
const MAX_BLOCK_BYTES = 16 * 1024 * 1024;

function readObjectHeader(r: H5Reader, address: number): Message[] {
  if (address < 0) throw new ScanParseError('HDF5 link to an undefined object header address');
  const head = r.bytes(address, Math.min(16, r.source.size - address), 'object header');
  const messages: Message[] = [];
  const blocks: { at: number; length: number; v2: boolean }[] = [];
  let v2 = false;
  let creationOrder = false;
  if (head[0] === 0x4f && head[1] === 0x48 && head[2] === 0x44 && head[3] === 0x52) {
    v2 = true;
    if (head[4] !== 2) throw new Hdf5Unsupported(`object header version ${head[4]}`);
    const flags = head[5] as number;
    creationOrder = (flags & 0x04) !== 0;
    let pos = 6 + ((flags & 0x20) !== 0 ? 16 : 0) + ((flags & 0x10) !== 0 ? 4 : 0);
    const sizeBytes = 1 << (flags & 3);
    const sizeField = r.bytes(address + pos, sizeBytes, 'object header size');
    const length = r.uint(sizeField, 0, sizeBytes, 'object header chunk size');
    pos += sizeBytes;
    blocks.push({ at: address + pos, length, v2: true });
  } else {
    if (head[0] !== 1)
      throw new ScanParseError(`HDF5 object header version ${head[0]} at ${address}`, address);
    const length = r.uint(head, 8, 4, 'object header size');
    blocks.push({ at: address + 16, length, v2: false });
  }
  for (let b = 0; b < blocks.length; b++) {
    if (b >= MAX_BLOCKS)
      throw new ScanParseError('HDF5 object header has too many continuation blocks');
    const block = blocks[b] as { at: number; length: number; v2: boolean };
    // Message blocks are small (libhdf5 caps a message at 64 KiB); a huge one is hostile.
    if (block.length > MAX_BLOCK_BYTES)
      throw new ScanParseError(`HDF5 object header block of ${block.length} bytes`, block.at);
    const data = r.bytes(block.at, block.length, 'object header messages');
    let pos = 0;
    let end = data.length;
    if (block.v2 && b > 0) {
      // "OCHK" continuation chunk: signature … checksum
      if (!(data[0] === 0x4f && data[1] === 0x43 && data[2] === 0x48 && data[3] === 0x4b))
        throw new ScanParseError('HDF5 continuation chunk signature missing', block.at);
      pos = 4;
      end -= 4;
    }
    const headerSize = v2 ? 4 + (creationOrder ? 2 : 0) : 8;
    while (pos + headerSize <= end) {
      const type = v2 ? (data[pos] as number) : r.uint(data, pos, 2, 'message type');
      const size = v2
        ? r.uint(data, pos + 1, 2, 'message size')
        : r.uint(data, pos + 2, 2, 'message size');
      const flags = data[v2 ? pos + 3 : pos + 4] as number;
      const start = pos + headerSize;
      if (start + size > end)
        throw new ScanParseError('HDF5 object header message runs past its block', block.at + pos);
      const body = data.subarray(start, start + size);
      pos = start + size;
      if (messages.length >= MAX_MESSAGES)
        throw new ScanParseError('HDF5 object header has too many messages');
      if (type === 0x0010) {
        blocks.push({
          at: r.addr(body, 0, 'continuation address'),
          length: r.len(body, r.offsetSize, 'continuation length'),
          v2,
        });
        continue;
      }
      if (type !== 0) messages.push({ type, flags, data: body });
    }
  }
  return messages;
}

function dataspaceCount(r: H5Reader, d: Uint8Array): number {
  const version = d[0] as number;
  const rank = d[1] as number;
  let at: number;
  if (version === 1) at = 8;
  else if (version === 2) {
    if (d[3] === 2) return 0; // null dataspace
    at = 4;
  } else throw new Hdf5Unsupported(`dataspace version ${version}`);
  let count = 1;
  for (let i = 0; i < rank; i++) {
    count *= r.len(d, at + i * r.lengthSize, 'dimension');
    if (!Number.isSafeInteger(count)) throw new ScanParseError('HDF5 dataspace size overflows');
  }
  return count;
}

function parseType(r: H5Reader, d: Uint8Array, at: number): { type: H5Type; end: number } {
  if (at + 8 > d.length) throw new ScanParseError('HDF5 datatype truncated');
  const cls = (d[at] as number) & 0x0f;
  const bits = d[at + 1] as number;
  const size = r.uint(d, at + 4, 4, 'datatype size');
  const type: H5Type = { cls, size };
  if (cls === 9) {
    type.vlen = (bits & 0x0f) === 1 ? 'string' : 'sequence';
    const base = parseType(r, d, at + 8);
    type.baseSize = base.type.size;
    return { type, end: base.end };
  }
  // Property lengths of other classes are not needed: attribute messages give the datatype size.
  return { type, end: at + 8 };
}

function isByteLike(t: H5Type): boolean {
  return (
    t.cls === 3 ||
    t.cls === 5 ||
    (t.cls === 0 && t.size === 1) ||
    (t.cls === 9 && (t.vlen === 'string' || t.baseSize === 1))
  );
}

function parseAttribute(
  r: H5Reader,
  d: Uint8Array,
  heaps: Map<number, Map<number, Uint8Array>>,
  charge: (n: number) => void,
): H5Attribute {
  const version = d[0] as number;
  if (version < 1 || version > 3)
    throw new ScanParseError(`HDF5 attribute message version ${version}`);
  const nameSize = r.uint(d, 2, 2, 'attribute name size');
  const typeSize = r.uint(d, 4, 2, 'attribute datatype size');
  const spaceSize = r.uint(d, 6, 2, 'attribute dataspace size');
  const pad = (n: number) => (version === 1 ? Math.ceil(n / 8) * 8 : n);
  let at = version === 3 ? 9 : 8;
  if (at + nameSize > d.length) throw new ScanParseError('HDF5 attribute name truncated');
  const rawName = d.subarray(at, at + nameSize);
  const nul = rawName.indexOf(0);
  const name = UTF8.decode(nul < 0 ? rawName : rawName.subarray(0, nul));
  at += pad(nameSize);
  const type = parseType(r, d.subarray(0, Math.min(d.length, at + typeSize)), at).type;
  at += pad(typeSize);
  const count = dataspaceCount(r, d.subarray(at, at + spaceSize));
  at += pad(spaceSize);
  const attribute: H5Attribute = { name, type, count };
  if (!isByteLike(type) || count === 0) return attribute;
  const raw = d.subarray(at);
  const blobs = decodeBlobs(r, type, count, raw, heaps, charge);
  attribute.blobs = blobs;
  if (type.cls === 3 || type.vlen === 'string')
    attribute.strings = blobs.map((b) => {
      const z = b.indexOf(0);
      return UTF8.decode(z < 0 ? b : b.subarray(0, z));
    });
  return attribute;
}

/** Byte blobs of `count` elements: one per fixed string / vlen element, one blob for bytes. */
function decodeBlobs(
  r: H5Reader,
  type: H5Type,
  count: number,
  raw: Uint8Array,
  heaps: Map<number, Map<number, Uint8Array>>,
  charge: (n: number) => void,
): Uint8Array[] {
  if (type.cls === 9) {
    const idSize = 4 + r.offsetSize + 4;
    const n = Math.min(count, Math.floor(raw.length / idSize), 100_000);
    const out: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const at = i * idSize;
      const collection = r.addr(raw, at + 4, 'global heap address');
      const index = r.uint(raw, at + 4 + r.offsetSize, 4, 'global heap index');
      if (collection === -1 || index === 0) continue;
      const obj = globalHeap(r, collection, heaps, charge).get(index);
      if (obj) out.push(obj);
    }
    return out;
  }
  const total = Math.min(raw.length, type.size * count);
  if (type.cls === 3 && type.size > 0) {
    const n = Math.min(count, Math.floor(total / type.size), 100_000);
    return Array.from({ length: n }, (_, i) => raw.subarray(i * type.size, (i + 1) * type.size));
  }
  return [raw.subarray(0, total)];
}

function globalHeap(
  r: H5Reader,
  address: number,
  heaps: Map<number, Map<number, Uint8Array>>,
  charge: (n: number) => void,
): Map<number, Uint8Array> {
  const cached = heaps.get(address);
  if (cached) return cached;
  const head = r.bytes(address, 8 + r.lengthSize, 'global heap collection');
  if (!(head[0] === 0x47 && head[1] === 0x43 && head[2] === 0x4f && head[3] === 0x4c))
    throw new ScanParseError('HDF5 global heap signature missing', address);
  const size = r.len(head, 8, 'global heap collection size');
  charge(size);
  const data = r.bytes(address, Math.min(size, r.source.size - address), 'global heap collection');
  const objects = new Map<number, Uint8Array>();
  let pos = 8 + r.lengthSize;
  while (pos + 8 + r.lengthSize <= data.length) {
    const index = r.uint(data, pos, 2, 'global heap object index');
    if (index === 0) break; // free space to the end of the collection
    const n = r.len(data, pos + 8, 'global heap object size');
    const start = pos + 8 + r.lengthSize;
    if (start + n > data.length)
      throw new ScanParseError('HDF5 global heap object runs past its collection', address + pos);
    objects.set(index, data.subarray(start, start + n));
    pos = start + Math.ceil(n / 8) * 8;
  }
  heaps.set(address, objects);
  return objects;
}

function parseLayout(
  r: H5Reader,
  d: Uint8Array,
): { cls: number; address: number; size: number; compact?: Uint8Array } {
  const version = d[0] as number;
  if (version === 3 || version === 4) {
    const cls = d[1] as number;
    if (cls === 0) {
      const size = r.uint(d, 2, 2, 'compact data size');
      if (4 + size > d.length) throw new ScanParseError('HDF5 compact data truncated');
      return { cls, address: -1, size, compact: d.subarray(4, 4 + size) };
    }
    if (cls === 1)
      return {
        cls,
        address: r.addr(d, 2, 'data address'),
        size: r.len(d, 2 + r.offsetSize, 'data size'),
      };
    return { cls, address: -1, size: 0 };
  }
  if (version === 1 || version === 2) {
    const rank = d[1] as number;
    const cls = d[2] as number;
    let at = 8;
    const address = cls === 0 ? -1 : r.addr(d, at, 'data address');
    if (cls !== 0) at += r.offsetSize;
    let size = 1;
    for (let i = 0; i < rank; i++) size *= r.uint(d, at + 4 * i, 4, 'layout dimension');
    at += 4 * rank;
    if (cls === 0) {
      const n = r.uint(d, at, 4, 'compact data size');
      if (at + 4 + n > d.length) throw new ScanParseError('HDF5 compact data truncated');
      return { cls, address, size: n, compact: d.subarray(at + 4, at + 4 + n) };
    }
    return { cls, address, size: cls === 1 ? size : 0 };
  }
  throw new Hdf5Unsupported(`data layout version ${version}`);
}

function localHeapName(r: H5Reader, heap: { data: number; size: number }, offset: number): string {
  if (offset >= heap.size) throw new ScanParseError('HDF5 link name offset outside its local heap');
  const chunk = r.bytes(heap.data + offset, Math.min(heap.size - offset, 65_536), 'link name');
  const nul = chunk.indexOf(0);
  return UTF8.decode(nul < 0 ? chunk : chunk.subarray(0, nul));
}

function localHeap(r: H5Reader, address: number): { data: number; size: number } {
  const h = r.bytes(address, 8 + 2 * r.lengthSize + r.offsetSize, 'local heap');
  if (!(h[0] === 0x48 && h[1] === 0x45 && h[2] === 0x41 && h[3] === 0x50))
    throw new ScanParseError('HDF5 local heap signature missing', address);
  return {
    size: r.len(h, 8, 'local heap size'),
    data: r.addr(h, 8 + 2 * r.lengthSize, 'local heap data address'),
  };
}

/** Entries of a symbol-table group: v1 B-tree (type 0) nodes → SNOD symbol nodes. */
function groupEntries(
  r: H5Reader,
  btree: number,
  heapAddress: number,
  out: { name: string; address: number }[],
  maxEntries: number,
): void {
  const heap = localHeap(r, heapAddress);
  const seen = new Set<number>();
  const queue = btree === -1 ? [] : [btree];
  const entrySize = 2 * r.offsetSize + 24;
  while (queue.length > 0) {
    const node = queue.pop() as number;
    if (seen.has(node)) throw new ScanParseError('HDF5 group B-tree has a cycle', node);
    seen.add(node);
    if (seen.size > maxEntries) throw new ScanParseError('HDF5 group B-tree too large');
    const h = r.bytes(node, 8 + 2 * r.offsetSize, 'group B-tree node');
    if (h[0] === 0x53 && h[1] === 0x4e && h[2] === 0x4f && h[3] === 0x44) {
      // SNOD: symbol table node
      const n = r.uint(h, 6, 2, 'symbol count');
      const entries = r.bytes(node + 8, n * entrySize, 'symbol table entries');
      for (let i = 0; i < n; i++) {
        const at = i * entrySize;
        const nameOffset = r.uint(entries, at, r.offsetSize, 'link name offset');
        out.push({
          name: localHeapName(r, heap, nameOffset),
          address: r.addr(entries, at + r.offsetSize, 'object header address'),
        });
        if (out.length > maxEntries) throw new ScanParseError('HDF5 group has too many members');
      }
      continue;
    }
    if (!(h[0] === 0x54 && h[1] === 0x52 && h[2] === 0x45 && h[3] === 0x45))
      throw new ScanParseError('HDF5 B-tree node signature missing', node);
    if (h[4] !== 0) throw new ScanParseError('HDF5 group B-tree node is not a group node', node);
    const used = r.uint(h, 6, 2, 'B-tree entries used');
    const body = r.bytes(
      node + 8 + 2 * r.offsetSize,
      used * (r.lengthSize + r.offsetSize) + r.lengthSize,
      'B-tree keys',
    );
    for (let i = 0; i < used; i++)
      queue.push(r.addr(body, r.lengthSize + i * (r.lengthSize + r.offsetSize), 'B-tree child'));
  }
}

function parseLink(
  r: H5Reader,
  d: Uint8Array,
):
  | { kind: 'hard'; name: string; address: number }
  | { kind: 'soft' | 'external'; name: string; target: string } {
  const flags = d[1] as number;
  let at = 2;
  let linkType = 0;
  if ((flags & 0x08) !== 0) linkType = d[at++] as number;
  if ((flags & 0x04) !== 0) at += 8;
  if ((flags & 0x10) !== 0) at += 1;
  const lenSize = 1 << (flags & 3);
  const nameLength = r.uint(d, at, lenSize, 'link name length');
  at += lenSize;
  if (at + nameLength > d.length) throw new ScanParseError('HDF5 link name truncated');
  const name = UTF8.decode(d.subarray(at, at + nameLength));
  at += nameLength;
  if (linkType === 0) return { kind: 'hard', name, address: r.addr(d, at, 'link address') };
  const n = r.uint(d, at, 2, 'link value length');
  const value = d.subarray(at + 2, Math.min(d.length, at + 2 + n));
  if (linkType === 64) {
    // external: version/flags byte, file name NUL, object path NUL
    const parts = LATIN1.decode(value.subarray(1)).split('\0');
    return { kind: 'external', name, target: `${parts[0] ?? ''}:${parts[1] ?? ''}` };
  }
  return { kind: 'soft', name, target: LATIN1.decode(value).replace(/\0+$/, '') };
}

function externalFiles(r: H5Reader, d: Uint8Array): string[] {
  const used = r.uint(d, 6, 2, 'external file slots used');
  const heap = localHeap(r, r.addr(d, 8, 'external file heap address'));
  const slot = 3 * r.lengthSize;
  const out: string[] = [];
  for (let i = 0; i < Math.min(used, 1000); i++) {
    const at = 8 + r.offsetSize + i * slot;
    out.push(localHeapName(r, heap, r.len(d, at, 'external file name offset')));
  }
  return out;
}
