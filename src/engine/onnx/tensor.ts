/**
 * @module TensorProto ⇄ typed arrays: element sizes, byte-exact decoding of raw_data and the typed
 * repeated fields, and building initializers. Sizes are checked against the declared dims so a
 * tensor that claims 10^12 elements with 4 bytes present is rejected, not allocated.
 */
import { AisfError } from '../../errors.js';
import { DATA_TYPE, type TensorProto } from './proto.js';

/** Typed arrays aisf computes with. int64 as BigInt64Array, bool as Uint8Array. */
export type TypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array;

/** Bytes per element of each fixed-size ONNX data type (STRING is variable and absent). */
export const ELEMENT_BYTES: Readonly<Record<number, number>> = {
  [DATA_TYPE.FLOAT]: 4,
  [DATA_TYPE.UINT8]: 1,
  [DATA_TYPE.INT8]: 1,
  [DATA_TYPE.UINT16]: 2,
  [DATA_TYPE.INT16]: 2,
  [DATA_TYPE.INT32]: 4,
  [DATA_TYPE.INT64]: 8,
  [DATA_TYPE.BOOL]: 1,
  [DATA_TYPE.FLOAT16]: 2,
  [DATA_TYPE.DOUBLE]: 8,
  [DATA_TYPE.UINT32]: 4,
  [DATA_TYPE.UINT64]: 8,
  [DATA_TYPE.COMPLEX64]: 8,
  [DATA_TYPE.COMPLEX128]: 16,
  [DATA_TYPE.BFLOAT16]: 2,
};

/** Names of ONNX data types as ONNX Runtime spells them ("float32", "int64" …). */
export const DATA_TYPE_NAMES: Readonly<Record<number, string>> = {
  [DATA_TYPE.FLOAT]: 'float32',
  [DATA_TYPE.UINT8]: 'uint8',
  [DATA_TYPE.INT8]: 'int8',
  [DATA_TYPE.UINT16]: 'uint16',
  [DATA_TYPE.INT16]: 'int16',
  [DATA_TYPE.INT32]: 'int32',
  [DATA_TYPE.INT64]: 'int64',
  [DATA_TYPE.STRING]: 'string',
  [DATA_TYPE.BOOL]: 'bool',
  [DATA_TYPE.FLOAT16]: 'float16',
  [DATA_TYPE.DOUBLE]: 'float64',
  [DATA_TYPE.UINT32]: 'uint32',
  [DATA_TYPE.UINT64]: 'uint64',
  [DATA_TYPE.COMPLEX64]: 'complex64',
  [DATA_TYPE.COMPLEX128]: 'complex128',
  [DATA_TYPE.BFLOAT16]: 'bfloat16',
};

/** Number of elements of a shape, or undefined if it overflows a safe integer. */
export function elementCount(dims: readonly number[]): number | undefined {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) return undefined;
    n *= d;
    if (!Number.isSafeInteger(n)) return undefined;
  }
  return n;
}

/** How many elements a TensorProto actually carries (raw or typed field), for consistency checks. */
export function presentElements(t: TensorProto): number | undefined {
  const size = ELEMENT_BYTES[t.dataType];
  if (t.rawData) return size ? Math.floor(t.rawData.length / size) : undefined;
  switch (t.dataType) {
    case DATA_TYPE.FLOAT:
      return t.floatData.length;
    case DATA_TYPE.COMPLEX64:
      return t.floatData.length / 2;
    case DATA_TYPE.DOUBLE:
      return t.doubleData.length;
    case DATA_TYPE.COMPLEX128:
      return t.doubleData.length / 2;
    case DATA_TYPE.INT64:
      return t.int64Data.length;
    case DATA_TYPE.UINT32:
    case DATA_TYPE.UINT64:
      return t.uint64Data.length;
    case DATA_TYPE.STRING:
      return t.stringData.length;
    default:
      return t.int32Data.length;
  }
}

function invalid(t: TensorProto, reason: string): AisfError {
  return new AisfError(
    'E_MODEL_INVALID',
    `tensor "${t.name}" is malformed: ${reason}; re-export the model`,
  );
}

