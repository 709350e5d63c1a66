/**
 * @module Per-example gradients against independent references: each example's own
 * lossAndGradient (batch of one, the engine's ordinary gradient graph), explicit norms of those,
 * a central finite difference of one example's loss, and Opacus' clipping formula applied by hand.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { singleInputModel } from '../fixtures/test-models.js';
import { GraphBuilder } from '../graph/builder.js';
import { readNpy } from '../io/npy.js';
import { loadModel, type Model } from '../model.js';
import { DATA_TYPE, encodeModel, type ModelProto } from '../onnx/proto.js';
import type { Tensor } from '../runtime/session.js';
import { type PerSampleResult, perSampleGradients } from './index.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const npy = (name: string) => readNpy(readFileSync(new URL(name, FIXTURES)));

/** Fashion-MNIST rows as float32 in [0, 1]. */
function fashion(n: number): { x: Tensor<Float32Array>; y: Tensor } {
  const x = npy('fashion-mnist.train-x.npy');
  const y = npy('fashion-mnist.train-y.npy');
  const inner = 28 * 28;
  const data = Float32Array.from((x.data as Uint8Array).subarray(0, n * inner), (v) => v / 255);
  return {
    x: { data, shape: [n, 1, 28, 28] },
    y: { data: (y.data as BigInt64Array).subarray(0, n), shape: [n] },
  };
}

function fixture(name: string): { x: Tensor<Float32Array>; y: Tensor } {
  return { x: npy(`${name}.x.npy`) as Tensor<Float32Array>, y: npy(`${name}.y.npy`) };
}

/** Each example's gradient by the engine's ordinary (summed) gradient graph at batch 1. */
async function reference(model: Model, x: Tensor<Float32Array>, y: Tensor) {
  const n = x.shape[0] as number;
  const inner = x.data.length / n;
  const out: Map<string, Tensor<Float32Array>>[] = [];
  for (let i = 0; i < n; i++) {
    const r = await model.lossAndGradient(
      { data: x.data.slice(i * inner, (i + 1) * inner), shape: [1, ...x.shape.slice(1)] },
      { data: (y.data as BigInt64Array).slice(i, i + 1), shape: [1] },
      { wrt: 'weights', reduction: 'sum' },
    );
    out.push(r.weightGradients as Map<string, Tensor<Float32Array>>);
  }
  return out;
}

function norm(g: Map<string, Tensor<Float32Array>>): number {
  let s = 0;
  for (const t of g.values()) for (const v of t.data) s += v * v;
  return Math.sqrt(s);
}

/**
 * Per-example gradients and norms of `ps` against each example's own lossAndGradient (within
 * `tol` relative, norms to 4 digits); returns the reference and the result for further checks.
 */
async function expectSingleExampleGradients(
  model: Model,
  ps: { perSample(x: Tensor, y: Tensor): Promise<PerSampleResult> },
  x: Tensor<Float32Array>,
  y: Tensor,
  tol = 1e-4,
) {
  const ref = await reference(model, x, y);
  const got = await ps.perSample(x, y);
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i] as Map<string, Tensor<Float32Array>>;
    expect(relErr(got.gradients, r, i)).toBeLessThan(tol);
    expect(got.norms[i]).toBeCloseTo(norm(r), 4);
  }
  return { ref, got };
}

/** max |a − b| / max |b| over all weights. */
function relErr(
  a: Map<string, Tensor<Float32Array>>,
  b: Map<string, Tensor<Float32Array>>,
  row?: number,
): number {
  let err = 0;
  let scale = 1e-12;
  for (const [name, t] of b) {
    const got = a.get(name) as Tensor<Float32Array>;
    const off = row === undefined ? 0 : row * t.data.length;
    for (let k = 0; k < t.data.length; k++) {
      err = Math.max(err, Math.abs((got.data[off + k] as number) - (t.data[k] as number)));
      scale = Math.max(scale, Math.abs(t.data[k] as number));
    }
  }
  return err / scale;
}

const CASES = [
  ['mlp', () => fixture('mlp')],
  ['lenet', () => fixture('lenet')],
  ['dwsep (depthwise Conv groups)', () => fixture('dwsep')],
  ['fashion-cnn', () => fashion(11)],
] as const;

