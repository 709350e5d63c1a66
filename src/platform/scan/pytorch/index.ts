/**
 * @module PyTorch legacy (pre-1.6, non-zip) checkpoints: five pickle streams (magic number,
 * protocol version, sys_info, the object with storage persistent ids, storage keys) followed by
 * raw storage bytes. Zip checkpoints go through the zip scanner (context `pytorch`), legacy tar
 * checkpoints through the tar scanner.
 */
import { scanPickleBytes } from '../pickle/index.js';
import type { Value } from '../pickle/machine.js';
import type { FormatScanner } from '../session.js';
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
