/**
 * @module DP-SGD (Abadi et al. 2016, "Deep Learning with Differential Privacy") on ONNX models
 * through the engine, with Opacus' semantics: Poisson sampling at rate q (variable batch size),
 * per-example flat clipping to C, Gaussian noise N(0, σ²C²) on the clipped sum, division by the
 * expected batch size, an SGD/Adam step, and the RDP accountant tracking (ε, δ) after every step.
 */
import {
  type Model,
  type Optimizer,
  type PerSampleGradients,
  type PerSampleMethod,
  type PerSampleOptions,
  permutation,
  perSampleGradients,
  seededRandom as seededShuffle,
  sgd,
  type Tensor,
  takeRows,
} from '../../../engine/index.js';
import { AisfError } from '../../../errors.js';
import {
  type AccountantOptions,
  noiseMultiplierForEpsilon,
  OPACUS_ORDERS,
  RdpAccountant,
} from '../accountant/rdp.js';
import { cryptoRandom, type RandomSource, seededRandom } from '../random.js';

/** How batches are drawn. */
export const DP_SGD_SAMPLING = ['poisson', 'shuffle'] as const;
export type DpSgdSampling = (typeof DP_SGD_SAMPLING)[number];

/** Options of dpSgdTrain. Defaults follow Opacus' README example and `make_private`. */
export interface DpSgdOptions {
  /**
   * σ: noise std divided by the clipping norm. Ignored when targetEpsilon is set.
   * @default 1.1 (Opacus README example)
   */
  noiseMultiplier?: number;
  /**
   * Solve σ so that the whole run spends at most this ε at delta (Opacus
   * `make_private_with_epsilon`, same bracket-and-bisect search, tolerance 0.01).
   */
  targetEpsilon?: number;
  /** C: per-example L2 clipping bound over all parameters (flat clipping). @default 1.0 */
  maxGradNorm?: number;
  /** @default 1 */
  epochs?: number;
  /**
   * Expected batch size B; q = 1 / ceil(N / B), as Opacus' DPDataLoader derives it from a
   * DataLoader's batch size. Ignored when samplingRate is set. @default 64
   */
  batchSize?: number;
  /** Poisson sampling rate q in (0, 1]; steps per epoch ⌊1/q⌋ (Opacus UniformWithReplacementSampler). */
  samplingRate?: number;
  /** δ of the reported (ε, δ). @default 1e-5 */
  delta?: number;
  /** @default sgd({ lr: 0.1 }) (Opacus MNIST example) */
  optimizer?: Optimizer;
  /**
   * `poisson`: every example joins each batch independently with probability q (what the
   * accountant assumes). `shuffle`: fixed-size batches of a seeded permutation, as `train()` —
   * for comparisons only; the reported ε then assumes Poisson sampling it did not get.
   * @default 'poisson'
   */
  sampling?: DpSgdSampling;
  /**
   * Seed for sampling and noise (tests, audits). Without it both come from the OS CSPRNG —
   * a public seed makes the noise reproducible and voids the guarantee.
   */
  seed?: number | string;
  /** Accountant settings. @default Opacus RDPAccountant: OPACUS_ORDERS, series 'opacus' */
  accountant?: AccountantOptions;
  /** Per-sample gradient method. @default 'auto' (graph when the model allows) */
  method?: PerSampleMethod;
  /** ONNX Runtime threads. */
  threads?: number;
  /** Extra per-sample options (chunk size, padding granularity). */
  perSample?: Omit<PerSampleOptions, 'method' | 'threads'>;
  /** Called after every step. */
  onStep?: (p: DpSgdProgress) => void;
}

/** One progress report. */
export interface DpSgdProgress {
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  /** Running mean per-example loss of this epoch. */
  loss: number;
  /** ε spent so far at δ. */
  epsilon: number;
  batchSize: number;
}

