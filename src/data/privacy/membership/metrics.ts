/**
 * @module Metrics of a membership-inference attack from its scores (higher = "member"): exact ROC
 * AUC (Mann–Whitney U with mid-ranks for ties), the ROC curve over every threshold, attacker
 * advantage max(TPR − FPR) (Yeom et al. 2018) and TPR at a low FPR (Carlini et al. 2022).
 */
import { AisfError } from '../../../errors.js';

/** One point of the ROC curve: predict "member" when score ≥ threshold. */
export interface RocPoint {
  fpr: number;
  tpr: number;
  /** The score threshold (+∞ for the first point, where nothing is called a member). */
  threshold: number;
}

/** The metrics of one attack. */
export interface AttackMetrics {
  /** Area under the ROC curve; 0.5 = no better than guessing. */
  auc: number;
  /**
   * Standard error of the AUC (Hanley & McNeil 1982, exponential approximation): compare two
   * models' AUCs against it before calling one less leaky.
   */
  aucStandardError: number;
  /** max over thresholds of TPR − FPR (Yeom et al. 2018's membership advantage), in [0, 1]. */
  advantage: number;
  /** The threshold at which the advantage is reached (an oracle choice on the audit data). */
  advantageThreshold: number;
  /**
   * TPR at each requested FPR, keyed by the FPR as written (`'0.01'`), or null when the
   * non-members are too few to resolve it (FPR below 1 / nonMembers).
   */
  tprAtFpr: Record<string, number | null>;
  /** The smallest non-zero FPR these non-members can resolve: 1 / nonMembers. */
  minResolvableFpr: number;
  members: number;
  nonMembers: number;
}

/** The FPRs at which TPR is reported by default: 1 % and 0.1 % (Carlini et al. 2022). */
export const DEFAULT_FPRS: readonly number[] = [0.01, 0.001];

function check(scores: ArrayLike<number>, what: string): void {
  if (scores.length === 0)
    throw new AisfError('E_INPUT', `${what}: no scores; the audit needs at least one sample each`);
  for (let i = 0; i < scores.length; i++)
    if (Number.isNaN(scores[i] as number))
      throw new AisfError(
        'E_INPUT',
        `${what}: score #${i} is NaN (the model output is not finite)`,
      );
}

/**
 * Exact ROC AUC = P(score(member) > score(non-member)) + ½ P(equal), computed as the
 * Mann–Whitney U statistic with mid-ranks: AUC = (R₁ − m(m+1)/2) / (m·n), where R₁ is the rank
 * sum of the m members among all m + n scores. Equals sklearn's roc_auc_score, ties included.
 *
 * @example
 * rocAuc([0.9, 0.8], [0.1, 0.8]); // 0.875
 */
export function rocAuc(members: ArrayLike<number>, nonMembers: ArrayLike<number>): number {
  check(members, 'members');
  check(nonMembers, 'nonMembers');
  const m = members.length;
  const n = nonMembers.length;
  const all: { s: number; member: boolean }[] = [];
  for (let i = 0; i < m; i++) all.push({ s: members[i] as number, member: true });
  for (let i = 0; i < n; i++) all.push({ s: nonMembers[i] as number, member: false });
  all.sort((a, b) => (a.s < b.s ? -1 : a.s > b.s ? 1 : 0));
  let rankSum = 0;
  let i = 0;
  while (i < all.length) {
    let j = i;
    let inGroup = 0;
    while (j < all.length && (all[j] as { s: number }).s === (all[i] as { s: number }).s) {
      if ((all[j] as { member: boolean }).member) inGroup++;
      j++;
    }
    // Ranks i+1 … j share the mid-rank (i + 1 + j) / 2.
    rankSum += inGroup * ((i + 1 + j) / 2);
    i = j;
  }
  return (rankSum - (m * (m + 1)) / 2) / (m * n);
}

/**
 * The ROC curve at every distinct score (ties form one step), from (0, 0) to (1, 1).
 *
 * @example
 * rocCurve([3, 2], [1, 2]); // (0,0) → (0.5,0) at 3 → (1,0.5) at 2 → (1,1) at 1
 */
