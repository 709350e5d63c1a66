/**
 * @module Keras scanners: `config.json` of a `.keras` v3 archive (and a bare Keras JSON config),
 * and HDF5 files (Keras `.h5`): every group, dataset and attribute walked by a bounded reader
 * (hdf5.ts), with libhdf5 (h5wasm) as the fallback for layouts it does not implement. The
 * `.keras` zip itself is walked by the zip scanner.
 */
import { randomBytes } from 'node:crypto';
import fs, { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostImport } from '../host-import.js';
import { parseJsonStrict } from '../json.js';
import { pickleScanner } from '../pickle/index.js';
import { type Blob, type FormatScanner, NeedLoadError, type ScanSession } from '../session.js';
import { BufferSource, latin1, startsWith, utf8 } from '../source.js';
import { ScanParseError } from '../types.js';
import { type H5Attribute, type H5Object, Hdf5Unsupported, walkHdf5 } from './hdf5.js';
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
export class NeedHdf5Error extends NeedLoadError {
  override readonly name = 'NeedHdf5Error';
  constructor() {
    super(loadHdf5, 'the HDF5 library');
  }
}

/** True once loadHdf5 has finished. */
export function hdf5Loaded(): boolean {
  return h5 !== undefined;
}
let h5: H5 | undefined;

