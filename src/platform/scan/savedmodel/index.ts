/**
 * @module TensorFlow SavedModel / GraphDef scanner (wire-level protobuf walk, field numbers from
 * tensorflow/core/protobuf/saved_model.proto, meta_graph.proto, graph.proto, function.proto):
 * every op of the graph and the function library; Python ops critical, file I/O ops high
 * (ModelScan SavedModelTensorflowOpScan, modelaudit PYTHON_OPS), file-reading and exfiltrating
 * ops high, any op outside the allow-list (ops.ts) medium; `keras_metadata.pb` Lambda check;
 * asset paths that escape the folder.
 */
import { unsafePathReason } from '../archive.js';
import { parseJsonStrict } from '../json.js';
import { walkKerasConfig } from '../keras/walk.js';
import { fields, looksLikeMessage, text, type WireField } from '../protobuf.js';
import type { Blob, FormatScanner, ScanSession } from '../session.js';
import { baseName, extensionOf } from '../session.js';
import { ScanParseError } from '../types.js';
import { EXFIL_OPS, KNOWN_TF_OPS } from './ops.js';

/** Ops that run Python in the loading process. */
export const PYTHON_OPS = new Set(['PyFunc', 'PyFuncStateless', 'EagerPyFunc', 'PyCall']);
/** Ops that read or write files or run commands (ModelScan: ReadFile/WriteFile HIGH). */
export const FILE_OPS = new Set(['ReadFile', 'WriteFile', 'ShellExecute', 'ExecuteOp']);
/** Ops that touch the file system in a limited way. */
export const MEDIUM_OPS = new Set([
  'MatchingFiles',
  'ImmutableConst',
  'LoadLibrary',
  'WriteSummary',
  'CreateSummaryFileWriter',
]);

function sub(buf: Uint8Array, f: WireField): Generator<WireField> {
  return fields(buf, f.start, f.end);
}

function checkNode(
  session: ScanSession,
  buf: Uint8Array,
  node: WireField,
  blob: Blob,
  where: string,
): void {
  let op = '';
  let name = '';
  for (const f of sub(buf, node)) {
    if (f.field === 2 && f.wire === 2) op = text(buf, f);
    else if (f.field === 1 && f.wire === 2) name = text(buf, f);
  }
  const loc = { ...blob.location, offset: node.start };
  const ev = { op, node: name.slice(0, 200), in: where };
  if (PYTHON_OPS.has(op))
    session.report(
      'scan.tf.python-op',
      'critical',
      `${where} node ${JSON.stringify(name.slice(0, 80))} is ${op}: runs Python on load`,
      loc,
      ev,
    );
  else if (FILE_OPS.has(op))
    session.report(
      'scan.tf.file-op',
      'high',
      `${where} node ${JSON.stringify(name.slice(0, 80))} is ${op}: reads/writes files or runs commands`,
      loc,
      ev,
    );
  else if (EXFIL_OPS.has(op))
    session.report(
      'scan.tf.io-op',
      'high',
      `${where} node ${JSON.stringify(name.slice(0, 80))} is ${op}: reads files or sends tensors out of the process`,
      loc,
      ev,
    );
  else if (MEDIUM_OPS.has(op))
    session.report(
      'scan.tf.fs-op',
      'medium',
      `${where} node ${JSON.stringify(name.slice(0, 80))} is ${op}`,
      loc,
      ev,
    );
  else if (op !== '' && !KNOWN_TF_OPS.has(op) && !session.allowImports.has(`tf.op.${op}`))
    // Default-deny: a custom op runs native code from a library loaded with the model.
    session.report(
      'scan.tf.unknown-op',
      'medium',
      `${where} node ${JSON.stringify(name.slice(0, 80))} uses op ${JSON.stringify(op.slice(0, 80))}, which is not on aisf's list of TensorFlow ops (a custom op runs native code); allow it with --allow-import tf.op.${op.slice(0, 80)} if you trust it`,
      loc,
      ev,
    );
}

function walkGraph(session: ScanSession, buf: Uint8Array, graph: WireField, blob: Blob): number {
  let nodes = 0;
  for (const f of sub(buf, graph)) {
    if (f.field === 1 && f.wire === 2) {
      checkNode(session, buf, f, blob, 'graph');
      nodes++;
    } else if (f.field === 2 && f.wire === 2) {
      for (const fn of sub(buf, f)) {
        if (fn.field !== 1 || fn.wire !== 2) continue;
        let fname = '';
        for (const g of sub(buf, fn)) {
          if (g.field === 1 && g.wire === 2) {
            for (const sig of sub(buf, g))
              if (sig.field === 1 && sig.wire === 2) fname = text(buf, sig);
          }
        }
        for (const g of sub(buf, fn)) {
          if (g.field === 3 && g.wire === 2) {
            checkNode(session, buf, g, blob, `function ${fname.slice(0, 80)}`);
            nodes++;
          }
        }
      }
    }
  }
  return nodes;
}

