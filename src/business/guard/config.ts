/**
 * @module guard.yaml: the schema (zod; every error names the field path and the file) and the
 * loader. Steps validate their own options through their plugin schemas.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { AisfError } from '../../errors.js';
import { LabelConfigSchema } from '../label/index.js';
import { ApiKeySchema, JwtSchema } from './access-api-key/index.js';
import { BreakerConfigSchema } from './circuit-breaker/index.js';
import { MonitoringConfigSchema } from './monitoring/index.js';
import { RedundancyConfigSchema } from './redundancy/index.js';
import { GUARD_STEPS } from './registry.js';

const StepSchema = z.discriminatedUnion(
  'step',
  GUARD_STEPS.map((s) => s.configSchema) as unknown as [
    z.ZodObject<{ step: z.ZodLiteral<string> }>,
    ...z.ZodObject<{ step: z.ZodLiteral<string> }>[],
  ],
);

const UpstreamSchema = z
  .object({
    name: z.string().regex(/^[\w.-]{1,64}$/, 'upstream name: letters, digits, _ . - (max 64)'),
    url: z.url({ protocol: /^https?$/, error: 'url must be an http(s) URL of the endpoint' }),
    /** @default 30000 */
    timeoutMs: z.number().int().positive().default(30_000),
  })
  .strict();

const FallbackSchema = z
  .object({
    /** rule: ask `url`; review: queue for a human (202); refuse: 422 with the reason. */
    mode: z.enum(['rule', 'review', 'refuse']),
    url: z.url().optional(),
    timeoutMs: z.number().int().positive().default(5000),
  })
  .strict()
  .refine((f) => f.mode !== 'rule' || f.url !== undefined, {
    message: 'fallback.mode rule needs fallback.url (the rule endpoint)',
    path: ['url'],
  });

const RouteSchema = z
  .object({
    /** Request path the guard serves, e.g. /v1/chat/completions. */
    path: z.string().regex(/^\/[\w./-]*$/, 'path must start with / (letters, digits, _ . / -)'),
    kind: z.enum(['model', 'chat']),
    /** Model name recorded in the decision log. */
    model: z.string().optional(),
    upstreams: z.array(UpstreamSchema).min(1, 'at least one upstream'),
    redundancy: RedundancyConfigSchema.optional(),
    breaker: BreakerConfigSchema.default(BreakerConfigSchema.parse({})),
    fallback: FallbackSchema.default({ mode: 'refuse', timeoutMs: 5000 }),
    /** Largest request body read at all (hard cap before any step). @default 1 MiB */
    maxBodyBytes: z.number().int().positive().default(1_048_576),
    /** Slow-client bound: the whole body must arrive within this. @default 10000 */
    bodyTimeoutMs: z.number().int().positive().default(10_000),
    pipeline: z.array(StepSchema).default([]),
  })
  .strict()
  .refine((r) => r.kind === 'model' || r.upstreams.length === 1 || r.redundancy === undefined, {
    message: 'redundancy voting is for model routes (chat answers are not votable labels)',
    path: ['redundancy'],
  });

