/** @module The runtime guard (业务安全): config, pipeline steps, server, middleware. */
export { Authenticator, hashApiKey } from './access-api-key/index.js';
export { estimateTokens } from './access-quota/index.js';
export { BreakerConfigSchema, CircuitBreaker } from './circuit-breaker/index.js';
export {
  formatPath,
  type GuardConfig,
  GuardConfigSchema,
  loadGuardConfig,
  parseGuardConfig,
  type RouteConfig,
} from './config.js';
export { createGuard, type Guard, guardMiddleware } from './guard.js';
export { detectInjection } from './input-prompt-injection/index.js';
export { GuardMonitor, RISK_LEVELS, type RiskLevel } from './monitoring/index.js';
export { createStreamRedactor } from './output-pii/index.js';
export { vote } from './redundancy/index.js';
export { findStep, GUARD_STEPS } from './registry.js';
export { ReviewQueue } from './review-queue.js';
export { type RunningGuard, serveGuard } from './server.js';
export type { GuardStep, StepContext, StepPlugin, StepResult } from './step.js';
