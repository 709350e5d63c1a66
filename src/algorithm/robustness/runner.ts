/**
 * @module The robustness evaluation: clean accuracy, then each attack at each ε (a robustness
 * curve) and each corruption at each severity, in one batched, seeded run with progress.
 */
import type { Tensor } from '../../engine/index.js';
import { AisfError } from '../../errors.js';
import type {
  AttackDescriptor,
  AttackSpec,
  ParamValue,
  PredictModel,
  QueryStats,
  RunnerModel,
} from './attacks/attack.js';
import { argmaxRows, NORMS, type Norm } from './attacks/common.js';
import { ATTACK_IDS, findAttack } from './attacks/registry.js';
import {
  CERTIFY_DEFAULTS,
  type CertificationReport,
  type CertifyOptions,
  certificationReport,
} from './certify/index.js';
import { CORRUPTION_NAMES, findCorruption } from './corruptions/index.js';
import { checkRange, DEFAULT_RANGE, type ValueRange } from './image.js';
import {
  accuracyOf,
  type ClassAccuracy,
  meanPerturbation,
  perClassAccuracy,
  successRate,
} from './metrics/index.js';

export type { AttackSpec } from './attacks/attack.js';

/** The attacks the runner knows: the registry's ids (`fgsm`, `pgd`, …). */
export const ATTACK_NAMES = ATTACK_IDS;
/** An attack registry id. */
export type AttackName = string;

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
  /** Randomized-smoothing certification (Cohen et al.); seed defaults to `seed`. */
  certify?: Omit<CertifyOptions, 'onProgress'> & { radii?: readonly number[] };
  /** Progress: fraction 0…1 of the whole run and the current stage. */
  onProgress?: (fraction: number, stage: string) => void;
}

/** One point of the robustness curve. */
export interface AttackResultRow {
  name: AttackName;
  norm: Norm;
  eps: number;
  params: Record<string, ParamValue>;
  accuracy: number | null;
  successRate: number | null;
  meanLinf: number;
  meanL2: number;
  perClass: ClassAccuracy[];
  /** Black-box attacks: model queries spent (per-sample budget, mean, max, total). */
  queries?: QueryStats;
}

/** The report (`aisf test robustness --format json`). */
export interface RobustnessReport {
  clean: { accuracy: number | null; n: number; perClass: ClassAccuracy[] };
  attacks: AttackResultRow[];
  corruptions: { name: string; severity: number; accuracy: number | null }[];
  /** Present when certification ran. */
  certification?: CertificationReport;
  /** `${name}:${norm}:${eps}` → adversarial examples, when keepAdversarial. */
  adversarial?: Map<string, Tensor<Float32Array>>;
}

/** Predicted classes for a batch (batched by the engine). */
async function classify(
  model: PredictModel,
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
  model: RunnerModel,
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
  const resolved: { spec: AttackSpec; attack: AttackDescriptor; norm: Norm; eps: number[] }[] = [];
  for (const a of attacks) {
    const attack = findAttack(a.name);
    if (!attack)
      throw new AisfError('E_INPUT', `unknown attack "${a.name}"; known: ${ATTACK_IDS.join(', ')}`);
    const norm: Norm = a.norm ?? 'inf';
    if (!(NORMS as readonly string[]).includes(norm) || !attack.norms.includes(norm))
      throw new AisfError(
        'E_INPUT',
        `attack "${a.name}" supports norm ${attack.norms.join(' or ')} (got ${norm})`,
      );
    if (attack.kind === 'white-box' && typeof model.lossAndGradient !== 'function')
      throw new AisfError(
        'E_USAGE',
        `attack "${a.name}" is white-box and needs input gradients, which this model source does not provide; use a black-box attack (${ATTACK_IDS.filter((id) => findAttack(id)?.kind === 'black-box').join(', ')})`,
      );
    if (a.targets !== undefined && a.targets.length !== n)
      throw new AisfError('E_INPUT', `targets hold ${a.targets.length} values for ${n} samples`);
    const eps = a.eps ? [...a.eps] : [attack.defaultEps?.(a) ?? attack.defaults.eps];
    resolved.push({ spec: a, attack, norm, eps });
  }

  // Work units: one per prediction pass, the attack's own cost per attack run.
  let total = 1 + corruptions.length * severities.length;
  // Certification: n0 + n noisy copies per sample ≈ that many passes over the batch.
  const certifyCost = options.certify
    ? (options.certify.n0 ?? CERTIFY_DEFAULTS.n0) + (options.certify.n ?? CERTIFY_DEFAULTS.n)
    : 0;
  total += certifyCost;
  for (const r of resolved) for (const e of r.eps) total += 1 + r.attack.cost(r.spec, e);
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

  for (const { spec, attack, norm, eps: epsValues } of resolved) {
    for (const eps of epsValues) {
      const targeted = spec.targets !== undefined;
      const stage = `${attack.id} ${norm} eps=${eps}`;
      const cost = attack.cost(spec, eps);
      let last = 0;
      const outcome = await attack.run(model, x, {
        spec,
        eps,
        norm,
        range,
        batchSize,
        seed,
        labels: spec.targets ? Int32Array.from(spec.targets) : labels,
        targeted,
        onProgress: (f) => {
          const clamped = Math.min(1, Math.max(last, f));
          tick((clamped - last) * cost, stage);
          last = clamped;
        },
      });
      tick((1 - last) * cost, stage);
      const adv = outcome.adversarial;
      const advPred = await classify(model, adv, batchSize);
      tick(1, stage);
      const { meanLinf, meanL2 } = meanPerturbation(x, adv);
      report.attacks.push({
        name: attack.id,
        norm,
        eps,
        params: outcome.params,
        accuracy: accuracyOf(advPred, labels),
        successRate: successRate(cleanPred, advPred, labels, spec.targets),
        meanLinf,
        meanL2,
        perClass: perClassAccuracy(advPred, labels),
        ...(outcome.queries ? { queries: outcome.queries } : {}),
      });
      report.adversarial?.set(`${attack.id}:${norm}:${eps}`, adv);
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
  if (options.certify) {
    let last = 0;
    report.certification = await certificationReport(model, x, labels, {
      seed,
      ...options.certify,
      onProgress: (f) => {
        tick((f - last) * certifyCost, `certify sigma=${options.certify?.sigma}`);
        last = f;
      },
    });
  }
  return report;
}