describe.each(CASES)('per-sample graph: %s', (label, data) => {
  const file = label.split(' ')[0] as string;
  it('equals single-example gradients; norms equal explicit norms; clipped sum as Opacus', async () => {
    const model = await loadModel(new URL(`${file}.onnx`, FIXTURES).pathname, { threads: 1 });
    // maxChunk 4 with n ≥ 4: several chunks, the last one padded (granularity 8 → capped at 4).
    const ps = await perSampleGradients(model, { threads: 1, maxChunk: 4 });
    expect(ps.method).toBe('graph');
    const { x, y } = data();
    const n = x.shape[0] as number;
    const { ref, got } = await expectSingleExampleGradients(model, ps, x, y);
    // Clip at the median norm so some examples are clipped and some are not.
    const sorted = [...got.norms].sort((a, b) => a - b);
    const C = sorted[Math.floor(n / 2)] as number;
    const expected = new Map<string, Tensor<Float32Array>>();
    for (const [name, t] of ref[0] as Map<string, Tensor<Float32Array>>)
      expected.set(name, { data: new Float32Array(t.data.length), shape: t.shape });
    for (const r of ref) {
      const c = Math.min(1, C / (norm(r) + 1e-6));
      // The clipping bound holds for every example.
      expect(c * norm(r)).toBeLessThanOrEqual(C * (1 + 1e-6));
      for (const [name, t] of r) {
        const acc = (expected.get(name) as Tensor<Float32Array>).data;
        for (let k = 0; k < acc.length; k++)
          acc[k] = (acc[k] as number) + c * (t.data[k] as number);
      }
    }
    const clipped = await ps.clippedSum(x, y, C);
    expect(relErr(clipped.gradients, expected)).toBeLessThan(1e-4);
    await ps.release();
    await model.release();
  });
});

/**
 * x [N, 3, 4] → MatMul W1 [4, 5] → Add b1 [5] → Tanh → Reshape [N, 15] → MatMul W2 [15, 6] →
 * Add b2 [1, 6]: the sequence MatMul (materialised), 2-D MatMul (ghost norm) and bias-Add paths.
 */
function matmulModel(): ModelProto {
  let seed = 12345;
  const r = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31 - 0.5;
  };
  const { model, builder: b } = singleInputModel(['N', 3, 4]);
  const rand = (n: number) => Float32Array.from({ length: n }, r);
  const h1 = b.op('Add', [
    b.op('MatMul', ['x', b.constant(rand(20), [4, 5], 'W1')]),
    b.constant(rand(5), [5], 'b1'),
  ]);
  const flat = b.op('Reshape', [b.op('Tanh', [h1]), b.int64s([-1, 15])]);
  const y = b.op('Add', [
    b.op('MatMul', [flat, b.constant(rand(90), [15, 6], 'W2')]),
    b.constant(rand(6), [1, 6], 'b2'),
  ]);
  b.node('Identity', [y], {}, ['y']);
  b.output('y');
  return model;
}

/**
 * x [N, 2, 9, 9] → Conv W1 [4, 2, 3, 3] (+ bias; strides 2, dilations [1, 2], asymmetric pads) →
 * Tanh → Conv W2 [3, 4, 2, 2] (dilations 2) → Reshape [N, 9] → MatMul W3 [9, 5]: the patch
 * (im2col) path of group-1 Conv layers with strides, dilations and padding.
 */
function stridedConvModel(): ModelProto {
  const model = matmulModel();
  const graph = model.graph as NonNullable<ModelProto['graph']>;
  graph.node = [];
  graph.initializer = [];
  graph.output = [];
  graph.input = [
    { name: 'x', elemType: DATA_TYPE.FLOAT, shape: ['N', 2, 9, 9], docString: '', unknown: [] },
  ];
  let seed = 777;
  const rand = (n: number) =>
    Float32Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31 - 0.5;
    });
  const b = new GraphBuilder(graph, 'fwd');
  const h1 = b.op(
    'Conv',
    ['x', b.constant(rand(72), [4, 2, 3, 3], 'W1'), b.constant(rand(4), [4], 'b1')],
    { strides: { ints: [2, 2] }, dilations: { ints: [1, 2] }, pads: { ints: [1, 0, 2, 1] } },
  );
  const h2 = b.op('Conv', [b.op('Tanh', [h1]), b.constant(rand(48), [3, 4, 2, 2], 'W2')], {
    dilations: { ints: [2, 2] },
  });
  const flat = b.op('Reshape', [h2, b.int64s([-1, 9])]);
  b.node('MatMul', [flat, b.constant(rand(45), [9, 5], 'W3')], {}, ['y']);
  b.output('y');
  return model;
}

