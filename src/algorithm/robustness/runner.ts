/**
 * @module The robustness evaluation: clean accuracy, then each attack at each ε (a robustness
 * curve) and each corruption at each severity, in one batched, seeded run with progress.
 */
import type { Model, Tensor } from '../../engine/index.js';
import { AisfError } from '../../errors.js';
import { type AttackModel, argmaxRows, type Norm } from './attacks/common.js';
import { FGSM_DEFAULTS, fgsm } from './attacks/fgsm/index.js';
import { type PgdParams, type PgdPreset, pgd, pgdParams } from './attacks/pgd/index.js';
import { CORRUPTION_NAMES, findCorruption } from './corruptions/index.js';
import { checkRange, DEFAULT_RANGE, type ValueRange } from './image.js';
import {
  accuracyOf,
  type ClassAccuracy,
  meanPerturbation,
  perClassAccuracy,
  successRate,
} from './metrics/index.js';

/** The attacks the runner knows. */
export const ATTACK_NAMES = ['fgsm', 'pgd'] as const;
/** `fgsm` or `pgd`. */
export type AttackName = (typeof ATTACK_NAMES)[number];

/** One attack to run at one or more ε. */
export interface AttackSpec {
  name: AttackName;
  /** Budgets of the robustness curve. @default [0.3] (ART) */
  eps?: readonly number[];
  /** @default 'inf' */
  norm?: Norm;
  /** PGD only: preset and overrides (eps comes from `eps`). @default preset 'art' */
  preset?: PgdPreset;
  epsStep?: number;
  maxIter?: number;
  randomStart?: boolean;
  /** Targeted towards these classes (one per sample). */
  targets?: readonly number[];
}

/** Options of evaluateRobustness. */
export interface RobustnessOptions {
  /** @default [0, 1] */
  range?: ValueRange;
  attacks?: readonly AttackSpec[];
  /** Corruption names, or 'all'. @default [] */
  corruptions?: readonly string[] | 'all';
  /** Severities 1…5 to run each corruption at. @default [1, 2, 3, 4, 5] */
  severities?: readonly number[];
  /** Seed of random starts and corruptions. @default 0 */
  seed?: number;
  /** Samples per gradient / prediction call. @default 128 */
  batchSize?: number;
  /** Keep the adversarial examples of every attack × ε in the result. @default false */
  keepAdversarial?: boolean;
  /** Progress: fraction 0…1 of the whole run and the current stage. */
  onProgress?: (fraction: number, stage: string) => void;
}

/** One point of the robustness curve. */
export interface AttackResultRow {
  name: AttackName;
  norm: Norm;
  eps: number;
  params: Record<string, number | boolean | string>;
  accuracy: number | null;
  successRate: number | null;
  meanLinf: number;
  meanL2: number;
  perClass: ClassAccuracy[];
}

/** The report (`aisf test robustness --format json`). */
export interface RobustnessReport {
  clean: { accuracy: number | null; n: number; perClass: ClassAccuracy[] };
  attacks: AttackResultRow[];
  corruptions: { name: string; severity: number; accuracy: number | null }[];
  /** `${name}:${norm}:${eps}` → adversarial examples, when keepAdversarial. */
  adversarial?: Map<string, Tensor<Float32Array>>;
}

/** Predicted classes for a batch (batched by the engine). */
async function classify(
  model: AttackModel,
  x: Tensor<Float32Array>,
  batchSize: number,
): Promise<Int32Array> {
  return argmaxRows(await model.predict(x, { batchSize }));
}

/** Resolves and validates the corruption list. */
export function resolveCorruptions(list: readonly string[] | 'all' | undefined): string[] {
  if (list === undefined) return [];
  if (list === 'all') return [...CORRUPTION_NAMES];
  for (const name of list)
    if (!findCorruption(name))
      throw new AisfError(
        'E_INPUT',
        `unknown corruption "${name}"; known: ${CORRUPTION_NAMES.join(', ')}`,
      );
  return [...list];
}

/**
 * Evaluates a classifier's robustness on labelled data.
 *
 * @example
 * const report = await evaluateRobustness(model, x, y, {
 *   attacks: [{ name: 'fgsm', eps: [0.05, 0.1] }, { name: 'pgd', eps: [0.1], preset: 'madry' }],
 *   corruptions: 'all', severities: [1, 3, 5],
 * });
 */
