/**
 * @module Regenerates this example: a seeded 2,000-image training and 500-image test subset of
 * Fashion-MNIST (uint8, compressed .npz) from Debian's dataset-fashion-mnist, and a small CNN
 * built and trained by aisf itself (no Python, no PyTorch): Conv 8@3×3 → ReLU → MaxPool 2 →
 * Conv 16@3×3 → ReLU → MaxPool 2 → Gemm 400→10, PyTorch's default init, Adam lr 5e-3, 15 epochs,
 * batch 32, seed 1. Writes train.npz, test.npz and cnn.onnx next to this file.
 *
 * Run from the repo root: npx tsx examples/fashion-mnist/train.ts [/usr/share/datasets/fashion-mnist]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { newModel } from '../../src/engine/graph/builder.js';
import {
  accuracy,
  adam,
  DATA_TYPE,
  encodeModel,
  loadModel,
  permutation,
  seededRandom,
  stderrProgress,
  type Tensor,
  train,
  writeNpy,
} from '../../src/engine/index.js';

const HERE = new URL('./', import.meta.url);
const SOURCE = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const N_TRAIN = 2000;
const N_TEST = 500;

/** Reads an IDX file (big-endian dims, uint8 payload), gzip-compressed. */
function idx(file: string): { data: Uint8Array; dims: number[] } {
  const b = gunzipSync(readFileSync(`${SOURCE}/${file}`));
  const nd = b[3] as number;
  const dims = Array.from({ length: nd }, (_, i) => b.readUInt32BE(4 + 4 * i));
  return { data: new Uint8Array(b.buffer, b.byteOffset + 4 + 4 * nd), dims };
}

/** A seeded subset of n images and labels, as np.savez_compressed would store them. */
function subset(images: string, labels: string, n: number, seed: number): Uint8Array {
  const x = idx(images);
  const y = idx(labels);
  const total = x.dims[0] as number;
  const pick = permutation(total, seededRandom(seed)).slice(0, n);
  const xs = new Uint8Array(n * 784);
  const ys = new BigInt64Array(n);
  pick.forEach((r, i) => {
    xs.set(x.data.subarray(r * 784, (r + 1) * 784), i * 784);
    ys[i] = BigInt(y.data[r] as number);
  });
  return zipSync(
    {
      'x.npy': writeNpy({ data: xs, shape: [n, 1, 28, 28] } as Tensor),
      'y.npy': writeNpy({ data: ys, shape: [n] } as Tensor),
    },
    { level: 9 },
  );
}

/** The CNN as ONNX (opset 13, dynamic batch), weights drawn like torch.nn's defaults. */
function cnn(seed: number): Uint8Array {
  const { model, builder: g } = newModel({
    shape: ['batch', 1, 28, 28],
    input: 'input',
    producer: 'aisf examples/fashion-mnist/train.ts',
    docString: 'Fashion-MNIST CNN trained by aisf',
    graphName: 'fashion_cnn',
    prefix: 'cnn',
  });
  const random = seededRandom(seed);
  // torch.nn.Conv2d / Linear default: kaiming_uniform(a=√5) → U(±1/√fan_in), bias U(±1/√fan_in).
  const uniform = (n: number, fanIn: number) => {
    const b = 1 / Math.sqrt(fanIn);
    return Float32Array.from({ length: n }, () => (2 * random() - 1) * b);
  };
  const w1 = g.constant(uniform(8 * 9, 9), [8, 1, 3, 3], 'conv1.weight');
  const b1 = g.constant(uniform(8, 9), [8], 'conv1.bias');
  const w2 = g.constant(uniform(16 * 8 * 9, 72), [16, 8, 3, 3], 'conv2.weight');
  const b2 = g.constant(uniform(16, 72), [16], 'conv2.bias');
  const w3 = g.constant(uniform(10 * 400, 400), [10, 400], 'fc.weight');
  const b3 = g.constant(uniform(10, 400), [10], 'fc.bias');
  const pool = (t: string) =>
    g.op('MaxPool', [t], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } });
  let t = pool(g.op('Relu', [g.op('Conv', ['input', w1, b1], { kernel_shape: { ints: [3, 3] } })]));
  t = pool(g.op('Relu', [g.op('Conv', [t, w2, b2], { kernel_shape: { ints: [3, 3] } })]));
  t = g.op('Flatten', [t], { axis: { int: 1 } });
  g.node('Gemm', [t, w3, b3], { transB: { int: 1 } }, ['logits']);
  model.graph?.output.push({
    name: 'logits',
    elemType: DATA_TYPE.FLOAT,
    shape: ['batch', 10],
    docString: '',
    unknown: [],
  });
  return encodeModel(model);
}

const scale = (t: Tensor): Tensor<Float32Array> => ({
  data: Float32Array.from(t.data as Uint8Array, (v) => v / 255),
  shape: t.shape,
});

async function main(): Promise<void> {
  const trainNpz = subset('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', N_TRAIN, 1);
  const testNpz = subset('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', N_TEST, 2);
  writeFileSync(new URL('train.npz', HERE), trainNpz);
  writeFileSync(new URL('test.npz', HERE), testNpz);
  const { readNpz } = await import('../../src/engine/index.js');
  const tr = readNpz(trainNpz);
  const te = readNpz(testNpz);
  const model = await loadModel(cnn(3), { threads: 2 });
  process.stderr.write(`parameters: ${model.parameterCount()}\n`);
  await train(model, scale(tr.get('x') as Tensor), tr.get('y') as Tensor, {
    optimizer: adam({ lr: 5e-3 }),
    epochs: 15,
    batchSize: 32,
    seed: 1,
    onProgress: stderrProgress(),
  });
  const acc = await accuracy(model, scale(te.get('x') as Tensor), te.get('y') as Tensor);
  process.stdout.write(`test accuracy (${N_TEST} images): ${acc.toFixed(4)}\n`);
  writeFileSync(new URL('cnn.onnx', HERE), model.toOnnx());
  await model.release();
}

await main();
