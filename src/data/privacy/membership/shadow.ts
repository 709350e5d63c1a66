/**
 * @module The shadow-model attack (Shokri et al. 2017, "Membership Inference Attacks Against
 * Machine Learning Models"): k copies of the target architecture, re-initialised (seeded) and
 * trained with the engine's train loop on disjoint splits of the attacker's data, label their
 * own training records "in" and held-back records "out"; an attack model learnt on those records
 * then scores the target's outputs.
 *
 * What aisf does, precisely:
 * - the attacker pool is permuted (seeded) and cut into k disjoint parts; part i is halved into
 *   "in" (shadow i's training set) and "out" (never seen by shadow i), so every shadow has a
 *   balanced attack-training set and no record is shared between shadows;
 * - each shadow is the target's ONNX graph with every trainable weight re-drawn with PyTorch's
 *   default initialisation (Conv/Gemm/MatMul weights and their biases U(±1/√fan_in), BatchNorm
 *   scale 1, bias 0, running mean 0 and variance 1, other 1-D tensors 0) and trained with Adam (cross-entropy, seeded
 *   shuffle). A final Softmax is trained as LogSoftmax (same argmax; cross-entropy on top of
 *   LogSoftmax is exact because log-softmax is idempotent);
 * - the attack features of a record are its three largest predicted probabilities in
 *   descending order (the sorted-vector features of ML-Leaks, Salem et al. 2019) and the
 *   log-probability of its true class (the loss signal, Yeom et al. 2018), floored at −50;
 * - the attack model is one logistic regression per true class (Shokri et al. train one attack
 *   model per class), falling back to a single global model for classes with fewer than
 *   MIN_CLASS_RECORDS "in" or "out" shadow records.
 */
import {
  adam,
  decodeModel,
  encodeModel,
  loadModel,
  type Model,
  type NodeProto,
  type ParameterMap,
  permutation,
  seededRandom,
  type Tensor,
  takeRows,
  train,
} from '../../../engine/index.js';
import { AisfError } from '../../../errors.js';
import { fitLogistic, type LogisticModel, logisticLogit } from './logistic.js';
import { accuracyOf, logProbabilities, type OutputKind, outputKindFromGraph } from './scores.js';

/** Labelled inputs (images or feature rows, batch first) with integer class labels. */
export interface LabelledData {
  x: Tensor<Float32Array>;
  y: Int32Array;
}

/** Options of the shadow-model attack. */
export interface ShadowOptions {
  /** Number of shadow models k (Shokri et al. use up to 100; ML Privacy Meter's example 4). @default 4 */
  models?: number;
  /** Training epochs of each shadow; match the target's training recipe. @default 20 */
  epochs?: number;
  /** @default 32 */
  batchSize?: number;
  /** Adam learning rate. @default 1e-3 */
  lr?: number;
  /** @default 0 */
  seed?: number;
  /** Load the shadows even if the target failed the safety checks (it was loaded trusted). */
  trusted?: boolean;
  onProgress?: (fraction: number, label: string) => void;
}

/** Classes with fewer "in" or "out" shadow records than this use the global attack model. */
export const MIN_CLASS_RECORDS = 20;

/** The trained attack: score(log-probs, label) → logit of "member". */
export interface ShadowAttack {
  score(logProbs: Float64Array, classes: number, labels: Int32Array): Float64Array;
  /** Per shadow: records in/out and accuracies on them (the shadows' generalisation gap). */
  shadows: { in: number; out: number; inAccuracy: number; outAccuracy: number }[];
  /** Classes that got their own attack model (the rest use the global one). */
  perClassModels: number[];
}

/**
 * PyTorch's default initialisation (nn.Conv2d / nn.Linear reset_parameters: kaiming_uniform
 * with a = √5, i.e. U(±1/√fan_in), bias U(±1/√fan_in)), drawn from a seeded generator, for every
 * trainable weight of the model.
 *
 * @example
 * model.setWeights(reinitialisedWeights(model, 1));
 */