/** The whole guard.yaml. */
export const GuardConfigSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8787),
        /** Node's requestTimeout (whole request incl. slow bodies). @default 30000 */
        requestTimeoutMs: z.number().int().positive().default(30_000),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8787, requestTimeoutMs: 30_000 }),
    keys: z.array(ApiKeySchema).default([]),
    jwt: JwtSchema.optional(),
    redis: z
      .object({
        url: z.string().regex(/^rediss?:\/\//, 'redis.url must start with redis:// or rediss://'),
        prefix: z.string().default('aisf:guard:'),
        /** What quotas do when Redis is down: open = allow (logged), closed = 503. */
        failMode: z.enum(['open', 'closed']),
        connectTimeoutMs: z.number().int().positive().default(500),
      })
      .strict()
      .optional(),
    audit: z
      .object({
        dir: z.string().min(1),
        origin: z.string().default('aisf-guard'),
        checkpointEvery: z.number().int().positive().default(1000),
        checkpointIntervalMs: z.number().int().positive().default(1000),
        flushIntervalMs: z.number().int().nonnegative().default(5),
        /** Wait for the fsync of the record before answering (slower, strictest). @default false */
        waitForDurable: z.boolean().default(false),
        privateKeyFile: z.string().optional(),
      })
      .strict()
      .optional(),
    review: z
      .object({ db: z.string().min(1) })
      .strict()
      .optional(),
    label: LabelConfigSchema.optional(),
    pii: z
      .object({
        custom: z
          .array(
            z
              .object({
                name: z.string().regex(/^[a-z][\w-]{0,47}$/),
                pattern: z.string().min(1),
                keep: z.number().int().min(0).max(8).optional(),
              })
              .strict(),
          )
          .default([]),
        keywords: z
          .array(
            z
              .object({
                name: z.string().regex(/^[a-z][\w-]{0,47}$/),
                words: z.array(z.string().min(1)).min(1),
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .default({ custom: [], keywords: [] }),
    monitoring: MonitoringConfigSchema.default(MonitoringConfigSchema.parse({})),
    admin: z
      .object({
        /** Roles that may use /_aisf/admin. @default ['admin'] */
        roles: z.array(z.string()).default(['admin']),
      })
      .strict()
      .default({ roles: ['admin'] }),
    routes: z.array(RouteSchema).min(1, 'define at least one route'),
  })
  .strict()
  .superRefine((config, ctx) => {
    const paths = new Set<string>();
    config.routes.forEach((route, i) => {
      if (paths.has(route.path)) {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'path'],
          message: `duplicate path ${route.path}`,
        });
      }
      paths.add(route.path);
      if (route.path.startsWith('/_aisf') || route.path === '/metrics') {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'path'],
          message: 'reserved for the guard',
        });
      }
      route.pipeline.forEach((step, j) => {
        if (step.step === 'guard.output.label' && !config.label) {
          ctx.addIssue({
            code: 'custom',
            path: ['routes', i, 'pipeline', j],
            message:
              'guard.output.label needs a top-level label: section (producer, text, placement)',
          });
        }
      });
      if (route.fallback.mode === 'review' && !config.review) {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'fallback', 'mode'],
          message: 'fallback mode review needs a top-level review: { db: <sqlite file> }',
        });
      }
    });
  });
export type GuardConfig = z.output<typeof GuardConfigSchema>;
export type RouteConfig = GuardConfig['routes'][number];

/** Formats a zod path as `routes[0].pipeline[2].threshold`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  }
  return out || '(root)';
}

/**
 * Validates a parsed config object; throws E_CONFIG listing every problem with its field path.
 *
 * @example
 * parseGuardConfig({ routes: [{ path: '/predict', kind: 'model', upstreams: [{ name: 'm', url: 'http://127.0.0.1:9000/predict' }] }] });
 */
export function parseGuardConfig(value: unknown, file = 'guard.yaml'): GuardConfig {
  const result = GuardConfigSchema.safeParse(value);
  if (!result.success) {
    const lines = result.error.issues.map(
      (issue) => `  ${formatPath(issue.path)}: ${issue.message}`,
    );
    throw new AisfError(
      'E_CONFIG',
      `${file} is not a valid guard config:\n${lines.join('\n')}\nsee examples/guard/guard.yaml`,
      { location: { file }, details: result.error.issues },
    );
  }
  return result.data;
}

/** Reads and validates guard.yaml; relative paths inside (audit.dir, review.db) resolve against it. */
export function loadGuardConfig(path: string): GuardConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new AisfError('E_FILE_NOT_FOUND', `cannot read ${path}; pass --config <guard.yaml>`, {
      cause,
    });
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (cause) {
    const pos = cause instanceof YAMLParseError ? cause.linePos?.[0] : undefined;
    throw new AisfError(
      'E_CONFIG',
      `${path} is not valid YAML: ${(cause as Error).message.split('\n')[0]}`,
      {
        cause,
        location: { file: path, ...(pos ? { line: pos.line, column: pos.col } : {}) },
      },
    );
  }
  const config = parseGuardConfig(value, path);
  const base = dirname(resolve(path));
  if (config.audit) config.audit.dir = resolve(base, config.audit.dir);
  if (config.audit?.privateKeyFile)
    config.audit.privateKeyFile = resolve(base, config.audit.privateKeyFile);
  if (config.review) config.review.db = resolve(base, config.review.db);
  if (config.jwt?.jwksFile) config.jwt.jwksFile = resolve(base, config.jwt.jwksFile);
  return config;
}
