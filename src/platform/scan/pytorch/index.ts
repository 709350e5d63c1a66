/**
 * @module PyTorch legacy (pre-1.6, non-zip) checkpoints: five pickle streams (magic number,
 * protocol version, sys_info, the object with storage persistent ids, storage keys) followed by
 * raw storage bytes; and the members of the older tar checkpoints (`sys_info`, `pickle`,
 * `storages`, `tensors`), whose `storages` and `tensors` interleave pickles with raw records.
 * Zip checkpoints go through the zip scanner (context `pytorch`).
 */
import { scanPickleBytes } from '../pickle/index.js';
import type { Value } from '../pickle/machine.js';
import type { Blob, FormatScanner, ScanSession } from '../session.js';
import { startsWith } from '../source.js';
import { ScanParseError } from '../types.js';

/** `pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2)` prefix: torch/serialization.py MAGIC_NUMBER. */
export const TORCH_LEGACY_MAGIC = [
  0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
];

const ELEMENT_BYTES: Readonly<Record<string, number>> = {
  DoubleStorage: 8,
  FloatStorage: 4,
  HalfStorage: 2,
  BFloat16Storage: 2,
  LongStorage: 8,
  IntStorage: 4,
  ShortStorage: 2,
  CharStorage: 1,
  ByteStorage: 1,
  BoolStorage: 1,
  ComplexFloatStorage: 8,
  ComplexDoubleStorage: 16,
  QInt8Storage: 1,
  QUInt8Storage: 1,
  QInt32Storage: 4,
  QUInt4x2Storage: 1,
};

/** Storage key → element size, from ('storage', torch.XStorage, key, location, numel, …) ids. */
function storageSizes(pids: readonly Value[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of pids) {
    if (pid.t !== 'tuple') continue;
    const [kind, type, key] = pid.items;
    if (kind?.t !== 'str' || kind.v !== 'storage' || type?.t !== 'global' || key?.t !== 'str')
      continue;
    const size = ELEMENT_BYTES[type.name];
    if (size !== undefined) out.set(key.v, size);
  }
  return out;
}

/** The legacy PyTorch scanner. */
export const pytorchLegacyScanner: FormatScanner = {
  id: 'pytorch-legacy',
  title: 'PyTorch legacy (pickle stream) checkpoint',
  sniff: (probe) => startsWith(probe.head, TORCH_LEGACY_MAGIC),
  scan(blob, session) {
    const bytes = blob.source.all(session.limits.maxInMemoryBytes);
    let pos = 0;
    let storages = new Map<string, number>();
    let keys: string[] = [];
    const names = ['magic number', 'protocol version', 'sys_info', 'object', 'storage keys'];
    for (const [i, what] of names.entries()) {
      if (pos >= bytes.length)
        throw new ScanParseError(`legacy PyTorch file ends before its ${what} pickle`, pos);
      const summary = scanPickleBytes(
        session,
        bytes,
        blob.location,
        { context: 'pytorch-legacy', allowTrailing: true },
        pos,
      );
      if (i === 0) {
        const v = summary.values[0];
        if (v?.t !== 'int' || BigInt(v.v) !== 0x1950a86a20f9469cfc6cn)
          throw new ScanParseError('legacy PyTorch magic number mismatch', 0);
      }
      if (i === 3) storages = storageSizes(summary.persistentIds);
      if (i === 4) {
        const v = summary.values[0];
        keys = v?.t === 'list' ? v.items.map((k) => (k.t === 'str' ? k.v : '')) : [];
      }
      pos = summary.end;
    }
    // Raw storages follow, in key order: int64 element count, then the bytes (torch _write_file).
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (const key of keys) {
      const size = storages.get(key);
      if (size === undefined)
        throw new ScanParseError(
          `storage key ${key.slice(0, 40)} has no persistent id with a known element type`,
          pos,
        );
      if (pos + 8 > bytes.length)
        throw new ScanParseError('legacy PyTorch storage data truncated', pos);
      const count = view.getBigInt64(pos, true);
      const n = count * BigInt(size);
      if (count < 0n || n > BigInt(bytes.length - pos - 8))
        throw new ScanParseError('legacy PyTorch storage data truncated', pos);
      pos += 8 + Number(n);
    }
    if (pos !== bytes.length) {
      session.report(
        'scan.pickle.trailing-data',
        'medium',
        `${bytes.length - pos} bytes after the last storage (polyglot?)`,
        { ...blob.location, offset: pos },
      );
    }
    return 'pytorch-legacy';
  },
};