export async function evaluateRobustness(
  model: Pick<Model, 'predict' | 'lossAndGradient'>,
  x: Tensor<Float32Array>,
  y: ArrayLike<number>,
  options: RobustnessOptions = {},
): Promise<RobustnessReport> {
  const range = options.range ?? DEFAULT_RANGE;
  checkRange(range);
  const n = x.shape[0] as number;
  if (y.length !== n)
    throw new AisfError('E_INPUT', `labels hold ${y.length} values for ${n} samples`);
  const labels = Int32Array.from(y, Number);
  const batchSize = options.batchSize ?? 128;
  const seed = options.seed ?? 0;
  const attacks = options.attacks ?? [];
  const corruptions = resolveCorruptions(options.corruptions);
  const severities = options.severities ?? [1, 2, 3, 4, 5];
  for (const s of severities)
    if (!Number.isInteger(s) || s < 1 || s > 5)
      throw new AisfError('E_INPUT', `severities must be integers 1…5 (got ${s})`);
  if (corruptions.length && x.shape.length !== 4)
    throw new AisfError(
      'E_INPUT',
      `corruptions need NCHW images; the data has shape [${x.shape.join(', ')}]`,
    );
  for (const a of attacks)
    if (!(ATTACK_NAMES as readonly string[]).includes(a.name))
      throw new AisfError(
        'E_INPUT',
        `unknown attack "${a.name}"; known: ${ATTACK_NAMES.join(', ')}`,
      );

  // Work units: one per prediction pass, maxIter per PGD run.
  const pgdOf = (a: AttackSpec, eps: number): PgdParams =>
    pgdParams({
      ...(a.preset ? { preset: a.preset } : {}),
      eps,
      ...(a.norm ? { norm: a.norm } : {}),
      ...(a.epsStep !== undefined ? { epsStep: a.epsStep } : {}),
      ...(a.maxIter !== undefined ? { maxIter: a.maxIter } : {}),
      ...(a.randomStart !== undefined ? { randomStart: a.randomStart } : {}),
    });
  const epsList = (a: AttackSpec) =>
    a.eps ?? [a.name === 'fgsm' ? FGSM_DEFAULTS.eps : pgdOf(a, 0.3).eps];
  let total = 1 + corruptions.length * severities.length;
  for (const a of attacks)
    for (const e of epsList(a)) total += 1 + (a.name === 'pgd' ? pgdOf(a, e).maxIter : 1);
  let done = 0;
  const tick = (units: number, stage: string) => {
    done += units;
    options.onProgress?.(Math.min(1, done / total), stage);
  };

  const cleanPred = await classify(model, x, batchSize);
  tick(1, 'clean');
  const report: RobustnessReport = {
    clean: {
      accuracy: accuracyOf(cleanPred, labels),
      n,
      perClass: perClassAccuracy(cleanPred, labels),
    },
    attacks: [],
    corruptions: [],
  };
  if (options.keepAdversarial) report.adversarial = new Map();

  for (const a of attacks) {
    for (const eps of epsList(a)) {
      const norm: Norm = a.norm ?? 'inf';
      const targeted = a.targets !== undefined;
      const common = {
        range,
        batchSize,
        labels: a.targets ?? labels,
        targeted,
      };
      let adv: Tensor<Float32Array>;
      let params: Record<string, number | boolean | string>;
      const stage = `${a.name} ${norm} eps=${eps}`;
      if (a.name === 'fgsm') {
        adv = await fgsm(model, x, { ...common, eps, norm });
        params = { targeted, loss: 'cross-entropy' };
        tick(2, stage);
      } else {
        const p = pgdOf(a, eps);
        let last = 0;
        adv = await pgd(model, x, {
          ...common,
          ...p,
          seed,
          onProgress: (d) => {
            tick(((d - last) / n) * p.maxIter, stage);
            last = d;
          },
        });
        params = {
          preset: a.preset ?? 'art',
          epsStep: p.epsStep,
          maxIter: p.maxIter,
          randomStart: p.randomStart,
          targeted,
          seed,
          loss: 'cross-entropy',
        };
        tick(1, stage);
      }
      const advPred = await classify(model, adv, batchSize);
      const { meanLinf, meanL2 } = meanPerturbation(x, adv);
      report.attacks.push({
        name: a.name,
        norm,
        eps,
        params,
        accuracy: accuracyOf(advPred, labels),
        successRate: successRate(cleanPred, advPred, labels, a.targets),
        meanLinf,
        meanL2,
        perClass: perClassAccuracy(advPred, labels),
      });
      report.adversarial?.set(`${a.name}:${norm}:${eps}`, adv);
    }
  }

  for (const name of corruptions) {
    const c = findCorruption(name);
    if (!c) continue;
    for (const severity of severities) {
      const out = c.apply(x, severity, { range, seed });
      const pred = await classify(model, out, batchSize);
      report.corruptions.push({ name, severity, accuracy: accuracyOf(pred, labels) });
      tick(1, `${name} severity ${severity}`);
    }
  }
  return report;
}
