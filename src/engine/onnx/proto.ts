/**
 * @module Bounded decoder and encoder for the ONNX protobuf messages (see onnx.proto beside this
 * file), written by hand on @bufbuild/protobuf's wire reader/writer. Untrusted model files are
 * parsed with explicit limits on size, nesting depth and element counts (a crafted file must not
 * exhaust memory or the stack), and unknown fields are kept as raw bytes so a decode → encode
 * round trip loses nothing.
 */
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { AisfError } from '../../errors.js';

/** ONNX TensorProto.DataType codes (onnx.proto). */
export const DATA_TYPE = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

/** ONNX AttributeProto.AttributeType codes. */
export const ATTRIBUTE_TYPE = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

/** Raw bytes of fields this decoder does not model, re-emitted verbatim by the encoder. */
type Unknown = Uint8Array[];

/** onnx.StringStringEntryProto: metadata and external-data key/value pairs. */
export interface StringStringEntry {
  key: string;
  value: string;
}

/** onnx.OperatorSetIdProto: an imported opset (domain '' is the default ONNX domain). */
export interface OperatorSetId {
  domain: string;
  version: number;
}

/** onnx.TensorProto: an initializer or constant; values in rawData or the typed repeated fields. */
export interface TensorProto {
  name: string;
  dims: number[];
  dataType: number;
  rawData?: Uint8Array;
  floatData: number[];
  int32Data: number[];
  int64Data: bigint[];
  doubleData: number[];
  uint64Data: bigint[];
  stringData: Uint8Array[];
  externalData: StringStringEntry[];
  /** 0 DEFAULT, 1 EXTERNAL. */
  dataLocation: number;
  docString: string;
  unknown: Unknown;
}

/** One dimension: a number, a symbolic name (e.g. "batch"), or unknown. */
export type Dim = number | string | undefined;

/** onnx.ValueInfoProto flattened: a graph input/output/value with its tensor type and shape. */
export interface ValueInfo {
  name: string;
  /** Element type (DATA_TYPE), 0 when the value is not a tensor or the type is absent. */
  elemType: number;
  /** undefined when the rank is unknown. */
  shape?: Dim[];
  docString: string;
  unknown: Unknown;
}

/** onnx.AttributeProto: one node attribute (int64 values as bigint, exact). */
export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: bigint;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats: number[];
  ints: bigint[];
  strings: Uint8Array[];
  tensors: TensorProto[];
  graphs: GraphProto[];
  refAttrName: string;
  docString: string;
  unknown: Unknown;
}

/** onnx.NodeProto: one operator call. */
export interface NodeProto {
  name: string;
  opType: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
  docString: string;
  unknown: Unknown;
}

/** onnx.GraphProto: nodes in topological order, initializers, inputs and outputs. */
export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfo[];
  output: ValueInfo[];
  valueInfo: ValueInfo[];
  docString: string;
  unknown: Unknown;
}

/** onnx.FunctionProto: a model-local function (its nodes are checked like graph nodes). */
export interface FunctionProto {
  name: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: string[];
  node: NodeProto[];
  opsetImport: OperatorSetId[];
  docString: string;
  unknown: Unknown;
}

/** onnx.ModelProto: the file's top-level message. */
export interface ModelProto {
  irVersion: number;
  opsetImport: OperatorSetId[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  graph?: GraphProto;
  metadataProps: StringStringEntry[];
  functions: FunctionProto[];
  unknown: Unknown;
}

/** Limits applied while decoding untrusted bytes. */
export interface DecodeLimits {
  /**
   * Largest accepted file. Protobuf itself caps messages at 2 GiB; larger models must use
   * external data.
   * @default 2 GiB − 1
   */
  maxBytes?: number;
  /**
   * Deepest nesting of subgraphs (If/Loop/Scan bodies). A deeply nested file would otherwise
   * overflow the stack (a classic protobuf parser DoS).
   * @default 32
   */
  maxDepth?: number;
  /**
   * Most elements in any repeated field of one message (nodes, dims, packed numbers).
   * @default 50,000,000
   */
  maxRepeated?: number;
}

const DEFAULT_LIMITS: Required<DecodeLimits> = {
  maxBytes: 2 ** 31 - 1,
  maxDepth: 32,
  maxRepeated: 50_000_000,
};

class Decoder {
  constructor(
    readonly limits: Required<DecodeLimits>,
    readonly source: string,
  ) {}

