/**
 * @module Tar scanner (ustar, GNU long names, pax paths; PyTorch's legacy tar checkpoints): every
 * header checksum verified, symlinks/hardlinks/devices and traversal flagged (CVE-2007-4559).
 */
import { checkMemberPath } from '../archive.js';
import { scanLegacyTarMember } from '../pytorch/index.js';
import type { Blob, FormatScanner, ScanSession } from '../session.js';
import { latin1, SliceSource, sha256Of, startsWith } from '../source.js';
import { ScanParseError } from '../types.js';

function field(block: Uint8Array, start: number, len: number): string {
  const raw = block.subarray(start, start + len);
  const nul = raw.indexOf(0);
  return latin1(nul < 0 ? raw : raw.subarray(0, nul));
}

function octal(block: Uint8Array, start: number, len: number, what: string): number {
  if (((block[start] as number) & 0x80) !== 0) {
    // GNU base-256
    let v = 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + (block[i] as number);
    if (!Number.isSafeInteger(v)) throw new ScanParseError(`tar ${what} out of range`);
    return v;
  }
  const text = field(block, start, len).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new ScanParseError(`tar ${what} is not octal`);
  return Number.parseInt(text, 8);
}

function allZero(block: Uint8Array): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

function checksumOk(block: Uint8Array): boolean {
  const want = octal(block, 148, 8, 'checksum');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (block[i] as number);
  return sum === want;
}

/** The tar scanner. */
export const tarScanner: FormatScanner = {
  id: 'tar',
  title: 'Tar archive (PyTorch legacy tar checkpoints)',
  sniff(probe) {
    return (
      probe.size >= 512 &&
      (startsWith(probe.head, 'ustar', 257) ||
        (probe.head.length >= 512 &&
          checksumOk(probe.head.subarray(0, 512)) &&
          probe.head[156] !== undefined &&
          field(probe.head, 0, 100).length > 0))
    );
  },
  scan(blob: Blob, session: ScanSession) {
    const src = blob.source;
    let pos = 0;
    let members = 0;
    let longName: string | undefined;
    let paxPath: string | undefined;
    const names: string[] = [];
    const pending: { name: string; start: number; size: number }[] = [];
    let ended = false;
    while (pos + 512 <= src.size) {
      const block = src.read(pos, 512);
      if (allZero(block)) {
        // POSIX: the archive ends with two zero blocks.
        const next = src.read(pos + 512, 512);
        ended = next.length === 512 && allZero(next);
        break;
      }
      if (!checksumOk(block)) throw new ScanParseError('tar header checksum mismatch', pos);
      if (++members > session.limits.maxMembers)
        throw new ScanParseError(`more than ${session.limits.maxMembers} tar members`, pos);
      const type = String.fromCharCode(block[156] as number);
      const size = octal(block, 124, 12, 'size');
      const prefix = startsWith(block, 'ustar', 257) ? field(block, 345, 155) : '';
      let name =
        longName ??
        paxPath ??
        (prefix ? `${prefix}/${field(block, 0, 100)}` : field(block, 0, 100));
      longName = undefined;
      paxPath = undefined;
      const dataStart = pos + 512;
      if (dataStart + size > src.size)
        throw new ScanParseError(`tar member ${name.slice(0, 200)} runs past the end`, pos);
      pos = dataStart + Math.ceil(size / 512) * 512;
      if (type === 'L') {
        longName = field(src.read(dataStart, Math.min(size, 65536)), 0, Math.min(size, 65536));
        continue;
      }
      if (type === 'x') {
        const text = latin1(src.read(dataStart, Math.min(size, 1 << 20)));
        const m = /\d+ path=([^\n]*)\n/.exec(text);
        if (m) paxPath = m[1];
        continue;
      }
      if (type === 'g' || type === 'K') continue;
      name = name.replace(/^\.\//, '');
      const location = {
        file: blob.location.file,
        member: blob.location.member ? `${blob.location.member}!/${name}` : name,
      };
      checkMemberPath(session, name, location);
      if (type === '1' || type === '2') {
        const target = field(block, 157, 100);
        session.report(
          'scan.archive.symlink',
          'high',
          `member ${JSON.stringify(name.slice(0, 200))} is a ${type === '2' ? 'symbolic' : 'hard'} link to ${JSON.stringify(target.slice(0, 200))}`,
          location,
        );
        continue;
      }
      if (type === '3' || type === '4' || type === '6') {
        session.report(
          'scan.archive.special-file',
          'medium',
          `member ${JSON.stringify(name.slice(0, 200))} is a device or FIFO`,
          location,
        );
        continue;
      }
      if (type === '5') continue;
      names.push(name);
      pending.push({ name, start: dataStart, size });
    }
    // A tar cut at a member boundary is only visible by its missing end-of-archive blocks.
    if (!ended)
      session.fail('tar archive has no end-of-archive marker (truncated?)', blob.location);
    const torchLegacy = ['sys_info', 'pickle', 'storages', 'tensors'].every((n) =>
      names.includes(n),
    );
    for (const m of pending) {
      const context =
        torchLegacy && (m.name === 'pickle' || m.name === 'sys_info') ? 'pytorch-tar' : undefined;
      if (torchLegacy && (m.name === 'storages' || m.name === 'tensors')) {
        // Pickles interleaved with raw records: walked record by record (pytorch/index.ts).
        const source = new SliceSource(src, m.start, m.size);
        const location = {
          file: blob.location.file,
          member: blob.location.member ? `${blob.location.member}!/${m.name}` : m.name,
        };
        session.members.push({
          name: location.member,
          size: m.size,
          sha256: sha256Of(source),
          format: `pytorch-tar-${m.name}`,
        });
        try {
          scanLegacyTarMember(
            session,
            { source, name: m.name, location, depth: blob.depth + 1, context: 'pytorch-tar' },
            m.name,
          );
        } catch (error) {
          if (!(error instanceof ScanParseError)) throw error;
          session.fail(`pytorch-tar: ${error.message}`, {
            ...location,
            ...(error.offset !== undefined ? { offset: error.offset } : {}),
          });
        }
        continue;
      }
      session.scanMember(
        blob,
        m.name,
        new SliceSource(src, m.start, m.size),
        context ? { context } : {},
      );
    }
    return torchLegacy ? 'pytorch-tar' : 'tar';
  },
};
