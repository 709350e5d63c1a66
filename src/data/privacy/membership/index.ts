/**
 * @module Membership-inference audit (数据泄露安全性评测, CAICT-AISF-2020 3(三)5): loss-threshold,
 * entropy and shadow-model attacks on an ONNX classifier, with exact ROC AUC, attacker advantage
 * and TPR at low FPR. `aisf test privacy` and the test plugin `test.privacy.membership-inference`
 * are built on it.
 */
export {
  ATTACK_NAMES,
  type AttackName,
  type AttackResult,
  type AuditOptions,
  auditMembership,
  DEFAULT_ATTACKS,
  type MembershipReport,
} from './audit.js';
export {
  fitLogistic,
  type LogisticModel,
  type LogisticOptions,
  logisticLogit,
} from './logistic.js';
export {
  type AttackMetrics,
  attackMetrics,
  aucStandardError,
  DEFAULT_FPRS,
  type RocPoint,
  rocAuc,
  rocCurve,
} from './metrics.js';
export {
  accuracyOf,
  crossEntropy,
  logProbabilities,
  membershipScores,
  OUTPUT_KINDS,
  type OutputKind,
  type OutputKindSource,
  outputKindFromGraph,
  outputKindFromValues,
  PROBABILITY_FLOOR,
  SCORE_NAMES,
  type ScoreName,
} from './scores.js';
export {
  attackFeatures,
  type LabelledData,
  MIN_CLASS_RECORDS,
  reinitialisedWeights,
  type ShadowAttack,
  type ShadowOptions,
  trainShadowAttack,
} from './shadow.js';