  fail(reason: string): never {
    throw new AisfError(
      'E_MODEL_INVALID',
      `${this.source} is not a valid ONNX model: ${reason}; re-export it (e.g. torch.onnx.export) or check the file is complete`,
    );
  }

  /** Runs `fn` over the sub-message bytes of the current length-delimited field. */
  sub<T>(r: BinaryReader, wt: WireType, what: string, fn: (r: BinaryReader) => T): T {
    if (wt !== WireType.LengthDelimited) this.fail(`${what} has wire type ${wt}, expected bytes`);
    return fn(new BinaryReader(r.bytes()));
  }

  str(r: BinaryReader, wt: WireType, what: string): string {
    if (wt !== WireType.LengthDelimited) this.fail(`${what} has wire type ${wt}, expected string`);
    return r.string();
  }

  bytes(r: BinaryReader, wt: WireType, what: string): Uint8Array {
    if (wt !== WireType.LengthDelimited) this.fail(`${what} has wire type ${wt}, expected bytes`);
    // Copy: the caller may keep the tensor bytes after the file buffer is released.
    return new Uint8Array(r.bytes());
  }

  int64(r: BinaryReader, wt: WireType, what: string): bigint {
    if (wt !== WireType.Varint) this.fail(`${what} has wire type ${wt}, expected varint`);
    return BigInt(r.int64());
  }

