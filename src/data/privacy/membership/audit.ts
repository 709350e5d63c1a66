/**
 * @module The membership-inference audit (CAICT-AISF-2020 3(三)5 数据泄露安全性评测; TC260-AISGF-2024
 * 3.1.2(d) data leakage): balanced, seeded samples of training records (members) and holdout
 * records (non-members), the model's outputs on both, and each attack's AUC, advantage and TPR
 * at low FPR. Loss / entropy / modified-entropy attacks need only the outputs; the shadow attack
 * trains shadow models on attacker data (a separate pool, or half of the holdout).
 */
import {
  type Model,
  permutation,
  seededRandom,
  type Tensor,
  takeRows,
} from '../../../engine/index.js';
import { AisfError } from '../../../errors.js';
import { type AttackMetrics, attackMetrics, DEFAULT_FPRS } from './metrics.js';
import {
  accuracyOf,
  crossEntropy,
  logProbabilities,
  membershipScores,
  OUTPUT_KINDS,
  type OutputKind,
  type OutputKindSource,
  outputKindFromGraph,
  outputKindFromValues,
  SCORE_NAMES,
  type ScoreName,
} from './scores.js';
import { type LabelledData, type ShadowOptions, trainShadowAttack } from './shadow.js';

/** The attacks the audit runs. */
export const ATTACK_NAMES = [...SCORE_NAMES, 'shadow'] as const;
export type AttackName = (typeof ATTACK_NAMES)[number];

/** The attacks run by default: the loss-threshold and the shadow-model attack (issue 5). */
export const DEFAULT_ATTACKS: readonly AttackName[] = ['loss', 'shadow'];

/** Options of auditMembership. */
export interface AuditOptions {
  /** @default DEFAULT_ATTACKS */
  attacks?: readonly AttackName[];
  /** What the model's first output holds, or 'auto' (graph, then values). @default 'auto' */
  output?: OutputKind | 'auto';
  /** At most this many members (and as many non-members). @default all that balance allows */
  limit?: number;
  /** Seed of the member / non-member sampling and the shadow split. @default 0 */
  seed?: number;
  /** FPRs at which TPR is reported. @default [0.01, 0.001] */
  fprs?: readonly number[];
  /**
   * The attacker's own data for the shadow models. Without it, half of the holdout (seeded) is
   * given to the attacker and only the other half serves as non-members.
   */
  shadowData?: LabelledData;
  shadow?: Omit<ShadowOptions, 'seed' | 'onProgress'>;
  /** Samples per ONNX Runtime call. */
  batchSize?: number;
  onProgress?: (fraction: number, label: string) => void;
}

/** One attack's result. */
export interface AttackResult extends AttackMetrics {
  name: AttackName;
}

/** The audit's report (also the JSON of `aisf test privacy`). */
export interface MembershipReport {
  members: number;
  nonMembers: number;
  output: { kind: OutputKind; source: OutputKindSource; classes: number };
  /** Accuracy on the sampled members and non-members; the gap drives leakage (Yeom et al.). */
  memberAccuracy: number;
  nonMemberAccuracy: number;
  /** Mean cross-entropy on the sampled members and non-members. */
  memberLoss: number;
  nonMemberLoss: number;
  attacks: AttackResult[];
  /** The shadow attack's setup, when it ran. */
  shadow?: {
    pool: 'shadow-data' | 'holdout-half';
    poolSize: number;
    models: number;
    epochs: number;
    perModel: { in: number; out: number; inAccuracy: number; outAccuracy: number }[];
    perClassModels: number[];
  };
  seed: number;
}

function subset(d: LabelledData, idx: ArrayLike<number>): LabelledData {
  return {
    x: takeRows(d.x, idx),
    y: Int32Array.from(idx as ArrayLike<number>, (i) => d.y[i] as number),
  };
}

/** A seeded sample of `take` indices out of n, in increasing order. */
function sample(n: number, take: number, seed: number): Uint32Array {
  return permutation(n, seededRandom(seed)).slice(0, take).sort();
}

function sameShape(a: Tensor, b: Tensor, what: string): void {
  const inner = (t: Tensor) => t.shape.slice(1).join(', ');
  if (inner(a) !== inner(b))
    throw new AisfError(
      'E_INPUT',
      `${what}: samples are [${inner(b)}] but the training samples are [${inner(a)}]; all sets must have the model's input shape`,
    );
}

/**
 * Runs the membership-inference attacks on a model, given its training set (members) and data
 * it never saw (non-members).
 *
 * Members and non-members are sampled to equal counts (seeded) so that AUC and advantage are
 * not driven by the base rate (Jayaraman et al. 2021 discuss imbalanced priors). The advantage
 * and TPR at low FPR choose the best threshold on the audit data itself: an optimistic
 * (worst-case for the defender) estimate, as in ML Privacy Meter and Carlini et al. 2022.
 *
 * @example
 * const report = await auditMembership(model, train, holdout, { attacks: ['loss', 'shadow'], limit: 1000, seed: 1 });
 * report.attacks[0].auc; // > 0.5 means the model leaks membership
 */
