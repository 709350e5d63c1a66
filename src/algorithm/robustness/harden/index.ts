/**
 * @module Hardening (CAICT-AISF-2020 3(二)1 robustness enhancement; TC260 seed 003 §5.1): the
 * method registry (FGSM/PGD adversarial training, Gaussian-noise training, corruption
 * augmentation, input-gradient regularization) and harden(), which trains with one method and
 * measures clean, FGSM and PGD accuracy before and after through the robustness runner.
 */

import { dpSgdTraining } from '../../../data/privacy/dp-sgd/method.js';
import type { Model, Tensor, TrainProgress } from '../../../engine/index.js';
import { AisfError } from '../../../errors.js';
import type { Norm } from '../attacks/common.js';
import { checkRange, DEFAULT_RANGE, type ValueRange } from '../image.js';
import { evaluateRobustness } from '../runner.js';
import { augmentTraining } from './augment/index.js';
import { fgsmTraining } from './fgsm/index.js';
import { gradRegTraining } from './gradreg/index.js';
import type { HardeningMethod, MethodReport } from './method.js';
import { parseMethodOptions } from './method.js';
import { noiseTraining } from './noise/index.js';
import { pgdTraining } from './pgd/index.js';

export { AUGMENT_TRAINING_OPTIONS, augmentTraining } from './augment/index.js';
export { FGSM_TRAINING_OPTIONS, fgsmTraining } from './fgsm/index.js';
export { GRADREG_TRAINING_OPTIONS, gradRegTraining } from './gradreg/index.js';
export {
  chooseRows,
  type FitOptions,
  type FitResult,
  fitHardened,
  inputGradientPenalty,
  type PenaltyResult,
  replaceRows,
  trainingAttackModel,
} from './loop.js';
export {
  defineHardeningMethod,
  type EpochLoss,
  flagOf,
  type HardenData,
  type HardeningMethod,
  type MethodReport,
  makeOptimizer,
  type OptionDoc,
  optionDocs,
  parseMethodOptions,
  TRAINING_OPTIONS,
  type TrainingOptions,
} from './method.js';
export { addGaussianNoise, NOISE_TRAINING_OPTIONS, noiseTraining } from './noise/index.js';
export { PGD_TRAINING_OPTIONS, pgdTraining } from './pgd/index.js';

/**
 * Every hardening method, in help order. Adding one (e.g. DP-SGD from src/data/privacy/dp-sgd)
 * is one import and one line here; ids are unique (checked at load).
 */
export const HARDENING_METHODS: readonly HardeningMethod[] = [
  fgsmTraining,
  pgdTraining,
  noiseTraining,
  augmentTraining,
  gradRegTraining,
  dpSgdTraining,
] as HardeningMethod[];

const seen = new Set<string>();
for (const m of HARDENING_METHODS) {
  if (seen.has(m.id)) throw new Error(`duplicate hardening method "${m.id}"`);
  seen.add(m.id);
}

/** Looks a method up by id (undefined if unknown). */
export function findHardeningMethod(id: string): HardeningMethod | undefined {
  return HARDENING_METHODS.find((m) => m.id === id);
}

/** Accuracies of one evaluation (null when there were no samples). */
export interface HardenEvaluation {
  clean: number | null;
  fgsm: number | null;
  pgd: number | null;
}

/** The before/after comparison on the evaluation data. */
export interface HardenComparison {
  n: number;
  eps: number;
  norm: Norm;
  /** The PGD of the evaluation (deterministic: no random start). */
  pgd: { maxIter: number; epsStep: number; randomStart: false };
  before: HardenEvaluation;
  after: HardenEvaluation;
}

/** Progress of harden(): the stage, its fraction 0…1 and, while training, the step. */
export interface HardenProgress {
  stage: 'before' | 'train' | 'after';
  fraction: number;
  label: string;
  train?: TrainProgress;
}

/** Options of harden(). */
export interface HardenOptions {
  /** A HARDENING_METHODS id. */
  method: string;
  /** The method's options (validated by its schema; unknown keys are refused). @default {} */
  options?: Record<string, unknown>;
  /** Value range of the inputs. @default [0, 1] */
  range?: ValueRange;
  /** Labelled data to measure clean, FGSM and PGD accuracy on, before and after. */
  evaluate?: { x: Tensor<Float32Array>; y: Int32Array };
  /** ε of the evaluation attacks. @default the method's eps, else 0.1 */
  evalEps?: number;
  /**
   * PGD iterations of the evaluation; the step is 2.5·ε/maxIter (Madry et al.'s 2.5ε/k rule), no
   * random start, so the numbers are reproducible and the attack is stronger than PGD-7 training.
   * @default 20
   */
  evalMaxIter?: number;
  /** Samples per evaluation gradient / prediction call. @default 128 */
  evalBatchSize?: number;
  onProgress?: (p: HardenProgress) => void;
}