/** What dpSgdTrain returns. */
export interface DpSgdResult {
  history: { epoch: number; loss: number; epsilon: number }[];
  epsilon: number;
  delta: number;
  /** Optimal RDP order of the final ε. */
  order: number;
  steps: number;
  noiseMultiplier: number;
  maxGradNorm: number;
  samplingRate: number;
  expectedBatchSize: number;
  sampling: DpSgdSampling;
  /** Per-sample gradient method used. */
  method: 'graph' | 'microbatch';
  /** `crypto` or `seeded:<seed>`. */
  random: string;
}

/**
 * Poisson sampling: each of n indices joins the batch independently with probability q,
 * compared on 53-bit uniforms (Opacus UniformWithReplacementSampler: torch.rand < q).
 *
 * @example
 * const idx = poissonSample(60000, 256 / 60000, cryptoRandom());
 */
export function poissonSample(n: number, q: number, random: RandomSource): Uint32Array {
  const bytes = new Uint8Array(8 * n);
  random.fill(bytes);
  const words = new Uint32Array(bytes.buffer);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = ((words[2 * i] as number) >>> 5) * 67108864 + ((words[2 * i + 1] as number) >>> 6);
    if (u / 9007199254740992 < q) out.push(i);
  }
  return Uint32Array.from(out);
}

/**
 * Adds N(0, std²) to every value (Box–Muller on 53-bit uniforms from the random source).
 * Floating-point Gaussian noise as Opacus and TF Privacy draw it; the discrete/snapping
 * samplers of ../mechanisms are for releases of single statistics.
 *
 * @example
 * addGaussianNoise(gradient, 1.1 * 1.0, seededRandom(1));
 */
export function addGaussianNoise(values: Float32Array, std: number, random: RandomSource): void {
  if (std === 0 || values.length === 0) return;
  const pairs = Math.ceil(values.length / 2);
  const bytes = new Uint8Array(16 * pairs);
  random.fill(bytes);
  const w = new Uint32Array(bytes.buffer);
  for (let p = 0; p < pairs; p++) {
    const u1 =
      (((w[4 * p] as number) >>> 5) * 67108864 + ((w[4 * p + 1] as number) >>> 6) + 1) /
      9007199254740992; // (k + 1) / 2^53 in (0, 1]: log never sees 0
    const u2 =
      (((w[4 * p + 2] as number) >>> 5) * 67108864 + ((w[4 * p + 3] as number) >>> 6)) /
      9007199254740992;
    const r = std * Math.sqrt(-2 * Math.log(u1));
    const i = 2 * p;
    values[i] = (values[i] as number) + r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < values.length)
      values[i + 1] = (values[i + 1] as number) + r * Math.sin(2 * Math.PI * u2);
  }
}

function positive(name: string, v: number, fix: string): void {
  if (!(v > 0)) throw new AisfError('E_CONFIG', `${name} must be a number > 0 (got ${v}); ${fix}`);
}

/** Sampling rate, expected batch size and steps per epoch for n examples (Opacus rules). */
export function dpSgdSchedule(
  n: number,
  options: { batchSize?: number; samplingRate?: number },
): { samplingRate: number; expectedBatchSize: number; stepsPerEpoch: number } {
  if (!Number.isSafeInteger(n) || n < 1)
    throw new AisfError('E_INPUT', 'DP-SGD needs at least one training example');
  if (options.samplingRate !== undefined) {
    const q = options.samplingRate;
    if (!(q > 0 && q <= 1))
      throw new AisfError(
        'E_CONFIG',
        `samplingRate must be in (0, 1] (got ${q}); use expected batch size / dataset size`,
      );
    const expectedBatchSize = Math.floor(n * q);
    if (expectedBatchSize < 1)
      throw new AisfError(
        'E_CONFIG',
        `samplingRate ${q} gives an expected batch below 1 for ${n} examples; raise it`,
      );
    return { samplingRate: q, expectedBatchSize, stepsPerEpoch: Math.floor(1 / q) };
  }
  const b = options.batchSize ?? 64;
  if (!Number.isSafeInteger(b) || b < 1)
    throw new AisfError('E_CONFIG', `batchSize must be a positive integer (got ${b})`);
  // Opacus: sample_rate = 1 / len(data_loader), expected_batch_size = int(N · sample_rate).
  const batches = Math.ceil(n / b);
  const q = 1 / batches;
  return {
    samplingRate: q,
    expectedBatchSize: Math.max(1, Math.floor(n * q)),
    stepsPerEpoch: batches,
  };
}

