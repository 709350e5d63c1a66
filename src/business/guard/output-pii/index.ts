/**
 * @module guard.output.pii: the output data guardrail (TC260-AISGF-2024 4.2.1(b): outputs must not
 * leak sensitive personal information). Uses the Chinese PII detector with a per-type action
 * (mask / redact / block / allow). For SSE streams it holds back a window at least as long as the
 * longest reportable value, so a value split across chunks is never released unmasked (the leak
 * in BerriAI/litellm#41611).
 */
import { z } from 'zod';
import {
  createPiiDetector,
  PII_TYPES,
  type PiiDetector,
  type PiiFinding,
} from '../../../data/pii/index.js';
import { defineStep, type StreamTransform, visitStrings } from '../step.js';

export const PII_ACTIONS = ['mask', 'redact', 'block', 'allow'] as const;
export type PiiAction = (typeof PII_ACTIONS)[number];

const ConfigSchema = z
  .object({
    step: z.literal('guard.output.pii'),
    /** Action for types without their own entry. @default 'mask' */
    default: z.enum(PII_ACTIONS).default('mask'),
    /** Per-type actions, e.g. { cn_id: block, email: redact }. */
    types: z.record(z.string(), z.enum(PII_ACTIONS)).default({}),
  })
  .strict();

/** Applies per-type actions to a text; returns the new text, the findings and a block if any. */
export function applyPiiPolicy(
  text: string,
  findings: readonly PiiFinding[],
  actionOf: (type: string) => PiiAction,
): { text: string; changed: boolean; blocked: string | undefined } {
  let out = '';
  let at = 0;
  let changed = false;
  for (const f of findings) {
    const action = actionOf(f.type);
    if (action === 'block') return { text, changed: false, blocked: f.type };
    if (action === 'allow') continue;
    out += text.slice(at, f.start);
    out += action === 'mask' ? f.masked : `[${f.type.toUpperCase()}]`;
    at = f.end;
    changed = true;
  }
  return { text: out + text.slice(at), changed, blocked: undefined };
}

/**
 * A streaming redactor: `push` returns the text that is safe to release; a possible value at the
 * end (at most `window` characters) is held until more text (or the end) decides it. `context` characters already
 * released are rescanned as left context so token boundaries match a whole-text scan.
 */
export function createStreamRedactor(
  detector: PiiDetector,
  actionOf: (type: string) => PiiAction,
  window: number = detector.maxSpan + 2,
): StreamTransform & { findings: string[] } {
  let context = '';
  let buffer = '';
  const findings: string[] = [];
  const release = (final: boolean) => {
    const text = context + buffer;
    const found = detector.scan(text).filter((f) => f.start >= context.length);
    let cut = final ? text.length : Math.max(text.length - window, detector.streamCut(text));
    if (cut <= context.length) return { text: '' };
    for (const f of found) if (f.start < cut && f.end > cut) cut = f.start;
    const ready = found
      .filter((f) => f.end <= cut)
      .map((f) => ({ ...f, start: f.start - context.length, end: f.end - context.length }));
    const releasedRaw = text.slice(context.length, cut);
    const result = applyPiiPolicy(releasedRaw, ready, actionOf);
    for (const f of ready) findings.push(f.type);
    if (result.blocked) {
      return {
        text: '',
        block: { code: 'E_GUARD_OUTPUT_PII', reason: `the output contains ${result.blocked}` },
      };
    }
    context = (context + releasedRaw).slice(-window);
    buffer = text.slice(cut);
    return { text: result.text };
  };
  return {
    findings,
    push(text) {
      buffer += text;
      return release(false);
    },
    end() {
      return release(true);
    },
  };
}

/**
 * The output PII step.
 *
 * @example
 * // pipeline: [{ step: guard.output.pii, default: mask, types: { cn_id: block } }]
 */
export const outputPiiStep = defineStep({
  id: 'guard.output.pii',
  title: { zh: '输出数据护栏（个人信息）', en: 'Output data guardrail (PII)' },
  techniqueIds: ['tech.data.security-evaluation.leakage-evaluation'],
  measureIds: ['measure.tech.4-2-1-b', 'measure.tech.4-1-2-d'],
  configSchema: ConfigSchema,
  create(config, services) {
    const detector = createPiiDetector(services.pii);
    const known = new Set<string>(PII_TYPES);
    for (const type of Object.keys(config.types)) {
      const custom = [...(services.pii.custom ?? []), ...(services.pii.keywords ?? [])].some(
        (c) => c.name === type,
      );
      if (!known.has(type) && !custom) {
        throw new Error(`types.${type}: unknown PII type; use one of ${PII_TYPES.join(', ')}`);
      }
    }
    const actionOf = (type: string): PiiAction => config.types[type] ?? config.default;
    return {
      id: 'guard.output.pii',
      onResponse(ctx, answer) {
        let blocked: string | undefined;
        let changed = false;
        const fired = new Set<string>();
        const visit = (text: string): string | undefined => {
          if (blocked) return undefined;
          const findings = detector.scan(text);
          if (findings.length === 0) return undefined;
          for (const f of findings) fired.add(f.type);
          const result = applyPiiPolicy(text, findings, actionOf);
          if (result.blocked) {
            blocked = result.blocked;
            return undefined;
          }
          if (result.changed) changed = true;
          return result.text;
        };
        if (ctx.kind === 'chat') {
          const choices = (answer.body as { choices?: unknown })?.choices;
          if (Array.isArray(choices)) {
            for (const choice of choices) {
              const message = (choice as { message?: { content?: unknown } })?.message;
              if (message && typeof message.content === 'string') {
                message.content = visit(message.content) ?? message.content;
              }
            }
          }
        } else {
          answer.body = visitStrings(answer.body, visit);
        }
        for (const type of fired) ctx.fired.push(`guard.output.pii:${type}`);
        if (blocked) {
          return {
            action: 'block',
            status: 451,
            code: 'E_GUARD_OUTPUT_PII',
            reason: `the model output contains ${blocked}, which policy blocks`,
          };
        }
        return changed ? { action: 'modify', detail: 'pii' } : { action: 'allow' };
      },
      onStream(ctx) {
        const redactor = createStreamRedactor(detector, actionOf);
        return {
          push: (text) => redactor.push(text),
          end: () => {
            const result = redactor.end();
            for (const type of new Set(redactor.findings))
              ctx.fired.push(`guard.output.pii:${type}`);
            return result;
          },
        };
      },
    };
  },
});
