/**
 * @module ONNX scanner on its own bounded wire-level walk (field numbers from onnx/onnx.proto):
 * onnx.checker rules that matter for safety (IR version and opset imports, topological order and
 * SSA, graph outputs produced, unique initializers), external data paths (absolute or `..`:
 * CVE-2022-25882, CVE-2024-27318, CVE-2025-51480), external files and raw data checked against
 * declared dims × dtype, custom domains and Python ops, hostile node names (controls, bidi).
 * The walk needs no decoded model, so it also runs on files the engine's decoder rejects; after it,
 * the engine's reader, checker and safety checks (src/engine/onnx) run on the same bytes.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, resolve } from 'node:path';
import { AisfError } from '../../../errors.js';
import { hasControlOrBidi } from '../archive.js';
import { fields, looksLikeMessage, packedVarints, text, type WireField } from '../protobuf.js';
import {
  type Blob,
  extensionOf,
  type FormatScanner,
  NeedLoadError,
  type ScanSession,
} from '../session.js';
import { BufferSource } from '../source.js';
import { ScanParseError } from '../types.js';
import { checkFloatTensor, type FloatKind } from '../values.js';

/** Bytes per element of ONNX TensorProto.DataType (0 = variable/unknown). */
export const ONNX_DTYPE_BYTES: Readonly<Record<number, number>> = {
  1: 4,
  2: 1,
  3: 1,
  4: 2,
  5: 2,
  6: 4,
  7: 8,
  8: 0,
  9: 1,
  10: 2,
  11: 8,
  12: 4,
  13: 8,
  14: 8,
  15: 16,
  16: 2,
  17: 1,
  18: 1,
  19: 1,
  20: 1,
};
/** Highest IR version aisf knows (onnx 1.18: IR 11). */
export const MAX_IR_VERSION = 11;
/** Domains of the standard and the ONNX Runtime contrib operator sets. */
const KNOWN_DOMAINS = new Set([
  '',
  'ai.onnx',
  'ai.onnx.ml',
  'ai.onnx.training',
  'ai.onnx.preview.training',
  'com.microsoft',
  'com.microsoft.nchwc',
  'com.microsoft.mlfeaturizers',
  'ai.onnx.contrib',
  'com.ms.internal.nhwc',
]);
const MODEL_FIELDS = new Set([1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 25]);

interface GraphScope {
  names: Set<string>;
}

interface Ctx {
  session: ScanSession;
  blob: Blob;
  buf: Uint8Array;
  depth: number;
  ir: number;
  opsetDomains: Set<string>;
  initializerNames: Set<string>;
  source?: BufferSource;
}

/** ONNX TensorProto.DataType → float kind: FLOAT, DOUBLE, FLOAT16, BFLOAT16 (onnx.proto). */
const ONNX_FLOAT_KINDS: Readonly<Record<number, FloatKind>> = {
  1: 'f32',
  11: 'f64',
  10: 'f16',
  16: 'bf16',
};

function* sub(ctx: Ctx, f: WireField): Generator<WireField> {
  yield* fields(ctx.buf, f.start, f.end);
}