function scanSavedModel(blob: Blob, session: ScanSession): string {
  const buf = blob.source.all(session.limits.maxInMemoryBytes);
  let metaGraphs = 0;
  for (const f of fields(buf, 0, buf.length)) {
    if (f.field !== 2 || f.wire !== 2) continue;
    metaGraphs++;
    for (const m of sub(buf, f)) {
      if (m.field === 2 && m.wire === 2) walkGraph(session, buf, m, blob);
      if (m.field === 6 && m.wire === 2) {
        for (const a of sub(buf, m)) {
          if (a.field !== 2 || a.wire !== 2) continue;
          const file = text(buf, a);
          const reason = unsafePathReason(file);
          if (reason)
            session.report(
              'scan.tf.asset-path',
              'critical',
              `asset file ${JSON.stringify(file.slice(0, 200))} ${reason}`,
              blob.location,
            );
        }
      }
    }
  }
  if (metaGraphs === 0) throw new ScanParseError('SavedModel has no meta graph');
  return 'tf-savedmodel';
}

function scanKerasMetadata(blob: Blob, session: ScanSession): string {
  const buf = blob.source.all(session.limits.maxInMemoryBytes);
  for (const node of fields(buf, 0, buf.length)) {
    if (node.field !== 1 || node.wire !== 2) continue;
    for (const f of sub(buf, node)) {
      if (f.field !== 5 || f.wire !== 2) continue;
      const json = text(buf, f);
      if (!json.trim().startsWith('{')) continue;
      walkKerasConfig(session, parseJsonStrict(json), blob.location, json);
    }
  }
  return 'keras-metadata';
}

const SAVED_MODEL_FIELDS = new Set([1, 2]);
const GRAPHDEF_FIELDS = new Set([1, 2, 3, 4, 5]);

/** SavedModel (`saved_model.pb`), frozen GraphDef (`*.pb`) and `keras_metadata.pb`. */
export const savedModelScanner: FormatScanner = {
  id: 'tf-savedmodel',
  title: 'TensorFlow SavedModel / GraphDef',
  sniff(probe) {
    if (probe.size > 2 ** 31) return false;
    const base = baseName(probe.name);
    if (base === 'keras_metadata.pb') return true;
    const first = probe.head[0];
    if (first !== 0x08 && first !== 0x12 && first !== 0x0a) return false;
    const buf = probe.source.read(0, Math.min(probe.size, 256 * 1024 * 1024));
    if (buf.length !== probe.size) return false;
    if (looksLikeMessage(buf, 0, buf.length, SAVED_MODEL_FIELDS, 2) && first !== 0x0a) return true;
    return (
      extensionOf(probe.name) === '.pb' && looksLikeMessage(buf, 0, buf.length, GRAPHDEF_FIELDS, 1)
    );
  },
  scan(blob, session) {
    if (baseName(blob.name) === 'keras_metadata.pb') return scanKerasMetadata(blob, session);
    const buf = blob.source.read(0, 1);
    if (buf[0] === 0x0a) {
      // A frozen GraphDef: the message itself is the graph.
      const all = blob.source.all(session.limits.maxInMemoryBytes);
      walkGraph(session, all, { field: 0, wire: 2, start: 0, end: all.length }, blob);
      return 'tf-graphdef';
    }
    return scanSavedModel(blob, session);
  },
};

/** TF checkpoint files (`variables.index` SSTable, `variables.data-*` raw tensors): data only. */
export const tfCheckpointScanner: FormatScanner = {
  id: 'tf-checkpoint',
  title: 'TensorFlow checkpoint (variables)',
  sniff(probe) {
    const base = baseName(probe.name);
    if (/^[\w.-]+\.data-\d{5}-of-\d{5}$/.test(base)) return true;
    if (!base.endsWith('.index') || probe.size < 48) return false;
    const tail = probe.source.read(probe.size - 8, 8);
    return (
      tail.length === 8 &&
      [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb].every((b, i) => tail[i] === b)
    );
  },
  scan: () => 'tf-checkpoint',
};