export async function auditMembership(
  model: Model,
  train: LabelledData,
  holdout: LabelledData,
  options: AuditOptions = {},
): Promise<MembershipReport> {
  const attacks = options.attacks ?? DEFAULT_ATTACKS;
  const seed = options.seed ?? 0;
  const fprs = options.fprs ?? DEFAULT_FPRS;
  for (const a of attacks)
    if (!(ATTACK_NAMES as readonly string[]).includes(a))
      throw new AisfError('E_INPUT', `unknown attack "${a}" (known: ${ATTACK_NAMES.join(', ')})`);
  if (
    options.output !== undefined &&
    options.output !== 'auto' &&
    !OUTPUT_KINDS.includes(options.output)
  )
    throw new AisfError('E_INPUT', `output must be auto or one of ${OUTPUT_KINDS.join(', ')}`);
  sameShape(train.x, holdout.x, 'holdout');
  if (options.shadowData) sameShape(train.x, options.shadowData.x, 'shadow data');
  const progress = options.onProgress;
  const wantShadow = attacks.includes('shadow');

  // Non-members: the holdout, or half of it when the attacker's shadow pool comes from it.
  let nonMemberPool = holdout;
  let shadowPool: LabelledData | undefined;
  let poolKind: 'shadow-data' | 'holdout-half' = 'shadow-data';
  if (wantShadow) {
    if (options.shadowData) shadowPool = options.shadowData;
    else {
      const n = holdout.x.shape[0] as number;
      const order = permutation(n, seededRandom(seed ^ 0x0d1e));
      const cut = Math.floor(n / 2);
      shadowPool = subset(holdout, order.slice(0, cut).sort());
      nonMemberPool = subset(holdout, order.slice(cut).sort());
      poolKind = 'holdout-half';
    }
  }
  const nTrain = train.x.shape[0] as number;
  const nHold = nonMemberPool.x.shape[0] as number;
  const m = Math.min(nTrain, nHold, options.limit ?? Number.POSITIVE_INFINITY);
  if (m < 1)
    throw new AisfError(
      'E_INPUT',
      `the audit needs at least one member and one non-member (train: ${nTrain}, holdout available: ${nHold})`,
    );
  const members = subset(train, sample(nTrain, m, seed * 2 + 1));
  const nonMembers = subset(nonMemberPool, sample(nHold, m, seed * 2 + 2));

  progress?.(0, 'target outputs');
  const batch = options.batchSize ? { batchSize: options.batchSize } : {};
  const rawIn = await model.predict(members.x, batch);
  const rawOut = await model.predict(nonMembers.x, batch);
  const width = rawIn.shape.length === 2 ? (rawIn.shape[1] as number) : 0;
  if (rawIn.shape.length !== 2 || width < 1)
    throw new AisfError(
      'E_INPUT',
      `the model's first output is [${rawIn.shape.join(', ')}]; the audit needs class scores [batch, classes]`,
    );
  let kind: OutputKind;
  let source: OutputKindSource;
  if (options.output && options.output !== 'auto') {
    kind = options.output;
    source = 'declared';
  } else {
    const fromGraph = outputKindFromGraph(model);
    if (fromGraph) {
      kind = fromGraph;
      source = 'graph';
    } else {
      const both = new Float32Array(rawIn.data.length + rawOut.data.length);
      both.set(rawIn.data);
      both.set(rawOut.data, rawIn.data.length);
      kind = outputKindFromValues(both, width);
      source = 'values';
    }
  }
  const lpIn = logProbabilities(rawIn.data, width, kind);
  const lpOut = logProbabilities(rawOut.data, width, kind);
  const classes = lpIn.classes;
  const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / Math.max(1, a.length);

  const results: AttackResult[] = [];
  let shadowInfo: MembershipReport['shadow'];
  for (const name of attacks) {
    if (name !== 'shadow') {
      const s = name as ScoreName;
      results.push({
        name,
        ...attackMetrics(
          membershipScores(lpIn.logProbs, classes, members.y, s),
          membershipScores(lpOut.logProbs, classes, nonMembers.y, s),
          fprs,
        ),
      });
      continue;
    }
    const pool = shadowPool as LabelledData;
    const attack = await trainShadowAttack(model, pool, {
      ...options.shadow,
      seed,
      ...(progress ? { onProgress: (f: number, label: string) => progress(f, label) } : {}),
    });
    results.push({
      name,
      ...attackMetrics(
        attack.score(lpIn.logProbs, classes, members.y),
        attack.score(lpOut.logProbs, classes, nonMembers.y),
        fprs,
      ),
    });
    shadowInfo = {
      pool: poolKind,
      poolSize: pool.x.shape[0] as number,
      models: attack.shadows.length,
      epochs: options.shadow?.epochs ?? 20,
      perModel: attack.shadows,
      perClassModels: attack.perClassModels,
    };
  }
  progress?.(1, 'done');
  return {
    members: m,
    nonMembers: m,
    output: { kind, source, classes },
    memberAccuracy: accuracyOf(lpIn.logProbs, classes, members.y),
    nonMemberAccuracy: accuracyOf(lpOut.logProbs, classes, nonMembers.y),
    memberLoss: mean(crossEntropy(lpIn.logProbs, classes, members.y)),
    nonMemberLoss: mean(crossEntropy(lpOut.logProbs, classes, nonMembers.y)),
    attacks: results,
    ...(shadowInfo ? { shadow: shadowInfo } : {}),
    seed,
  };
}
