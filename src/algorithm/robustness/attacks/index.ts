/** @module White-box evasion attacks through the engine's input gradients: FGSM and PGD (L∞, L2). */
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
export { FGSM_DEFAULTS, type FgsmOptions, fgsm } from './fgsm/index.js';
export {
  PGD_PRESET_NAMES,
  PGD_PRESETS,
  type PgdOptions,
  type PgdParams,
  type PgdPreset,
  pgd,
  pgdParams,
} from './pgd/index.js';