export function rocCurve(members: ArrayLike<number>, nonMembers: ArrayLike<number>): RocPoint[] {
  check(members, 'members');
  check(nonMembers, 'nonMembers');
  const m = members.length;
  const n = nonMembers.length;
  const all: { s: number; member: boolean }[] = [];
  for (let i = 0; i < m; i++) all.push({ s: members[i] as number, member: true });
  for (let i = 0; i < n; i++) all.push({ s: nonMembers[i] as number, member: false });
  all.sort((a, b) => (a.s > b.s ? -1 : a.s < b.s ? 1 : 0));
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Number.POSITIVE_INFINITY }];
  let tp = 0;
  let fp = 0;
  let i = 0;
  while (i < all.length) {
    const s = (all[i] as { s: number }).s;
    while (i < all.length && (all[i] as { s: number }).s === s) {
      if ((all[i] as { member: boolean }).member) tp++;
      else fp++;
      i++;
    }
    points.push({ fpr: fp / n, tpr: tp / m, threshold: s });
  }
  return points;
}

/**
 * Hanley & McNeil (1982) standard error of an AUC A from m positives and n negatives:
 * √((A(1−A) + (m−1)(Q₁−A²) + (n−1)(Q₂−A²)) / (mn)), Q₁ = A/(2−A), Q₂ = 2A²/(1+A).
 *
 * @example
 * aucStandardError(0.5, 100, 100); // ≈ 0.0409
 */
export function aucStandardError(auc: number, m: number, n: number): number {
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const v = (auc * (1 - auc) + (m - 1) * (q1 - auc * auc) + (n - 1) * (q2 - auc * auc)) / (m * n);
  return Math.sqrt(Math.max(0, v));
}

/**
 * AUC, advantage and TPR at low FPRs of an attack's scores.
 *
 * TPR at FPR α takes no interpolation between ROC points: it is the highest TPR among the
 * thresholds whose FPR ≤ α (the rule of Carlini et al. 2022's code, `tpr[fpr <= α].max()`,
 * conservative: linear interpolation would credit a randomised threshold the attacker may not
 * have). With fewer than 1/α non-members only thresholds with FPR 0 qualify, which says nothing
 * about α, so the value is reported as null (unresolved) instead.
 *
 * @example
 * const m = attackMetrics(memberScores, nonMemberScores); // { auc, advantage, tprAtFpr: { '0.01': …, '0.001': … }, … }
 */
export function attackMetrics(
  members: ArrayLike<number>,
  nonMembers: ArrayLike<number>,
  fprs: readonly number[] = DEFAULT_FPRS,
): AttackMetrics {
  const curve = rocCurve(members, nonMembers);
  let advantage = 0;
  let advantageThreshold = Number.POSITIVE_INFINITY;
  for (const p of curve)
    if (p.tpr - p.fpr > advantage) {
      advantage = p.tpr - p.fpr;
      advantageThreshold = p.threshold;
    }
  const n = nonMembers.length;
  const tprAtFpr: Record<string, number | null> = {};
  for (const alpha of fprs) {
    if (!(alpha > 0 && alpha < 1))
      throw new AisfError('E_INPUT', `FPR ${alpha} must lie in (0, 1), e.g. 0.01`);
    // Resolvable when at least one non-member may be misclassified: 1/n ≤ α (1e-12 slack for 1/1000).
    if (n * alpha < 1 - 1e-12) {
      tprAtFpr[String(alpha)] = null;
      continue;
    }
    let best = 0;
    for (const p of curve) if (p.fpr <= alpha + 1e-12 && p.tpr > best) best = p.tpr;
    tprAtFpr[String(alpha)] = best;
  }
  const auc = rocAuc(members, nonMembers);
  return {
    auc,
    aucStandardError: aucStandardError(auc, members.length, n),
    advantage,
    advantageThreshold,
    tprAtFpr,
    minResolvableFpr: 1 / n,
    members: members.length,
    nonMembers: n,
  };
}
