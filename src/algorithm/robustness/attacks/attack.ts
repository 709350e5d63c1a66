/**
 * @module The attack contract: a descriptor per attack (id, white-box or black-box, norms,
 * defaults, progress cost, run), so the runner, CLI help and validation read one registry.
 */
import type { Model, Tensor } from '../../../engine/index.js';
import { AisfError } from '../../../errors.js';
import type { ValueRange } from '../image.js';
import type { AttackModel, Norm } from './common.js';

/** `white-box` attacks need the engine's input gradients; `black-box` ones only predictions. */
export type AttackKind = 'white-box' | 'black-box';

/** What a black-box attack needs from a model: predictions only (a local ONNX file or a remote endpoint). */
export type PredictModel = Pick<Model, 'predict'>;

/** What the runner accepts: a model that predicts, and may have gradients. */
export type RunnerModel = PredictModel & Partial<Pick<Model, 'lossAndGradient'>>;

/** A scalar attack parameter as it appears in reports. */
export type ParamValue = number | boolean | string;

/** One attack to run at one or more ε (the runner's and CLI's request). */
export interface AttackSpec {
  /** Registry id, e.g. `fgsm`, `pgd`, `square`, `hopskipjump`. */
  name: string;
  /** Budgets of the robustness curve. @default the descriptor's defaults.eps */
  eps?: readonly number[];
  /** @default 'inf' */
  norm?: Norm;
  /** PGD only: preset and overrides (eps comes from `eps`). @default preset 'art' */
  preset?: string;
  epsStep?: number;
  /** Iterations (PGD, Square, HopSkipJump). @default the attack's own */
  maxIter?: number;
  randomStart?: boolean;
  /** Black-box only: the most model queries spent per sample (never exceeded). */
  maxQueries?: number;
  /** Targeted towards these classes (one per sample). */
  targets?: readonly number[];
  /** Attack-specific extras (see each descriptor's `defaults`). */
  params?: Readonly<Record<string, ParamValue>>;
}

/** What the runner hands an attack for one ε. */
export interface AttackRunContext {
  spec: AttackSpec;
  eps: number;
  norm: Norm;
  range: ValueRange;
  batchSize: number;
  seed: number;
  /** True labels (untargeted) or target classes (targeted), one per sample. */
  labels: Int32Array;
  targeted: boolean;
  /** Fraction 0…1 of this attack run done. */
  onProgress: (fraction: number) => void;
}

/** Model queries a black-box attack spent. */
export interface QueryStats {
  /** Per-sample budget (never exceeded). */
  budget: number;
  mean: number;
  max: number;
  total: number;
  /** Queries spent on each sample. */
  perSample: number[];
}

/** What one attack run returns. */
export interface AttackOutcome {
  adversarial: Tensor<Float32Array>;
  /** Resolved parameters, as reported. */
  params: Record<string, ParamValue>;
  /** Black-box attacks: queries spent. */
  queries?: QueryStats;
}

/** An attack plugin: its registry entry. */
export interface AttackDescriptor {
  /** Stable kebab-case id used by `--attack`. */
  id: string;
  title: string;
  /** The paper / reference implementation the defaults match. */
  reference: string;
  kind: AttackKind;
  /** Norms it supports. */
  norms: readonly Norm[];
  /** Documented defaults (eps at least). */
  defaults: { readonly eps: number } & Readonly<Record<string, ParamValue>>;
  /** The ε used when the request names none, when it depends on the request (e.g. a preset). */
  defaultEps?(spec: AttackSpec): number;
  /** Progress units of one run at ε (≈ model passes over the batch). */
  cost(spec: AttackSpec, eps: number): number;
  /** Runs the attack on a batch. */
  run(model: RunnerModel, x: Tensor<Float32Array>, ctx: AttackRunContext): Promise<AttackOutcome>;
}

/** Narrows a runner model to one with gradients, or says why the attack cannot run. */
export function requireGradients(model: RunnerModel, attack: string): AttackModel {
  if (typeof model.lossAndGradient !== 'function')
    throw new AisfError(
      'E_USAGE',
      `attack "${attack}" is white-box and needs input gradients, which this model source (e.g. a remote endpoint) does not provide; use a black-box attack (square, hopskipjump)`,
    );
  return model as AttackModel;
}

/** Summarises per-sample query counts. */
export function queryStats(perSample: ArrayLike<number>, budget: number): QueryStats {
  const list = Array.from(perSample);
  const total = list.reduce((a, b) => a + b, 0);
  return {
    budget,
    mean: list.length ? total / list.length : 0,
    max: list.reduce((a, b) => Math.max(a, b), 0),
    total,
    perSample: list,
  };
}