export function reinitialisedWeights(model: Model, seed: number): ParameterMap {
  const weights = model.weights();
  const random = seededRandom(seed);
  const graph = model.onnx.graph;
  const fanIn = new Map<string, number>();
  const fixed = new Map<string, number>();
  const fanOf = (name: string, node: NodeProto) => {
    const w = weights.get(name);
    if (!w) return undefined;
    const d = w.shape;
    if (node.opType === 'Conv' || node.opType === 'ConvTranspose')
      return d.slice(1).reduce((a, b) => a * b, 1);
    if (node.opType === 'Gemm') {
      const transB = Number(node.attribute.find((a) => a.name === 'transB')?.i ?? 0);
      return (transB ? d[1] : d[0]) as number;
    }
    if (node.opType === 'MatMul') return d[0] as number;
    return undefined;
  };
  for (const node of graph?.node ?? []) {
    const [, w, b, mean, variance] = node.input;
    if (node.opType === 'BatchNormalization') {
      // A fresh nn.BatchNorm: weight 1, bias 0, running mean 0, running variance 1.
      for (const [name, v] of [
        [w, 1],
        [b, 0],
        [mean, 0],
        [variance, 1],
      ] as const)
        if (name) fixed.set(name, v);
      continue;
    }
    if (!w) continue;
    const f = fanOf(w, node);
    if (f === undefined) continue;
    fanIn.set(w, f);
    if (b && node.opType !== 'MatMul') fanIn.set(b, f);
  }
  const out: ParameterMap = new Map();
  for (const [name, t] of weights) {
    const data = new Float32Array(t.data.length);
    const constant = fixed.get(name);
    let f = fanIn.get(name);
    if (f === undefined && t.shape.length >= 2) f = t.shape.slice(1).reduce((a, b) => a * b, 1);
    if (constant !== undefined) data.fill(constant);
    else if (f !== undefined && f > 0) {
      const bound = 1 / Math.sqrt(f);
      for (let i = 0; i < data.length; i++) data[i] = (2 * random() - 1) * bound;
    }
    out.set(name, { data, shape: [...t.shape] });
  }
  return out;
}

/** The target's graph with a final Softmax turned into LogSoftmax, as ONNX bytes. */
function trainableCopy(target: Model): { bytes: Uint8Array; kind: OutputKind | undefined } {
  const proto = decodeModel(target.toOnnx());
  const graph = proto.graph;
  const out = graph?.output[0]?.name;
  const producer = graph?.node.find((n) => out !== undefined && n.output.includes(out));
  if (producer?.opType === 'Softmax') producer.opType = 'LogSoftmax';
  return { bytes: encodeModel(proto), kind: outputKindFromGraph(target) };
}

/** Attack features of one record: top-3 sorted probabilities and log p_y (floored at −50). */
export function attackFeatures(
  lp: Float64Array,
  offset: number,
  classes: number,
  y: number,
): number[] {
  const probs: number[] = [];
  for (let k = 0; k < classes; k++) probs.push(Math.exp(lp[offset + k] as number));
  probs.sort((a, b) => b - a);
  const top = [0, 1, 2].map((i) => probs[i] ?? 0);
  return [...top, Math.max(lp[offset + y] as number, -50)];
}

/**
 * Trains k shadow models on disjoint splits of `pool` and the attack model on their records.
 *
 * @example
 * const attack = await trainShadowAttack(target, auxiliary, { models: 4, epochs: 30, seed: 1 });
 * const scores = attack.score(targetLogProbs, 10, labels);
 */
