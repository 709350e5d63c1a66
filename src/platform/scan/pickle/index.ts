/**
 * @module Pickle scanner (protocols 0–5, joblib, nested pickles): runs the symbolic machine and
 * applies the default-deny import policy. Every import outside the allow-list is a finding; the
 * deny-list only raises it to critical. A stream that does not parse to STOP makes the file `error`
 * (its findings are kept: a partial pickle still runs its prefix, picklescan GHSA-9gvj-pp9x-gcfr).
 */
import { inflateCapped } from '../inflate.js';
import type { Blob, BlobContext, FormatScanner, ScanSession } from '../session.js';
import { extensionOf } from '../session.js';
import type { ScanLocation } from '../types.js';
import { ScanParseError } from '../types.js';
import { type MachineHooks, type MachineStats, runPickle, type Value } from './machine.js';
import { ALLOWED_IMPORTS, deniedEntry, dunderSegments, resolveImport } from './policy.js';

/** Extensions whose files loaders unpickle (modelscan and picklescan lists). */
export const PICKLE_EXTENSIONS = new Set([
  '.pkl',
  '.pickle',
  '.joblib',
  '.dill',
  '.dat',
  '.data',
  '.pt',
  '.pth',
  '.bin',
  '.ckpt',
  '.sav',
  '.pck',
  '.p',
  '.cpkl',
]);

/** Options of one pickle scan. */
export interface PickleScanOptions {
  context?: BlobContext | undefined;
  /** Nested-pickle level (0 for a file's own pickle). */
  level?: number;
  /** Whether bytes after the last STOP are expected (PyTorch legacy storages). */
  allowTrailing?: boolean;
}

/** What one pickle scan learnt (used by the PyTorch and NumPy scanners). */
export interface PickleScanSummary {
  imports: string[];
  streams: number;
  end: number;
  complete: boolean;
  joblib: boolean;
  values: Value[];
  /** Persistent ids seen (PyTorch storages). */
  persistentIds: Value[];
}

const ANOMALY_SEVERITY: Record<string, 'low' | 'medium' | 'high' | 'info'> = {
  'scan.pickle.misplaced-proto': 'medium',
  'scan.pickle.leftover-stack': 'medium',
  'scan.pickle.discarded-call': 'low',
  'scan.pickle.out-of-band-buffer': 'low',
};

const at = (loc: ScanLocation, offset: number, base: number): ScanLocation => ({
  ...loc,
  offset: base + offset,
});

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decodes a value that may carry a pickle: raw, latin-1 string, base64 or zlib-wrapped. */
function nestedCandidate(v: Value, maxBytes: number): Uint8Array | undefined {
  let bytes: Uint8Array | undefined;
  if (v.t === 'bytes') bytes = v.v;
  else if (v.t === 'str') {
    if (v.v.length >= 2 && v.v.charCodeAt(0) === 0x80 && v.v.charCodeAt(1) <= 5) {
      bytes = Uint8Array.from(v.v, (c) => c.charCodeAt(0) & 0xff);
    } else if (v.v.length >= 12 && v.v.startsWith('gA') && BASE64.test(v.v.replace(/\s/g, ''))) {
      bytes = new Uint8Array(Buffer.from(v.v, 'base64'));
    } else if (v.v.length >= 12 && /^eJ|^eN|^eF/.test(v.v) && BASE64.test(v.v.replace(/\s/g, ''))) {
      bytes = new Uint8Array(Buffer.from(v.v, 'base64')); // base64(zlib(…))
    }
  }
  if (!bytes || bytes.length < 4) return undefined;
  if (bytes[0] === 0x78 && [0x01, 0x5e, 0x9c, 0xda].includes(bytes[1] as number)) {
    bytes = inflateBounded(bytes, maxBytes);
    if (!bytes) return undefined;
  }
  return bytes[0] === 0x80 && (bytes[1] as number) <= 5 && bytes.length >= 4 ? bytes : undefined;
}

/** zlib-inflates with an output cap; undefined if not zlib, corrupt, truncated or over the cap. */
export function inflateBounded(bytes: Uint8Array, maxBytes: number): Uint8Array | undefined {
  if (bytes.length < 6 || ((bytes[0] as number) * 256 + (bytes[1] as number)) % 31 !== 0)
    return undefined;
  try {
    return inflateCapped('zlib', bytes, maxBytes, 'zlib stream');
  } catch {
    return undefined;
  }
}

