/**
 * @module Safety checks on a decoded ONNX model, run before anything is loaded into ONNX Runtime:
 * custom operator domains (a custom op is native code the runtime would have to load — the
 * ONNX analogue of a pickle `GLOBAL`), Python ops, external data paths that are absolute or
 * escape the model's folder (path traversal, CWE-22), and tensors whose declared dims disagree
 * with the bytes present (allocation bombs, out-of-bounds reads in naive loaders).
 * Shared with the platform scanner (src/platform/scan/onnx), which reports the findings.
 */
import { isAbsolute, normalize, sep } from 'node:path';
import { STANDARD_DOMAINS } from './checker.js';
import type { GraphProto, ModelProto, NodeProto, TensorProto } from './proto.js';
import { ELEMENT_BYTES, elementCount, presentElements } from './tensor.js';

/** One safety finding; ids are stable (`scan.onnx.*`) so scanners and tests can match them. */
export interface OnnxSafetyFinding {
  id:
    | 'scan.onnx.custom-domain'
    | 'scan.onnx.python-op'
    | 'scan.onnx.external-data-path'
    | 'scan.onnx.tensor-size-mismatch'
    | 'scan.onnx.tensor-too-large';
  severity: 'medium' | 'high' | 'critical';
  message: string;
  /** Node name or tensor name the finding is about. */
  where?: string;
}

/** Op types that run Python (onnxruntime-extensions PyOp, ORT's language-interop PythonOp). */
const PYTHON_OPS = new Set(['PyOp', 'PythonOp', 'PyFunc', 'PythonOpGrad']);

/** Limits of the safety scan. */
export interface SafetyOptions {
  /**
   * Largest tensor accepted, in elements, for tensors whose data lives outside the file (where
   * the declared dims cannot be checked against bytes yet).
   * @default 2^31 (8 GiB of float32)
   */
  maxElements?: number;
}

/**
 * Whether an external-data `location` is a plain relative path that stays inside the model's
 * folder: not absolute, no `..` segment after normalisation, no NUL byte, not empty.
 * (Symlinks are checked again with realpath when the data is read.)
 */
export function isSafeExternalLocation(location: string): boolean {
  if (location === '' || location.includes('\0')) return false;
  if (isAbsolute(location) || /^[a-zA-Z]:/.test(location) || location.startsWith('\\'))
    return false;
  const norm = normalize(location.replace(/\\/g, '/'));
  return !(norm === '..' || norm.startsWith(`..${sep}`) || norm.startsWith('../'));
}

function walkGraph(
  graph: GraphProto,
  visitNode: (n: NodeProto) => void,
  visitTensor: (t: TensorProto) => void,
): void {
  for (const t of graph.initializer) visitTensor(t);
  for (const n of graph.node) {
    visitNode(n);
    for (const a of n.attribute) {
      if (a.t) visitTensor(a.t);
      for (const t of a.tensors) visitTensor(t);
      if (a.g) walkGraph(a.g, visitNode, visitTensor);
      for (const g of a.graphs) walkGraph(g, visitNode, visitTensor);
    }
  }
}

/**
 * Scans a decoded model for the unsafe constructs above. Returns findings (empty = none found);
 * `loadModel` refuses a model with findings unless it is opened with `{ trusted: true }`.
 *
 * @example
 * const findings = scanOnnxModel(decodeModel(bytes));
 * if (findings.length) console.error(findings.map((f) => f.message).join('\n'));
 */
export function scanOnnxModel(model: ModelProto, options: SafetyOptions = {}): OnnxSafetyFinding[] {
  const maxElements = options.maxElements ?? 2 ** 31;
  const findings: OnnxSafetyFinding[] = [];
  const localFunctions = new Set(model.functions.map((f) => `${f.domain}:${f.name}`));
  const visitNode = (n: NodeProto) => {
    const label = n.name || n.opType;
    if (PYTHON_OPS.has(n.opType) || /python/i.test(n.domain)) {
      findings.push({
        id: 'scan.onnx.python-op',
        severity: 'critical',
        message: `node "${label}" is a Python op (${n.domain || 'ai.onnx'}.${n.opType}): loading it runs arbitrary Python`,
        where: label,
      });
    } else if (
      !STANDARD_DOMAINS.includes(n.domain) &&
      !localFunctions.has(`${n.domain}:${n.opType}`)
    ) {
      findings.push({
        id: 'scan.onnx.custom-domain',
        severity: 'high',
        message: `node "${label}" uses custom op ${n.domain}.${n.opType}: it needs a native custom-op library, which runs arbitrary code`,
        where: label,
      });
    }
  };
  const visitTensor = (t: TensorProto) => {
    const n = elementCount(t.dims);
    if (n === undefined || n > maxElements) {
      findings.push({
        id: 'scan.onnx.tensor-too-large',
        severity: 'high',
        message: `tensor "${t.name}" declares dims [${t.dims.join(', ')}], above ${maxElements} elements`,
        where: t.name,
      });
      return;
    }
    if (t.dataLocation === 1) {
      const location = t.externalData.find((e) => e.key === 'location')?.value ?? '';
      if (!isSafeExternalLocation(location)) {
        findings.push({
          id: 'scan.onnx.external-data-path',
          severity: 'critical',
          message: `tensor "${t.name}" reads external data from a path that is absolute or leaves the model's folder`,
          where: t.name,
        });
      }
      return;
    }
    const size = ELEMENT_BYTES[t.dataType];
    const present = presentElements(t);
    const consistent = t.rawData && size ? t.rawData.length === n * size : present === n;
    if (!consistent) {
      findings.push({
        id: 'scan.onnx.tensor-size-mismatch',
        severity: 'high',
        message: `tensor "${t.name}" declares dims [${t.dims.join(', ')}] (${n} elements) but holds ${t.rawData ? `${t.rawData.length} bytes` : `${present} values`}`,
        where: t.name,
      });
    }
  };
  if (model.graph) walkGraph(model.graph, visitNode, visitTensor);
  for (const f of model.functions) for (const n of f.node) visitNode(n);
  return findings;
}