export async function trainShadowAttack(
  target: Model,
  pool: LabelledData,
  options: ShadowOptions = {},
): Promise<ShadowAttack> {
  const k = options.models ?? 4;
  const epochs = options.epochs ?? 20;
  const batchSize = options.batchSize ?? 32;
  const lr = options.lr ?? 1e-3;
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(k) || k < 1)
    throw new AisfError('E_INPUT', `shadow models must be a positive integer (got ${k})`);
  const n = pool.x.shape[0] as number;
  const part = Math.floor(n / k);
  const half = Math.floor(part / 2);
  if (half < 1)
    throw new AisfError(
      'E_INPUT',
      `the attacker's pool has ${n} samples: too few for ${k} shadow models with disjoint in/out halves; give more shadow data or fewer --shadow-models`,
    );
  const order = permutation(n, seededRandom(seed ^ 0x5eed));
  const { bytes, kind: graphKind } = trainableCopy(target);
  const shadowKind: OutputKind =
    graphKind === 'probabilities' ? 'log-probabilities' : (graphKind ?? 'logits');
  const features: number[][] = [];
  const labels: (0 | 1)[] = [];
  const classesOf: number[] = [];
  const shadows: ShadowAttack['shadows'] = [];
  let classes = 0;
  for (let s = 0; s < k; s++) {
    const inIdx = order.subarray(s * part, s * part + half);
    const outIdx = order.subarray(s * part + half, s * part + 2 * half);
    const inX = takeRows(pool.x, inIdx);
    const inY = Int32Array.from(inIdx, (i) => pool.y[i] as number);
    const outX = takeRows(pool.x, outIdx);
    const outY = Int32Array.from(outIdx, (i) => pool.y[i] as number);
    const shadow = await loadModel(bytes, {
      threads: 1,
      source: `shadow model ${s + 1}`,
      ...(options.trusted ? { trusted: true } : {}),
    });
    try {
      shadow.setWeights(reinitialisedWeights(shadow, seed * 7919 + s + 1));
      await train(
        shadow,
        inX,
        { data: inY, shape: [inY.length] },
        {
          optimizer: adam({ lr }),
          epochs,
          batchSize,
          seed: seed * 7919 + s + 1,
          onProgress: (p) =>
            options.onProgress?.(
              (s + (p.epoch - 1 + p.step / p.steps) / p.epochs) / k,
              `shadow ${s + 1}/${k} epoch ${p.epoch}/${p.epochs}`,
            ),
        },
      );
      const record = async (x: Tensor<Float32Array>, y: Int32Array, member: 0 | 1) => {
        const raw = await shadow.predict(x);
        const c = raw.shape[raw.shape.length - 1] as number;
        const { logProbs, classes: cc } = logProbabilities(raw.data, c, shadowKind);
        classes = cc;
        for (let i = 0; i < y.length; i++) {
          features.push(attackFeatures(logProbs, i * cc, cc, y[i] as number));
          labels.push(member);
          classesOf.push(y[i] as number);
        }
        return accuracyOf(logProbs, cc, y);
      };
      const inAccuracy = await record(inX, inY, 1);
      const outAccuracy = await record(outX, outY, 0);
      shadows.push({ in: inIdx.length, out: outIdx.length, inAccuracy, outAccuracy });
    } finally {
      await shadow.release();
    }
  }
  const global = fitLogistic(features, labels);
  const perClass = new Map<number, LogisticModel>();
  for (let c = 0; c < classes; c++) {
    const rows: number[][] = [];
    const ys: (0 | 1)[] = [];
    for (let i = 0; i < features.length; i++)
      if (classesOf[i] === c) {
        rows.push(features[i] as number[]);
        ys.push(labels[i] as 0 | 1);
      }
    const ins = ys.filter((v) => v === 1).length;
    if (ins >= MIN_CLASS_RECORDS && ys.length - ins >= MIN_CLASS_RECORDS)
      perClass.set(c, fitLogistic(rows, ys));
  }
  return {
    shadows,
    perClassModels: [...perClass.keys()],
    score(logProbs, cls, ys) {
      return Float64Array.from(ys, (y, i) =>
        logisticLogit(perClass.get(y) ?? global, attackFeatures(logProbs, i * cls, cls, y)),
      );
    },
  };
}