/** What harden() returns. */
export interface HardenResult {
  method: { id: string; title: string; reference: string };
  /** The method options after defaults. */
  options: Record<string, unknown>;
  /** The hardened model (the input model, trained in place, for the built-in methods). */
  model: Model;
  train: MethodReport & { n: number; seconds: number };
  evaluation?: HardenComparison;
}

/**
 * Hardens a classifier with one method and compares clean / FGSM / PGD accuracy before and after.
 *
 * @example
 * const r = await harden(model, x, y, {
 *   method: 'pgd', options: { eps: 0.1, epochs: 3 }, evaluate: { x: xTest, y: yTest },
 * });
 * writeFileSync('hardened.onnx', r.model.toOnnx());
 * console.log(r.evaluation?.before.pgd, '→', r.evaluation?.after.pgd);
 */
export async function harden(
  model: Model,
  x: Tensor<Float32Array>,
  y: Int32Array,
  options: HardenOptions,
): Promise<HardenResult> {
  const method = findHardeningMethod(options.method);
  if (!method)
    throw new AisfError(
      'E_CONFIG',
      `unknown hardening method "${options.method}"; known: ${HARDENING_METHODS.map((m) => m.id).join(', ')}`,
    );
  const resolved = parseMethodOptions(method, options.options ?? {}) as Record<string, unknown>;
  const range = options.range ?? DEFAULT_RANGE;
  checkRange(range);
  const n = x.shape[0] as number;
  if (y.length !== n)
    throw new AisfError('E_INPUT', `training labels hold ${y.length} values for ${n} samples`);
  const eps = options.evalEps ?? (typeof resolved.eps === 'number' ? resolved.eps : 0.1);
  if (!(Number.isFinite(eps) && eps > 0))
    throw new AisfError('E_CONFIG', `evaluation eps must be > 0 (got ${eps})`);
  const norm: Norm = resolved.norm === '2' ? '2' : 'inf';
  const maxIter = options.evalMaxIter ?? 20;
  if (!Number.isSafeInteger(maxIter) || maxIter < 1)
    throw new AisfError('E_CONFIG', `evaluation PGD iterations must be ≥ 1 (got ${maxIter})`);
  const epsStep = (2.5 * eps) / maxIter;
  const ev = options.evaluate;
  if (ev && ev.y.length !== (ev.x.shape[0] as number))
    throw new AisfError(
      'E_INPUT',
      `evaluation labels hold ${ev.y.length} values for ${ev.x.shape[0]} samples`,
    );

  const measure = async (stage: 'before' | 'after'): Promise<HardenEvaluation> => {
    if (!ev) return { clean: null, fgsm: null, pgd: null };
    const r = await evaluateRobustness(model, ev.x, ev.y, {
      range,
      attacks: [
        { name: 'fgsm', eps: [eps], norm },
        { name: 'pgd', eps: [eps], norm, epsStep, maxIter, randomStart: false },
      ],
      batchSize: options.evalBatchSize ?? 128,
      ...(options.onProgress
        ? {
            onProgress: (fraction: number, label: string) =>
              options.onProgress?.({ stage, fraction, label }),
          }
        : {}),
    });
    const acc = (name: string) => r.attacks.find((a) => a.name === name)?.accuracy ?? null;
    return { clean: r.clean.accuracy, fgsm: acc('fgsm'), pgd: acc('pgd') };
  };

  const before = await measure('before');
  const t0 = performance.now();
  const { model: hardened, report } = await method.run(
    model,
    { x, y, range },
    resolved,
    options.onProgress
      ? (p) =>
          options.onProgress?.({
            stage: 'train',
            fraction: ((p.epoch - 1) * p.steps + p.step) / (p.epochs * p.steps),
            label: `epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)}`,
            train: p,
          })
      : undefined,
  );
  const seconds = (performance.now() - t0) / 1000;
  model = hardened;
  const after = await measure('after');
  return {
    method: { id: method.id, title: method.title, reference: method.reference },
    options: resolved,
    model: hardened,
    train: { ...report, n, seconds },
    ...(ev
      ? {
          evaluation: {
            n: ev.x.shape[0] as number,
            eps,
            norm,
            pgd: { maxIter, epsStep, randomStart: false as const },
            before,
            after,
          },
        }
      : {}),
  };
}