function checkTensor(ctx: Ctx, t: WireField, where: string): void {
  let dims: (number | bigint)[] = [];
  let dtype = 0;
  let name = '';
  let raw = -1;
  let values: WireField | undefined;
  let location: string | undefined;
  let extLength: number | undefined;
  let extOffset = 0;
  let dataLocation = 0;
  for (const f of sub(ctx, t)) {
    if (f.field === 1) dims = dims.concat(packedVarints(ctx.buf, f));
    else if (f.field === 2 && f.wire === 0) dtype = Number(f.varint);
    else if (f.field === 8 && f.wire === 2) name = text(ctx.buf, f);
    else if (f.field === 9 && f.wire === 2) {
      raw = f.end - f.start;
      values = f;
    } else if ((f.field === 4 || f.field === 10) && f.wire === 2)
      values = f; // packed float/double_data
    else if (f.field === 14 && f.wire === 0) dataLocation = Number(f.varint);
    else if (f.field === 13 && f.wire === 2) {
      let k = '';
      let v = '';
      for (const e of sub(ctx, f)) {
        if (e.field === 1) k = text(ctx.buf, e);
        else if (e.field === 2) v = text(ctx.buf, e);
      }
      if (k === 'location') location = v;
      else if (k === 'length') extLength = Number(v);
      else if (k === 'offset') extOffset = Number(v);
    }
  }
  const loc = { ...ctx.blob.location, offset: t.start };
  const label = `${where} tensor ${JSON.stringify(name.slice(0, 80))}`;
  if (dtype === 0)
    ctx.session.report(
      'scan.onnx.tensor-dtype',
      'medium',
      `${label} has data_type UNDEFINED (onnx.checker rejects it)`,
      loc,
    );
  let elements = 1n;
  for (const d of dims) {
    const v = BigInt(d);
    if (v < 0n || v >= 1n << 63n) {
      ctx.session.report('scan.onnx.tensor-dims', 'high', `${label} has a negative dimension`, loc);
      return;
    }
    elements *= v;
  }
  const per = ONNX_DTYPE_BYTES[dtype] ?? 0;
  const expected = per > 0 ? elements * BigInt(per) : undefined;
  if (raw >= 0 && expected !== undefined && BigInt(raw) !== expected) {
    ctx.session.report(
      'scan.onnx.tensor-size',
      'high',
      `${label}: dims × dtype = ${expected} bytes but raw_data holds ${raw} (out-of-bounds read in loaders)`,
      loc,
    );
  }
  // Parameter values (NaN/Inf, magnitude) of float initializers held in the file.
  const kind =
    values === undefined
      ? undefined
      : values.field === 4
        ? 'f32'
        : values.field === 10
          ? 'f64'
          : ONNX_FLOAT_KINDS[dtype];
  if (values && kind && (values.field === 9 || dtype === 1 || dtype === 11)) {
    ctx.source ??= new BufferSource(ctx.buf);
    checkFloatTensor(
      ctx.session,
      ctx.source,
      kind,
      values.start,
      values.end - values.start,
      label,
      loc,
    );
  }
  if (dataLocation === 1 || location !== undefined) {
    if (location === undefined || location === '') {
      ctx.session.report(
        'scan.onnx.external-data',
        'medium',
        `${label} is external but has no location`,
        loc,
      );
      return;
    }
    const reason =
      isAbsolute(location) || /^[a-zA-Z]:/.test(location)
        ? 'is absolute'
        : normalize(location).split(/[\\/]/).includes('..') ||
            location.split(/[\\/]/).includes('..')
          ? 'contains ".."'
          : undefined;
    if (reason) {
      const cve = location.startsWith('..') ? 'CVE-2022-25882' : 'CVE-2024-27318';
      ctx.session.report(
        'scan.onnx.external-data-path',
        'critical',
        `${label} external data location ${JSON.stringify(location.slice(0, 200))} ${reason}: reads (or on save writes, CVE-2025-51480) outside the model folder (${cve})`,
        loc,
        { location: location.slice(0, 200) },
      );
      return;
    }
    const want = extLength ?? (expected === undefined ? undefined : Number(expected));
    let size: number | undefined;
    if (ctx.blob.dir !== undefined) {
      const path = join(ctx.blob.dir, location);
      try {
        const st = lstatSync(path);
        if (st.isSymbolicLink()) {
          ctx.session.report(
            'scan.onnx.external-data-symlink',
            'high',
            `${label} external data file is a symbolic link`,
            loc,
          );
          const real = realpathSync(path);
          const rel = relative(realpathSync(ctx.blob.dir), real);
          if (rel.startsWith('..') || isAbsolute(rel))
            ctx.session.report(
              'scan.onnx.external-data-path',
              'critical',
              `${label} external data resolves outside the model folder`,
              loc,
            );
        }
        if (st.nlink > 1 && st.isFile())
          ctx.session.report(
            'scan.onnx.external-data-hardlink',
            'medium',
            `${label} external data file has hard links`,
            loc,
          );
        size = st.size;
      } catch {
        ctx.session.report(
          'scan.onnx.external-data-missing',
          'medium',
          `${label} external data file ${JSON.stringify(location.slice(0, 200))} is missing`,
          loc,
        );
        return;
      }
    } else if (ctx.blob.siblings) {
      const member = resolve('/', join(ctx.blob.location.member ?? '', '..', location)).slice(1);
      size = ctx.blob.siblings.get(member);
      if (size === undefined) {
        ctx.session.report(
          'scan.onnx.external-data-missing',
          'medium',
          `${label} external data ${JSON.stringify(location.slice(0, 200))} is not in the archive`,
          loc,
        );
        return;
      }
    }
    if (size !== undefined && want !== undefined && extOffset + want > size) {
      ctx.session.report(
        'scan.onnx.external-data-size',
        'high',
        `${label} needs ${want} bytes at offset ${extOffset} but ${location.slice(0, 100)} has ${size}`,
        loc,
      );
    }
  }
}

