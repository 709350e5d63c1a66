/**
 * @module The guard step contract: each mechanism (auth, quota, validation, scanners, confidence
 * breaker, PII guardrail, labeling) is one plugin with a zod config and hooks on the request, the
 * upstream response and the output stream. A hook returns allow / modify / block / route.
 */
import type { z } from 'zod';
import type { PiiDetectorOptions } from '../../data/pii/index.js';
import type { DecisionRecord } from '../audit/log.js';
import type { LabelConfig } from '../label/index.js';

/** The caller, once authenticated. */
export interface Principal {
  id: string;
  roles: readonly string[];
  via: 'api-key' | 'jwt' | 'anonymous';
}

/** Route kinds: a JSON model endpoint (classification/regression) or an OpenAI-compatible chat. */
export type RouteKind = 'model' | 'chat';

/** Mutable state of one request as it passes the pipeline. */
export interface StepContext {
  requestId: string;
  route: string;
  kind: RouteKind;
  model: string | undefined;
  headers: Headers;
  /** Client address when known (anonymous quota key). */
  clientIp: string;
  principal: Principal | undefined;
  /** The parsed JSON request body; steps may replace it (action `modify`). */
  body: unknown;
  /** Size of the raw body in bytes. */
  bodyBytes: number;
  /** Whether the client asked for an SSE stream (chat `stream: true`). */
  stream: boolean;
  /** Step ids (with a detail after ':') that fired: go to the decision log and metrics. */
  fired: string[];
  /** Set when the answer comes from a fallback (rule endpoint / review / refusal). */
  fallback: string | undefined;
  /** Response headers steps want to add. */
  responseHeaders: Record<string, string>;
  /** Free per-step state (e.g. the ProduceID chosen at request time). */
  state: Map<string, unknown>;
}

/** What a hook decides. `modify` means the hook changed the body/output in place. */
export type StepResult =
  | { action: 'allow' }
  | { action: 'modify'; detail?: string }
  | {
      action: 'block';
      status: number;
      code: string;
      reason: string;
      headers?: Record<string, string>;
    }
  | { action: 'route'; reason: string };

/** Transforms the text of a streamed answer; `hold` text is released later (hold-back window). */
export interface StreamTransform {
  /** Takes new text, returns what may be released now (or a block). */
  push(text: string): { text: string; block?: { code: string; reason: string } };
  /** End of stream: returns the rest. */
  end(): { text: string; block?: { code: string; reason: string } };
}

/** The upstream answer as the response hooks see it (non-streaming). */
export interface UpstreamAnswer {
  status: number;
  /** Parsed JSON body; hooks may modify it in place. */
  body: unknown;
}

/** Services steps may use. */
export interface GuardServices {
  /** Guard-wide PII options (custom patterns, keyword lists). */
  pii: PiiDetectorOptions;
  label: LabelConfig | undefined;
  redis: RedisHandle | undefined;
  /** Counts a quota rejection in the metrics. */
  onQuotaReject: (route: string, limit: string) => void;
  audit: (record: DecisionRecord) => void;
  /** Resolves the caller from request headers (API key or JWT). */
  authenticator: { authenticate(headers: Headers): Promise<Principal | undefined> };
}

/** A Redis connection (ioredis) with its key prefix and declared fail mode. */
export interface RedisHandle {
  client: unknown;
  prefix: string;
  failMode: 'open' | 'closed';
}

/** An instantiated step. */
export interface GuardStep {
  id: string;
  onRequest?(ctx: StepContext): StepResult | Promise<StepResult>;
  onResponse?(ctx: StepContext, answer: UpstreamAnswer): StepResult | Promise<StepResult>;
  onStream?(ctx: StepContext): StreamTransform | undefined;
  /** After the answer was sent (accounting), with the output text length when known. */
  onComplete?(ctx: StepContext, outcome: { outputTokens: number }): void | Promise<void>;
  close?(): Promise<void>;
}

/** A step plugin descriptor: id, title, config schema (with `step: id`), factory. */
export interface StepPlugin<C extends { step: string } = { step: string }> {
  id: string;
  title: { zh: string; en: string };
  /** Catalogue ids of the mechanism it implements (for the config review test). */
  techniqueIds: readonly string[];
  measureIds: readonly string[];
  configSchema: z.ZodType<C>;
  create(config: C, services: GuardServices): GuardStep;
}

/** Defines a step plugin (identity, for inference). */
export function defineStep<C extends { step: string }>(plugin: StepPlugin<C>): StepPlugin<C> {
  return plugin;
}

/** Shorthand results. */
export const ALLOW: StepResult = { action: 'allow' };

/** Reads a dotted path (`a.b.0.c`) from a JSON value. */
export function getPath(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** The text of an OpenAI-style chat request (all message contents), for input scanners. */
export function chatInputText(body: unknown): string {
  const messages = getPath(body, 'messages');
  if (!Array.isArray(messages)) return typeof body === 'string' ? body : '';
  const parts: string[] = [];
  for (const m of messages) {
    const content = (m as { content?: unknown })?.content;
    if (typeof content === 'string') parts.push(content);
    else if (Array.isArray(content)) {
      for (const c of content) {
        const text = (c as { text?: unknown })?.text;
        if (typeof text === 'string') parts.push(text);
      }
    }
  }
  return parts.join('\n');
}

/** Every string inside a JSON value (for scanning model inputs/outputs), with a setter. */
export function visitStrings(value: unknown, visit: (text: string) => string | undefined): unknown {
  if (typeof value === 'string') return visit(value) ?? value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = visitStrings(value[i], visit);
    return value;
  }
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = visitStrings(record[key], visit);
  }
  return value;
}
