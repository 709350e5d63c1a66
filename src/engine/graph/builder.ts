/**
 * @module A small builder for ONNX graphs: fresh value names, nodes with typed attributes,
 * constants. The autodiff and loss graphs are written with it, so gradient rules read like the
 * math they implement.
 */
import {
  ATTRIBUTE_TYPE,
  type AttributeProto,
  DATA_TYPE,
  type GraphProto,
  type ModelProto,
  type NodeProto,
} from '../onnx/proto.js';
import { arrayToTensor, type TypedArray } from '../onnx/tensor.js';

/** An attribute value as rules write it: number (int if integral and `ints` unspecified). */
export type AttrValue =
  | { int: number }
  | { float: number }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { string: string };

/** Reads an INT attribute (or its default). */
export function attrInt(node: NodeProto, name: string, fallback: number): number {
  const a = node.attribute.find((x) => x.name === name);
  return a?.i !== undefined ? Number(a.i) : fallback;
}

/** Reads a FLOAT attribute (or its default). */
export function attrFloat(node: NodeProto, name: string, fallback: number): number {
  const a = node.attribute.find((x) => x.name === name);
  return a?.f ?? fallback;
}

/** Reads an INTS attribute (or undefined when absent). */
export function attrInts(node: NodeProto, name: string): number[] | undefined {
  const a = node.attribute.find((x) => x.name === name);
  return a && a.type === ATTRIBUTE_TYPE.INTS ? a.ints.map(Number) : undefined;
}

/** Reads a STRING attribute (or its default). */
export function attrString(node: NodeProto, name: string, fallback: string): string {
  const a = node.attribute.find((x) => x.name === name);
  return a?.s ? new TextDecoder().decode(a.s) : fallback;
}

function makeAttr(name: string, value: AttrValue): AttributeProto {
  const base: AttributeProto = {
    name,
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
  if ('int' in value) return { ...base, type: ATTRIBUTE_TYPE.INT, i: BigInt(value.int) };
  if ('float' in value) return { ...base, type: ATTRIBUTE_TYPE.FLOAT, f: value.float };
  if ('ints' in value)
    return { ...base, type: ATTRIBUTE_TYPE.INTS, ints: value.ints.map((v) => BigInt(v)) };
  if ('floats' in value) return { ...base, type: ATTRIBUTE_TYPE.FLOATS, floats: [...value.floats] };
  return { ...base, type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(value.string) };
}

/**
 * Appends nodes and initializers to a graph with collision-free names.
 *
 * @example
 * const b = new GraphBuilder(graph, 'grad');
 * const dx = b.op('Mul', [dy, mask]);
 */
export class GraphBuilder {
  private counter = 0;
  private readonly used: Set<string>;

  constructor(
    readonly graph: GraphProto,
    private readonly prefix = 'aisf',
  ) {
    this.used = new Set<string>();
    for (const t of graph.initializer) this.used.add(t.name);
    for (const v of graph.input) this.used.add(v.name);
    for (const n of graph.node) for (const o of n.output) this.used.add(o);
  }

  /** A fresh value name. */
  fresh(hint = 't'): string {
    let name: string;
    do name = `${this.prefix}/${hint}_${this.counter++}`;
    while (this.used.has(name));
    this.used.add(name);
    return name;
  }

  /** Adds one node; returns its outputs (fresh names unless given). */
  node(
    opType: string,
    inputs: readonly string[],
    attrs: Readonly<Record<string, AttrValue>> = {},
    outputs: number | readonly string[] = 1,
  ): string[] {
    const outs =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()))
        : [...outputs];
    this.graph.node.push({
      name: this.fresh(`n_${opType}`),
      opType,
      domain: '',
      input: [...inputs],
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => makeAttr(k, v)),
      docString: '',
      unknown: [],
    });
    return outs;
  }

  /** Adds one single-output node and returns its output name. */
  op(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}) {
    return this.node(opType, inputs, attrs, 1)[0] as string;
  }

  /** Adds an initializer constant and returns its name. */
  constant(data: TypedArray, dims: readonly number[], hint = 'c'): string {
    const name = this.fresh(hint);
    this.graph.initializer.push(arrayToTensor(name, dims, data));
    return name;
  }

  /** An int64 1-D constant (shapes, axes, pads). */
  int64s(values: readonly number[], hint = 'i'): string {
    return this.constant(BigInt64Array.from(values.map((v) => BigInt(v))), [values.length], hint);
  }

  /** A float32 scalar constant. */
  scalar(value: number, hint = 's'): string {
    return this.constant(Float32Array.of(value), [], hint);
  }

  /** Marks a value as a graph output (float32 unless given). */
  output(name: string, elemType: number = DATA_TYPE.FLOAT): void {
    this.graph.output.push({ name, elemType, docString: '', unknown: [] });
  }
}

/** What newModel writes into the empty model. */
export interface NewModelOptions {
  /** Shape of the one float input; strings are symbolic dims (e.g. 'batch'). */
  shape: readonly (string | number)[];
  /** @default 'x' */
  input?: string;
  /** Default-domain opset. @default 13 */
  opset?: number;
  /** @default 'aisf' */
  producer?: string;
  /** @default 'g' */
  graphName?: string;
  /** @default '' */
  docString?: string;
  /** @default 0 */
  modelVersion?: number;
  /** Name prefix of the builder's fresh values. @default 'fwd' */
  prefix?: string;
}

/**
 * An ONNX model (IR 8) with one float input and no nodes, and a builder on its graph: the start
 * of every model aisf writes from scratch (tests, example and fixture scripts).
 * @example
 * const { model, builder: g } = newModel({ shape: ['batch', 784], input: 'input' });
 */
export function newModel(options: NewModelOptions): { model: ModelProto; builder: GraphBuilder } {
  const model: ModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: options.opset ?? 13 }],
    producerName: options.producer ?? 'aisf',
    producerVersion: '',
    domain: '',
    modelVersion: options.modelVersion ?? 0,
    docString: options.docString ?? '',
    metadataProps: [],
    functions: [],
    unknown: [],
    graph: {
      name: options.graphName ?? 'g',
      node: [],
      initializer: [],
      input: [
        {
          name: options.input ?? 'x',
          elemType: DATA_TYPE.FLOAT,
          shape: [...options.shape],
          docString: '',
          unknown: [],
        },
      ],
      output: [],
      valueInfo: [],
      docString: '',
      unknown: [],
    },
  };
  const builder = new GraphBuilder(
    model.graph as NonNullable<ModelProto['graph']>,
    options.prefix ?? 'fwd',
  );
  return { model, builder };
}
