/** @module 业务安全 (business security) as a library: the runtime guard, the decision log, AIGC labels, and the PII detector it uses. */

export * as pii from '../data/pii/index.js';
export * as audit from './audit/index.js';
export * as guard from './guard/index.js';
export * as imageLabel from './label/image.js';
export * as label from './label/index.js';
