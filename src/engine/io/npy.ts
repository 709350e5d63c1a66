/**
 * @module NumPy .npy and .npz reading and writing (format 1.0–3.0; float32, float64, int64, int32,
 * uint8, int8, bool; little-endian; C order). The header is parsed with a bounded grammar, never
 * evaluated, and the declared shape must match the bytes present exactly.
 */
import { strToU8, unzipSync, zipSync } from 'fflate';
import { AisfError } from '../../errors.js';
import type { TypedArray } from '../onnx/tensor.js';
import type { Tensor } from '../runtime/session.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Dtype descriptors aisf reads, with their array constructors. */
const DTYPES = {
  '<f4': Float32Array,
  '<f8': Float64Array,
  '<i8': BigInt64Array,
  '<i4': Int32Array,
  '|u1': Uint8Array,
  '|i1': Int8Array,
  '|b1': Uint8Array,
  '<u2': Uint16Array,
  '<i2': Int16Array,
} as const;

type Descr = keyof typeof DTYPES;

/** Limits for reading untrusted .npy/.npz data. */
export interface NpyLimits {
  /**
   * Largest array accepted, in bytes.
   * @default 4 GiB
   */
  maxBytes?: number;
}

function bad(source: string, reason: string): never {
  throw new AisfError(
    'E_DATA_INVALID',
    `${source} is not a valid .npy array: ${reason}; save it with numpy.save (C order, little-endian)`,
  );
}

/** Parses the Python-literal header dict with a strict, bounded grammar. */
function parseHeader(
  text: string,
  source: string,
): { descr: string; fortran: boolean; shape: number[] } {
  if (text.length > 65535) bad(source, 'header too long');
  const descr = /'descr'\s*:\s*'([^']{1,16})'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]{0,512})\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    bad(source, 'the header lacks descr, fortran_order or shape');
  const parts = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length > 32) bad(source, 'more than 32 dimensions');
  const shape = parts.map((s) => {
    if (!/^\d{1,15}L?$/.test(s))
      bad(source, `shape entry "${s.slice(0, 20)}" is not a non-negative integer`);
    return Number.parseInt(s, 10);
  });
  return { descr, fortran: fortran === 'True', shape };
}

/**
 * Reads a .npy file's bytes into a tensor (a copy, aligned).
 *
 * @throws AisfError E_DATA_INVALID for a bad magic, header, dtype, Fortran order or size.
 * @example
 * const x = readNpy(readFileSync('x.npy'));
 */
export function readNpy(bytes: Uint8Array, options: NpyLimits & { source?: string } = {}): Tensor {
  const source = options.source ?? 'the array';
  const maxBytes = options.maxBytes ?? 4 * 2 ** 30;
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m))
    bad(source, 'missing the \\x93NUMPY magic');
  const major = bytes[6] as number;
  if (major < 1 || major > 3) bad(source, `unsupported format version ${major}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen =
    major === 1 ? view.getUint16(8, true) : bytes.length >= 12 ? view.getUint32(8, true) : 0;
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > bytes.length) bad(source, 'the header is truncated');
  const header = parseHeader(
    new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLen)),
    source,
  );
  if (!(header.descr in DTYPES))
    bad(
      source,
      `dtype "${header.descr}" is not supported (use float32, float64, int64, int32, uint8, int8 or bool)`,
    );
  const ctor = DTYPES[header.descr as Descr];
  const size = header.shape.reduce((a, b) => a * b, 1);
  const nbytes = size * ctor.BYTES_PER_ELEMENT;
  if (!Number.isSafeInteger(nbytes) || nbytes > maxBytes)
    bad(source, `the shape [${header.shape.join(', ')}] exceeds the ${maxBytes}-byte limit`);
  if (header.fortran && header.shape.filter((d) => d > 1).length > 1)
    bad(source, 'Fortran order is not supported (use numpy.ascontiguousarray)');
  const dataStart = start + headerLen;
  if (bytes.length - dataStart !== nbytes)
    bad(
      source,
      `the shape [${header.shape.join(', ')}] needs ${nbytes} bytes of data, the file has ${bytes.length - dataStart}`,
    );
  const copy = new Uint8Array(bytes.subarray(dataStart, dataStart + nbytes));
  const data = new ctor(copy.buffer, 0, size) as TypedArray;
  return { data, shape: header.shape };
}

function descrOf(data: TypedArray): Descr {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof BigInt64Array) return '<i8';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof Int8Array) return '|i1';
  if (data instanceof Uint16Array) return '<u2';
  if (data instanceof Int16Array) return '<i2';
  return '|u1';
}

/**
 * Encodes a tensor as .npy (format 1.0, C order, 64-byte aligned header).
 *
 * @example
 * writeFileSync('g.npy', writeNpy({ data: grad, shape: [128, 1, 28, 28] }));
 */
export function writeNpy(tensor: Tensor): Uint8Array {
  const shape =
    tensor.shape.length === 1 ? `(${tensor.shape[0]},)` : `(${tensor.shape.join(', ')})`;
  let header = `{'descr': '${descrOf(tensor.data)}', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64);
  header += '\n';
  const out = new Uint8Array(10 + header.length + tensor.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(strToU8(header), 10);
  out.set(
    new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength),
    10 + header.length,
  );
  return out;
}

/**
 * Reads a .npz archive (numpy.savez / savez_compressed) into named tensors.
 *
 * @example
 * const grads = readNpz(readFileSync('gw.npz')); grads.get('fc1.weight');
 */
export function readNpz(
  bytes: Uint8Array,
  options: NpyLimits & { source?: string } = {},
): Map<string, Tensor> {
  const source = options.source ?? 'the archive';
  const maxBytes = options.maxBytes ?? 4 * 2 ** 30;
  let files: Record<string, Uint8Array>;
  let total = 0;
  try {
    files = unzipSync(bytes, {
      // Bound the decompressed size before inflating (zip bombs).
      filter: (f) => {
        total += f.originalSize;
        if (total > maxBytes) throw new Error(`decompressed size exceeds ${maxBytes} bytes`);
        return f.name.endsWith('.npy');
      },
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AisfError('E_DATA_INVALID', `${source} is not a valid .npz archive: ${reason}`);
  }
  const out = new Map<string, Tensor>();
  for (const [name, data] of Object.entries(files))
    out.set(name.slice(0, -4), readNpy(data, { source: `${source}:${name}`, maxBytes }));
  return out;
}

/**
 * Writes named tensors as a .npz archive (stored, like numpy.savez).
 *
 * @example
 * writeFileSync('w.npz', writeNpz(new Map([['W', { data: w, shape: [10, 4] }]])));
 */
export function writeNpz(tensors: ReadonlyMap<string, Tensor>): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [name, t] of tensors) files[`${name}.npy`] = writeNpy(t);
  return zipSync(files, { level: 0 });
}
