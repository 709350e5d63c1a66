/**
 * @module Labelled samples from an .npz file (inputs + class labels): what every command that
 * evaluates or trains a classifier reads (`test robustness`, `harden`, `test privacy`).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { AisfError } from '../../errors.js';
import type { Tensor } from '../runtime/session.js';
import { readNpz } from './npy.js';

/** Options of readLabelledNpz. */
export interface LabelledNpzOptions {
  /** Name of the inputs array. @default 'x' */
  x?: string | undefined;
  /** Name of the labels array. @default 'y' */
  y?: string | undefined;
  /** The flag or field the file came from, named in every error (e.g. `--data`). @default 'data' */
  field?: string | undefined;
  /** The file as the user wrote it, for messages. @default the path */
  shown?: string | undefined;
  /** Value range uint8 pixels (0…255) are mapped onto, linearly. @default {lo: 0, hi: 1} */
  range?: { lo: number; hi: number } | undefined;
  /** Keep only the first `limit` samples. */
  limit?: number | undefined;
}

/** Inputs as float32 and labels as class indices, plus the file's SHA-256 (for evidence). */
export interface LabelledNpz {
  x: Tensor<Float32Array>;
  y: Int32Array;
  sha256: string;
}

/**
 * Reads inputs and labels from an .npz. Inputs may be float32, float64 or uint8 (pixels mapped
 * onto `range`); labels class indices, or one-hot / probability rows (argmax). Every problem is an
 * E_INPUT / E_FILE_NOT_FOUND naming the field, the file and the fix.
 *
 * @example
 * const { x, y } = readLabelledNpz('examples/fashion-mnist/test.npz', { field: '--data', limit: 100 });
 */
export function readLabelledNpz(path: string, options: LabelledNpzOptions = {}): LabelledNpz {
  const field = options.field ?? 'data';
  const shown = options.shown ?? path;
  const xKey = options.x ?? 'x';
  const yKey = options.y ?? 'y';
  const bad = (message: string): never => {
    throw new AisfError('E_INPUT', `${field}: ${message}`);
  };
  if (!existsSync(path))
    throw new AisfError('E_FILE_NOT_FOUND', `${field}: ${shown} does not exist; check the path`);
  const bytes = readFileSync(path);
  let arrays: ReturnType<typeof readNpz>;
  try {
    arrays = readNpz(bytes, { source: shown });
  } catch (error) {
    if (error instanceof AisfError)
      throw new AisfError(error.code, `${field}: ${error.message}`, { cause: error });
    throw error;
  }
  const list = [...arrays.keys()].join(', ') || 'none';
  const xt =
    arrays.get(xKey) ??
    bad(`${shown} has no array "${xKey}" (arrays: ${list}); name the inputs with --x`);
  const yt =
    arrays.get(yKey) ??
    bad(`${shown} has no array "${yKey}" (arrays: ${list}); name the labels with --y`);
  const n0 = xt.shape[0] ?? 0;
  if (options.limit !== undefined && !(Number.isSafeInteger(options.limit) && options.limit >= 0))
    bad(`limit must be a non-negative integer (got ${options.limit})`);
  const n = options.limit === undefined ? n0 : Math.min(n0, options.limit);
  const inner = xt.data.length / Math.max(1, n0);
  const d = xt.data;
  let data: Float32Array;
  if (d instanceof Float32Array) data = n === n0 ? d : d.slice(0, n * inner);
  else if (d instanceof Float64Array) data = Float32Array.from(d.subarray(0, n * inner));
  else if (d instanceof Uint8Array) {
    const { lo, hi } = options.range ?? { lo: 0, hi: 1 };
    data = Float32Array.from(d.subarray(0, n * inner), (v) =>
      Math.fround(lo + (v / 255) * (hi - lo)),
    );
  } else data = bad(`array "${xKey}" of ${shown} must be float32, float64 or uint8`);
  let y: Int32Array;
  if (yt.shape.length === 2 && yt.shape[0] === n0 && (yt.shape[1] as number) > 1) {
    // One-hot or probability rows → the index of the largest entry.
    const k = yt.shape[1] as number;
    y = Int32Array.from({ length: n }, (_, i) => {
      let best = 0;
      for (let j = 1; j < k; j++)
        if (Number(yt.data[i * k + j]) > Number(yt.data[i * k + best])) best = j;
      return best;
    });
  } else {
    if (yt.data.length !== n0)
      bad(`${shown} has ${n0} samples in "${xKey}" but ${yt.data.length} labels in "${yKey}"`);
    y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = Number(yt.data[i]);
      if (!Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1)
        bad(
          `label #${i} of "${yKey}" in ${shown} is ${String(yt.data[i])}; labels must be non-negative class indices`,
        );
      y[i] = v;
    }
  }
  return {
    x: { data, shape: [n, ...xt.shape.slice(1)] },
    y,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