/** joblib NumpyArrayWrapper: how many raw bytes follow its BUILD (joblib `read_array`). */
function joblibArrayBytes(state: Value): { bytes: number; aligned: boolean; object: boolean } {
  if (state.t !== 'dict') throw new ScanParseError('joblib array wrapper state is not a dict');
  const get = (key: string) => state.items.find(([k]) => k.t === 'str' && k.v === key)?.[1];
  const shape = get('shape');
  const dtype = get('dtype');
  if (shape?.t !== 'tuple' || !dtype || dtype.t !== 'call') {
    throw new ScanParseError(
      'joblib array wrapper without shape/dtype; cannot find where the pickle resumes',
    );
  }
  let count = 1;
  for (const d of shape.items) {
    if (d.t !== 'int' || typeof d.v !== 'number' || d.v < 0)
      throw new ScanParseError('joblib array shape is not integer');
    count *= d.v;
  }
  const args = dtype.args.t === 'tuple' ? dtype.args.items : [];
  const descr = args[0]?.t === 'str' ? args[0].v : '';
  const kind = descr.replace(/^[<>|=]/, '')[0] ?? '';
  if (kind === 'O')
    return { bytes: 0, aligned: get('numpy_array_alignment_bytes') !== undefined, object: true };
  let itemsize = Number(descr.replace(/^[<>|=]?[a-zA-Z]+/, ''));
  const dstate = dtype.state;
  if (dstate?.t === 'tuple') {
    const els = dstate.items[5];
    if (els?.t === 'int' && typeof els.v === 'number' && els.v > 0) itemsize = els.v;
    const fields = dstate.items[4];
    if (fields && fields.t !== 'none')
      throw new ScanParseError('joblib structured dtype: array size unknown');
  }
  if (!Number.isFinite(itemsize) || itemsize <= 0)
    throw new ScanParseError(`joblib dtype "${descr.slice(0, 20)}" has no item size`);
  const bytes = count * itemsize;
  if (!Number.isSafeInteger(bytes)) throw new ScanParseError('joblib array size overflows');
  return { bytes, aligned: get('numpy_array_alignment_bytes') !== undefined, object: false };
}

/**
 * Scans every pickle stream in `bytes` (from `start`), reporting into the session. Throws
 * ScanParseError (after reporting what it saw) when a stream does not parse to STOP.
 */
