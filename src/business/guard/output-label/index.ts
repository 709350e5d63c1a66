/**
 * @module guard.output.label: AIGC labeling of outputs per GB 45438-2025. Text answers get the
 * explicit label at the configured place; every answer gets the implicit label in a response
 * header (Annex E b) wire form) and, for JSON bodies, in a top-level field; ProduceID is unique per
 * response. Streams: the header is sent first (ReservedCode1 empty: the content is not known yet),
 * the explicit label goes into the first/last delta.
 */
import { z } from 'zod';
import {
  applyExplicitLabel,
  buildImplicitLabel,
  implicitLabelJson,
  newProduceId,
} from '../../label/index.js';
import { defineStep } from '../step.js';

const ConfigSchema = z.object({ step: z.literal('guard.output.label') }).strict();

/**
 * The labeling step; its settings live in guard.yaml `label:` (one provider identity per guard).
 *
 * @example
 * // label: { producer: 001191110102MACQD9K64010000, text: 【AI生成】, placement: prefix }
 * // pipeline: [{ step: guard.output.label }]
 */
export const labelStep = defineStep({
  id: 'guard.output.label',
  title: { zh: '生成合成内容标识', en: 'AIGC labeling (GB 45438-2025)' },
  techniqueIds: ['tech.data.provenance.security-label'],
  measureIds: ['measure.tech.4-1-3-a'],
  configSchema: ConfigSchema,
  create(_config, services) {
    const label = services.label;
    if (!label) throw new Error('guard.output.label needs a top-level `label:` section');
    return {
      id: 'guard.output.label',
      onRequest(ctx) {
        ctx.state.set('produceId', newProduceId());
        return { action: 'allow' };
      },
      onResponse(ctx, answer) {
        const produceId = String(ctx.state.get('produceId') ?? newProduceId());
        let content = '';
        if (ctx.kind === 'chat') {
          const choices = (answer.body as { choices?: unknown })?.choices;
          if (Array.isArray(choices)) {
            for (const choice of choices) {
              const message = (choice as { message?: { content?: unknown } })?.message;
              if (message && typeof message.content === 'string') {
                message.content = applyExplicitLabel(message.content, label);
                content += message.content;
              }
            }
          }
        } else {
          content = JSON.stringify(answer.body);
        }
        const implicit = buildImplicitLabel(label, content, produceId);
        ctx.responseHeaders[label.header.toLowerCase()] = implicitLabelJson(implicit);
        if (
          label.field &&
          answer.body &&
          typeof answer.body === 'object' &&
          !Array.isArray(answer.body)
        ) {
          (answer.body as Record<string, unknown>)[label.field] = implicit;
        }
        ctx.fired.push('guard.output.label');
        return { action: 'modify', detail: 'label' };
      },
      onStream(ctx) {
        const produceId = String(ctx.state.get('produceId') ?? newProduceId());
        ctx.responseHeaders[label.header.toLowerCase()] = implicitLabelJson(
          buildImplicitLabel(label, undefined, produceId),
        );
        ctx.fired.push('guard.output.label');
        let started = false;
        const prefix = label.placement === 'prefix' || label.placement === 'both';
        const suffix = label.placement === 'suffix' || label.placement === 'both';
        return {
          push(text) {
            if (!started && text.length > 0) {
              started = true;
              return { text: prefix ? `${label.text}${text}` : text };
            }
            return { text };
          },
          end() {
            const head = !started && prefix ? label.text : '';
            return { text: head + (suffix ? label.text : '') };
          },
        };
      },
    };
  },
});
