/**
 * @module Shapes of every intermediate value, measured by ONNX Runtime itself: the forward graph
 * is run once at batch 1 and once at batch 2 with every value exposed as an output, and dims that
 * differ are marked as batch dims (-1). Exact for every op ONNX Runtime runs, with no shape-rule
 * table to keep in sync — the gradient rules need it for broadcasting and pooling arithmetic.
 */
import { AisfError } from '../../errors.js';
import { DATA_TYPE, encodeModel, type ModelProto } from '../onnx/proto.js';
import type { TypedArray } from '../onnx/tensor.js';
import { createSession, type RuntimeOptions, type Tensor } from '../runtime/session.js';

/** A probed shape: fixed dims as numbers, batch-dependent dims as -1. */
export type ProbedShape = number[];

/** Concrete input shape for a probe at a given batch size. */
function concreteShape(
  name: string,
  shape: readonly (number | string | undefined)[] | undefined,
  batch: number,
  override: readonly number[] | undefined,
): number[] {
  if (override) return [batch, ...override.slice(1)];
  if (!shape)
    throw new AisfError(
      'E_MODEL_INVALID',
      `input "${name}" has no declared shape; pass inputShape (e.g. [1, 1, 28, 28])`,
    );
  return shape.map((d, i) => {
    if (typeof d === 'number') return d;
    if (i === 0) return batch;
    throw new AisfError(
      'E_MODEL_INVALID',
      `input "${name}" has a symbolic dim "${String(d)}" at axis ${i}; pass inputShape to fix it`,
    );
  });
}

function sampleData(elemType: number, n: number): TypedArray {
  if (elemType === DATA_TYPE.INT64) return new BigInt64Array(n);
  if (elemType === DATA_TYPE.INT32) return new Int32Array(n);
  if (elemType === DATA_TYPE.DOUBLE)
    return Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 97) / 97);
  if (elemType === DATA_TYPE.UINT8 || elemType === DATA_TYPE.BOOL) return new Uint8Array(n);
  return Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 97) / 97);
}

/**
 * Runs the forward graph at batch 1 and 2 and returns the shape of every value (graph inputs,
 * initializers and node outputs).
 *
 * @example
 * const shapes = await probeShapes(model, { threads: 1 });
 * shapes.get('conv1_out'); // [-1, 32, 26, 26]
 */
export async function probeShapes(
  model: ModelProto,
  options: RuntimeOptions & { inputShapes?: Record<string, number[]> } = {},
): Promise<Map<string, ProbedShape>> {
  const graph = model.graph;
  if (!graph) throw new AisfError('E_MODEL_INVALID', 'the model has no graph');
  const inits = new Set(graph.initializer.map((t) => t.name));
  const realInputs = graph.input.filter((v) => !inits.has(v.name));
  const batchFixed = realInputs.some(
    (v) => typeof v.shape?.[0] === 'number' && !options.inputShapes?.[v.name],
  );
  const probe: ModelProto = {
    ...model,
    graph: {
      ...graph,
      output: graph.node.flatMap((n) =>
        n.output
          .filter((o) => o !== '')
          .map((o) => ({ name: o, elemType: 0, docString: '', unknown: [] })),
      ),
    },
  };
  const session = await createSession(encodeModel(probe), { threads: options.threads ?? 1 });
  const run = async (batch: number) => {
    const feeds: Record<string, Tensor> = {};
    for (const v of realInputs) {
      const shape = concreteShape(v.name, v.shape, batch, options.inputShapes?.[v.name]);
      const n = shape.reduce((a, b) => a * b, 1);
      feeds[v.name] = { data: sampleData(v.elemType, n), shape };
    }
    const out = await session.run(feeds);
    const shapes = new Map<string, number[]>();
    for (const [k, t] of Object.entries(feeds)) shapes.set(k, t.shape);
    for (const [k, t] of Object.entries(out)) shapes.set(k, t.shape);
    return shapes;
  };
  try {
    const one = await run(1);
    const two = batchFixed ? one : await run(2);
    const result = new Map<string, ProbedShape>();
    for (const t of graph.initializer) result.set(t.name, [...t.dims]);
    for (const [name, s1] of one) {
      const s2 = two.get(name) ?? s1;
      result.set(
        name,
        s1.map((d, i) => (s2.length === s1.length && s2[i] !== d ? -1 : d)),
      );
    }
    return result;
  } finally {
    await session.release();
  }
}
