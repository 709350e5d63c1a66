/**
 * @module Resolves ONNX external data (tensors stored in side files) by reading it into the
 * tensors' raw_data, only from files inside the model's own folder: relative paths, no `..`,
 * symlinks resolved with realpath and re-checked (CWE-22 path traversal; a model must not be
 * able to read /etc/shadow or another user's files into a tensor).
 */
import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { AisfError } from '../../errors.js';
import type { GraphProto, ModelProto, TensorProto } from './proto.js';
import { isSafeExternalLocation } from './safety.js';
import { ELEMENT_BYTES, elementCount } from './tensor.js';

function tensorsOf(graph: GraphProto, out: TensorProto[]): TensorProto[] {
  out.push(...graph.initializer);
  for (const n of graph.node)
    for (const a of n.attribute) {
      if (a.t) out.push(a.t);
      out.push(...a.tensors);
      if (a.g) tensorsOf(a.g, out);
      for (const g of a.graphs) tensorsOf(g, out);
    }
  return out;
}

/** Whether any tensor of the model keeps its data in an external file. */
export function hasExternalData(model: ModelProto): boolean {
  return model.graph ? tensorsOf(model.graph, []).some((t) => t.dataLocation === 1) : false;
}

function fail(t: TensorProto, reason: string): never {
  throw new AisfError(
    'E_MODEL_INVALID',
    `external data of tensor "${t.name}" cannot be read: ${reason}; keep the data files next to the model`,
  );
}

/**
 * Reads every external tensor's bytes into `rawData` (in place) from files under `folder`.
 *
 * @throws AisfError E_MODEL_UNSAFE for a path outside the folder, E_MODEL_INVALID for a missing
 * file, a bad offset/length or a size that disagrees with the dims.
 * @example
 * resolveExternalData(model, dirname(resolve('big.onnx')));
 */
export function resolveExternalData(model: ModelProto, folder: string): void {
  if (!model.graph) return;
  const root = realpathSync(folder);
  for (const t of tensorsOf(model.graph, [])) {
    if (t.dataLocation !== 1) continue;
    const entry = (key: string) => t.externalData.find((e) => e.key === key)?.value;
    const location = entry('location') ?? '';
    if (!isSafeExternalLocation(location))
      throw new AisfError(
        'E_MODEL_UNSAFE',
        `tensor "${t.name}" points its external data outside the model's folder; refusing to read it`,
      );
    let real: string;
    try {
      real = realpathSync(join(root, location));
    } catch {
      fail(t, `file "${location}" does not exist`);
    }
    const rel = relative(root, real);
    if (rel.startsWith('..') || isAbsolute(rel))
      throw new AisfError(
        'E_MODEL_UNSAFE',
        `tensor "${t.name}" external data "${location}" resolves (via a symlink) outside the model's folder; refusing to read it`,
      );
    const n = elementCount(t.dims);
    const size = ELEMENT_BYTES[t.dataType];
    if (n === undefined || !size) fail(t, 'its dims or data type are invalid');
    const offset = Number(entry('offset') ?? '0');
    const want = n * size;
    const length = entry('length') === undefined ? want : Number(entry('length'));
    if (!Number.isSafeInteger(offset) || offset < 0)
      fail(t, 'offset is not a non-negative integer');
    if (length !== want) fail(t, `length ${length} disagrees with dims (${want} bytes)`);
    const fd = openSync(real, 'r');
    try {
      const fileSize = fstatSync(fd).size;
      if (offset + want > fileSize) fail(t, `offset + length exceeds the file size ${fileSize}`);
      const buf = new Uint8Array(want);
      let read = 0;
      while (read < want) {
        const got = readSync(fd, buf, read, want - read, offset + read);
        if (got <= 0) fail(t, 'the file ended early');
        read += got;
      }
      t.rawData = buf;
    } finally {
      closeSync(fd);
    }
    t.dataLocation = 0;
    t.externalData = [];
  }
}
