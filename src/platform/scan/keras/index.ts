/**
 * @module Keras scanners: `config.json` of a `.keras` v3 archive (and a bare Keras JSON config),
 * and Keras HDF5 `.h5` files (root attributes `model_config`/`training_config`, read with the
 * h5wasm HDF5 library). The `.keras` zip itself is walked by the zip scanner.
 */
import { randomBytes } from 'node:crypto';
import fs, { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonStrict } from '../json.js';
import type { Blob, FormatScanner, ScanSession } from '../session.js';
import { latin1, type Source, startsWith, utf8 } from '../source.js';
import { ScanParseError } from '../types.js';
import { walkKerasConfig } from './walk.js';

/** Parses and walks a Keras JSON config blob. */
export function scanKerasJson(session: ScanSession, blob: Blob, text: string): void {
  const json = parseJsonStrict(text, {
    onDuplicate: (path, key) =>
      session.report(
        'scan.json.duplicate-key',
        'medium',
        `duplicate key ${JSON.stringify(key.slice(0, 80))} in ${path.slice(0, 200)} (parsers disagree)`,
        blob.location,
      ),
  });
  walkKerasConfig(session, json, blob.location, text);
}

/** Keras `config.json` (forced by the zip scanner inside `.keras`; sniffed for bare JSON configs). */
export const kerasConfigScanner: FormatScanner = {
  id: 'keras-config',
  title: 'Keras model config (JSON)',
  sniff(probe) {
    if (probe.head[0] !== 0x7b || probe.size > 64 * 1024 * 1024) return false;
    const head = latin1(probe.head);
    return (
      /"class_name"\s*:/.test(head) &&
      /"config"\s*:/.test(head) &&
      !/"weightsManifest"|"modelTopology"/.test(head)
    );
  },
  scan(blob, session) {
    scanKerasJson(session, blob, utf8(blob.source.all(64 * 1024 * 1024), 'Keras config'));
    return 'keras-config';
  },
};

/** HDF5 signature; files may have a user block, so it is searched at 0, 512, 1024, 2048 … */
export const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

type H5 = typeof import('h5wasm/node');

/**
 * Thrown when HDF5 content is met before the (asynchronously compiled) HDF5 reader is loaded:
 * scanFile then loads it and scans the file again, so only files with HDF5 content pay for it.
 */
export class NeedHdf5Error extends Error {
  override readonly name = 'NeedHdf5Error';
}

/** True once loadHdf5 has finished. */
export function hdf5Loaded(): boolean {
  return h5 !== undefined;
}
let h5: H5 | undefined;

/** Loads the h5wasm module (WASM compile, once per process); the HDF5 scanner needs it. */
export async function loadHdf5(): Promise<void> {
  if (h5) return;
  const mod = await import('h5wasm/node');
  await mod.ready;
  h5 = mod;
}

function hdf5Path(blob: Blob, session: ScanSession): { path: string; cleanup: () => void } {
  if (blob.depth === 0 && blob.dir !== undefined)
    return { path: blob.location.file, cleanup: () => {} };
  const path = join(tmpdir(), `aisf-h5-${process.pid}-${randomBytes(6).toString('hex')}.h5`);
  writeFileSync(path, blob.source.all(session.limits.maxMemberBytes));
  return { path, cleanup: () => rmSync(path, { force: true }) };
}

/** True if any ASCII needle occurs in the source (chunked, with overlap). */
function containsAny(source: Source, needles: readonly string[]): boolean {
  const chunk = 4 * 1024 * 1024;
  const overlap = Math.max(...needles.map((n) => n.length));
  const bufs = needles.map((n) => Buffer.from(n, 'latin1'));
  for (let offset = 0; offset < source.size; offset += chunk) {
    const bytes = Buffer.from(source.read(offset, chunk + overlap));
    if (bufs.some((b) => bytes.includes(b))) return true;
  }
  return false;
}

/** Keras HDF5 (`.h5`) and other HDF5 files. */
export const hdf5Scanner: FormatScanner = {
  id: 'hdf5',
  title: 'HDF5 (Keras .h5)',
  sniff: (probe) => startsWith(probe.head, HDF5_MAGIC),
  scan(blob, session) {
    // Fast path: without fractal heaps (dense attribute storage) every attribute name sits
    // verbatim in an uncompressed object header, so a file without these names has no Keras config.
    if (!containsAny(blob.source, ['model_config', 'training_config', 'FHDB', 'FHIB']))
      return 'hdf5';
    if (!h5) throw new NeedHdf5Error();
    const { path, cleanup } = hdf5Path(blob, session);
    let file: InstanceType<H5['File']> | undefined;
    // libhdf5 prints its error stack to stderr for every hostile file; the scan reports it instead.
    const writeSync = fs.writeSync;
    // Report every byte as written: emscripten retries a short write forever.
    fs.writeSync = ((fd: number, data: { length: number }, ...rest: unknown[]) =>
      fd === 2
        ? typeof rest[1] === 'number'
          ? rest[1]
          : data.length
        : (writeSync as (...a: unknown[]) => number)(fd, data, ...rest)) as typeof fs.writeSync;
    try {
      file = new h5.File(path, 'r');
      const attrs = file.attrs;
      let label = 'hdf5';
      for (const key of ['model_config', 'training_config']) {
        const attr = attrs[key];
        if (!attr) continue;
        label = 'keras-h5';
        let value = attr.value as unknown;
        if (Array.isArray(value)) value = value[0];
        if (value instanceof Uint8Array) value = new TextDecoder().decode(value);
        if (typeof value !== 'string')
          throw new ScanParseError(`HDF5 attribute ${key} is not a string`);
        scanKerasJson(
          session,
          {
            ...blob,
            location: {
              ...blob.location,
              member: `${blob.location.member ? `${blob.location.member}!/` : ''}@${key}`,
            },
          },
          value,
        );
      }
      return label;
    } catch (error) {
      if (error instanceof ScanParseError) throw error;
      throw new ScanParseError(
        `HDF5 file could not be read (${error instanceof Error ? error.message.slice(0, 200) : 'unknown error'})`,
      );
    } finally {
      try {
        file?.close();
      } catch {
        // closing a broken file may throw; the scan already failed
      }
      fs.writeSync = writeSync;
      cleanup();
    }
  },
};