/**
 * Decodes a TensorProto's values into a fresh typed array (a copy, safe to keep). Supports the
 * types aisf computes with: float32, float64, int32, int64, uint8, int8, uint16, int16, bool.
 *
 * @throws AisfError E_MODEL_INVALID when the data does not match dims or the type is unsupported.
 * @example
 * const w = tensorToArray(model.graph.initializer[0]) as Float32Array;
 */
export function tensorToArray(t: TensorProto): TypedArray {
  if (t.dataLocation === 1 && !t.rawData)
    throw invalid(t, 'its data is external and was not resolved');
  const n = elementCount(t.dims);
  if (n === undefined) throw invalid(t, `dims [${t.dims.join(', ')}] are out of range`);
  const size = ELEMENT_BYTES[t.dataType];
  if (t.rawData) {
    if (!size) throw invalid(t, `data_type ${t.dataType} has no fixed size`);
    if (t.rawData.length !== n * size)
      throw invalid(
        t,
        `dims [${t.dims.join(', ')}] need ${n * size} bytes, raw_data has ${t.rawData.length}`,
      );
    const buf = new Uint8Array(t.rawData).buffer;
    switch (t.dataType) {
      case DATA_TYPE.FLOAT:
        return new Float32Array(buf);
      case DATA_TYPE.DOUBLE:
        return new Float64Array(buf);
      case DATA_TYPE.INT32:
        return new Int32Array(buf);
      case DATA_TYPE.INT64:
        return new BigInt64Array(buf);
      case DATA_TYPE.UINT8:
      case DATA_TYPE.BOOL:
        return new Uint8Array(buf);
      case DATA_TYPE.INT8:
        return new Int8Array(buf);
      case DATA_TYPE.UINT16:
        return new Uint16Array(buf);
      case DATA_TYPE.INT16:
        return new Int16Array(buf);
      default:
        throw invalid(t, `data_type ${t.dataType} is not supported by aisf`);
    }
  }
  const present = presentElements(t);
  if (present !== n)
    throw invalid(t, `dims [${t.dims.join(', ')}] need ${n} values, the tensor has ${present}`);
  switch (t.dataType) {
    case DATA_TYPE.FLOAT:
      return Float32Array.from(t.floatData);
    case DATA_TYPE.DOUBLE:
      return Float64Array.from(t.doubleData);
    case DATA_TYPE.INT64:
      return BigInt64Array.from(t.int64Data);
    case DATA_TYPE.INT32:
      return Int32Array.from(t.int32Data);
    case DATA_TYPE.UINT8:
    case DATA_TYPE.BOOL:
      return Uint8Array.from(t.int32Data);
    case DATA_TYPE.INT8:
      return Int8Array.from(t.int32Data);
    case DATA_TYPE.UINT16:
      return Uint16Array.from(t.int32Data);
    case DATA_TYPE.INT16:
      return Int16Array.from(t.int32Data);
    default:
      throw invalid(t, `data_type ${t.dataType} is not supported by aisf`);
  }
}

/** The ONNX data type of a typed array (Uint8Array maps to UINT8). */
export function dataTypeOf(data: TypedArray): number {
  if (data instanceof Float32Array) return DATA_TYPE.FLOAT;
  if (data instanceof Float64Array) return DATA_TYPE.DOUBLE;
  if (data instanceof Int32Array) return DATA_TYPE.INT32;
  if (data instanceof BigInt64Array) return DATA_TYPE.INT64;
  if (data instanceof Int8Array) return DATA_TYPE.INT8;
  if (data instanceof Uint16Array) return DATA_TYPE.UINT16;
  if (data instanceof Int16Array) return DATA_TYPE.INT16;
  return DATA_TYPE.UINT8;
}

/**
 * Builds a TensorProto (raw_data, little-endian as ONNX requires) from a typed array.
 *
 * @example
 * graph.initializer.push(arrayToTensor('W', [10, 784], weights));
 */
export function arrayToTensor(
  name: string,
  dims: readonly number[],
  data: TypedArray,
  dataType: number = dataTypeOf(data),
): TensorProto {
  return {
    name,
    dims: [...dims],
    dataType,
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
    floatData: [],
    int32Data: [],
    int64Data: [],
    doubleData: [],
    uint64Data: [],
    stringData: [],
    externalData: [],
    dataLocation: 0,
    docString: '',
    unknown: [],
  };
}
