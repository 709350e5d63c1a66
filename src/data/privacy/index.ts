/** @module Differential privacy (数据安全 · 隐私计算): exact DP mechanisms, bounded queries, the RDP accountant and the budget ledger. */
export * from './accountant/rdp.js';
export * from './budget/ledger.js';
export * from './dp-sgd/index.js';
export * from './mechanisms/exact.js';
export * from './mechanisms/exponential.js';
export * from './mechanisms/gaussian.js';
export {
  ceilPowerOfTwo,
  discreteLaplaceMechanism,
  LAPLACE_GRANULARITY_BITS,
  laplaceGranularity,
  laplaceMechanism,
  laplaceOnLattice,
  type PureDpOptions,
  type RealRelease,
} from './mechanisms/laplace.js';
export * from './query/bounded.js';
export * from './query/csv.js';
export * from './random.js';
export { logAdd, logErfc, logNdtr, logSub, ndtr } from './special.js';
