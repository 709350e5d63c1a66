/**
 * @module Regenerates src/algorithm/robustness/fixtures/: trains the engine's Fashion-MNIST CNN
 * fixture with aisf itself (Adam, lr 5e-3, 6 epochs, batch 32, seed 1 on the committed
 * 1,200-image subset) and writes the trained ONNX model plus a 100-image uint8 test npz.
 *
 * Run: npx tsx scripts/robustness/make-fixtures.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  accuracy,
  adam,
  loadModel,
  readNpy,
  type Tensor,
  train,
  writeNpz,
} from '../../src/engine/index.js';

const FIX = new URL('../../src/engine/fixtures/', import.meta.url);
const OUT = new URL('../../src/algorithm/robustness/fixtures/', import.meta.url);
const read = (name: string) => readNpy(readFileSync(new URL(name, FIX)));
const scale = (t: Tensor): Tensor<Float32Array> => ({
  data: Float32Array.from(t.data as Uint8Array, (v) => v / 255),
  shape: t.shape,
});

async function main(): Promise<void> {
  const xTrain = scale(read('fashion-mnist.train-x.npy'));
  const yTrain = read('fashion-mnist.train-y.npy');
  const xTestRaw = read('fashion-mnist.test-x.npy');
  const yTest = read('fashion-mnist.test-y.npy');
  const model = await loadModel(new URL('fashion-cnn.onnx', FIX).pathname, { threads: 2 });
  await train(model, xTrain, yTrain, {
    optimizer: adam({ lr: 5e-3 }),
    epochs: 6,
    batchSize: 32,
    seed: 1,
  });
  const acc = await accuracy(model, scale(xTestRaw), yTest);
  process.stdout.write(`test accuracy on 300 images: ${acc.toFixed(4)}\n`);
  writeFileSync(new URL('fashion-cnn-trained.onnx', OUT), model.toOnnx());
  const n = 100;
  writeFileSync(
    new URL('fashion-test-100.npz', OUT),
    writeNpz(
      new Map<string, Tensor>([
        ['x', { data: (xTestRaw.data as Uint8Array).slice(0, n * 784), shape: [n, 1, 28, 28] }],
        ['y', { data: (yTest.data as BigInt64Array).slice(0, n), shape: [n] }],
      ]),
    ),
  );
  await model.release();
}

await main();
