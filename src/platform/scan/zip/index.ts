/**
 * @module Zip scanner (PyTorch ≥ 1.6 checkpoints, NumPy .npz, Keras v3 .keras, generic zips).
 * Reads the central directory itself (the platform's zlib only inflates), so it can record what extractors
 * disagree on: local/central header mismatches, duplicate names, encrypted entries, symlinks,
 * traversal, prefix data (polyglots). One bad member never aborts the rest (modelscan#354).
 */

import { checkMemberPath } from '../archive.js';
import { inflateCapped } from '../inflate.js';
import {
  type Blob,
  type BlobContext,
  baseName,
  type FormatScanner,
  type ScanSession,
} from '../session.js';
import { BufferSource, latin1, SliceSource, type Source, sha256Of, startsWith } from '../source.js';
import { ScanParseError } from '../types.js';

/** One central-directory entry. */
export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  externalAttrs: number;
  madeBy: number;
  /** Offset of the member data (after the local header). */
  dataOffset: number;
  localName: string;
}

const EOCD = 0x06054b50;
const CDH = 0x02014b50;
const LFH = 0x04034b50;

function u16(b: Uint8Array, o: number): number {
  return (b[o] as number) | ((b[o + 1] as number) << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (
    ((b[o] as number) |
      ((b[o + 1] as number) << 8) |
      ((b[o + 2] as number) << 16) |
      ((b[o + 3] as number) << 24)) >>>
    0
  );
}
function u64(b: Uint8Array, o: number): number {
  const v = u32(b, o) + u32(b, o + 4) * 2 ** 32;
  if (!Number.isSafeInteger(v)) throw new ScanParseError('zip64 value out of range', o);
  return v;
}

/** Parses the central directory (zip64 aware). Throws ScanParseError if it cannot be found. */
export function readZipDirectory(
  source: Source,
  maxMembers: number,
): { entries: ZipEntry[]; cdOffset: number } {
  const tailLen = Math.min(source.size, 65_557);
  const tail = source.read(source.size - tailLen, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (u32(tail, i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ScanParseError('zip end-of-central-directory record not found');
  let count = u16(tail, eocd + 10);
  let cdSize = u32(tail, eocd + 12);
  let cdOffset = u32(tail, eocd + 16);
  const eocdAbs = source.size - tailLen + eocd;
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = source.read(eocdAbs - 20, 20);
    if (loc.length !== 20 || u32(loc, 0) !== 0x07064b50)
      throw new ScanParseError('zip64 locator missing');
    const recOff = u64(loc, 8);
    const rec = source.read(recOff, 56);
    if (rec.length !== 56 || u32(rec, 0) !== 0x06064b50)
      throw new ScanParseError('zip64 end record missing', recOff);
    count = u64(rec, 32);
    cdSize = u64(rec, 40);
    cdOffset = u64(rec, 48);
  }
  if (count > maxMembers)
    throw new ScanParseError(`zip declares ${count} members (limit ${maxMembers})`);
  if (cdOffset + cdSize > source.size)
    throw new ScanParseError('zip central directory lies outside the file');
  const cd = source.read(cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || u32(cd, p) !== CDH)
      throw new ScanParseError(`zip central directory entry ${i} is corrupt`, cdOffset + p);
    const madeBy = u16(cd, p + 4);
    const flags = u16(cd, p + 8);
    const method = u16(cd, p + 10);
    let compressedSize = u32(cd, p + 20);
    let size = u32(cd, p + 24);
    const nameLen = u16(cd, p + 28);
    const extraLen = u16(cd, p + 30);
    const commentLen = u16(cd, p + 32);
    const externalAttrs = u32(cd, p + 38);
    let localOffset = u32(cd, p + 42);
    if (p + 46 + nameLen + extraLen + commentLen > cd.length)
      throw new ScanParseError(`zip entry ${i} overruns the directory`, cdOffset + p);
    const name = new TextDecoder((flags & 0x800) !== 0 ? 'utf-8' : 'latin1').decode(
      cd.subarray(p + 46, p + 46 + nameLen),
    );
    // zip64 extra field (id 1): the 0xFFFFFFFF fields, in order
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = u16(cd, e);
      const len = u16(cd, e + 2);
      if (id === 1) {
        let q = e + 4;
        if (size === 0xffffffff && q + 8 <= e + 4 + len) {
          size = u64(cd, q);
          q += 8;
        }
        if (compressedSize === 0xffffffff && q + 8 <= e + 4 + len) {
          compressedSize = u64(cd, q);
          q += 8;
        }
        if (localOffset === 0xffffffff && q + 8 <= e + 4 + len) localOffset = u64(cd, q);
      }
      e += 4 + len;
    }
    p += 46 + nameLen + extraLen + commentLen;
    const lh = source.read(localOffset, 30);
    if (lh.length < 30 || u32(lh, 0) !== LFH) {
      entries.push({
        name,
        method,
        flags,
        compressedSize,
        size,
        localOffset,
        externalAttrs,
        madeBy,
        dataOffset: -1,
        localName: '',
      });
      continue;
    }
    const ln = u16(lh, 26);
    const le = u16(lh, 28);
    const localName = latin1(source.read(localOffset + 30, ln));
    entries.push({
      name,
      method,
      flags,
      compressedSize,
      size,
      localOffset,
      externalAttrs,
      madeBy,
      dataOffset: localOffset + 30 + ln + le,
      localName,
    });
  }
  return { entries, cdOffset };
}

/** Inflates raw deflate with an output cap; throws ScanParseError past the cap. */
export function inflateRawBounded(source: Source, cap: number, what: string): Uint8Array {
  return inflateCapped('raw', source.read(0, source.size), cap, what);
}

/** What kind of zip this is, from its member names (PyTorch, NumPy, Keras …). */
export function zipKind(names: readonly string[]): string {
  if (names.some((n) => /(^|\/)data\.pkl$/.test(n))) return 'pytorch-zip';
  if (
    names.includes('config.json') &&
    (names.includes('metadata.json') || names.includes('model.weights.h5'))
  )
    return 'keras';
  if (names.length > 0 && names.every((n) => n.endsWith('.npy') || n.endsWith('/'))) return 'npz';
  return 'zip';
}

function memberContext(kind: string): BlobContext | undefined {
  if (kind === 'pytorch-zip') return 'pytorch';
  if (kind === 'npz') return 'numpy';
  if (kind === 'keras') return 'keras';
  return undefined;
}

/** The zip scanner. */
export const zipScanner: FormatScanner = {
  id: 'zip',
  title: 'Zip archive (PyTorch, NumPy .npz, Keras .keras)',
  sniff(probe) {
    return (
      startsWith(probe.head, [0x50, 0x4b, 0x03, 0x04]) ||
      startsWith(probe.head, [0x50, 0x4b, 0x05, 0x06])
    );
  },
  scan(blob: Blob, session: ScanSession) {
    const { entries } = readZipDirectory(blob.source, session.limits.maxMembers);
    const names = entries.map((e) => e.name);
    const kind = zipKind(names);
    const context = memberContext(kind);
    const siblings = new Map(entries.map((e) => [e.name, e.size]));
    const first = entries.reduce((m, e) => Math.min(m, e.localOffset), Number.POSITIVE_INFINITY);
    if (entries.length > 0 && first > 0) {
      session.report(
        'scan.zip.prefix-data',
        'medium',
        `${first} bytes before the first zip member (polyglot file?)`,
        blob.location,
      );
    }
    const seen = new Set<string>();
    let torchRoot: string | undefined;
    if (kind === 'pytorch-zip') {
      const pkl = names.find((n) => /(^|\/)data\.pkl$/.test(n)) as string;
      torchRoot = pkl.slice(0, pkl.length - 'data.pkl'.length);
      if (names.filter((n) => /(^|\/)data\.pkl$/.test(n)).length > 1) {
        session.report(
          'scan.pytorch.multiple-data-pkl',
          'high',
          'more than one data.pkl: which one torch.load reads depends on the reader',
          blob.location,
        );
      }
      if (names.some((n) => n.startsWith(`${torchRoot}code/`) || n.endsWith('constants.pkl'))) {
        session.report(
          'scan.pytorch.torchscript',
          'medium',
          'TorchScript archive: code/ holds programs the TorchScript interpreter runs on load',
          blob.location,
        );
      }
    }
    for (const entry of entries) {
      const location = {
        file: blob.location.file,
        member: blob.location.member ? `${blob.location.member}!/${entry.name}` : entry.name,
      };
      checkMemberPath(session, entry.name, location);
      if (seen.has(entry.name)) {
        session.report(
          'scan.zip.duplicate-name',
          'high',
          `duplicate member name ${JSON.stringify(entry.name.slice(0, 200))}: extractors disagree on which one wins`,
          location,
        );
      }
      seen.add(entry.name);
      if (entry.dataOffset < 0) {
        session.fail(`zip member ${entry.name.slice(0, 200)} has no valid local header`, location);
        continue;
      }
      if (
        entry.localName !== entry.name &&
        latin1(new TextEncoder().encode(entry.name)) !== entry.localName
      ) {
        session.report(
          'scan.zip.header-mismatch',
          'high',
          `local header names ${JSON.stringify(entry.localName.slice(0, 200))} but the directory names ${JSON.stringify(entry.name.slice(0, 200))} (parser differential)`,
          location,
        );
      }
      const unixMode = (entry.externalAttrs >>> 16) & 0o170000;
      if (entry.madeBy >> 8 === 3 && unixMode === 0o120000) {
        session.report(
          'scan.archive.symlink',
          'high',
          `member ${JSON.stringify(entry.name.slice(0, 200))} is a symbolic link (extraction may write or read outside the folder)`,
          location,
        );
        continue;
      }
      if (entry.name.endsWith('/')) continue;
      if ((entry.flags & 1) !== 0) {
        session.report(
          'scan.zip.encrypted',
          'medium',
          'encrypted member cannot be scanned',
          location,
        );
        session.fail(`encrypted zip member ${entry.name.slice(0, 200)} was not scanned`, location);
        continue;
      }
      if (entry.dataOffset + entry.compressedSize > blob.source.size) {
        session.fail(
          `zip member ${entry.name.slice(0, 200)} runs past the end of the file`,
          location,
        );
        continue;
      }
      const raw = new SliceSource(blob.source, entry.dataOffset, entry.compressedSize);
      let source: Source;
      if (entry.method === 0) {
        if (entry.size !== entry.compressedSize) {
          session.report(
            'scan.zip.size-mismatch',
            'medium',
            'stored member sizes disagree',
            location,
          );
        }
        source = raw;
      } else if (entry.method === 8) {
        const ratio = entry.size / Math.max(1, entry.compressedSize);
        if (entry.size > 1024 * 1024 && ratio > session.limits.maxCompressionRatio) {
          session.report(
            'scan.archive.compression-ratio',
            'high',
            `member expands ${ratio.toFixed(0)}× (decompression bomb?); not scanned`,
            location,
            { size: entry.size, compressedSize: entry.compressedSize },
          );
          session.fail(
            `zip member ${entry.name.slice(0, 200)} exceeds the compression-ratio limit`,
            location,
          );
          continue;
        }
        const cap = Math.min(session.limits.maxMemberBytes, Math.max(entry.size, 0));
        if (entry.size > session.limits.maxMemberBytes) {
          session.fail(
            `zip member ${entry.name.slice(0, 200)} is larger than the ${session.limits.maxMemberBytes}-byte member limit`,
            location,
          );
          continue;
        }
        if (!session.charge(entry.size, location)) break;
        try {
          source = new BufferSource(
            inflateRawBounded(raw, cap, `zip member ${entry.name.slice(0, 200)}`),
          );
        } catch (error) {
          session.report(
            'scan.archive.compression-ratio',
            'high',
            'member inflates past its declared size',
            location,
          );
          session.fail(error instanceof Error ? error.message : String(error), location);
          continue;
        }
        if (source.size !== entry.size)
          session.report(
            'scan.zip.size-mismatch',
            'medium',
            'inflated size differs from the declared size',
            location,
          );
      } else {
        session.fail(
          `zip member ${entry.name.slice(0, 200)} uses compression method ${entry.method}, which aisf cannot read; not scanned`,
          location,
        );
        continue;
      }
      // Raw tensor storages in a PyTorch archive are never unpickled: hash them, do not sniff.
      if (torchRoot !== undefined && entry.name.startsWith(`${torchRoot}data/`)) {
        session.members.push({
          name: location.member,
          size: source.size,
          sha256: sha256Of(source),
          format: 'tensor-data',
        });
        continue;
      }
      const forced = kind === 'keras' && entry.name === 'config.json' ? 'keras-config' : undefined;
      const memberName = location.member;
      const parent = { ...blob };
      const extra = { siblings, ...(context ? { context } : {}) };
      if (forced) {
        session.members.push({
          name: memberName,
          size: source.size,
          sha256: sha256Of(source),
          format: 'keras-config',
        });
        session.scanBlob(
          { source, name: baseName(entry.name), location, depth: blob.depth + 1, ...extra },
          forced,
        );
      } else {
        session.scanMember(parent, entry.name, source, extra);
      }
    }
    if (kind === 'keras' && !names.includes('config.json'))
      session.fail('keras archive without config.json', blob.location);
    return kind;
  },
};
