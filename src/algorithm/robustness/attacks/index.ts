/**
 * @module Evasion attacks: white-box through the engine's input gradients (FGSM, PGD L∞/L2) and
 * black-box through predictions only, listed in one registry.
 */
export {
  type AttackDescriptor,
  type AttackKind,
  type AttackOutcome,
  type AttackRunContext,
  type AttackSpec,
  type ParamValue,
  type PredictModel,
  type QueryStats,
  queryStats,
  type RunnerModel,
  requireGradients,
} from './attack.js';
export {
  type AttackModel,
  argmaxRows,
  type CommonAttackOptions,
  NORMS,
  type Norm,
  nextFloat32,
  perturbationNorms,
  projectBall,
  stepDirection,
} from './common.js';
export {
  DEEPFOOL_DEFAULTS,
  DEEPFOOL_PRESET_NAMES,
  DEEPFOOL_PRESETS,
  type DeepFoolOptions,
  type DeepFoolPreset,
  deepFool,
  deepFoolAttack,
} from './deepfool/index.js';
export { FGSM_DEFAULTS, type FgsmOptions, fgsm, fgsmAttack } from './fgsm/index.js';
export {
  HOPSKIPJUMP_DEFAULTS,
  type HopSkipJumpOptions,
  type HopSkipJumpResult,
  hopSkipJump,
  hopSkipJumpAttack,
} from './hopskipjump/index.js';
export {
  PGD_PRESET_NAMES,
  PGD_PRESETS,
  type PgdOptions,
  type PgdParams,
  type PgdPreset,
  pgd,
  pgdAttack,
  pgdParams,
} from './pgd/index.js';
export { ATTACK_IDS, ATTACKS, checkUniqueIds, findAttack } from './registry.js';
export {
  type BlackBoxResult,
  SQUARE_DEFAULTS,
  type SquareOptions,
  square,
  squareAttack,
  squareFraction,
} from './square/index.js';
