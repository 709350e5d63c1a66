/**
 * @module Robustness evaluation (算法安全 / CAICT-AISF-2020 3(二)5): natural corruptions, white-box
 * attacks (FGSM, PGD), black-box attacks (Square, HopSkipJump), remote model endpoints,
 * randomized-smoothing certification, metrics and the evaluation runner.
 */
export * from './attacks/index.js';
export {
  CERTIFY_DEFAULTS,
  type Certificate,
  type CertificationReport,
  type CertifyOptions,
  certificationReport,
  certifiedAccuracy,
  certify,
  clopperPearsonLower,
  normalQuantile,
} from './certify/index.js';
export * from './corruptions/index.js';
export * from './harden/index.js';
export {
  checkImages,
  createRng,
  DEFAULT_RANGE,
  type ImageBatch,
  type Rng,
  type ValueRange,
} from './image.js';
export * from './metrics/index.js';
export {
  REMOTE_DEFAULTS,
  type RemoteModel,
  type RemoteModelOptions,
  redactUrl,
  remoteModel,
} from './remote/index.js';
export {
  ATTACK_NAMES,
  type AttackName,
  type AttackResultRow,
  type AttackSpec,
  evaluateRobustness,
  type RobustnessOptions,
  type RobustnessReport,
  resolveCorruptions,
} from './runner.js';
