/**
 * @module Regenerates src/data/privacy/membership/fixtures/ from Debian's Fashion-MNIST
 * (/usr/share/datasets/fashion-mnist, dataset-fashion-mnist) with aisf's own engine:
 *
 * - train.npz    400 training images (the members), seeded sample of the official train split
 * - holdout.npz  400 images of the official test split (non-members)
 * - shadow.npz   800 further training-split images, disjoint from train.npz (the attacker's data)
 * - mlp-init.onnx     MLP 784 → 64 → 10 (Flatten, Gemm, Relu, Gemm; logits), PyTorch-default
 *                     initialisation drawn with seed 1 — the starting point of every model below
 * - mlp-overfit.onnx  trained 150 epochs with Adam (lr 1e-3, batch 32, seed 1) on train.npz:
 *                     memorises its 400 images (the leaky model)
 * - mlp-early.onnx    the same start trained 3 epochs (early stopping): the less-leaky baseline
 * - mlp-dp.onnx       the same start trained with DP-SGD (src/data/privacy/dp-sgd: Poisson
 *                     sampling, expected batch 32, clip C = 1, noise σ = 1.0, Adam lr 5e-3,
 *                     30 epochs, δ = 1e-3 < 1/400; seed 1 — a public seed, fine for a fixture,
 *                     never for a release): ε ≈ 8.8
 *
 * Images are uint8 [n, 1, 28, 28] (scaled to [0, 1] by the audit), labels int64 [n].
 *
 * Run: npx tsx scripts/privacy/make-membership-fixtures.ts [outDir] [--train N --holdout N --shadow N]
 * (a bigger outDir set, e.g. /tmp/fmnist-mi --train 1000 --holdout 1000 --shadow 4000, is used
 * in docs/readme/privacy-audit.md; the committed fixtures use the defaults).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { dpSgdTrain } from '../../src/data/privacy/dp-sgd/index.js';
import { reinitialisedWeights } from '../../src/data/privacy/membership/index.js';
import { newModel } from '../../src/engine/graph/builder.js';
import {
  accuracy,
  adam,
  encodeModel,
  loadModel,
  permutation,
  seededRandom,
  type Tensor,
  train,
  writeNpz,
} from '../../src/engine/index.js';

const DATASET = '/usr/share/datasets/fashion-mnist';
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    train: { type: 'string', default: '400' },
    holdout: { type: 'string', default: '400' },
    shadow: { type: 'string', default: '800' },
    hidden: { type: 'string', default: '64' },
    epochs: { type: 'string', default: '150' },
  },
});
const OUT = resolve(
  positionals[0] ??
    new URL('../../src/data/privacy/membership/fixtures/', import.meta.url).pathname,
);

function idx(file: string): { data: Uint8Array; dims: number[] } {
  const b = gunzipSync(readFileSync(`${DATASET}/${file}`));
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const rank = b[3] as number;
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  return { data: b.subarray(4 + 4 * rank), dims };
}

function pick(images: Uint8Array, labels: Uint8Array, rows: ArrayLike<number>) {
  const n = rows.length;
  const x = new Uint8Array(n * 784);
  const y = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i] as number;
    x.set(images.subarray(r * 784, (r + 1) * 784), i * 784);
    y[i] = BigInt(labels[r] as number);
  }
  return { x, y, n };
}

function mlp(hidden: number): Uint8Array {
  const { model, builder: g } = newModel({
    shape: ['batch', 1, 28, 28],
    input: 'input',
    producer: 'aisf scripts/privacy/make-membership-fixtures.ts',
    graphName: 'fashion-mlp',
    prefix: 'mlp',
  });
  const flat = g.op('Flatten', ['input'], { axis: { int: 1 } });
  const w1 = g.constant(new Float32Array(hidden * 784), [hidden, 784], 'fc1.weight');
  const b1 = g.constant(new Float32Array(hidden), [hidden], 'fc1.bias');
  const w2 = g.constant(new Float32Array(10 * hidden), [10, hidden], 'fc2.weight');
  const b2 = g.constant(new Float32Array(10), [10], 'fc2.bias');
  const h = g.op('Relu', [g.op('Gemm', [flat, w1, b1], { transB: { int: 1 } })]);
  g.node('Gemm', [h, w2, b2], { transB: { int: 1 } }, ['logits']);
  g.output('logits');
  return encodeModel(model);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const nTrain = Number(values.train);
  const nHoldout = Number(values.holdout);
  const nShadow = Number(values.shadow);
  const trainImages = idx('train-images-idx3-ubyte.gz').data;
  const trainLabels = idx('train-labels-idx1-ubyte.gz').data;
  const testImages = idx('t10k-images-idx3-ubyte.gz').data;
  const testLabels = idx('t10k-labels-idx1-ubyte.gz').data;
  const order = permutation(60000, seededRandom(20260501));
  const testOrder = permutation(10000, seededRandom(20260502));
  const sets = {
    train: pick(trainImages, trainLabels, order.subarray(0, nTrain)),
    shadow: pick(trainImages, trainLabels, order.subarray(nTrain, nTrain + nShadow)),
    holdout: pick(testImages, testLabels, testOrder.subarray(0, nHoldout)),
  };
  for (const [name, s] of Object.entries(sets))
    writeFileSync(
      `${OUT}/${name}.npz`,
      writeNpz(
        new Map<string, Tensor>([
          ['x', { data: s.x, shape: [s.n, 1, 28, 28] }],
          ['y', { data: s.y, shape: [s.n] }],
        ]),
      ),
    );
  const scale = (s: { x: Uint8Array; n: number }): Tensor<Float32Array> => ({
    data: Float32Array.from(s.x, (v) => v / 255),
    shape: [s.n, 1, 28, 28],
  });
  const xTrain = scale(sets.train);
  const yTrain: Tensor = { data: sets.train.y, shape: [sets.train.n] };
  const xHold = scale(sets.holdout);
  const yHold: Tensor = { data: sets.holdout.y, shape: [sets.holdout.n] };

  const init = await loadModel(mlp(Number(values.hidden)), { threads: 2 });
  init.setWeights(reinitialisedWeights(init, 1));
  const initBytes = init.toOnnx();
  writeFileSync(`${OUT}/mlp-init.onnx`, initBytes);
  await init.release();
  for (const [name, epochs] of [
    ['mlp-overfit', Number(values.epochs)],
    ['mlp-early', 3],
  ] as const) {
    const model = await loadModel(initBytes, { threads: 2 });
    const { history } = await train(model, xTrain, yTrain, {
      optimizer: adam({ lr: 1e-3 }),
      epochs,
      batchSize: 32,
      seed: 1,
    });
    const trainAcc = await accuracy(model, xTrain, yTrain);
    const testAcc = await accuracy(model, xHold, yHold);
    process.stdout.write(
      `${name}: ${epochs} epochs, final loss ${history.at(-1)?.loss.toFixed(4)}, train accuracy ${trainAcc.toFixed(4)}, holdout accuracy ${testAcc.toFixed(4)}\n`,
    );
    writeFileSync(`${OUT}/${name}.onnx`, model.toOnnx());
    await model.release();
  }
  const dp = await loadModel(initBytes, { threads: 2 });
  const r = await dpSgdTrain(dp, xTrain, yTrain, {
    noiseMultiplier: 1.0,
    maxGradNorm: 1.0,
    epochs: 30,
    batchSize: 32,
    delta: 1e-3,
    optimizer: adam({ lr: 5e-3 }),
    seed: 1,
  });
  process.stdout.write(
    `mlp-dp: DP-SGD ${r.steps} steps, σ ${r.noiseMultiplier}, C ${r.maxGradNorm}, ε ${r.epsilon.toFixed(3)} at δ ${r.delta}, train accuracy ${(await accuracy(dp, xTrain, yTrain)).toFixed(4)}, holdout accuracy ${(await accuracy(dp, xHold, yHold)).toFixed(4)}\n`,
  );
  writeFileSync(`${OUT}/mlp-dp.onnx`, dp.toOnnx());
  await dp.release();
}

await main();
