/**
 * @module guard.input.validate: request validation before anything reaches the model: body size,
 * a JSON Schema for model endpoints (zod's JSON Schema importer), the OpenAI chat shape for LLM
 * routes, and an input length bound (reasoning-DoS / cost abuse, promptfoo `reasoning-dos`).
 */
import { z } from 'zod';
import { chatInputText, defineStep, type StepResult } from '../step.js';

const ConfigSchema = z
  .object({
    step: z.literal('guard.input.validate'),
    /** Largest accepted body in bytes. @default 1_048_576 */
    maxBytes: z.number().int().positive().default(1_048_576),
    /** JSON Schema (draft 2020-12 subset zod imports) the body must satisfy. */
    schema: z.record(z.string(), z.unknown()).optional(),
    /** Longest chat input (all message texts) in characters. @default 32_000 */
    maxInputChars: z.number().int().positive().default(32_000),
  })
  .strict();

/**
 * The validation step. 413 when too large, 400 with the first failing field otherwise.
 *
 * @example
 * // pipeline: [{ step: guard.input.validate, schema: { type: object, required: [features] } }]
 */
export const validateStep = defineStep({
  id: 'guard.input.validate',
  title: { zh: '请求校验', en: 'Request validation' },
  techniqueIds: ['tech.business.security-mechanism.access-control'],
  measureIds: ['measure.tech.4-2-1-a'],
  configSchema: ConfigSchema,
  create(config) {
    let schema: z.ZodType | undefined;
    if (config.schema) {
      try {
        schema = z.fromJSONSchema(config.schema as Parameters<typeof z.fromJSONSchema>[0]);
      } catch (cause) {
        throw new Error(`schema: not a JSON Schema zod can import (${String(cause)})`);
      }
    }
    const bad = (reason: string): StepResult => ({
      action: 'block',
      status: 400,
      code: 'E_GUARD_INVALID_REQUEST',
      reason,
    });
    return {
      id: 'guard.input.validate',
      onRequest(ctx) {
        if (ctx.bodyBytes > config.maxBytes) {
          ctx.fired.push('guard.input.validate:too-large');
          return {
            action: 'block',
            status: 413,
            code: 'E_GUARD_TOO_LARGE',
            reason: `the body exceeds ${config.maxBytes} bytes`,
          };
        }
        if (ctx.kind === 'chat') {
          const messages = (ctx.body as { messages?: unknown } | null)?.messages;
          if (!Array.isArray(messages) || messages.length === 0) {
            ctx.fired.push('guard.input.validate:schema');
            return bad('messages: expected a non-empty array of chat messages');
          }
          if (chatInputText(ctx.body).length > config.maxInputChars) {
            ctx.fired.push('guard.input.validate:too-long');
            return bad(`messages: the input exceeds ${config.maxInputChars} characters`);
          }
        }
        if (schema) {
          const result = schema.safeParse(ctx.body);
          if (!result.success) {
            ctx.fired.push('guard.input.validate:schema');
            const issue = result.error.issues[0];
            const path = issue?.path.length ? issue.path.join('.') : '(body)';
            return bad(`${path}: ${issue?.message ?? 'does not match the schema'}`);
          }
        }
        return { action: 'allow' };
      },
    };
  },
});
