/**
 * @module Every gradient rule against central finite differences: seeded property tests build a
 * one-op model with random shapes and attributes, take aisf's gradient of a squared-error loss
 * w.r.t. the input and the weights, and compare its directional derivative with
 * (L(θ + h·v) − L(θ − h·v)) / 2h along a random direction v.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { singleInputModel } from '../fixtures/test-models.js';
import type { GraphBuilder } from '../graph/builder.js';
import { loadModel } from '../model.js';
import { encodeModel, type ModelProto } from '../onnx/proto.js';
import type { Tensor } from '../runtime/session.js';

/** A tiny seeded PRNG (mulberry32) so each property run is reproducible. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  /** Input shape (batch first). */
  x: number[];
  /** Builds the graph from input "x" to output "y"; returns the output name. */
  build(b: GraphBuilder, r: () => number): string;
  /** Draws inputs away from kinks (ReLU at 0, ties in max). */
  sample?: (r: () => number) => number;
  /** Finite-difference step. */
  h?: number;
  /** @default 13 */
  opset?: number;
}

function randn(r: () => number, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

function makeModel(c: Case, seed: number): ModelProto {
  const { model, builder: b } = singleInputModel(
    ['N', ...c.x.slice(1)],
    c.opset ? { opset: c.opset } : {},
  );
  const y = c.build(b, rng(seed));
  b.node('Identity', [y], {}, ['y']);
  b.output('y');
  return model;
}

const size = (s: number[]) => s.reduce((a, d) => a * d, 1);

async function checkCase(c: Case, seed: number): Promise<void> {
  const r = rng(seed * 7919 + 1);
  const model = await loadModel(encodeModel(makeModel(c, seed)), { threads: 1 });
  try {
    const sample = c.sample ?? ((q: () => number) => q() * 2 - 1);
    const x: Tensor<Float32Array> = {
      data: Float32Array.from({ length: size(c.x) }, () => sample(r)),
      shape: c.x,
    };
    const probe = await model.predict(x);
    const target: Tensor<Float32Array> = { data: randn(r, probe.data.length), shape: probe.shape };
    const both = await model.lossAndGradient(x, target, { loss: 'mse', wrt: 'both' });
    const onlyInput = await model.lossAndGradient(x, target, { loss: 'mse', wrt: 'input' });
    const gx = both.inputGradient?.data as Float32Array;
    // The input-only graph may use different formulations (e.g. flipped-weight Conv): same result.
    const gxi = onlyInput.inputGradient?.data as Float32Array;
    for (let i = 0; i < gx.length; i++)
      expect(Math.abs((gx[i] as number) - (gxi[i] as number))).toBeLessThan(
        1e-4 * (1 + Math.abs(gx[i] as number)),
      );
    const weights = model.weights();
    const vx = randn(r, gx.length);
    const vw = new Map([...weights].map(([k, w]) => [k, randn(r, w.data.length)]));
    let analytic = 0;
    for (let i = 0; i < gx.length; i++) analytic += (gx[i] as number) * (vx[i] as number);
    for (const [k, g] of both.weightGradients ?? new Map()) {
      const v = vw.get(k) as Float32Array;
      for (let i = 0; i < g.data.length; i++) analytic += (g.data[i] as number) * (v[i] as number);
    }
    const h = c.h ?? 1e-2;
    const lossAt = async (sign: number) => {
      const xs = Float32Array.from(x.data, (v, i) => v + sign * h * (vx[i] as number));
      const ws = new Map(
        [...weights].map(([k, w]) => [
          k,
          {
            data: Float32Array.from(
              w.data,
              (v, i) => v + sign * h * ((vw.get(k) as Float32Array)[i] as number),
            ),
            shape: w.shape,
          },
        ]),
      );
      model.setWeights(ws);
      const out = await model.lossAndGradient({ data: xs, shape: x.shape }, target, {
        loss: 'mse',
        wrt: 'both',
      });
      return out.loss;
    };
    const numeric = ((await lossAt(1)) - (await lossAt(-1))) / (2 * h);
    expect(Math.abs(numeric - analytic)).toBeLessThanOrEqual(
      2e-2 * Math.max(1, Math.abs(analytic)),
    );
  } finally {
    await model.release();
  }
}

const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const weight = (b: GraphBuilder, r: () => number, dims: number[], scale = 0.5) =>
  b.constant(randn(r, size(dims), scale), dims, 'w');
/** Values well away from 0 (ReLU/Clip kinks) and from each other (max ties). */
const spread = (r: () => number) => (r() < 0.5 ? -1 : 1) * (0.2 + r());

const CASES: Record<string, (r: () => number) => Case> = {
  'Add/Sub/Mul/Div with broadcasting': (r) => {
    const a = int(r, 1, 4);
    const c = int(r, 1, 4);
    const shapes = [[c], [a, 1], [1, c], [a, c]];
    return {
      x: [2, a, c],
      build(b, q) {
        const s1 = shapes[int(q, 0, 3)] as number[];
        const s2 = shapes[int(q, 0, 3)] as number[];
        const den = b.op('Add', [b.op('Mul', [weight(b, q, s2), weight(b, q, s2)]), b.scalar(1)]);
        const t = b.op('Mul', [
          b.op('Add', ['x', weight(b, q, s1)]),
          b.op('Sub', [weight(b, q, s2), 'x']),
        ]);
        return b.op('Div', [t, den]);
      },
    };
  },
  'Relu, LeakyRelu, Sigmoid, Tanh, Neg, Exp': () => ({
    x: [3, 5],
    sample: spread,
    build(b) {
      const u = b.op('LeakyRelu', [b.op('Relu', ['x'])], { alpha: { float: 0.2 } });
      const v = b.op('LeakyRelu', [b.op('Neg', ['x'])], { alpha: { float: 0.3 } });
      return b.op('Add', [
        b.op('Add', [u, v]),
        b.op('Mul', [b.op('Sigmoid', ['x']), b.op('Tanh', [b.op('Exp', ['x'])])]),
      ]);
    },
  }),
  'Softmax and LogSoftmax (random axis)': (r) => {
    const axis = int(r, -3, 2);
    return {
      x: [2, 3, 4],
      build: (b) =>
        b.op('Add', [
          b.op('Softmax', ['x'], { axis: { int: axis } }),
          b.op('LogSoftmax', ['x'], { axis: { int: axis } }),
        ]),
    };
  },
  'Gemm (trans, alpha, beta, bias)': (r) => {
    const k = int(r, 1, 5);
    const m = int(r, 1, 5);
    const tb = int(r, 0, 1);
    return {
      x: [3, k],
      build: (b, q) =>
        b.op(
          'Gemm',
          ['x', weight(b, q, tb ? [m, k] : [k, m]), weight(b, q, int(q, 0, 1) ? [m] : [1, m])],
          {
            transB: { int: tb },
            alpha: { float: 0.7 },
            beta: { float: 1.3 },
          },
        ),
    };
  },
  'Gemm with the input transposed': () => ({
    x: [4, 3],
    build: (b, q) =>
      b.op('Gemm', [b.op('Transpose', ['x'], { perm: { ints: [1, 0] } }), weight(b, q, [3, 2])], {
        transA: { int: 1 },
      }),
  }),
  'MatMul (batched input, shared weight)': (r) => {
    const k = int(r, 1, 4);
    return {
      x: [2, int(r, 1, 3), k],
      build: (b, q) => b.op('MatMul', ['x', weight(b, q, [k, int(q, 1, 4)])]),
    };
  },
  'Conv (groups, strides, pads, dilations)': (r) => {
    const group = [1, 2, 4][int(r, 0, 2)] as number;
    const cin = group * int(r, 1, 2);
    const cout = group * int(r, 1, 2);
    const k = int(r, 1, 3);
    const d = int(r, 1, 2);
    const p = int(r, 0, 2);
    const s = int(r, 1, 2);
    const h = int(r, (k - 1) * d + 1, 8);
    return {
      x: [2, cin, h, h + 1],
      build: (b, q) =>
        b.op('Conv', ['x', weight(b, q, [cout, cin / group, k, k]), weight(b, q, [cout])], {
          group: { int: group },
          strides: { ints: [s, int(q, 1, 2)] },
          pads: { ints: [p, int(q, 0, 1), int(q, 0, 2), p] },
          dilations: { ints: [d, 1] },
        }),
    };
  },
  'Conv with auto_pad SAME_UPPER': () => ({
    x: [2, 2, 6, 5],
    build: (b, q) =>
      b.op('Conv', ['x', weight(b, q, [3, 2, 3, 3])], {
        auto_pad: { string: 'SAME_UPPER' },
        strides: { ints: [2, 1] },
      }),
  }),
  'MaxPool (overlapping, pads, ceil_mode)': (r) => {
    const k = int(r, 2, 3);
    const s = int(r, 1, 3);
    const p = int(r, 0, k - 1);
    return {
      x: [2, 2, int(r, 5, 8), int(r, 5, 8)],
      sample: (q) => q() * 10,
      h: 1e-3,
      build: (b, q) =>
        b.op('MaxPool', ['x'], {
          kernel_shape: { ints: [k, k] },
          strides: { ints: [s, s] },
          pads: { ints: [p, p, p, p] },
          ceil_mode: { int: int(q, 0, 1) },
        }),
    };
  },
  'Relu → MaxPool fusion (ResNet stem: 3×3, stride 2, pad 1)': () => ({
    x: [2, 3, 7, 8],
    sample: (q) => (q() - 0.5) * 10,
    h: 1e-3,
    build: (b) =>
      b.op('MaxPool', [b.op('Relu', ['x'])], {
        kernel_shape: { ints: [3, 3] },
        strides: { ints: [2, 2] },
        pads: { ints: [1, 1, 1, 1] },
      }),
  }),
  'Conv → Relu → MaxPool 2×2 (input gradient through the four pool phases, pads)': (r) => {
    const k = int(r, 1, 3);
    const pads = [int(r, 0, 2), int(r, 0, 2), int(r, 0, 2), int(r, 0, 2)];
    const hc = 2 * int(r, 2, 3);
    const wc = 2 * int(r, 2, 3);
    const x = [2, 2, hc - (pads[0] as number) - (pads[2] as number) + k - 1, 0];
    x[3] = wc - (pads[1] as number) - (pads[3] as number) + k - 1;
    return {
      x: x.map((d) => Math.max(1, d)),
      h: 1e-3,
      build: (b, q) =>
        b.op(
          'MaxPool',
          [
            b.op('Relu', [
              b.op('Conv', ['x', weight(b, q, [3, 2, k, k]), weight(b, q, [3])], {
                pads: { ints: pads },
              }),
            ]),
          ],
          { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } },
        ),
    };
  },
  'AveragePool (pads, count_include_pad, ceil_mode)': (r) => {
    const k = int(r, 1, 3);
    const s = int(r, 1, 3);
    const p = int(r, 0, k - 1);
    return {
      x: [2, 3, int(r, 4, 8), int(r, 4, 8)],
      build: (b, q) =>
        b.op('AveragePool', ['x'], {
          kernel_shape: { ints: [k, k] },
          strides: { ints: [s, s] },
          pads: { ints: [p, 0, p, p] },
          count_include_pad: { int: int(q, 0, 1) },
          ceil_mode: { int: int(q, 0, 1) },
        }),
    };
  },
  'GlobalAveragePool, BatchNormalization, Flatten': () => ({
    x: [2, 3, 4, 5],
    build(b, q) {
      const bn = b.op(
        'BatchNormalization',
        [
          'x',
          weight(b, q, [3]),
          weight(b, q, [3]),
          weight(b, q, [3]),
          b.constant(Float32Array.of(0.5, 1, 2), [3], 'var'),
        ],
        { epsilon: { float: 1e-3 } },
      );
      return b.op('Flatten', [b.op('Mul', [b.op('GlobalAveragePool', [bn]), bn])]);
    },
  }),
  'Reshape, Transpose, Squeeze, Unsqueeze, Identity, Dropout': () => ({
    x: [2, 3, 4],
    build(b) {
      const t = b.op('Transpose', ['x'], { perm: { ints: [0, 2, 1] } });
      const u = b.op('Unsqueeze', [t, b.int64s([1])]);
      const s = b.op('Squeeze', [u, b.int64s([1])]);
      const d = b.node('Dropout', [b.op('Identity', [s])], {}, 1)[0] as string;
      return b.op('Reshape', [d, b.int64s([0, -1])]);
    },
  }),
  'Concat, Clip, Pad, ReduceMean, Constant': () => ({
    x: [2, 3, 4],
    sample: (q) => spread(q) * 0.8,
    build(b) {
      const c = b.node('Constant', [], {}, 1)[0] as string;
      const node = b.graph.node[b.graph.node.length - 1];
      if (node)
        node.attribute.push({
          name: 'value',
          type: 4,
          t: {
            name: '',
            dims: [1],
            dataType: 1,
            rawData: new Uint8Array(Float32Array.of(0.5).buffer),
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
          },
          floats: [],
          ints: [],
          strings: [],
          tensors: [],
          graphs: [],
          refAttrName: '',
          docString: '',
          unknown: [],
        });
      const clip = b.op('Clip', ['x', b.scalar(-0.5), b.scalar(0.6)]);
      const cat = b.op('Concat', [clip, b.op('Mul', ['x', c]), 'x'], { axis: { int: 1 } });
      const pad = b.op('Pad', [cat, b.int64s([0, 1, 0, 0, 2, 1])]);
      return b.op('Add', [
        pad,
        b.op('ReduceMean', [pad], { axes: { ints: [2] }, keepdims: { int: 1 } }),
      ]);
    },
  }),
  'HardSigmoid, HardSwish, Softplus, Elu': () => ({
    x: [2, 6],
    opset: 14,
    sample: (q) => spread(q) * 4,
    h: 1e-3,
    build(b) {
      const hs = b.op('HardSigmoid', ['x'], { alpha: { float: 0.25 }, beta: { float: 0.4 } });
      const sw = b.op('HardSwish', ['x']);
      return b.op('Add', [
        b.op('Add', [hs, sw]),
        b.op('Add', [b.op('Softplus', ['x']), b.op('Elu', ['x'], { alpha: { float: 0.7 } })]),
      ]);
    },
  }),
  'Sqrt, Log, Reciprocal, Pow (constant exponent)': () => ({
    x: [2, 5],
    sample: (q) => 0.5 + q(),
    build(b) {
      const s = b.op('Add', [b.op('Sqrt', ['x']), b.op('Log', ['x'])]);
      return b.op('Add', [
        s,
        b.op('Add', [b.op('Reciprocal', ['x']), b.op('Pow', ['x', b.scalar(2.5)])]),
      ]);
    },
  }),
  'Slice (crops, negative indices, axes)': (r) => ({
    x: [2, 5, 6],
    build: (b) =>
      b.op('Slice', [
        'x',
        b.int64s([int(r, 0, 2), -4]),
        b.int64s([int(r, 3, 5), 100]),
        b.int64s([1, 2]),
      ]),
  }),
};

describe('gradient rules vs central finite differences', () => {
  for (const [name, make] of Object.entries(CASES)) {
    it(name, async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), async (seed) => {
          await checkCase(make(rng(seed)), seed);
        }),
        { seed: 42, numRuns: 6 },
      );
    });
  }
});
