/**
 * @module guard.decision.confidence: the confidence circuit breaker (CAICT-AISF-2020 3(一)3: when
 * the model is unsure, hand the decision to a fixed rule or a human). Reads the top-1 probability
 * from a probability vector or a score field; below the threshold the request is routed to the
 * route's fallback (rule endpoint, human-review queue or refusal) with the reason recorded.
 */
import { z } from 'zod';
import { defineStep, getPath } from '../step.js';

const ConfigSchema = z
  .object({
    step: z.literal('guard.decision.confidence'),
    /** Dotted path of a probability array (top-1 = max) or of a single score. @default 'probabilities' */
    field: z.string().min(1).default('probabilities'),
    /** Minimum top-1 probability / score to accept the model's answer. */
    threshold: z.number().min(0).max(1),
    /** What a missing or non-numeric field means: route to fallback (safe) or allow. @default 'route' */
    onMissing: z.enum(['route', 'allow']).default('route'),
  })
  .strict();

/** Top-1 of a probability vector or the number itself; undefined when not numeric. */
export function topConfidence(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (Array.isArray(value) && value.length > 0) {
    let best = Number.NEGATIVE_INFINITY;
    for (const v of value) {
      if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
      if (v > best) best = v;
    }
    return best;
  }
  return undefined;
}

/**
 * The confidence breaker step.
 *
 * @example
 * // pipeline: [{ step: guard.decision.confidence, field: probabilities, threshold: 0.7 }]
 */
export const confidenceStep = defineStep({
  id: 'guard.decision.confidence',
  title: { zh: '置信度熔断', en: 'Confidence circuit breaker' },
  techniqueIds: ['tech.business.security-mechanism.circuit-breaker'],
  measureIds: ['measure.tech.4-2-3-a'],
  configSchema: ConfigSchema,
  create(config) {
    return {
      id: 'guard.decision.confidence',
      onResponse(ctx, answer) {
        if (ctx.fallback) return { action: 'allow' };
        const top = topConfidence(getPath(answer.body, config.field));
        if (top === undefined) {
          if (config.onMissing === 'allow') return { action: 'allow' };
          ctx.fired.push('guard.decision.confidence:missing');
          return { action: 'route', reason: `no numeric ${config.field} in the model answer` };
        }
        if (top >= config.threshold) return { action: 'allow' };
        ctx.fired.push('guard.decision.confidence:low');
        return {
          action: 'route',
          reason: `low confidence: top-1 ${top.toFixed(4)} < ${config.threshold}`,
        };
      },
    };
  },
});
