/**
 * @module guard.access.quota: per-key call-count and token quotas (CAICT-AISF-2020 3(一)3: limits
 * against model stealing and membership inference, which need many queries). In memory by default,
 * in Redis (rate-limiter-flexible) when `redis:` is configured, with the declared fail mode when
 * Redis is down: `open` lets requests through (and says so in the log), `closed` answers 503.
 */
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { z } from 'zod';
import { chatInputText, defineStep, type StepContext, type StepResult } from '../step.js';

const ConfigSchema = z
  .object({
    step: z.literal('guard.access.quota'),
    /** Requests per second per key (burst bound). */
    requestsPerSecond: z.number().int().positive().optional(),
    /** Requests per day per key (extraction bound). */
    requestsPerDay: z.number().int().positive().optional(),
    /** Tokens (input estimate + output) per second per key, for LLM routes. */
    tokensPerSecond: z.number().int().positive().optional(),
    /** Tokens (input estimate + output) per day per key, for LLM routes. */
    tokensPerDay: z.number().int().positive().optional(),
  })
  .strict()
  .refine((c) => c.requestsPerSecond || c.requestsPerDay || c.tokensPerSecond || c.tokensPerDay, {
    message: 'set at least one of requestsPerSecond, requestsPerDay, tokensPerSecond, tokensPerDay',
  });

/**
 * A rough token estimate without a tokenizer: one per CJK character, one per 4 other characters
 * (the OpenAI rule of thumb for English). Quotas need an upper-bound-ish count, not exactness.
 */
export function estimateTokens(text: string): number {
  let cjk = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x2e80 && c <= 0x9fff) cjk++;
  }
  return cjk + Math.ceil((text.length - cjk) / 4);
}

interface Limit {
  name: 'requests-per-second' | 'requests-per-day' | 'tokens-per-second' | 'tokens-per-day';
  limiter: RateLimiterAbstract;
}

/**
 * The quota step.
 *
 * @example
 * // pipeline: [{ step: guard.access.quota, requestsPerSecond: 10, requestsPerDay: 10000 }]
 */
export const quotaStep = defineStep({
  id: 'guard.access.quota',
  title: { zh: '调用次数与频率限制', en: 'Quotas and rate limits' },
  techniqueIds: ['tech.business.security-mechanism.access-control'],
  measureIds: ['measure.tech.4-2-2-a'],
  configSchema: ConfigSchema,
  create(config, services) {
    const redis = services.redis;
    const make = (points: number, duration: number, name: string): RateLimiterAbstract => {
      const keyPrefix = `${redis?.prefix ?? ''}quota:${name}`;
      return redis
        ? new RateLimiterRedis({
            storeClient: redis.client,
            points,
            duration,
            keyPrefix,
            rejectIfRedisNotReady: true,
          })
        : new RateLimiterMemory({ points, duration, keyPrefix });
    };
    const requestLimits: Limit[] = [];
    if (config.requestsPerSecond) {
      requestLimits.push({
        name: 'requests-per-second',
        limiter: make(config.requestsPerSecond, 1, 'rps'),
      });
    }
    if (config.requestsPerDay) {
      requestLimits.push({
        name: 'requests-per-day',
        limiter: make(config.requestsPerDay, 86_400, 'rpd'),
      });
    }
    const tokenLimits: Limit[] = [];
    if (config.tokensPerSecond) {
      tokenLimits.push({
        name: 'tokens-per-second',
        limiter: make(config.tokensPerSecond, 1, 'tps'),
      });
    }
    if (config.tokensPerDay) {
      tokenLimits.push({
        name: 'tokens-per-day',
        limiter: make(config.tokensPerDay, 86_400, 'tpd'),
      });
    }
    const keyOf = (ctx: StepContext) => `${ctx.route}:${ctx.principal?.id ?? `ip:${ctx.clientIp}`}`;

    const consume = async (
      ctx: StepContext,
      limit: Limit,
      points: number,
    ): Promise<StepResult | undefined> => {
      try {
        await limit.limiter.consume(keyOf(ctx), points);
        return undefined;
      } catch (error) {
        if (error instanceof RateLimiterRes) {
          ctx.fired.push(`guard.access.quota:${limit.name}`);
          services.onQuotaReject(ctx.route, limit.name);
          return {
            action: 'block',
            status: 429,
            code: 'E_GUARD_QUOTA',
            reason: `quota exceeded (${limit.name})`,
            headers: { 'retry-after': String(Math.max(1, Math.ceil(error.msBeforeNext / 1000))) },
          };
        }
        // The store failed (Redis down): the declared fail mode decides.
        if (redis?.failMode === 'closed') {
          ctx.fired.push('guard.access.quota:store-down-closed');
          return {
            action: 'block',
            status: 503,
            code: 'E_GUARD_QUOTA_STORE',
            reason: 'the quota store is unavailable and the fail mode is closed',
          };
        }
        ctx.fired.push('guard.access.quota:store-down-open');
        return undefined;
      }
    };

    return {
      id: 'guard.access.quota',
      async onRequest(ctx) {
        for (const limit of requestLimits) {
          const blocked = await consume(ctx, limit, 1);
          if (blocked) return blocked;
        }
        if (tokenLimits.length > 0) {
          const estimate = Math.max(1, estimateTokens(chatInputText(ctx.body)));
          for (const limit of tokenLimits) {
            const blocked = await consume(ctx, limit, estimate);
            if (blocked) return blocked;
          }
        }
        return { action: 'allow' };
      },
      async onComplete(ctx, outcome) {
        if (outcome.outputTokens <= 0) return;
        // Output tokens are charged after the fact (the next request is refused once over).
        for (const limit of tokenLimits) {
          try {
            await limit.limiter.penalty(keyOf(ctx), outcome.outputTokens);
          } catch {
            // Store down: nothing to do after the answer was sent; the request was already logged.
          }
        }
      },
    };
  },
});