function attrGraphs(ctx: Ctx, attr: WireField): WireField[] {
  const out: WireField[] = [];
  for (const f of sub(ctx, attr)) {
    if ((f.field === 6 || f.field === 11) && f.wire === 2) out.push(f);
    if ((f.field === 5 || f.field === 10) && f.wire === 2) checkTensor(ctx, f, 'attribute');
  }
  return out;
}

function walkGraph(ctx: Ctx, graph: WireField, outer: GraphScope, main: boolean): void {
  if (ctx.depth > 32) throw new ScanParseError('ONNX subgraphs nested deeper than 32');
  const defined = new Set<string>(outer.names);
  const local = new Set<string>();
  const outputs: string[] = [];
  const nodes: WireField[] = [];
  const define = (name: string, what: string, at: number) => {
    if (name === '') return;
    if (local.has(name))
      ctx.session.report(
        'scan.onnx.ssa',
        'medium',
        `${what} ${JSON.stringify(name.slice(0, 80))} is assigned more than once (not SSA)`,
        { ...ctx.blob.location, offset: at },
      );
    local.add(name);
    defined.add(name);
  };
  for (const f of sub(ctx, graph)) {
    if (f.field === 5 && f.wire === 2) {
      let name = '';
      for (const g of sub(ctx, f)) if (g.field === 8 && g.wire === 2) name = text(ctx.buf, g);
      if (main && ctx.initializerNames.has(name))
        ctx.session.report(
          'scan.onnx.duplicate-initializer',
          'medium',
          `initializer ${JSON.stringify(name.slice(0, 80))} is defined twice`,
          { ...ctx.blob.location, offset: f.start },
        );
      if (main) ctx.initializerNames.add(name);
      checkTensor(ctx, f, 'initializer');
      defined.add(name);
      local.add(name);
    } else if (f.field === 11 && f.wire === 2) {
      for (const g of sub(ctx, f)) if (g.field === 1 && g.wire === 2) defined.add(text(ctx.buf, g));
    } else if (f.field === 12 && f.wire === 2) {
      for (const g of sub(ctx, f))
        if (g.field === 1 && g.wire === 2) outputs.push(text(ctx.buf, g));
    } else if (f.field === 1 && f.wire === 2) nodes.push(f);
  }
  const nodeNames = new Set<string>();
  for (const node of nodes) {
    const inputs: string[] = [];
    const outs: string[] = [];
    let op = '';
    let domain = '';
    let name = '';
    const subgraphs: WireField[] = [];
    for (const f of sub(ctx, node)) {
      if (f.wire !== 2) continue;
      if (f.field === 1) inputs.push(text(ctx.buf, f));
      else if (f.field === 2) outs.push(text(ctx.buf, f));
      else if (f.field === 3) name = text(ctx.buf, f);
      else if (f.field === 4) op = text(ctx.buf, f);
      else if (f.field === 7) domain = text(ctx.buf, f);
      else if (f.field === 5) subgraphs.push(...attrGraphs(ctx, f));
    }
    const loc = { ...ctx.blob.location, offset: node.start };
    const label = `node ${JSON.stringify(name.slice(0, 80))} (${op.slice(0, 60)})`;
    if (op === '')
      ctx.session.report('scan.onnx.node-op', 'medium', `${label} has an empty op_type`, loc);
    if (/python|pyop|pyfunc/i.test(op))
      ctx.session.report(
        'scan.onnx.python-op',
        'critical',
        `${label} is a Python op: runtimes that register it run Python code`,
        loc,
        { op, domain },
      );
    if (!KNOWN_DOMAINS.has(domain))
      ctx.session.report(
        'scan.onnx.custom-domain',
        'medium',
        `${label} uses custom domain ${JSON.stringify(domain.slice(0, 80))}: needs a native custom-op library`,
        loc,
        { op, domain },
      );
    if (!ctx.opsetDomains.has(domain === 'ai.onnx' ? '' : domain))
      ctx.session.report(
        'scan.onnx.opset-missing',
        'low',
        `${label} domain ${JSON.stringify(domain.slice(0, 80))} has no opset_import`,
        loc,
      );
    if (hasControlOrBidi(name) || name.length > 4096)
      ctx.session.report(
        'scan.onnx.node-name',
        'low',
        `${label} name has control/bidi characters or is very long`,
        loc,
      );
    if (name !== '' && nodeNames.has(name))
      ctx.session.report(
        'scan.onnx.node-name-duplicate',
        'info',
        `${label} name is not unique`,
        loc,
      );
    nodeNames.add(name);
    for (const input of inputs) {
      if (input !== '' && !defined.has(input)) {
        ctx.session.report(
          'scan.onnx.topology',
          'medium',
          `${label} input ${JSON.stringify(input.slice(0, 80))} is not defined before use (graph not topologically sorted)`,
          loc,
        );
      }
    }
    ctx.depth++;
    for (const g of subgraphs) walkGraph(ctx, g, { names: defined }, false);
    ctx.depth--;
    for (const o of outs) define(o, 'output', node.start);
  }
  for (const o of outputs) {
    if (!defined.has(o))
      ctx.session.report(
        'scan.onnx.output-undefined',
        'medium',
        `graph output ${JSON.stringify(o.slice(0, 80))} is never produced`,
        ctx.blob.location,
      );
  }
}