  num(r: BinaryReader, wt: WireType, what: string): number {
    const v = this.int64(r, wt, what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
      this.fail(`${what} ${v} is out of range`);
    return Number(v);
  }

  int32(r: BinaryReader, wt: WireType, what: string): number {
    if (wt !== WireType.Varint) this.fail(`${what} has wire type ${wt}, expected varint`);
    return r.int32();
  }

  push<T>(list: T[], item: T, what: string): void {
    if (list.length >= this.limits.maxRepeated)
      this.fail(`${what} has more than ${this.limits.maxRepeated} entries`);
    list.push(item);
  }

  /** Reads a repeated scalar that may be packed or not. */
  repeated<T>(
    r: BinaryReader,
    wt: WireType,
    scalar: WireType,
    read: (r: BinaryReader) => T,
    list: T[],
    what: string,
  ): void {
    if (wt === WireType.LengthDelimited) {
      const inner = new BinaryReader(r.bytes());
      while (inner.pos < inner.len) this.push(list, read(inner), what);
      if (inner.pos !== inner.len) this.fail(`${what} is truncated`);
      return;
    }
    if (wt !== scalar) this.fail(`${what} has wire type ${wt}`);
    this.push(list, read(r), what);
  }

  unknown(r: BinaryReader, fieldNo: number, wt: WireType, unknown: Unknown): void {
    if (wt === WireType.StartGroup || wt === WireType.EndGroup)
      this.fail(`field ${fieldNo} uses deprecated group encoding`);
    const body = r.skip(wt, fieldNo);
    const w = new BinaryWriter();
    w.tag(fieldNo, wt);
    unknown.push(concat(w.finish(), body));
  }

  loop(r: BinaryReader, what: string, field: (no: number, wt: WireType) => boolean | undefined) {
    const unknown: Unknown = [];
    while (r.pos < r.len) {
      const [no, wt] = r.tag();
      if (no <= 0) this.fail(`${what} has an invalid field number ${no}`);
      if (!field(no, wt)) this.unknown(r, no, wt, unknown);
    }
    if (r.pos > r.len) this.fail(`${what} is truncated`);
    return unknown;
  }

  entry(r: BinaryReader): StringStringEntry {
    const e: StringStringEntry = { key: '', value: '' };
    this.loop(r, 'string entry', (no, wt) => {
      if (no === 1) e.key = this.str(r, wt, 'entry key');
      else if (no === 2) e.value = this.str(r, wt, 'entry value');
      else return false;
      return true;
    });
    return e;
  }

  opset(r: BinaryReader): OperatorSetId {
    const o: OperatorSetId = { domain: '', version: 0 };
    this.loop(r, 'opset_import', (no, wt) => {
      if (no === 1) o.domain = this.str(r, wt, 'opset domain');
      else if (no === 2) o.version = this.num(r, wt, 'opset version');
      else return false;
      return true;
    });
    return o;
  }

  tensor(r: BinaryReader): TensorProto {
    const t: TensorProto = {
      name: '',
      dims: [],
      dataType: 0,
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
    t.unknown = this.loop(r, 'tensor', (no, wt) => {
      switch (no) {
        case 1:
          this.repeated(
            r,
            wt,
            WireType.Varint,
            (x) => this.safe(BigInt(x.int64()), 'tensor dim'),
            t.dims,
            'tensor dims',
          );
          return true;
        case 2:
          t.dataType = this.int32(r, wt, 'tensor data_type');
          return true;
        case 4:
          this.repeated(r, wt, WireType.Bit32, (x) => x.float(), t.floatData, 'float_data');
          return true;
        case 5:
          this.repeated(r, wt, WireType.Varint, (x) => x.int32(), t.int32Data, 'int32_data');
          return true;
        case 6:
          this.push(t.stringData, this.bytes(r, wt, 'string_data'), 'string_data');
          return true;
        case 7:
          this.repeated(
            r,
            wt,
            WireType.Varint,
            (x) => BigInt(x.int64()),
            t.int64Data,
            'int64_data',
          );
          return true;
        case 8:
          t.name = this.str(r, wt, 'tensor name');
          return true;
        case 9:
          t.rawData = this.bytes(r, wt, 'raw_data');
          return true;
        case 10:
          this.repeated(r, wt, WireType.Bit64, (x) => x.double(), t.doubleData, 'double_data');
          return true;
        case 11:
          this.repeated(
            r,
            wt,
            WireType.Varint,
            (x) => BigInt(x.uint64()),
            t.uint64Data,
            'uint64_data',
          );
          return true;
        case 12:
          t.docString = this.str(r, wt, 'tensor doc_string');
          return true;
        case 13:
          this.push(
            t.externalData,
            this.sub(r, wt, 'external_data', (x) => this.entry(x)),
            'external_data',
          );
          return true;
        case 14:
          t.dataLocation = this.int32(r, wt, 'data_location');
          return true;
        default:
          return false;
      }
    });
    return t;
  }

  safe(v: bigint, what: string): number {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
      this.fail(`${what} ${v} is out of range`);
    return Number(v);
  }

  dim(r: BinaryReader): Dim {
    let d: Dim;
    this.loop(r, 'dimension', (no, wt) => {
      if (no === 1) d = this.num(r, wt, 'dim_value');
      else if (no === 2) d = this.str(r, wt, 'dim_param');
      else return false;
      return true;
    });
    return d;
  }

  shape(r: BinaryReader): Dim[] {
    const dims: Dim[] = [];
    this.loop(r, 'shape', (no, wt) => {
      if (no !== 1) return false;
      this.push(
        dims,
        this.sub(r, wt, 'dim', (x) => this.dim(x)),
        'shape dims',
      );
      return true;
    });
    return dims;
  }

  tensorType(r: BinaryReader, v: ValueInfo): void {
    this.loop(r, 'tensor type', (no, wt) => {
      if (no === 1) v.elemType = this.int32(r, wt, 'elem_type');
      else if (no === 2) v.shape = this.sub(r, wt, 'shape', (x) => this.shape(x));
      else return false;
      return true;
    });
  }

  valueInfo(r: BinaryReader): ValueInfo {
    const v: ValueInfo = { name: '', elemType: 0, docString: '', unknown: [] };
    v.unknown = this.loop(r, 'value_info', (no, wt) => {
      if (no === 1) v.name = this.str(r, wt, 'value name');
      else if (no === 3) v.docString = this.str(r, wt, 'value doc_string');
      else if (no === 2) {
        // TypeProto: only tensor_type (1) is modelled; other types are kept raw and elemType 0.
        const raw = this.bytes(r, wt, 'type');
        const inner = new BinaryReader(raw);
        let modelled = true;
        this.loop(inner, 'type', (tn, twt) => {
          if (tn === 1) this.sub(inner, twt, 'tensor_type', (x) => this.tensorType(x, v));
          else modelled = false;
          return true;
        });
        if (!modelled) {
          const w = new BinaryWriter();
          w.tag(2, WireType.LengthDelimited).bytes(raw);
          v.unknown.push(w.finish());
          v.elemType = 0;
          delete v.shape;
        }
      } else return false;
      return true;
    });
    return v;
  }

  attribute(r: BinaryReader, depth: number): AttributeProto {
    const a: AttributeProto = {
      name: '',
      type: 0,
      floats: [],
      ints: [],
      strings: [],
      tensors: [],
      graphs: [],
      refAttrName: '',
      docString: '',
      unknown: [],
    };
    a.unknown = this.loop(r, 'attribute', (no, wt) => {
      switch (no) {
        case 1:
          a.name = this.str(r, wt, 'attribute name');
          return true;
        case 2:
          if (wt !== WireType.Bit32) this.fail('attribute f has the wrong wire type');
          a.f = r.float();
          return true;
        case 3:
          a.i = this.int64(r, wt, 'attribute i');
          return true;
        case 4:
          a.s = this.bytes(r, wt, 'attribute s');
          return true;
        case 5:
          a.t = this.sub(r, wt, 'attribute t', (x) => this.tensor(x));
          return true;
        case 6:
          a.g = this.sub(r, wt, 'attribute g', (x) => this.graph(x, depth + 1));
          return true;
        case 7:
          this.repeated(r, wt, WireType.Bit32, (x) => x.float(), a.floats, 'attribute floats');
          return true;
        case 8:
          this.repeated(r, wt, WireType.Varint, (x) => BigInt(x.int64()), a.ints, 'attribute ints');
          return true;
        case 9:
          this.push(a.strings, this.bytes(r, wt, 'attribute strings'), 'attribute strings');
          return true;
        case 10:
          this.push(
            a.tensors,
            this.sub(r, wt, 'attribute tensors', (x) => this.tensor(x)),
            'attribute tensors',
          );
          return true;
        case 11:
          this.push(
            a.graphs,
            this.sub(r, wt, 'attribute graphs', (x) => this.graph(x, depth + 1)),
            'attribute graphs',
          );
          return true;
        case 13:
          a.docString = this.str(r, wt, 'attribute doc_string');
          return true;
        case 20:
          a.type = this.int32(r, wt, 'attribute type');
          return true;
        case 21:
          a.refAttrName = this.str(r, wt, 'ref_attr_name');
          return true;
        default:
          return false;
      }
    });
    return a;
  }

  node(r: BinaryReader, depth: number): NodeProto {
    const n: NodeProto = {
      name: '',
      opType: '',
      domain: '',
      input: [],
      output: [],
      attribute: [],
      docString: '',
      unknown: [],
    };
    n.unknown = this.loop(r, 'node', (no, wt) => {
      switch (no) {
        case 1:
          this.push(n.input, this.str(r, wt, 'node input'), 'node inputs');
          return true;
        case 2:
          this.push(n.output, this.str(r, wt, 'node output'), 'node outputs');
          return true;
        case 3:
          n.name = this.str(r, wt, 'node name');
          return true;
        case 4:
          n.opType = this.str(r, wt, 'op_type');
          return true;
        case 5:
          this.push(
            n.attribute,
            this.sub(r, wt, 'attribute', (x) => this.attribute(x, depth)),
            'attributes',
          );
          return true;
        case 6:
          n.docString = this.str(r, wt, 'node doc_string');
          return true;
        case 7:
          n.domain = this.str(r, wt, 'node domain');
          return true;
        default:
          return false;
      }
    });
    return n;
  }

  graph(r: BinaryReader, depth: number): GraphProto {
    if (depth > this.limits.maxDepth)
      this.fail(`subgraphs are nested deeper than ${this.limits.maxDepth} levels`);
    const g: GraphProto = {
      name: '',
      node: [],
      initializer: [],
      input: [],
      output: [],
      valueInfo: [],
      docString: '',
      unknown: [],
    };
    g.unknown = this.loop(r, 'graph', (no, wt) => {
      switch (no) {
        case 1:
          this.push(
            g.node,
            this.sub(r, wt, 'node', (x) => this.node(x, depth)),
            'graph nodes',
          );
          return true;
        case 2:
          g.name = this.str(r, wt, 'graph name');
          return true;
        case 5:
          this.push(
            g.initializer,
            this.sub(r, wt, 'initializer', (x) => this.tensor(x)),
            'initializers',
          );
          return true;
        case 10:
          g.docString = this.str(r, wt, 'graph doc_string');
          return true;
        case 11:
          this.push(
            g.input,
            this.sub(r, wt, 'graph input', (x) => this.valueInfo(x)),
            'graph inputs',
          );
          return true;
        case 12:
          this.push(
            g.output,
            this.sub(r, wt, 'graph output', (x) => this.valueInfo(x)),
            'graph outputs',
          );
          return true;
        case 13:
          this.push(
            g.valueInfo,
            this.sub(r, wt, 'value_info', (x) => this.valueInfo(x)),
            'value_info',
          );
          return true;
        default:
          return false;
      }
    });
    return g;
  }

  func(r: BinaryReader): FunctionProto {
    const f: FunctionProto = {
      name: '',
      domain: '',
      input: [],
      output: [],
      attribute: [],
      node: [],
      opsetImport: [],
      docString: '',
      unknown: [],
    };
    f.unknown = this.loop(r, 'function', (no, wt) => {
      switch (no) {
        case 1:
          f.name = this.str(r, wt, 'function name');
          return true;
        case 4:
          this.push(f.input, this.str(r, wt, 'function input'), 'function inputs');
          return true;
        case 5:
          this.push(f.output, this.str(r, wt, 'function output'), 'function outputs');
          return true;
        case 6:
          this.push(f.attribute, this.str(r, wt, 'function attribute'), 'function attributes');
          return true;
        case 7:
          this.push(
            f.node,
            this.sub(r, wt, 'function node', (x) => this.node(x, 1)),
            'function nodes',
          );
          return true;
        case 8:
          f.docString = this.str(r, wt, 'function doc_string');
          return true;
        case 9:
          this.push(
            f.opsetImport,
            this.sub(r, wt, 'function opset', (x) => this.opset(x)),
            'function opsets',
          );
          return true;
        case 10:
          f.domain = this.str(r, wt, 'function domain');
          return true;
        default:
          return false;
      }
    });
    return f;
  }

  model(r: BinaryReader): ModelProto {
    const m: ModelProto = {
      irVersion: 0,
      opsetImport: [],
      producerName: '',
      producerVersion: '',
      domain: '',
      modelVersion: 0,
      docString: '',
      metadataProps: [],
      functions: [],
      unknown: [],
    };
    m.unknown = this.loop(r, 'model', (no, wt) => {
      switch (no) {
        case 1:
          m.irVersion = this.num(r, wt, 'ir_version');
          return true;
        case 2:
          m.producerName = this.str(r, wt, 'producer_name');
          return true;
        case 3:
          m.producerVersion = this.str(r, wt, 'producer_version');
          return true;
        case 4:
          m.domain = this.str(r, wt, 'domain');
          return true;
        case 5:
          m.modelVersion = this.num(r, wt, 'model_version');
          return true;
        case 6:
          m.docString = this.str(r, wt, 'doc_string');
          return true;
        case 7:
          m.graph = this.sub(r, wt, 'graph', (x) => this.graph(x, 0));
          return true;
        case 8:
          this.push(
            m.opsetImport,
            this.sub(r, wt, 'opset_import', (x) => this.opset(x)),
            'opset_import',
          );
          return true;
        case 14:
          this.push(
            m.metadataProps,
            this.sub(r, wt, 'metadata_props', (x) => this.entry(x)),
            'metadata',
          );
          return true;
        case 25:
          this.push(
            m.functions,
            this.sub(r, wt, 'functions', (x) => this.func(x)),
            'functions',
          );
          return true;
        default:
          return false;
      }
    });
    return m;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Decodes ONNX model bytes into a ModelProto, within `limits`. Structural validity (SSA, known
 * ops …) is checked separately by `checkModel`.
 *
 * @throws AisfError E_MODEL_INVALID when the bytes are not a well-formed ModelProto.
 * @example
 * const model = decodeModel(readFileSync('mlp.onnx'), { source: 'mlp.onnx' });
 */
export function decodeModel(
  bytes: Uint8Array,
  options: DecodeLimits & { source?: string } = {},
): ModelProto {
  const limits = { ...DEFAULT_LIMITS, ...stripUndefined(options) };
  const decoder = new Decoder(limits, options.source ?? 'the model');
  if (bytes.length > limits.maxBytes)
    decoder.fail(`it is ${bytes.length} bytes, above the limit of ${limits.maxBytes}`);
  if (bytes.length === 0) decoder.fail('the file is empty');
  try {
    return decoder.model(new BinaryReader(bytes));
  } catch (error) {
    if (error instanceof AisfError) throw error;
    // Errors from the wire reader: premature EOF, invalid varint, invalid UTF-8 …
    const reason = error instanceof Error ? error.message : String(error);
    return decoder.fail(`protobuf decoding failed (${reason})`);
  }
}

function stripUndefined(o: DecodeLimits): DecodeLimits {
  const out: DecodeLimits = {};
  if (o.maxBytes !== undefined) out.maxBytes = o.maxBytes;
  if (o.maxDepth !== undefined) out.maxDepth = o.maxDepth;
  if (o.maxRepeated !== undefined) out.maxRepeated = o.maxRepeated;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Encoder

function writeMsg(w: BinaryWriter, no: number, body: (w: BinaryWriter) => void): void {
  w.tag(no, WireType.LengthDelimited).fork();
  body(w);
  w.join();
}

function writeStr(w: BinaryWriter, no: number, s: string): void {
  if (s !== '') w.tag(no, WireType.LengthDelimited).string(s);
}

function writeUnknown(w: BinaryWriter, unknown: Unknown): void {
  for (const chunk of unknown) w.raw(chunk);
}

function writeEntry(w: BinaryWriter, e: StringStringEntry): void {
  writeStr(w, 1, e.key);
  writeStr(w, 2, e.value);
}

function writeOpset(w: BinaryWriter, o: OperatorSetId): void {
  w.tag(1, WireType.LengthDelimited).string(o.domain);
  w.tag(2, WireType.Varint).int64(o.version);
}

function writeTensor(w: BinaryWriter, t: TensorProto): void {
  if (t.dims.length) {
    w.tag(1, WireType.LengthDelimited).fork();
    for (const d of t.dims) w.int64(d);
    w.join();
  }
  w.tag(2, WireType.Varint).int32(t.dataType);
  if (t.floatData.length) {
    w.tag(4, WireType.LengthDelimited).fork();
    for (const v of t.floatData) w.float(v);
    w.join();
  }
  if (t.int32Data.length) {
    w.tag(5, WireType.LengthDelimited).fork();
    for (const v of t.int32Data) w.int32(v);
    w.join();
  }
  for (const s of t.stringData) w.tag(6, WireType.LengthDelimited).bytes(s);
  if (t.int64Data.length) {
    w.tag(7, WireType.LengthDelimited).fork();
    for (const v of t.int64Data) w.int64(v);
    w.join();
  }
  writeStr(w, 8, t.name);
  if (t.rawData) w.tag(9, WireType.LengthDelimited).bytes(t.rawData);
  if (t.doubleData.length) {
    w.tag(10, WireType.LengthDelimited).fork();
    for (const v of t.doubleData) w.double(v);
    w.join();
  }
  if (t.uint64Data.length) {
    w.tag(11, WireType.LengthDelimited).fork();
    for (const v of t.uint64Data) w.uint64(v);
    w.join();
  }
  writeStr(w, 12, t.docString);
  for (const e of t.externalData) writeMsg(w, 13, (x) => writeEntry(x, e));
  if (t.dataLocation) w.tag(14, WireType.Varint).int32(t.dataLocation);
  writeUnknown(w, t.unknown);
}

function writeValueInfo(w: BinaryWriter, v: ValueInfo): void {
  writeStr(w, 1, v.name);
  if (v.elemType !== 0 || v.shape) {
    writeMsg(w, 2, (tw) =>
      writeMsg(tw, 1, (tt) => {
        if (v.elemType) tt.tag(1, WireType.Varint).int32(v.elemType);
        if (v.shape) {
          const shape = v.shape;
          writeMsg(tt, 2, (sw) => {
            for (const d of shape)
              writeMsg(sw, 1, (dw) => {
                if (typeof d === 'number') dw.tag(1, WireType.Varint).int64(d);
                else if (typeof d === 'string') dw.tag(2, WireType.LengthDelimited).string(d);
              });
          });
        }
      }),
    );
  }
  writeStr(w, 3, v.docString);
  writeUnknown(w, v.unknown);
}

function writeAttribute(w: BinaryWriter, a: AttributeProto): void {
  writeStr(w, 1, a.name);
  if (a.f !== undefined) w.tag(2, WireType.Bit32).float(a.f);
  if (a.i !== undefined) w.tag(3, WireType.Varint).int64(a.i);
  if (a.s !== undefined) w.tag(4, WireType.LengthDelimited).bytes(a.s);
  const t = a.t;
  if (t) writeMsg(w, 5, (x) => writeTensor(x, t));
  const g = a.g;
  if (g) writeMsg(w, 6, (x) => writeGraph(x, g));
  if (a.floats.length) {
    w.tag(7, WireType.LengthDelimited).fork();
    for (const v of a.floats) w.float(v);
    w.join();
  }
  if (a.ints.length) {
    w.tag(8, WireType.LengthDelimited).fork();
    for (const v of a.ints) w.int64(v);
    w.join();
  }
  for (const s of a.strings) w.tag(9, WireType.LengthDelimited).bytes(s);
  for (const x of a.tensors) writeMsg(w, 10, (y) => writeTensor(y, x));
  for (const x of a.graphs) writeMsg(w, 11, (y) => writeGraph(y, x));
  writeStr(w, 13, a.docString);
  w.tag(20, WireType.Varint).int32(a.type);
  writeStr(w, 21, a.refAttrName);
  writeUnknown(w, a.unknown);
}

function writeNode(w: BinaryWriter, n: NodeProto): void {
  for (const s of n.input) w.tag(1, WireType.LengthDelimited).string(s);
  for (const s of n.output) w.tag(2, WireType.LengthDelimited).string(s);
  writeStr(w, 3, n.name);
  writeStr(w, 4, n.opType);
  for (const a of n.attribute) writeMsg(w, 5, (x) => writeAttribute(x, a));
  writeStr(w, 6, n.docString);
  writeStr(w, 7, n.domain);
  writeUnknown(w, n.unknown);
}

function writeGraph(w: BinaryWriter, g: GraphProto): void {
  for (const n of g.node) writeMsg(w, 1, (x) => writeNode(x, n));
  writeStr(w, 2, g.name);
  for (const t of g.initializer) writeMsg(w, 5, (x) => writeTensor(x, t));
  writeStr(w, 10, g.docString);
  for (const v of g.input) writeMsg(w, 11, (x) => writeValueInfo(x, v));
  for (const v of g.output) writeMsg(w, 12, (x) => writeValueInfo(x, v));
  for (const v of g.valueInfo) writeMsg(w, 13, (x) => writeValueInfo(x, v));
  writeUnknown(w, g.unknown);
}

function writeFunction(w: BinaryWriter, f: FunctionProto): void {
  writeStr(w, 1, f.name);
  for (const s of f.input) w.tag(4, WireType.LengthDelimited).string(s);
  for (const s of f.output) w.tag(5, WireType.LengthDelimited).string(s);
  for (const s of f.attribute) w.tag(6, WireType.LengthDelimited).string(s);
  for (const n of f.node) writeMsg(w, 7, (x) => writeNode(x, n));
  writeStr(w, 8, f.docString);
  for (const o of f.opsetImport) writeMsg(w, 9, (x) => writeOpset(x, o));
  writeStr(w, 10, f.domain);
  writeUnknown(w, f.unknown);
}

/**
 * Encodes a ModelProto to ONNX bytes (what ONNX Runtime and `onnx.load` read).
 *
 * @example
 * writeFileSync('trained.onnx', encodeModel(model));
 */
export function encodeModel(m: ModelProto): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.Varint).int64(m.irVersion);
  writeStr(w, 2, m.producerName);
  writeStr(w, 3, m.producerVersion);
  writeStr(w, 4, m.domain);
  if (m.modelVersion) w.tag(5, WireType.Varint).int64(m.modelVersion);
  writeStr(w, 6, m.docString);
  const g = m.graph;
  if (g) writeMsg(w, 7, (x) => writeGraph(x, g));
  for (const o of m.opsetImport) writeMsg(w, 8, (x) => writeOpset(x, o));
  for (const e of m.metadataProps) writeMsg(w, 14, (x) => writeEntry(x, e));
  for (const f of m.functions) writeMsg(w, 25, (x) => writeFunction(x, f));
  writeUnknown(w, m.unknown);
  return w.finish();
}
