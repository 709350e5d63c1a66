/**
 * @module The training loop: weights fed as graph inputs to the gradient graph, seeded
 * shuffling, mini-batches, an optimizer step per batch, progress on stderr, and evaluation.
 * Adversarial training, DP-SGD and watermark embedding reuse it through `onBatch` hooks.
 */
import { AisfError } from '../../errors.js';
import type { LossName } from '../autodiff/losses.js';
import type { Model } from '../model.js';
import type { Tensor } from '../runtime/session.js';
import type { Optimizer, ParameterMap } from './optimizers.js';

/** One progress report. */
export interface TrainProgress {
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  /** Running mean loss of this epoch. */
  loss: number;
}

/** Options of train. */
export interface TrainOptions {
  optimizer: Optimizer;
  /** @default 1 */
  epochs?: number;
  /** @default 32 */
  batchSize?: number;
  /** Seed of the per-epoch shuffle (mulberry32 + Fisher–Yates). @default 0 */
  seed?: number;
  /** @default true */
  shuffle?: boolean;
  /** @default 'cross-entropy' */
  loss?: LossName;
  /** Called after every step (e.g. stderrProgress()). */
  onProgress?: (p: TrainProgress) => void;
  /**
   * Replaces a batch before the step (adversarial training swaps in adversarial examples).
   */
  transformBatch?: (
    x: Tensor<Float32Array>,
    y: Tensor,
  ) => Promise<Tensor<Float32Array>> | Tensor<Float32Array>;
}

/** Per-epoch history. */
export interface TrainResult {
  history: { epoch: number; loss: number }[];
}

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded Fisher–Yates permutation of 0…n−1. */
export function permutation(n: number, random: () => number): Uint32Array {
  const p = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = p[i] as number;
    p[i] = p[j] as number;
    p[j] = t;
  }
  return p;
}

/** Gathers rows `idx` of a batch-first tensor. */
export function takeRows<T extends Tensor>(t: T, idx: ArrayLike<number>): T {
  const n = t.shape[0] as number;
  const inner = t.data.length / Math.max(1, n);
  const Ctor = t.data.constructor as new (len: number) => T['data'];
  const out = new Ctor(idx.length * inner);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i] as number;
    (out as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(
      t.data.subarray(r * inner, (r + 1) * inner) as unknown as ArrayLike<unknown>,
      i * inner,
    );
  }
  return { data: out, shape: [idx.length, ...t.shape.slice(1)] } as T;
}

/**
 * A progress reporter writing one updating line to stderr.
 *
 * @example
 * await train(model, x, y, { optimizer: adam(), onProgress: stderrProgress() });
 */
export function stderrProgress(
  write: (s: string) => void = (s) => process.stderr.write(s),
): (p: TrainProgress) => void {
  return (p) => {
    const width = 24;
    const done = Math.round((p.step / p.steps) * width);
    write(
      `\repoch ${p.epoch}/${p.epochs} [${'='.repeat(done)}${' '.repeat(width - done)}] ${p.step}/${p.steps} loss ${p.loss.toFixed(4)}`,
    );
    if (p.step === p.steps) write('\n');
  };
}

/**
 * Trains the model's weights in place on (x, y) with mini-batch gradients of the mean loss.
 *
 * @example
 * const { history } = await train(model, x, y, { optimizer: sgd({ lr: 0.05, momentum: 0.9 }), epochs: 3 });
 * writeFileSync('trained.onnx', model.toOnnx());
 */
export async function train(
  model: Model,
  x: Tensor<Float32Array>,
  y: Tensor,
  options: TrainOptions,
): Promise<TrainResult> {
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 32;
  if (!Number.isSafeInteger(epochs) || epochs < 1)
    throw new AisfError('E_CONFIG', 'epochs must be a positive integer');
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new AisfError('E_CONFIG', 'batchSize must be a positive integer');
  const n = x.shape[0] as number;
  if (y.shape[0] !== n)
    throw new AisfError('E_INPUT', `x has ${n} samples but y has ${y.shape[0]}`);
  const random = seededRandom(options.seed ?? 0);
  const steps = Math.ceil(n / batchSize);
  const history: TrainResult['history'] = [];
  let weights: ParameterMap = model.weights();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order =
      options.shuffle === false
        ? Uint32Array.from({ length: n }, (_, i) => i)
        : permutation(n, random);
    let sum = 0;
    for (let step = 0; step < steps; step++) {
      const idx = order.subarray(step * batchSize, Math.min(n, (step + 1) * batchSize));
      let xb = takeRows(x, idx);
      const yb = takeRows(y, idx);
      if (options.transformBatch) xb = await options.transformBatch(xb, yb);
      const r = await model.lossAndGradient(xb, yb, {
        loss: options.loss ?? 'cross-entropy',
        reduction: 'mean',
        wrt: 'weights',
        batchSize: idx.length,
      });
      if (!Number.isFinite(r.loss))
        throw new AisfError(
          'E_INPUT',
          `the loss diverged (${r.loss}) at epoch ${epoch}, step ${step + 1}; lower the learning rate`,
        );
      options.optimizer.step(weights, r.weightGradients ?? new Map());
      model.setWeights(weights);
      sum += r.loss;
      options.onProgress?.({ epoch, epochs, step: step + 1, steps, loss: sum / (step + 1) });
    }
    history.push({ epoch, loss: sum / steps });
    weights = model.weights();
  }
  return { history };
}

/**
 * Top-1 accuracy of the model on labelled data.
 *
 * @example
 * const acc = await accuracy(model, xTest, yTest);
 */
export async function accuracy(model: Model, x: Tensor<Float32Array>, y: Tensor): Promise<number> {
  const logits = await model.predict(x);
  const n = x.shape[0] as number;
  const c = logits.data.length / Math.max(1, n);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < c; k++)
      if ((logits.data[i * c + k] as number) > (logits.data[i * c + best] as number)) best = k;
    if (best === Number(y.data[i])) correct++;
  }
  return n ? correct / n : 0;
}