let engine: typeof import('../../../engine/onnx/index.js') | undefined;

/** Imports the engine's ONNX reader (protobuf runtime, checker) once; only ONNX files need it. */
export async function loadOnnxEngine(): Promise<void> {
  engine ??= await import('../../../engine/onnx/index.js');
}

/**
 * The engine's ONNX reader, checker and safety checks (src/engine/onnx), run after the wire walk:
 * a model the checker rejects is a finding (loaders refuse or misread it); engine safety findings
 * whose rule this scanner did not already report are added.
 */
function engineChecks(session: ScanSession, blob: Blob, buf: Uint8Array): void {
  if (!engine) throw new NeedLoadError(loadOnnxEngine, 'the ONNX engine');
  const { checkModel, decodeModel, scanOnnxModel } = engine;
  const source = blob.location.member ?? blob.location.file;
  try {
    const model = decodeModel(buf, { source });
    try {
      checkModel(model, { source });
    } catch (error) {
      if (!(error instanceof AisfError)) throw error;
      session.report(
        'scan.onnx.checker',
        'medium',
        `onnx checker rule failed: ${error.message.slice(0, 300)}`,
        blob.location,
      );
    }
    const mine = new Set(
      session.findings.filter((f) => f.location.member === blob.location.member).map((f) => f.id),
    );
    for (const f of scanOnnxModel(model)) {
      if (!mine.has(f.id))
        session.report(
          f.id,
          f.severity,
          f.message,
          blob.location,
          f.where === undefined ? undefined : { where: f.where },
        );
    }
  } catch (error) {
    if (error instanceof AisfError) {
      session.report(
        'scan.onnx.checker',
        'medium',
        `ONNX decoder rejects the model: ${error.message.slice(0, 300)}`,
        blob.location,
      );
      return;
    }
    session.fail(
      `ONNX engine checks failed (${error instanceof Error ? error.message.slice(0, 200) : String(error)})`,
      blob.location,
    );
  }
}

