/** @module aisf as a library: the catalogue, errors and assessment at the top level; each area (engine, fairness, robustness, privacy, business) as a namespace. */
export * as fairness from './algorithm/fairness/index.js';
export * as robustness from './algorithm/robustness/index.js';
export * from './assess/index.js';
export * as business from './business/index.js';
export * from './catalog/index.js';
export * as privacy from './data/privacy/index.js';
export * as engine from './engine/index.js';
export * from './errors.js';
