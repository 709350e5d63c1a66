/**
 * @module The `dp-sgd` hardening method (`aisf harden --method dp-sgd`): DP-SGD with Opacus'
 * defaults behind the harden registry's descriptor; reports the (ε, δ) spent with the model.
 */
import { z } from 'zod';
import {
  defineHardeningMethod,
  makeOptimizer,
  TRAINING_OPTIONS,
} from '../../../algorithm/robustness/harden/method.js';
import { PER_SAMPLE_METHODS } from '../../../engine/index.js';
import { dpSgdTrain } from './index.js';

/** Options of DP-SGD training; defaults from Opacus' README and examples/mnist.py. */
export const DP_SGD_TRAINING_OPTIONS = z.object({
  epochs: TRAINING_OPTIONS.epochs,
  batchSize: TRAINING_OPTIONS.batchSize
    .removeDefault()
    .default(64)
    .describe('expected batch size B; q = 1/ceil(N/B) as Opacus DPDataLoader (Opacus mnist: 64)'),
  samplingRate: z
    .number()
    .positive()
    .max(1)
    .optional()
    .describe('Poisson sampling rate q (instead of --batch-size); ⌊1/q⌋ steps per epoch'),
  optimizer: TRAINING_OPTIONS.optimizer
    .removeDefault()
    .default('sgd')
    .describe('adam or sgd (PyTorch update rules; Opacus mnist: sgd)'),
  lr: TRAINING_OPTIONS.lr
    .removeDefault()
    .default(0.1)
    .describe('learning rate (Opacus mnist: 0.1)'),
  momentum: TRAINING_OPTIONS.momentum,
  noiseMultiplier: z
    .number()
    .min(0)
    .max(1e6)
    .default(1.1)
    .describe('σ: noise std / clipping norm (Opacus README: 1.1)'),
  maxGradNorm: z
    .number()
    .positive()
    .max(1e6)
    .default(1)
    .describe('C: per-example L2 clipping bound over all weights (Opacus: 1.0)'),
  delta: z.number().positive().lt(1).default(1e-5).describe('δ of the reported (ε, δ)'),
  targetEpsilon: z
    .number()
    .positive()
    .max(1e6)
    .optional()
    .describe('solve σ so the run spends at most this ε (Opacus make_private_with_epsilon)'),
  perSample: z
    .enum(PER_SAMPLE_METHODS)
    .default('auto')
    .describe('per-example gradients: graph (Gemm/MatMul/Conv models), microbatch (any), auto'),
  seed: TRAINING_OPTIONS.seed
    .removeDefault()
    .optional()
    .describe('seed of sampling and noise; default OS CSPRNG (a known seed voids the guarantee)'),
});

/** DP-SGD as a hardening method. */
export const dpSgdTraining = defineHardeningMethod({
  id: 'dp-sgd',
  title: 'DP-SGD: Poisson sampling, per-example clipping, Gaussian noise, RDP accountant',
  reference: 'Abadi et al. 2016 (CCS); Opacus 1.5 defaults and semantics, RDP accountant',
  options: DP_SGD_TRAINING_OPTIONS,
  async run(model, data, o, progress) {
    const n = data.x.shape[0] as number;
    const r = await dpSgdTrain(
      model,
      data.x,
      { data: data.y, shape: [n] },
      {
        epochs: o.epochs,
        ...(o.samplingRate === undefined
          ? { batchSize: o.batchSize }
          : { samplingRate: o.samplingRate }),
        optimizer: makeOptimizer(o),
        noiseMultiplier: o.noiseMultiplier,
        maxGradNorm: o.maxGradNorm,
        delta: o.delta,
        ...(o.targetEpsilon === undefined ? {} : { targetEpsilon: o.targetEpsilon }),
        method: o.perSample,
        ...(o.seed === undefined ? {} : { seed: o.seed }),
        ...(progress
          ? {
              onStep: (p) =>
                progress({
                  epoch: p.epoch,
                  epochs: p.epochs,
                  step: p.step,
                  steps: p.steps,
                  loss: p.loss,
                }),
            }
          : {}),
      },
    );
    return {
      model,
      report: {
        history: r.history.map((h) => ({ epoch: h.epoch, loss: h.loss })),
        steps: r.steps,
        details: {
          epsilon: r.epsilon,
          delta: r.delta,
          order: r.order,
          noiseMultiplier: r.noiseMultiplier,
          maxGradNorm: r.maxGradNorm,
          samplingRate: r.samplingRate,
          expectedBatchSize: r.expectedBatchSize,
          accountant: 'rdp (Opacus orders)',
          perSample: r.method,
          random: r.random,
        },
      },
    };
  },
});