describe('per-sample gradients', () => {
  it('MatMul (sequence and 2-D) and bias-Add layers equal single-example gradients', async () => {
    const model = await loadModel(encodeModel(matmulModel()), { threads: 1 });
    const ps = await perSampleGradients(model, { threads: 1 });
    expect(ps.method).toBe('graph');
    const n = 5;
    const x = {
      data: Float32Array.from({ length: n * 12 }, (_, i) => Math.sin(i * 1.7)),
      shape: [n, 3, 4],
    };
    const y = { data: BigInt64Array.from([0n, 3n, 5n, 1n, 2n]), shape: [n] };
    const { got } = await expectSingleExampleGradients(model, ps, x, y);
    expect(got.gradients.size).toBe(4);
    await ps.release();
    await model.release();
  });

  it('strided, dilated, padded group-1 Conv layers equal single-example gradients', async () => {
    const model = await loadModel(encodeModel(stridedConvModel()), { threads: 1 });
    const ps = await perSampleGradients(model, { threads: 1 });
    expect(ps.method).toBe('graph');
    const n = 4;
    const x = {
      data: Float32Array.from({ length: n * 162 }, (_, i) => Math.sin(i * 0.37) + 0.2),
      shape: [n, 2, 9, 9],
    };
    const y = { data: BigInt64Array.from([0n, 4n, 2n, 1n]), shape: [n] };
    const { got } = await expectSingleExampleGradients(model, ps, x, y);
    expect(got.gradients.size).toBe(4);
    // Both graphs use the patch formulation: check example 0 against a central finite difference
    // of its loss along its own gradient direction v = g/‖g‖ (dL/dh = ‖g‖).
    const w0 = model.weights();
    const norm0 = got.norms[0] as number;
    const lossAt = async (h: number) => {
      const w = new Map<string, Tensor<Float32Array>>();
      for (const [name, t] of w0) {
        const g = got.gradients.get(name) as Tensor<Float32Array>;
        w.set(name, {
          data: Float32Array.from(t.data, (v, k) => v + (h * (g.data[k] as number)) / norm0),
          shape: t.shape,
        });
      }
      model.setWeights(w);
      const z = Array.from(
        (await model.predict({ data: x.data.slice(0, 162), shape: [1, 2, 9, 9] })).data,
      );
      const m = Math.max(...z);
      return m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0)) - (z[0] as number);
    };
    const fd = ((await lossAt(1e-2)) - (await lossAt(-1e-2))) / 2e-2;
    expect(Math.abs(fd - norm0) / norm0).toBeLessThan(2e-3);
    await ps.release();
    await model.release();
  });

  it('a per-example norm matches a central finite difference of that example’s loss (mlp)', async () => {
    const model = await loadModel(new URL('mlp.onnx', FIXTURES).pathname, { threads: 1 });
    const ps = await perSampleGradients(model, { threads: 1 });
    const { x, y } = fixture('mlp');
    const got = await ps.perSample(x, y);
    const i = 1;
    const inner = x.data.length / (x.shape[0] as number);
    const xi = { data: x.data.slice(i * inner, (i + 1) * inner), shape: [1, ...x.shape.slice(1)] };
    const yi = { data: (y.data as BigInt64Array).slice(i, i + 1), shape: [1] };
    // Along the example's own gradient direction v = g/‖g‖, dL/dh = ‖g‖.
    const w0 = model.weights();
    const norm0 = got.norms[i] as number;
    const lossAt = async (h: number) => {
      const w = new Map<string, Tensor<Float32Array>>();
      for (const [name, t] of w0) {
        const g = got.gradients.get(name) as Tensor<Float32Array>;
        const off = i * t.data.length;
        w.set(name, {
          data: Float32Array.from(t.data, (v, k) => v + (h * (g.data[off + k] as number)) / norm0),
          shape: t.shape,
        });
      }
      model.setWeights(w);
      const logits = await model.predict(xi);
      const z = Array.from(logits.data);
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
      return lse - (z[Number(yi.data[0])] as number);
    };
    const h = 1e-2;
    const fd = ((await lossAt(h)) - (await lossAt(-h))) / (2 * h);
    expect(Math.abs(fd - norm0) / norm0).toBeLessThan(2e-3);
    await ps.release();
    await model.release();
  });

  it('falls back to microbatching for BatchNormalization and still equals the reference', async () => {
    const model = await loadModel(new URL('resblock.onnx', FIXTURES).pathname, { threads: 1 });
    const ps = await perSampleGradients(model, { threads: 1 });
    expect(ps.method).toBe('microbatch');
    expect(ps.reason).toMatch(/BatchNormalization/);
    const { x, y } = fixture('resblock');
    const ref = await reference(model, x, y);
    const got = await ps.perSample(x, y);
    for (let i = 0; i < ref.length; i++)
      expect(relErr(got.gradients, ref[i] as Map<string, Tensor<Float32Array>>, i)).toBeLessThan(
        1e-6,
      );
    await expect(perSampleGradients(model, { method: 'graph' })).rejects.toMatchObject({
      code: 'E_MODEL_UNSUPPORTED_OP',
    });
    await ps.release();
    await model.release();
  });

  it('rejects bad labels and a non-positive clipping bound', async () => {
    const model = await loadModel(new URL('mlp.onnx', FIXTURES).pathname, { threads: 1 });
    const ps = await perSampleGradients(model, { threads: 1 });
    const { x } = fixture('mlp');
    const n = x.shape[0] as number;
    await expect(
      ps.perSample(x, { data: new BigInt64Array(n).fill(99n), shape: [n] }),
    ).rejects.toThrow(/label #0 is 99/);
    await expect(ps.clippedSum(x, { data: new BigInt64Array(n), shape: [n] }, 0)).rejects.toThrow(
      /maxGradNorm/,
    );
    await ps.release();
    await model.release();
  });
});
