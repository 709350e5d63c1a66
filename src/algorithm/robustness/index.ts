/**
 * @module Robustness evaluation (算法安全 / CAICT-AISF-2020 3(二)5): natural corruptions, white-box
 * attacks (FGSM, PGD), metrics and the evaluation runner.
 */
export * from './attacks/index.js';
export * from './corruptions/index.js';
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
  ATTACK_NAMES,
  type AttackName,
  type AttackResultRow,
  type AttackSpec,
  evaluateRobustness,
  type RobustnessOptions,
  type RobustnessReport,
  resolveCorruptions,
} from './runner.js';