/** Reads a pickle at `pos` in a legacy tar member (scanned, findings reported); returns it. */
function nextPickle(
  session: ScanSession,
  bytes: Uint8Array,
  blob: Blob,
  pos: number,
  what: string,
) {
  if (pos >= bytes.length)
    throw new ScanParseError(`legacy PyTorch tar member ends before its ${what} pickle`, pos);
  return scanPickleBytes(
    session,
    bytes,
    blob.location,
    { context: 'pytorch-tar', allowTrailing: true },
    pos,
  );
}

function smallCount(v: Value | undefined, what: string, limit: number): number {
  if (v?.t !== 'int' || typeof v.v !== 'number' || v.v < 0 || v.v > limit)
    throw new ScanParseError(`legacy PyTorch tar ${what} is not a count up to ${limit}`);
  return v.v;
}

/**
 * The `storages` and `tensors` members of a tar checkpoint (torch/serialization.py
 * `legacy_load`): every pickle in them is unpickled by torch.load, so each is scanned; the raw
 * records between them are measured (int64 element count × element size; tensor headers of ndim,
 * sizes, strides, offset) so no pickle can hide in them. Bytes after the last record are a finding.
 */
export function scanLegacyTarMember(
  session: ScanSession,
  blob: Blob,
  kind: 'storages' | 'tensors',
): void {
  const bytes = blob.source.all(session.limits.maxMemberBytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const limit = session.limits.maxMembers * 100;
  let summary = nextPickle(session, bytes, blob, 0, `${kind} count`);
  const count = smallCount(summary.values[0], `${kind} count`, limit);
  let pos = summary.end;
  for (let i = 0; i < count; i++) {
    summary = nextPickle(session, bytes, blob, pos, `${kind} record`);
    pos = summary.end;
    if (kind === 'storages') {
      const record = summary.values[0];
      const type = record?.t === 'tuple' ? record.items[2] : undefined;
      const size = type?.t === 'global' ? ELEMENT_BYTES[type.name] : undefined;
      if (size === undefined)
        throw new ScanParseError('legacy PyTorch storage record has no known storage type', pos);
      if (pos + 8 > bytes.length) throw new ScanParseError('legacy PyTorch storage truncated', pos);
      const n = view.getBigInt64(pos, true) * BigInt(size);
      if (n < 0n || n > BigInt(bytes.length - pos - 8))
        throw new ScanParseError('legacy PyTorch storage data runs past the member', pos);
      pos += 8 + Number(n);
    } else {
      if (pos + 8 > bytes.length)
        throw new ScanParseError('legacy PyTorch tensor header truncated', pos);
      const ndim = view.getInt32(pos, true);
      if (ndim < 0 || ndim > 64)
        throw new ScanParseError(`legacy PyTorch tensor has ${ndim} dimensions`, pos);
      pos += 8 + 16 * ndim + 8;
      if (pos > bytes.length)
        throw new ScanParseError('legacy PyTorch tensor header truncated', pos);
    }
  }
  if (kind === 'storages') {
    // storage views: one more pickle (a list of (target, root, offset, numel) tuples)
    summary = nextPickle(session, bytes, blob, pos, 'storage views');
    pos = summary.end;
  }
  if (pos !== bytes.length) {
    session.report(
      'scan.pickle.trailing-data',
      'medium',
      `${bytes.length - pos} bytes after the last ${kind} record (hidden data or a second payload?)`,
      { ...blob.location, offset: pos },
    );
    // A pickle parked there is scanned too: another loader (or a patched torch) may read on.
    if (bytes[pos] === 0x80 && (bytes[pos + 1] ?? 99) <= 5) {
      try {
        nextPickle(session, bytes, blob, pos, 'trailing');
      } catch (error) {
        if (!(error instanceof ScanParseError)) throw error;
      }
    }
  }
}