export function scanPickleBytes(
  session: ScanSession,
  bytes: Uint8Array,
  loc: ScanLocation,
  options: PickleScanOptions = {},
  start = 0,
  base = 0,
): PickleScanSummary {
  const level = options.level ?? 0;
  const imports: string[] = [];
  const values: Value[] = [];
  const persistentIds: Value[] = [];
  const nested: { bytes: Uint8Array; off: number }[] = [];
  let proto = 0;
  let joblib = false;
  const allow = (full: string) => ALLOWED_IMPORTS.has(full) || session.allowImports.has(full);

  const hooks: MachineHooks = {
    onImport(module, name, off, op, constant, p) {
      proto = p;
      const where = at(loc, off, base);
      const raw = `${module}.${name}`;
      if (!constant) {
        if (module === '<copyreg-extension>') {
          session.report(
            'scan.pickle.extension-import',
            'high',
            `${op} imports copyreg extension code ${name}: the callable is chosen by the loading process`,
            where,
            { op, code: name },
          );
        } else {
          session.report(
            'scan.pickle.import-non-constant',
            'critical',
            `${op} import operands are computed, not constant strings (${raw.slice(0, 80)}); the import cannot be resolved statically`,
            where,
            { op },
          );
        }
        imports.push(raw);
        return;
      }
      const full = resolveImport(module, name, p);
      imports.push(full);
      if (full === 'joblib.numpy_pickle.NumpyArrayWrapper') joblib = true;
      const denied = allow(full) ? undefined : (deniedEntry(full) ?? deniedEntry(raw));
      const dunder = dunderSegments(full);
      if (dunder.names.length > 0) {
        session.report(
          'scan.pickle.dunder-access',
          dunder.critical ? 'critical' : 'high',
          `import path ${full.slice(0, 120)} walks dunder attribute(s) ${dunder.names.join(', ')}`,
          where,
          { op, module, name },
        );
      }
      if (denied) {
        session.report(
          'scan.pickle.import-denied',
          'critical',
          `${op} imports ${full.slice(0, 120)}, a known code-execution gadget (${denied})`,
          where,
          { op, module, name, matched: denied },
        );
      } else if (!allow(full)) {
        session.report(
          'scan.pickle.import-not-allowed',
          'high',
          `${op} imports ${full.slice(0, 120)}, which is not on the allow-list (default-deny); allow it with --allow-import if trusted`,
          where,
          { op, module, name },
        );
      }
      if (/[\s\n]|^$/.test(module) || /[\n]/.test(name)) {
        session.report(
          'scan.pickle.import-malformed',
          'high',
          'import module or name contains whitespace or is empty',
          where,
          { op },
        );
      }
    },
    onCall(fn, _args, off, op) {
      if (fn.t !== 'global') {
        session.report(
          'scan.pickle.call-computed',
          'high',
          `${op} calls a computed value (${fn.t}), not an imported name`,
          at(loc, off, base),
          { op, callee: fn.t },
        );
      }
    },
    onBuild(target, state, off) {
      const where = at(loc, off, base);
      if (target.t === 'global') {
        session.report(
          'scan.pickle.build-on-import',
          'high',
          `BUILD sets attributes on the imported object ${target.full.slice(0, 120)} (modelscan#330 bypass)`,
          where,
        );
      }
      if (target.t === 'call') target.state = state;
      const dicts =
        state.t === 'dict'
          ? [state]
          : state.t === 'tuple'
            ? state.items.filter((v) => v.t === 'dict')
            : [];
      for (const d of dicts) {
        if (d.t !== 'dict') continue;
        for (const [k] of d.items.slice(0, 10_000)) {
          if (k.t === 'str' && k.v.startsWith('__') && k.v.endsWith('__')) {
            session.report(
              'scan.pickle.dunder-state',
              'high',
              `BUILD state sets dunder attribute ${k.v.slice(0, 60)}`,
              where,
            );
          }
        }
      }
    },
    onPersistentId(pid, off) {
      if (persistentIds.length < 1_000_000) persistentIds.push(pid);
      const where = at(loc, off, base);
      const ctx = options.context;
      if (ctx === 'pytorch-tar') {
        // tar checkpoints: the id is a decimal key, looked up with int(saved_id) (legacy_load)
        if (pid.t === 'str' && /^\d{1,18}$/.test(pid.v)) return;
        session.report(
          'scan.pickle.persistent-id-unexpected',
          'medium',
          'persistent id of a tar checkpoint is not a decimal object key',
          where,
        );
        return;
      }
      if (ctx !== 'pytorch' && ctx !== 'pytorch-legacy') {
        session.report(
          'scan.pickle.persistent-id',
          'medium',
          'persistent id outside a PyTorch archive: the loader’s persistent_load decides what runs',
          where,
        );
        return;
      }
      const items = pid.t === 'tuple' ? pid.items : [];
      const kind = items[0];
      if (
        kind?.t !== 'str' ||
        kind.v !== 'storage' ||
        items.length < 5 ||
        items[1]?.t !== 'global'
      ) {
        session.report(
          'scan.pickle.persistent-id-unexpected',
          kind?.t === 'str' && kind.v === 'module' ? 'high' : 'medium',
          'persistent id is not a (storage, type, key, location, numel) tuple',
          where,
        );
      }
    },
    onAnomaly(id, message, off) {
      session.report(id, ANOMALY_SEVERITY[id] ?? 'medium', message, at(loc, off, base));
    },
    onConstant(v, off) {
      if (nested.length >= 32 || level >= session.limits.maxNestedPickles) return;
      const inner = nestedCandidate(v, session.limits.maxMemberBytes);
      if (inner) nested.push({ bytes: inner, off });
    },
    afterBuild(target, state, data, pos) {
      if (
        target.t !== 'call' ||
        target.fn.t !== 'global' ||
        target.fn.full !== 'joblib.numpy_pickle.NumpyArrayWrapper'
      )
        return 0;
      const info = joblibArrayBytes(state);
      let p = pos;
      if (info.aligned && !info.object) {
        if (p >= data.length) throw new ScanParseError('truncated joblib array padding', p);
        p += 1 + (data[p] as number);
      }
      if (info.object) {
        // joblib pickles object arrays as a separate pickle stream right here
        const res = runPickle(data, p, hooks, {
          maxOps: session.limits.maxPickleOps,
          maxMemo: session.limits.maxPickleMemo,
        });
        return res.end - pos;
      }
      if (p + info.bytes > data.length)
        throw new ScanParseError('joblib array data runs past the end of the file', p);
      return p + info.bytes - pos;
    },
  };

  const stats: MachineStats = { ops: 0, gets: 0, puts: 0, dups: 0, maxStack: 0 };
  let pos = start;
  let streams = 0;
  let complete = false;
  try {
    while (true) {
      const res = runPickle(
        bytes,
        pos,
        hooks,
        { maxOps: session.limits.maxPickleOps, maxMemo: session.limits.maxPickleMemo },
        stats,
      );
      streams++;
      if (res.value) values.push(res.value);
      pos = res.end;
      if (pos >= bytes.length || options.allowTrailing) break;
      if (bytes[pos] === 0x80 && (bytes[pos + 1] ?? 99) <= 5 && streams < 64) {
        session.report(
          'scan.pickle.multiple-streams',
          'info',
          'more than one pickle stream in the file',
          at(loc, pos, base),
        );
        continue;
      }
      session.report(
        'scan.pickle.trailing-data',
        'medium',
        `${bytes.length - pos} bytes after the pickle STOP (polyglot or hidden payload?)`,
        at(loc, pos, base),
      );
      break;
    }
    complete = true;
  } finally {
    // Expansion (billion laughs): fickling ExpansionAttackAnalysis thresholds (GET/PUT > 10 suspicious, > 50 very; DUP > 100).
    const ratio = stats.gets / Math.max(1, stats.puts);
    if (stats.gets >= 1000 && ratio > 50) {
      session.report(
        'scan.pickle.expansion',
        'high',
        `memo GET/PUT ratio ${ratio.toFixed(0)} (expansion attack)`,
        loc,
        { gets: stats.gets, puts: stats.puts },
      );
    } else if (stats.gets >= 1000 && ratio > 10) {
      session.report(
        'scan.pickle.expansion',
        'medium',
        `memo GET/PUT ratio ${ratio.toFixed(0)} (possible expansion attack)`,
        loc,
        { gets: stats.gets, puts: stats.puts },
      );
    }
    if (stats.dups > 100) {
      session.report(
        'scan.pickle.expansion',
        'medium',
        `${stats.dups} DUP opcodes (possible expansion attack)`,
        loc,
        { dups: stats.dups },
      );
    }
    for (const n of nested) {
      const where = at(loc, n.off, base);
      session.report(
        'scan.pickle.nested-pickle',
        'high',
        'a string or bytes constant holds another pickle (scanned below)',
        where,
      );
      try {
        scanPickleBytes(
          session,
          n.bytes,
          { ...loc, member: `${loc.member ? `${loc.member}!/` : ''}<pickle@${base + n.off}>` },
          { ...options, level: level + 1, allowTrailing: true },
        );
      } catch {
        // An embedded blob that is not a complete pickle cannot be loaded as one; its imports were reported.
      }
    }
  }
  void proto;
  return { imports, streams, end: pos, complete, joblib, values, persistentIds };
}