/** Settings of one DP-SGD step. */
export interface DpSgdStepOptions {
  /** C. */
  maxGradNorm: number;
  /** σ·C (0: no noise). */
  noiseStd: number;
  /** The divisor of the noisy sum (Opacus `expected_batch_size`, loss_reduction "mean"). */
  expectedBatchSize: number;
  optimizer: Optimizer;
  random: RandomSource;
}

/**
 * One DP-SGD step on a drawn batch: clipped per-example sum, + N(0, σ²C²), ÷ expected batch
 * size, optimizer step on `weights` (updated in place and written to the model). Returns the
 * batch's per-example losses. An empty batch still takes a pure-noise step, as Opacus does.
 *
 * @example
 * await dpSgdStep(ps, weights, xb, yb, { maxGradNorm: 1, noiseStd: 1.1, expectedBatchSize: 64, optimizer, random });
 */
export async function dpSgdStep(
  ps: PerSampleGradients,
  weights: Map<string, Tensor<Float32Array>>,
  x: Tensor<Float32Array>,
  y: Tensor,
  o: DpSgdStepOptions,
): Promise<Float32Array> {
  let sum: Map<string, Tensor<Float32Array>>;
  let losses: Float32Array = new Float32Array(0);
  if ((x.shape[0] as number) > 0) {
    const r = await ps.clippedSum(x, y, o.maxGradNorm);
    sum = r.gradients;
    losses = r.losses;
  } else {
    sum = new Map(
      [...weights].map(([k, w]) => [
        k,
        { data: new Float32Array(w.data.length), shape: [...w.shape] },
      ]),
    );
  }
  const inv = 1 / o.expectedBatchSize;
  for (const g of sum.values()) {
    addGaussianNoise(g.data, o.noiseStd, o.random);
    for (let k = 0; k < g.data.length; k++) g.data[k] = (g.data[k] as number) * inv;
  }
  o.optimizer.step(weights, sum);
  ps.model.setWeights(weights);
  return losses;
}

/**
 * Trains the model's weights in place with DP-SGD and reports the (ε, δ) spent.
 *
 * @example
 * const r = await dpSgdTrain(model, x, y, { noiseMultiplier: 1.1, maxGradNorm: 1, epochs: 1, batchSize: 64 });
 * console.log(r.epsilon, r.delta); // ε spent at δ = 1e-5
 */
