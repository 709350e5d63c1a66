/** @module Fairness (算法公平): group metrics in the Fairlearn and AIF360 conventions, bootstrap CIs, and mitigations. */

export * from '../../data/cleaning/di-remover/index.js';
export * from '../../data/cleaning/imbalance/index.js';
export * from '../../data/cleaning/reweighing/index.js';
export * from '../linear/logistic.js';
export * from './bootstrap/index.js';
export * from './data.js';
export * from './exponentiated-gradient/index.js';
export * from './lp/index.js';
export * from './metrics/index.js';
export * from './mitigate.js';
export * from './reject-option/index.js';
export * from './report.js';
export { createRng, type Rng } from './rng.js';
export * from './table.js';
export { groupMetrics } from './test-plugin/index.js';
export * from './threshold-optimizer/index.js';