/** Loads the h5wasm module (WASM compile, once per process); the HDF5 scanner needs it. */
export async function loadHdf5(): Promise<void> {
  if (h5) return;
  const mod = await hostImport<H5>('h5wasm/node');
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

/** h5wasm attribute values → the walker's attribute shape (strings and byte blobs only). */
function wasmAttributes(attrs: Record<string, { value: unknown }>): H5Attribute[] {
  const out: H5Attribute[] = [];
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  for (const [name, attr] of Object.entries(attrs).slice(0, 10_000)) {
    let value: unknown;
    try {
      value = attr.value;
    } catch {
      continue; // a datatype libhdf5 cannot convert carries no string or bytes we check
    }
    const items: unknown[] = Array.isArray(value) ? value : [value];
    const strings: string[] = [];
    const blobs: Uint8Array[] = [];
    for (const v of items) {
      if (typeof v === 'string') {
        strings.push(v);
        blobs.push(encoder.encode(v));
      } else if (v instanceof Uint8Array) {
        strings.push(decoder.decode(v));
        blobs.push(v);
      }
    }
    out.push({ name, type: { cls: 3, size: 0 }, count: items.length, strings, blobs });
  }
  return out;
}

const PICKLE_PROBE = { size: 0, name: '', nested: true };

/** Scans bytes found inside an HDF5 file as a nested member when they parse as a pickle. */
function scanEmbeddedPickle(blob: Blob, session: ScanSession, where: string, bytes: Uint8Array) {
  if (bytes.length < 4) return;
  const source = new BufferSource(bytes);
  const probe = { ...PICKLE_PROBE, head: bytes.subarray(0, 65_536), size: bytes.length, source };
  if (!pickleScanner.sniff(probe)) return;
  session.scanMember(blob, where, source);
}

function memberOf(blob: Blob, where: string): Blob {
  return {
    ...blob,
    location: {
      ...blob.location,
      member: `${blob.location.member ? `${blob.location.member}!/` : ''}${where}`,
    },
  };
}

const TRAVERSAL = /(^|[\\/])\.\.([\\/]|$)|^[\\/]|^[A-Za-z]:/;

/**
 * Walks every group, dataset and attribute with the bounded reader: Keras JSON configs anywhere
 * (root `model_config`/`training_config`, and layer configs stored as attributes of any group),
 * pickled objects in attribute values and small datasets (PyTables/pandas store Python objects
 * pickled; loading them runs the pickle), external links and external data files.
 */
/** Checks one walked HDF5 object (shared by the bounded reader and the libhdf5 fallback). */
function visitHdf5Object(blob: Blob, session: ScanSession, object: H5Object): boolean {
  let keras = false;
  for (const attr of object.attributes) {
    const where = `${object.path === '/' ? '' : object.path}@${attr.name}`;
    const first = attr.strings?.[0];
    const rootConfig =
      object.path === '/' && (attr.name === 'model_config' || attr.name === 'training_config');
    if (rootConfig) {
      keras = true;
      if (first === undefined)
        throw new ScanParseError(`HDF5 attribute ${attr.name} is not a string`);
      scanKerasJson(session, memberOf(blob, where), first);
    } else if (first !== undefined && /^\s*\{/.test(first) && first.includes('"class_name"')) {
      // A Keras config stored on another group (custom savers, layer configs): walk it too.
      try {
        scanKerasJson(session, memberOf(blob, where), first);
      } catch (error) {
        if (!(error instanceof ScanParseError)) throw error;
      }
    }
    for (const [i, bytes] of (attr.blobs ?? []).slice(0, 1000).entries())
      scanEmbeddedPickle(blob, session, attr.blobs?.length === 1 ? where : `${where}[${i}]`, bytes);
  }
  for (const [i, bytes] of (object.data ?? []).slice(0, 1000).entries())
    scanEmbeddedPickle(
      blob,
      session,
      object.data?.length === 1 ? object.path : `${object.path}[${i}]`,
      bytes,
    );
  for (const link of object.links) {
    if (link.kind !== 'external') continue;
    const file = link.target.split(':')[0] ?? '';
    session.report(
      'scan.hdf5.external-link',
      TRAVERSAL.test(file) ? 'high' : 'medium',
      `external link ${JSON.stringify(link.name.slice(0, 100))} in ${object.path} points into another file (${JSON.stringify(link.target.slice(0, 200))}); HDF5 readers open it when the link is followed`,
      memberOf(blob, `${object.path === '/' ? '' : object.path}/${link.name}`).location,
    );
  }
  for (const file of object.externalFiles)
    session.report(
      'scan.hdf5.external-data',
      TRAVERSAL.test(file) ? 'high' : 'medium',
      `dataset ${object.path} stores its data in the external file ${JSON.stringify(file.slice(0, 200))}`,
      memberOf(blob, object.path).location,
    );
  return keras;
}

function scanHdf5Native(blob: Blob, session: ScanSession): string {
  let label = 'hdf5';
  walkHdf5(
    blob.source,
    (object) => {
      if (visitHdf5Object(blob, session, object)) label = 'keras-h5';
    },
    { maxValueBytes: Math.min(session.limits.maxMemberBytes, 256 * 1024 * 1024) },
  );
  return label;
}

/** Keras HDF5 (`.h5`) and other HDF5 files. */
export const hdf5Scanner: FormatScanner = {
  id: 'hdf5',
  title: 'HDF5 (Keras .h5)',
  sniff: (probe) => startsWith(probe.head, HDF5_MAGIC),
  scan(blob, session) {
    try {
      return scanHdf5Native(blob, session);
    } catch (error) {
      if (!(error instanceof Hdf5Unsupported)) throw error;
    }
    // Structures the bounded reader does not implement: libhdf5 (h5wasm) reads the root config.
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
      let label = 'hdf5';
      // Groups and attributes (not dataset values) through libhdf5, breadth first, bounded.
      const queue: { group: InstanceType<H5['Group']>; path: string; depth: number }[] = [
        { group: file, path: '/', depth: 0 },
      ];
      let visited = 0;
      while (queue.length > 0) {
        const { group, path: where, depth } = queue.shift() as (typeof queue)[number];
        const object: H5Object = {
          path: where,
          kind: 'group',
          attributes: wasmAttributes(group.attrs),
          links: [],
          externalFiles: [],
        };
        for (const name of group.keys().slice(0, 100_000)) {
          if (++visited > 100_000)
            throw new ScanParseError('HDF5 file has more than 100000 objects');
          const child = group.get(name);
          const childPath = `${where === '/' ? '' : where}/${name}`;
          if (child instanceof h5.ExternalLink)
            object.links.push({
              name,
              kind: 'external',
              target: `${child.filename}:${child.obj_path}`,
            });
          else if (child instanceof h5.Group) {
            if (depth < 64) queue.push({ group: child, path: childPath, depth: depth + 1 });
          } else if (child instanceof h5.Dataset)
            visitHdf5Object(blob, session, {
              path: childPath,
              kind: 'dataset',
              attributes: wasmAttributes(child.attrs),
              links: [],
              externalFiles: [],
            });
        }
        if (visitHdf5Object(blob, session, object)) label = 'keras-h5';
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