export async function dpSgdTrain(
  model: Model,
  x: Tensor<Float32Array>,
  y: Tensor,
  options: DpSgdOptions = {},
): Promise<DpSgdResult> {
  const n = x.shape[0] as number;
  if (y.data.length !== n)
    throw new AisfError(
      'E_INPUT',
      `x has ${n} samples but y holds ${y.data.length} labels; pass one class index per sample`,
    );
  const epochs = options.epochs ?? 1;
  if (!Number.isSafeInteger(epochs) || epochs < 1)
    throw new AisfError('E_CONFIG', `epochs must be a positive integer (got ${epochs})`);
  const maxGradNorm = options.maxGradNorm ?? 1.0;
  positive('maxGradNorm', maxGradNorm, 'it is the per-example clipping bound C, e.g. 1.0');
  const delta = options.delta ?? 1e-5;
  if (!(delta > 0 && delta < 1))
    throw new AisfError(
      'E_CONFIG',
      `delta must be in (0, 1) (got ${delta}); use at most 1/dataset size, e.g. 1e-5`,
    );
  const sampling = options.sampling ?? 'poisson';
  if (!DP_SGD_SAMPLING.includes(sampling))
    throw new AisfError('E_CONFIG', `sampling must be one of ${DP_SGD_SAMPLING.join(', ')}`);
  const schedule = dpSgdSchedule(n, options);
  const accountantOptions: AccountantOptions = options.accountant ?? {
    orders: OPACUS_ORDERS,
    series: 'opacus',
  };
  const totalSteps = epochs * schedule.stepsPerEpoch;
  let sigma = options.noiseMultiplier ?? 1.1;
  if (options.targetEpsilon !== undefined) {
    sigma = noiseMultiplierForEpsilon(
      {
        samplingRate: schedule.samplingRate,
        steps: totalSteps,
        delta,
        targetEpsilon: options.targetEpsilon,
      },
      accountantOptions,
    ).noiseMultiplier;
  }
  if (!(sigma >= 0) || !Number.isFinite(sigma))
    throw new AisfError(
      'E_CONFIG',
      `noiseMultiplier must be a finite number ≥ 0 (got ${sigma}); 1.1 is Opacus' example`,
    );
  const optimizer = options.optimizer ?? sgd({ lr: 0.1 });
  const seed = options.seed;
  const sampleRng = seed === undefined ? cryptoRandom() : seededRandom(`${seed}/sampling`);
  const noiseRng = seed === undefined ? cryptoRandom() : seededRandom(`${seed}/noise`);
  const shuffleRng = seededShuffle(typeof seed === 'number' ? seed : 0);
  const ps = await perSampleGradients(model, {
    ...(options.perSample ?? {}),
    ...(options.method ? { method: options.method } : {}),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  const accountant = new RdpAccountant(accountantOptions);
  const history: DpSgdResult['history'] = [];
  const weights = model.weights();
  if (sigma > 0 && !Number.isFinite(maxGradNorm))
    throw new AisfError(
      'E_CONFIG',
      'maxGradNorm must be finite when noiseMultiplier > 0 (the noise std is σ·C); e.g. 1.0',
    );
  const std = sigma === 0 ? 0 : sigma * maxGradNorm;
  const slice = options.batchSize ?? schedule.expectedBatchSize;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      let lossSum = 0;
      let seen = 0;
      const order = sampling === 'shuffle' ? permutation(n, shuffleRng) : undefined;
      for (let step = 0; step < schedule.stepsPerEpoch; step++) {
        const idx = order
          ? order.subarray(step * slice, Math.min(n, (step + 1) * slice))
          : poissonSample(n, schedule.samplingRate, sampleRng);
        const losses = await dpSgdStep(ps, weights, takeRows(x, idx), takeRows(y, idx), {
          maxGradNorm,
          noiseStd: std,
          expectedBatchSize: schedule.expectedBatchSize,
          optimizer,
          random: noiseRng,
        });
        for (const l of losses) lossSum += l;
        seen += idx.length;
        accountant.step({ noiseMultiplier: sigma, samplingRate: schedule.samplingRate });
        const mean = seen ? lossSum / seen : 0;
        if (!Number.isFinite(mean))
          throw new AisfError(
            'E_INPUT',
            `the loss diverged (${mean}) at epoch ${epoch}, step ${step + 1}; lower the learning rate`,
          );
        if (options.onStep)
          options.onStep({
            epoch,
            epochs,
            step: step + 1,
            steps: schedule.stepsPerEpoch,
            loss: mean,
            epsilon: accountant.epsilon(delta).epsilon,
            batchSize: idx.length,
          });
      }
      history.push({
        epoch,
        loss: seen ? lossSum / seen : 0,
        epsilon: accountant.epsilon(delta).epsilon,
      });
    }
  } finally {
    await ps.release();
  }
  const spent = accountant.epsilon(delta);
  return {
    history,
    epsilon: spent.epsilon,
    delta,
    order: spent.order,
    steps: totalSteps,
    noiseMultiplier: sigma,
    maxGradNorm,
    samplingRate: schedule.samplingRate,
    expectedBatchSize: schedule.expectedBatchSize,
    sampling,
    method: ps.method,
    random: noiseRng.name,
  };
}
