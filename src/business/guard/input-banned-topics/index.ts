/**
 * @module guard.input.banned-topics: configurable banned-topic lists in Chinese and English
 * (llm-guard BanSubstrings semantics). Text is NFKC-normalised, lower-cased and stripped of
 * whitespace and zero-width characters first, so full-width letters and spaced-out words
 * (e.g. "炸 药") do not slip through.
 */
import { z } from 'zod';
import { chatInputText, defineStep } from '../step.js';

const ConfigSchema = z
  .object({
    step: z.literal('guard.input.banned-topics'),
    topics: z
      .array(
        z
          .object({
            name: z.string().regex(/^[\w-]{1,48}$/, 'topic name: letters, digits, _ or - (max 48)'),
            /** Words or phrases (any language); matched after normalisation. */
            words: z.array(z.string().min(1)).min(1),
          })
          .strict(),
      )
      .min(1),
    /** @default 'block' */
    action: z.enum(['block', 'flag']).default('block'),
  })
  .strict();

/** NFKC + lower case + no whitespace/zero-width: the form both sides are compared in. */
export function normalizeForMatch(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\u200B-\u200D\u2060\uFEFF]+/gu, '');
}

/**
 * The banned-topics step.
 *
 * @example
 * // pipeline: [{ step: guard.input.banned-topics, topics: [{ name: explosives, words: [炸药, explosive] }] }]
 */
export const bannedTopicsStep = defineStep({
  id: 'guard.input.banned-topics',
  title: { zh: '禁止话题', en: 'Banned topics' },
  techniqueIds: ['tech.business.malicious-use-detection'],
  measureIds: ['measure.tech.4-2-2-a'],
  configSchema: ConfigSchema,
  create(config) {
    const topics = config.topics.map((t) => ({
      name: t.name,
      words: t.words.map(normalizeForMatch),
    }));
    return {
      id: 'guard.input.banned-topics',
      onRequest(ctx) {
        const text = normalizeForMatch(
          ctx.kind === 'chat' ? chatInputText(ctx.body) : JSON.stringify(ctx.body),
        );
        const hit = topics.filter((t) => t.words.some((w) => text.includes(w)));
        if (hit.length === 0) return { action: 'allow' };
        for (const t of hit) ctx.fired.push(`guard.input.banned-topics:${t.name}`);
        if (config.action === 'flag') return { action: 'allow' };
        return {
          action: 'block',
          status: 403,
          code: 'E_GUARD_BANNED_TOPIC',
          reason: `the input touches a banned topic (${hit.map((t) => t.name).join(', ')})`,
        };
      },
    };
  },
});