/** True if the bytes look like a protocol 0/1 pickle: they parse to STOP with no error. */
function parsesAsPickle(bytes: Uint8Array): boolean {
  const quiet: MachineHooks = {
    onImport() {},
    onCall() {},
    onBuild() {},
    onPersistentId() {},
    onAnomaly() {},
  };
  try {
    const res = runPickle(bytes, 0, quiet, { maxOps: 100_000, maxMemo: 100_000 });
    return res.complete && res.stats.ops >= 2;
  } catch {
    return false;
  }
}

const PROTO0_FIRST = new Set([...'(cilNIJKLSVX]})}dptFGUTBCPgh'].map((c) => c.charCodeAt(0)));

/** The pickle format scanner (also joblib and dill files, which are pickles). */
export const pickleScanner: FormatScanner = {
  id: 'pickle',
  title: 'Python pickle (protocols 0–5), joblib, dill',
  sniff(probe) {
    const b0 = probe.head[0];
    if (b0 === undefined) return false;
    if (b0 === 0x80) return (probe.head[1] ?? 99) <= 5;
    if (!PROTO0_FIRST.has(b0)) return false;
    if (probe.size <= 4 * 1024 * 1024 && parsesAsPickle(probe.source.read(0, probe.size)))
      return true;
    // A protocol-0/1 pickle with a pickle extension: scan it (a parse error then fails closed).
    return !probe.nested && PICKLE_EXTENSIONS.has(extensionOf(probe.name));
  },
  scan(blob: Blob, session: ScanSession) {
    const bytes = blob.source.all(session.limits.maxInMemoryBytes);
    const summary = scanPickleBytes(session, bytes, blob.location, { context: blob.context });
    return summary.joblib ? 'joblib' : 'pickle';
  },
};