/** The ONNX scanner. */
export const onnxScanner: FormatScanner = {
  id: 'onnx',
  title: 'ONNX model',
  sniff(probe) {
    if (probe.head[0] !== 0x08 || probe.size > 2 ** 31) return false;
    const buf = probe.source.read(0, probe.size);
    return (
      looksLikeMessage(buf, 0, buf.length, MODEL_FIELDS, 7) ||
      (extensionOf(probe.name) === '.onnx' && buf.length > 0)
    );
  },
  scan(blob, session) {
    if (!engine) throw new NeedLoadError(loadOnnxEngine, 'the ONNX engine');
    if (blob.source.size > 2147483647)
      throw new ScanParseError(
        'ONNX protobuf larger than 2 GiB (MAXIMUM_PROTOBUF); use external data',
      );
    const buf = blob.source.all(session.limits.maxInMemoryBytes);
    let ir = -1;
    const graphs: WireField[] = [];
    const opsetDomains = new Set<string>();
    const metaKeys = new Set<string>();
    for (const f of fields(buf, 0, buf.length)) {
      if (f.field === 1 && f.wire === 0) ir = Number(f.varint);
      else if (f.field === 7 && f.wire === 2) graphs.push(f);
      else if (f.field === 8 && f.wire === 2) {
        let domain = '';
        for (const g of fields(buf, f.start, f.end))
          if (g.field === 1 && g.wire === 2) domain = text(buf, g);
        opsetDomains.add(domain === 'ai.onnx' ? '' : domain);
      } else if (f.field === 14 && f.wire === 2) {
        for (const g of fields(buf, f.start, f.end)) {
          if (g.field !== 1 || g.wire !== 2) continue;
          const key = text(buf, g);
          if (metaKeys.has(key))
            session.report(
              'scan.onnx.metadata-duplicate',
              'low',
              `metadata_props key ${JSON.stringify(key.slice(0, 80))} repeats`,
              blob.location,
            );
          metaKeys.add(key);
        }
      }
    }
    if (graphs.length !== 1)
      throw new ScanParseError(`ONNX model has ${graphs.length} graphs (expected 1)`);
    if (ir < 1)
      session.report('scan.onnx.ir-version', 'medium', 'ir_version is missing', blob.location);
    else if (ir > MAX_IR_VERSION)
      session.report(
        'scan.onnx.ir-version',
        'low',
        `ir_version ${ir} is newer than aisf knows (${MAX_IR_VERSION})`,
        blob.location,
      );
    if (ir >= 3 && !opsetDomains.has(''))
      session.report(
        'scan.onnx.opset-missing',
        'medium',
        'no opset_import for the default domain (onnx.checker rejects it)',
        blob.location,
      );
    const ctx: Ctx = {
      session,
      blob,
      buf,
      depth: 0,
      ir,
      opsetDomains,
      initializerNames: new Set(),
    };
    walkGraph(ctx, graphs[0] as WireField, { names: new Set() }, true);
    engineChecks(session, blob, buf);
    return 'onnx';
  },
};
