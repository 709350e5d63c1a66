/**
 * @module The runtime guard: a Hono app (Web-standard Request/Response, so it runs standalone or
 * as middleware) that runs each route's step pipeline around the upstream call — access control,
 * quotas, validation, input scanners, redundancy voting, the upstream and confidence circuit
 * breakers, the output PII guardrail with SSE hold-back, AIGC labels — and records every decision
 * in the tamper-evident log, with metrics, risk level, kill switch and degrade mode.
 */
import { hash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { AuditLog, type DecisionRecord } from '../audit/log.js';
import { Authenticator } from './access-api-key/index.js';
import { estimateTokens } from './access-quota/index.js';
import { CircuitBreaker } from './circuit-breaker/index.js';
import type { GuardConfig, RouteConfig } from './config.js';
import { GuardMonitor } from './monitoring/index.js';
import { vote } from './redundancy/index.js';
import { findStep } from './registry.js';
import { ReviewQueue } from './review-queue.js';
import { takeSseEvents } from './sse.js';
import type {
  GuardServices,
  GuardStep,
  RedisHandle,
  StepContext,
  StepResult,
  StreamTransform,
} from './step.js';
import { callUpstream, openUpstream, UpstreamError } from './upstream.js';

/** Runtime switches an operator flips through the admin API. */
export interface GuardSwitches {
  killed: boolean;
  killReason: string;
  degraded: boolean;
  degradeReason: string;
}

/** Hono environment: node-server bindings and the admin principal. */
type GuardEnv = {
  Bindings: { incoming?: IncomingMessage };
  Variables: { principal: string };
};

interface RouteRuntime {
  config: RouteConfig;
  steps: GuardStep[];
  breakers: CircuitBreaker[];
}

/** A running guard (without the HTTP listener; see `serveGuard`). */
export interface Guard {
  /** The Hono app; mount it or call `fetch`. */
  app: Hono<GuardEnv>;
  fetch: (request: Request) => Promise<Response>;
  /**
   * Answers a guarded route straight on node:http (no Web Request/Response per call); returns
   * false for anything else (admin API, metrics, 404), which the caller hands to `app`.
   */
  handleNode: (req: IncomingMessage, res: ServerResponse) => boolean;
  switches: GuardSwitches;
  monitor: GuardMonitor;
  audit: AuditLog | undefined;
  review: ReviewQueue | undefined;
  close(): Promise<void>;
}

export interface CreateGuardOptions {
  /** Use this ioredis client instead of connecting to `redis.url` (tests). */
  redisClient?: Redis;
}

/** One-shot SHA-256 (no Hash object per call: a third of `createHash` on the request path). */
const sha256 = (data: string | Uint8Array) => hash('sha256', data, 'hex');

function errorResponse(
  status: number,
  code: string,
  message: string,
  requestId: string,
  headers: Record<string, string> = {},
): Response {
  return toResponse(errorReply(status, code, message, requestId, headers));
}

/**
 * A guarded route's answer before it becomes a Web `Response` (middleware use) or is written
 * straight to a node:http `ServerResponse` (the server's fast path): one pipeline, two sinks.
 */
export interface GuardReply {
  status: number;
  headers: Record<string, string>;
  body: string | ReadableStream<Uint8Array> | null;
}

function errorReply(
  status: number,
  code: string,
  message: string,
  requestId: string,
  headers: Record<string, string> = {},
): GuardReply {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-aisf-request-id': requestId, ...headers },
    body: JSON.stringify({ error: { code, message, requestId } }),
  };
}

/** The Web-standard form of a reply. */
function toResponse(reply: GuardReply): Response {
  return new Response(reply.body, { status: reply.status, headers: reply.headers });
}

/**
 * Writes a reply to node:http. Strings go out in one write with a Content-Length; streams are
 * pumped with back-pressure, and a client that goes away cancels the stream (which logs the
 * client abort, like the Web path's `cancel`).
 */
function writeReply(res: ServerResponse, reply: GuardReply): void {
  const body = reply.body;
  if (body === null || typeof body === 'string') {
    const headers: Record<string, string | number> = { ...reply.headers };
    if (body !== null) headers['content-length'] = Buffer.byteLength(body);
    res.writeHead(reply.status, headers);
    res.end(body ?? undefined);
    return;
  }
  res.writeHead(reply.status, reply.headers);
  res.flushHeaders();
  const reader = body.getReader();
  let finished = false;
  res.once('close', () => {
    if (!finished) void reader.cancel().catch(() => {});
  });
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!res.write(value)) {
          // A client that disconnects while we wait never drains: 'close' ends the wait too.
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off('drain', done);
              res.off('close', done);
              resolve();
            };
            res.once('drain', done);
            res.once('close', done);
          });
          if (res.destroyed) break;
        }
      }
      finished = true;
      res.end();
    } catch {
      finished = true;
      res.destroy();
    }
  })();
}

/** What a guarded route needs from the incoming request, whichever server delivered it. */
interface GuardCall {
  headers: Headers;
  clientIp: string;
  read(maxBytes: number, timeoutMs: number): Promise<BodyRead>;
}

/**
 * `Headers` over node:http's already-parsed header object: `new Headers(incoming.headers)`
 * re-validates and copies every header on every request; steps read one or two of them.
 */
class IncomingHeaders extends Headers {
  materialised: Headers | undefined;
  constructor(readonly raw: IncomingMessage['headers']) {
    super();
  }
}
/** The full copy, built only when a step iterates the headers. */
function fullHeaders(self: IncomingHeaders): Headers {
  if (!self.materialised) {
    const h = new Headers();
    for (const [k, v] of Object.entries(self.raw)) {
      if (Array.isArray(v)) for (const x of v) h.append(k, x);
      else if (v !== undefined) h.append(k, v);
    }
    self.materialised = h;
  }
  return self.materialised;
}
const immutable = () => {
  throw new TypeError('request headers are immutable');
};
// Prototype methods (the DOM typings declare Headers' methods as properties, not methods).
Object.assign(IncomingHeaders.prototype, {
  get(this: IncomingHeaders, name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  },
  has(this: IncomingHeaders, name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  },
  getSetCookie(this: IncomingHeaders) {
    return fullHeaders(this).getSetCookie();
  },
  forEach(
    this: IncomingHeaders,
    callback: (value: string, key: string, parent: Headers) => void,
    thisArg?: unknown,
  ) {
    fullHeaders(this).forEach((v, k) => {
      callback.call(thisArg, v, k, this);
    });
  },
  entries(this: IncomingHeaders) {
    return fullHeaders(this).entries();
  },
  keys(this: IncomingHeaders) {
    return fullHeaders(this).keys();
  },
  values(this: IncomingHeaders) {
    return fullHeaders(this).values();
  },
  [Symbol.iterator](this: IncomingHeaders) {
    return fullHeaders(this).entries();
  },
  set: immutable,
  append: immutable,
  delete: immutable,
});

type BodyRead =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; status: number; code: string; reason: string };

/** Reads a request body with a byte cap and a deadline (slow-loris bodies get 408). */
async function readRequestBody(
  request: Request,
  maxBytes: number,
  timeoutMs: number,
): Promise<BodyRead> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    return {
      ok: false,
      status: 413,
      code: 'E_GUARD_TOO_LARGE',
      reason: `the body exceeds ${maxBytes} bytes`,
    };
  }
  if (!request.body) return { ok: true, bytes: new Uint8Array() };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), deadline]);
      if (next === 'timeout') {
        void reader.cancel().catch(() => {});
        return {
          ok: false,
          status: 408,
          code: 'E_GUARD_BODY_TIMEOUT',
          reason: `the body did not arrive within ${timeoutMs} ms`,
        };
      }
      if (next.done) break;
      size += next.value.length;
      if (size > maxBytes) {
        void reader.cancel().catch(() => {});
        return {
          ok: false,
          status: 413,
          code: 'E_GUARD_TOO_LARGE',
          reason: `the body exceeds ${maxBytes} bytes`,
        };
      }
      chunks.push(next.value);
    }
  } catch {
    return {
      ok: false,
      status: 400,
      code: 'E_GUARD_BODY_READ',
      reason: 'the request body could not be read',
    };
  } finally {
    clearTimeout(timer);
  }
  return {
    ok: true,
    bytes: chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks),
  };
}

/**
 * The same bounds, read straight from Node's IncomingMessage: avoids materialising a WHATWG
 * Request and stream per call (the hot path of @hono/node-server), which costs more than the
 * whole pipeline on small bodies.
 */
function readIncomingBody(
  incoming: IncomingMessage,
  maxBytes: number,
  timeoutMs: number,
): Promise<BodyRead> {
  const declared = Number(incoming.headers['content-length'] ?? '0');
  if (declared > maxBytes) {
    return Promise.resolve({
      ok: false,
      status: 413,
      code: 'E_GUARD_TOO_LARGE',
      reason: `the body exceeds ${maxBytes} bytes`,
    });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: BodyRead) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      resolve(result);
    };
    const timer = setTimeout(() => {
      incoming.pause();
      settle({
        ok: false,
        status: 408,
        code: 'E_GUARD_BODY_TIMEOUT',
        reason: `the body did not arrive within ${timeoutMs} ms`,
      });
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        incoming.pause();
        settle({
          ok: false,
          status: 413,
          code: 'E_GUARD_TOO_LARGE',
          reason: `the body exceeds ${maxBytes} bytes`,
        });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () =>
      settle({
        ok: true,
        bytes: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
      });
    const onError = () =>
      settle({
        ok: false,
        status: 400,
        code: 'E_GUARD_BODY_READ',
        reason: 'the request body could not be read',
      });
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
  });
}

/** The assistant texts of a chat completion (what output-token quotas charge). */
function chatOutputText(body: unknown): string {
  const choices = (body as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) return '';
  return choices
    .map((c) => (c as { message?: { content?: unknown } })?.message?.content)
    .filter((t): t is string => typeof t === 'string')
    .join('\n');
}

/** Runs text through a chain of stream transforms; `final` also ends each of them. */
function runChain(
  chain: readonly StreamTransform[],
  text: string,
  final: boolean,
): { text: string; block?: { code: string; reason: string } } {
  let current = text;
  for (const t of chain) {
    const pushed = t.push(current);
    if (pushed.block) return pushed;
    current = pushed.text;
    if (final) {
      const ended = t.end();
      if (ended.block) return ended;
      current += ended.text;
    }
  }
  return { text: current };
}

const SwitchBody = z.object({ on: z.boolean(), reason: z.string().max(500).default('') }).strict();
const OverrideBody = z
  .object({
    requestId: z.string().min(1).max(200),
    /** What the human decided instead of the AI (seed 004 §6.3(i)). */
    decision: z.string().min(1).max(200),
    reason: z.string().min(1).max(2000),
  })
  .strict();
const ReviewDecisionBody = z
  .object({ decision: z.string().min(1).max(200), note: z.string().max(2000).optional() })
  .strict();

/**
 * Builds a guard from a validated config.
 *
 * @example
 * const guard = await createGuard(loadGuardConfig('guard.yaml'));
 * const response = await guard.fetch(new Request('http://guard/v1/chat/completions', { method: 'POST', body }));
 */
export async function createGuard(
  config: GuardConfig,
  options: CreateGuardOptions = {},
): Promise<Guard> {
  const monitor = new GuardMonitor(config.monitoring);
  const audit = config.audit
    ? await AuditLog.open(config.audit.dir, {
        origin: config.audit.origin,
        checkpointEvery: config.audit.checkpointEvery,
        checkpointIntervalMs: config.audit.checkpointIntervalMs,
        flushIntervalMs: config.audit.flushIntervalMs,
        ...(config.audit.privateKeyFile
          ? { privateKeyPem: readFileSync(config.audit.privateKeyFile, 'utf8') }
          : {}),
      })
    : undefined;
  const review = config.review ? new ReviewQueue(config.review.db) : undefined;
  let redis: RedisHandle | undefined;
  let ownRedis: Redis | undefined;
  if (config.redis) {
    // Loaded only when Redis is configured: ioredis costs ~0.4 s of start-up for every CLI call.
    const client =
      options.redisClient ??
      new (await import('ioredis')).Redis(config.redis.url, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: config.redis.connectTimeoutMs,
        commandTimeout: config.redis.connectTimeoutMs,
      });
    if (!options.redisClient) ownRedis = client;
    // Without a listener ioredis' connection errors would crash the process.
    client.on('error', () => {});
    redis = { client, prefix: config.redis.prefix, failMode: config.redis.failMode };
  }
  const switches: GuardSwitches = {
    killed: false,
    killReason: '',
    degraded: false,
    degradeReason: '',
  };
  const authenticator = new Authenticator(config.keys, config.jwt);
  const writeAudit = (record: DecisionRecord): Promise<number> | undefined => {
    if (!audit) return undefined;
    const pending = audit.append(record);
    pending.catch(() => {});
    return pending;
  };
  const services: GuardServices = {
    pii: { custom: config.pii.custom, keywords: config.pii.keywords },
    label: config.label,
    redis,
    onQuotaReject: (route, limit) => monitor.quotaRejections.inc({ route, limit }),
    audit: (record) => void audit?.appendNoWait(record),
    authenticator,
  };
  const routes: RouteRuntime[] = config.routes.map((route) => ({
    config: route,
    steps: route.pipeline.map((stepConfig) => {
      const plugin = findStep(stepConfig.step);
      if (!plugin) throw new Error(`unknown step ${stepConfig.step}`);
      return plugin.create(stepConfig, services);
    }),
    breakers: route.upstreams.map(
      (upstream) =>
        new CircuitBreaker(route.breaker, Date.now, (state) =>
          monitor.breakerState.set(
            { upstream: upstream.name },
            state === 'closed' ? 0 : state === 'half-open' ? 1 : 2,
          ),
        ),
    ),
  }));
  for (const route of config.routes) {
    for (const upstream of route.upstreams)
      monitor.breakerState.set({ upstream: upstream.name }, 0);
  }

  const app = new Hono<GuardEnv>();

  app.get('/metrics', async () => {
    return new Response(await monitor.registry.metrics(), {
      headers: { 'content-type': monitor.registry.contentType },
    });
  });
  app.get('/_aisf/health', (c) =>
    c.json({
      status: switches.killed ? 'killed' : switches.degraded ? 'degraded' : 'ok',
      risk: monitor.level,
      audit: audit ? (audit.healthy ? 'ok' : 'failed') : 'off',
    }),
  );

  // ---- admin API: kill switch, degrade mode, human overrides, review queue ----
  app.use('/_aisf/admin/*', async (c, next) => {
    const principal = await authenticator.authenticate(c.req.raw.headers);
    if (!principal)
      return errorResponse(401, 'E_GUARD_UNAUTHENTICATED', 'admin API needs an admin key', 'admin');
    if (!config.admin.roles.some((r) => principal.roles.includes(r))) {
      return errorResponse(
        403,
        'E_GUARD_FORBIDDEN',
        `admin API needs one of the roles ${config.admin.roles.join(', ')}`,
        'admin',
      );
    }
    c.set('principal', principal.id);
    await next();
  });
  const adminBody = async <T>(
    c: Context<GuardEnv>,
    schema: z.ZodType<T>,
  ): Promise<T | Response> => {
    let value: unknown;
    try {
      value = await c.req.json();
    } catch {
      return errorResponse(400, 'E_GUARD_MALFORMED', 'the body must be JSON', 'admin');
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return errorResponse(
        400,
        'E_GUARD_INVALID_REQUEST',
        `${issue?.path.join('.') || '(body)'}: ${issue?.message}`,
        'admin',
      );
    }
    return parsed.data;
  };
  const adminRecord = async (
    c: Context<GuardEnv>,
    action: string,
    detail: Record<string, unknown>,
    kind: DecisionRecord['kind'] = 'admin',
  ) => {
    const pending = writeAudit({
      kind,
      requestId: randomUUID(),
      keyId: c.get('principal'),
      action,
      detail,
    });
    // Admin actions are rare and must be durable before they are confirmed.
    return pending ? await pending : undefined;
  };
  app.get('/_aisf/admin/status', (c) =>
    c.json({
      switches,
      risk: { level: monitor.level, ...monitor.rate() },
      breakers: routes.flatMap((r) =>
        r.config.upstreams.map((u, i) => ({
          route: r.config.path,
          upstream: u.name,
          state: r.breakers[i]?.state,
        })),
      ),
      audit: audit ? { records: audit.size, healthy: audit.healthy } : null,
    }),
  );
  app.post('/_aisf/admin/kill', async (c) => {
    const body = await adminBody(c, SwitchBody);
    if (body instanceof Response) return body;
    switches.killed = body.on;
    switches.killReason = body.reason;
    const seq = await adminRecord(c, body.on ? 'kill-switch-on' : 'kill-switch-off', {
      reason: body.reason,
    });
    return c.json({ switches, auditSeq: seq ?? null });
  });
  app.post('/_aisf/admin/degrade', async (c) => {
    const body = await adminBody(c, SwitchBody);
    if (body instanceof Response) return body;
    switches.degraded = body.on;
    switches.degradeReason = body.reason;
    const seq = await adminRecord(c, body.on ? 'degrade-on' : 'degrade-off', {
      reason: body.reason,
    });
    return c.json({ switches, auditSeq: seq ?? null });
  });
  app.post('/_aisf/admin/override', async (c) => {
    const body = await adminBody(c, OverrideBody);
    if (body instanceof Response) return body;
    const by = c.get('principal');
    const pending = writeAudit({
      kind: 'override',
      requestId: body.requestId,
      keyId: by,
      action: 'human-override',
      reason: body.reason,
      detail: { decision: body.decision, by, at: new Date().toISOString() },
    });
    const seq = pending ? await pending : undefined;
    return c.json({ recorded: seq !== undefined, auditSeq: seq ?? null, by });
  });
  app.get('/_aisf/admin/reviews', (c) => {
    if (!review)
      return errorResponse(404, 'E_NOT_FOUND', 'no review queue configured (review.db)', 'admin');
    const status = c.req.query('status');
    const which = status === 'decided' || status === 'all' ? status : 'pending';
    return c.json({ items: review.list(which) });
  });
  app.post('/_aisf/admin/reviews/:id', async (c) => {
    if (!review)
      return errorResponse(404, 'E_NOT_FOUND', 'no review queue configured (review.db)', 'admin');
    const body = await adminBody(c, ReviewDecisionBody);
    if (body instanceof Response) return body;
    const by = c.get('principal');
    const item = review.decide(Number(c.req.param('id')), {
      decision: body.decision,
      by,
      ...(body.note ? { note: body.note } : {}),
    });
    if (!item) return errorResponse(404, 'E_NOT_FOUND', 'no pending review with that id', 'admin');
    await adminRecord(
      c,
      'review-decided',
      { reviewId: item.id, decision: body.decision, requestId: item.requestId },
      'review',
    );
    return c.json({ item });
  });

  // ---- model and chat routes ----
  const runRoute = (call: GuardCall, runtime: RouteRuntime): Promise<GuardReply> =>
    handle(call, runtime).catch(() => {
      // A bug in a step must not produce an unlogged decision either.
      const requestId = randomUUID();
      audit?.appendNoWait({
        kind: 'decision',
        requestId,
        route: runtime.config.path,
        action: 'error',
        status: 500,
        reason: 'internal guard error',
      });
      monitor.observe(runtime.config.path, 'error', 0, true);
      return errorReply(500, 'E_INTERNAL', 'internal guard error', requestId);
    });
  const routeByPath = new Map<string, RouteRuntime>();
  for (const runtime of routes) {
    routeByPath.set(runtime.config.path, runtime);
    app.post(runtime.config.path, async (c) => {
      const incoming = c.env?.incoming;
      const call: GuardCall = incoming
        ? {
            headers: new IncomingHeaders(incoming.headers),
            clientIp: incoming.socket?.remoteAddress ?? 'unknown',
            read: (max, timeout) => readIncomingBody(incoming, max, timeout),
          }
        : {
            headers: c.req.raw.headers,
            clientIp: 'unknown',
            read: (max, timeout) => readRequestBody(c.req.raw, max, timeout),
          };
      return toResponse(await runRoute(call, runtime));
    });
  }
  /** node:http fast path: a guarded POST runs the same pipeline without Request/Response objects. */
  const handleNode = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const runtime = routeByPath.get(q < 0 ? url : url.slice(0, q));
    if (!runtime) return false;
    const call: GuardCall = {
      headers: new IncomingHeaders(req.headers),
      clientIp: req.socket?.remoteAddress ?? 'unknown',
      read: (max, timeout) => readIncomingBody(req, max, timeout),
    };
    void runRoute(call, runtime).then((reply) => {
      // Answered before the body was read (413, 408, kill switch): close rather than read and
      // discard an arbitrary amount of request body to keep the connection alive.
      if (!req.complete && reply.headers.connection === undefined) {
        reply.headers.connection = 'close';
      }
      try {
        writeReply(res, reply);
      } catch {
        // e.g. a header value node:http refuses (ERR_INVALID_CHAR): answer 500 like Hono's onError.
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              error: { code: 'E_INTERNAL', message: 'internal guard error', requestId: 'unknown' },
            }),
          );
        } else res.destroy();
      }
    });
    return true;
  };
  app.notFound(() => {
    const response = errorResponse(404, 'E_NOT_FOUND', 'no guarded route at this path', 'none');
    response.headers.set('x-aisf-no-route', '1');
    return response;
  });
  app.onError((_error, c) => {
    const requestId = c.res.headers.get('x-aisf-request-id') ?? 'unknown';
    return errorResponse(500, 'E_INTERNAL', 'internal guard error', requestId);
  });

  async function handle(incoming: GuardCall, runtime: RouteRuntime): Promise<GuardReply> {
    const started = performance.now();
    const route = runtime.config;
    const requestId = randomUUID();
    const ctx: StepContext = {
      requestId,
      route: route.path,
      kind: route.kind,
      model: route.model,
      headers: incoming.headers,
      clientIp: incoming.clientIp,
      principal: undefined,
      body: undefined,
      bodyBytes: 0,
      stream: false,
      fired: [],
      fallback: undefined,
      responseHeaders: { 'x-aisf-request-id': requestId },
      state: new Map(),
    };
    let inputSha256: string | undefined;
    let modified = false;

    const finish = async (
      response: GuardReply,
      action: string,
      extra: {
        reason?: string;
        code?: string;
        output?: string;
        detail?: Record<string, unknown>;
      } = {},
    ): Promise<GuardReply> => {
      const seconds = (performance.now() - started) / 1000;
      const record: DecisionRecord = {
        kind: 'decision',
        requestId,
        route: route.path,
        action,
        status: response.status,
        latencyMs: Math.round(seconds * 1e6) / 1e3,
        fired: ctx.fired,
      };
      // Optional fields set only when present (no temporary objects per request).
      if (ctx.principal) record.keyId = ctx.principal.id;
      if (route.model) record.model = route.model;
      if (inputSha256) record.inputSha256 = inputSha256;
      if (extra.output !== undefined) record.outputSha256 = sha256(extra.output);
      if (extra.reason) record.reason = extra.reason;
      if (extra.detail) record.detail = extra.detail;
      if (audit && config.audit?.waitForDurable) {
        try {
          await audit.append(record);
        } catch {
          return errorReply(
            503,
            'E_GUARD_AUDIT_DOWN',
            'the decision log is unavailable',
            requestId,
          );
        }
      } else audit?.appendNoWait(record);
      const flagged =
        action !== 'allow' && action !== 'modify'
          ? true
          : ctx.fired.some((f) => !f.startsWith('guard.output.label'));
      monitor.observe(route.path, action, seconds, flagged, extra.code);
      return response;
    };
    const block = (
      status: number,
      code: string,
      reason: string,
      headers: Record<string, string> = {},
    ) => finish(errorReply(status, code, reason, requestId, headers), 'block', { reason, code });

    // Refuse rather than answer unlogged when the black box has failed.
    if (audit && !audit.healthy) {
      monitor.observe(route.path, 'block', 0, true, 'E_GUARD_AUDIT_DOWN');
      return errorReply(
        503,
        'E_GUARD_AUDIT_DOWN',
        'the decision log is unavailable; the guard fails closed',
        requestId,
      );
    }
    if (switches.killed) {
      ctx.fired.push('guard.admin:kill-switch');
      return block(503, 'E_GUARD_KILLED', 'the service is stopped by the kill switch', {
        'retry-after': '60',
      });
    }

    const read = await incoming.read(route.maxBodyBytes, route.bodyTimeoutMs);
    if (!read.ok) {
      ctx.fired.push(`guard.request:${read.code}`);
      return block(
        read.status,
        read.code,
        read.reason,
        read.status === 408 ? { connection: 'close' } : {},
      );
    }
    inputSha256 = sha256(read.bytes);
    ctx.bodyBytes = read.bytes.length;
    try {
      ctx.body = JSON.parse(
        Buffer.from(read.bytes.buffer, read.bytes.byteOffset, read.bytes.byteLength).toString(
          'utf8',
        ),
      );
    } catch {
      ctx.fired.push('guard.request:malformed-json');
      return block(400, 'E_GUARD_MALFORMED', 'the body is not valid JSON');
    }
    ctx.stream = route.kind === 'chat' && (ctx.body as { stream?: unknown })?.stream === true;

    const outcome = (result: StepResult): 'next' | 'stop' => {
      if (result.action === 'modify') modified = true;
      return result.action === 'allow' || result.action === 'modify' ? 'next' : 'stop';
    };
    const complete = (outputText: string) => {
      const outputTokens = estimateTokens(outputText);
      for (const step of runtime.steps) {
        if (step.onComplete)
          void Promise.resolve(step.onComplete(ctx, { outputTokens })).catch(() => {});
      }
    };

    // Synchronous hooks (label, PII) are not awaited: an `await` on a plain value still costs a
    // promise and a microtask turn per step and request.
    for (const step of runtime.steps) {
      if (!step.onRequest) continue;
      const pending = step.onRequest(ctx);
      const result = pending instanceof Promise ? await pending : pending;
      if (outcome(result) === 'stop') {
        if (result.action === 'block')
          return block(result.status, result.code, result.reason, result.headers);
        if (result.action === 'route') return fallback(result.reason);
      }
    }
    if (switches.degraded) {
      ctx.fired.push('guard.admin:degraded');
      return fallback(`degrade mode${switches.degradeReason ? `: ${switches.degradeReason}` : ''}`);
    }

    const upstreamBody = JSON.stringify(ctx.body);
    const headers = { 'content-type': 'application/json', 'x-request-id': requestId };

    if (ctx.stream) return streamChat(upstreamBody, headers);

    // ---- non-streaming: one upstream (with failover) or N with voting ----
    const call = async (index: number): Promise<unknown> => {
      const upstream = route.upstreams[index];
      const breaker = runtime.breakers[index];
      if (!upstream || !breaker) throw new UpstreamError('connect', 'no upstream');
      const t0 = performance.now();
      try {
        const answer = await callUpstream({
          url: upstream.url,
          body: upstreamBody,
          headers,
          timeoutMs: upstream.timeoutMs,
        });
        if (answer.status >= 500)
          throw new UpstreamError('status', `upstream answered ${answer.status}`);
        let parsed: unknown;
        try {
          parsed = JSON.parse(answer.body.toString('utf8'));
        } catch {
          throw new UpstreamError('status', 'upstream answered with a body that is not JSON');
        }
        breaker.record(true, performance.now() - t0);
        if (answer.status >= 400) return { __upstreamStatus: answer.status };
        return parsed;
      } catch (error) {
        breaker.record(false, performance.now() - t0);
        throw error;
      }
    };
    const upstreamFailure = (error: unknown) => {
      const e =
        error instanceof UpstreamError ? error : new UpstreamError('connect', 'upstream failed');
      ctx.fired.push(`guard.upstream:${e.kind}`);
      if (e.kind === 'timeout') return block(504, 'E_GUARD_UPSTREAM_TIMEOUT', e.message);
      return block(
        502,
        e.kind === 'status' ? 'E_GUARD_UPSTREAM_BAD_ANSWER' : 'E_GUARD_UPSTREAM',
        e.message,
      );
    };

    let answerBody: unknown;
    let voteDetail: Record<string, unknown> | undefined;
    if (route.redundancy && route.upstreams.length > 1) {
      const allowed = runtime.breakers.map((b) => b.allow());
      const answers = await Promise.all(
        route.upstreams.map((_, i) =>
          allowed[i] ? call(i).catch(() => undefined) : Promise.resolve(undefined),
        ),
      );
      const usable = answers.map((a) =>
        a && typeof a === 'object' && '__upstreamStatus' in a ? undefined : a,
      );
      if (usable.every((a) => a === undefined)) {
        ctx.fired.push('guard.redundancy:all-failed');
        return block(502, 'E_GUARD_UPSTREAM', 'no upstream answered');
      }
      const result = vote(usable, route.redundancy);
      voteDetail = { votes: result.votes, agreed: result.agreed };
      if (!result.agreed) {
        ctx.fired.push('guard.redundancy:disagreement');
        return fallback(`redundant models disagree (${JSON.stringify(result.votes)})`, voteDetail);
      }
      answerBody = usable[result.winner];
    } else {
      // Created only on failure: an Error captures a stack trace, which cost about 3 % of the
      // guard's CPU when it was built up front for every request.
      let lastError: unknown;
      let opened = true;
      for (let i = 0; i < route.upstreams.length; i++) {
        if (!runtime.breakers[i]?.allow()) continue;
        opened = false;
        try {
          answerBody = await call(i);
          lastError = undefined;
          break;
        } catch (error) {
          lastError = error;
        }
      }
      if (opened) {
        ctx.fired.push('guard.circuit-breaker:open');
        if (route.fallback.mode === 'rule') return fallback('upstream circuit open');
        return block(
          503,
          'E_GUARD_CIRCUIT_OPEN',
          'the upstream circuit breaker is open; retry later',
          { 'retry-after': String(Math.ceil(route.breaker.openMs / 1000)) },
        );
      }
      if (lastError !== undefined) return upstreamFailure(lastError);
    }
    if (answerBody && typeof answerBody === 'object' && '__upstreamStatus' in answerBody) {
      const status = Number((answerBody as { __upstreamStatus: number }).__upstreamStatus);
      ctx.fired.push('guard.upstream:rejected');
      return block(
        status,
        'E_GUARD_UPSTREAM_REJECTED',
        `the upstream rejected the request (${status})`,
      );
    }
    return respond(answerBody, voteDetail);

    async function respond(body: unknown, detail?: Record<string, unknown>): Promise<GuardReply> {
      const answer = { status: 200, body };
      for (const step of runtime.steps) {
        if (!step.onResponse) continue;
        const pending = step.onResponse(ctx, answer);
        const result = pending instanceof Promise ? await pending : pending;
        if (outcome(result) === 'stop') {
          if (result.action === 'block')
            return block(result.status, result.code, result.reason, result.headers);
          if (result.action === 'route') return fallback(result.reason, detail);
        }
      }
      const text = JSON.stringify(answer.body);
      complete(ctx.kind === 'chat' ? chatOutputText(answer.body) : text);
      const response: GuardReply = {
        status: 200,
        headers: {
          'content-type': 'application/json',
          ...ctx.responseHeaders,
          ...(ctx.fallback ? { 'x-aisf-fallback': ctx.fallback } : {}),
        },
        body: text,
      };
      const action = ctx.fallback ? `route:${ctx.fallback}` : modified ? 'modify' : 'allow';
      return finish(response, action, { output: text, ...(detail ? { detail } : {}) });
    }

    async function fallback(reason: string, detail?: Record<string, unknown>): Promise<GuardReply> {
      const mode = route.fallback.mode;
      ctx.fallback = mode;
      if (mode === 'rule' && route.fallback.url) {
        try {
          const answer = await callUpstream({
            url: route.fallback.url,
            body: JSON.stringify(ctx.body),
            headers,
            timeoutMs: route.fallback.timeoutMs,
          });
          if (answer.status >= 400)
            throw new UpstreamError('status', `rule endpoint answered ${answer.status}`);
          const parsed = JSON.parse(answer.body.toString('utf8')) as unknown;
          ctx.responseHeaders['x-aisf-fallback-reason'] = encodeURIComponent(reason);
          return respond(parsed, { ...detail, fallbackReason: reason });
        } catch {
          ctx.fired.push('guard.fallback:rule-failed');
          return finish(
            errorReply(
              503,
              'E_GUARD_FALLBACK_FAILED',
              `fallback rule endpoint failed (${reason})`,
              requestId,
            ),
            'route:rule-failed',
            { reason },
          );
        }
      }
      if (mode === 'review' && review) {
        const reviewId = review.enqueue({
          requestId,
          route: route.path,
          keyId: ctx.principal?.id,
          reason,
          input: JSON.stringify(ctx.body),
        });
        const text = JSON.stringify({ status: 'pending-review', reviewId, requestId, reason });
        return finish(
          {
            status: 202,
            headers: { 'content-type': 'application/json', 'x-aisf-request-id': requestId },
            body: text,
          },
          'route:review',
          { reason, output: text, detail: { ...detail, reviewId } },
        );
      }
      return finish(errorReply(422, 'E_GUARD_REFUSED', reason, requestId), 'route:refuse', {
        reason,
        ...(detail ? { detail } : {}),
      });
    }

    async function streamChat(
      body: string,
      upstreamHeaders: Record<string, string>,
    ): Promise<GuardReply> {
      const index = runtime.breakers.findIndex((b) => b.allow());
      const upstream = route.upstreams[index];
      const breaker = runtime.breakers[index];
      if (!upstream || !breaker) {
        ctx.fired.push('guard.circuit-breaker:open');
        return block(
          503,
          'E_GUARD_CIRCUIT_OPEN',
          'the upstream circuit breaker is open; retry later',
        );
      }
      const t0 = performance.now();
      let source: IncomingMessage;
      try {
        source = await openUpstream({
          url: upstream.url,
          body,
          headers: upstreamHeaders,
          timeoutMs: upstream.timeoutMs,
        });
      } catch (error) {
        breaker.record(false, performance.now() - t0);
        return upstreamFailure(error);
      }
      const contentType = String(source.headers['content-type'] ?? '');
      if ((source.statusCode ?? 500) >= 400 || !contentType.includes('text/event-stream')) {
        source.destroy();
        breaker.record(false, performance.now() - t0);
        ctx.fired.push('guard.upstream:bad-stream');
        return block(
          502,
          'E_GUARD_UPSTREAM_BAD_ANSWER',
          `upstream answered ${source.statusCode} ${contentType || 'without content type'} instead of an event stream`,
        );
      }
      breaker.record(true, performance.now() - t0);
      const chains = new Map<number, StreamTransform[]>();
      const chainFor = (i: number) => {
        let chain = chains.get(i);
        if (!chain) {
          chain = runtime.steps
            .map((s) => s.onStream?.(ctx))
            .filter((t): t is StreamTransform => t !== undefined);
          chains.set(i, chain);
        }
        return chain;
      };
      chainFor(0); // sets the label header before the head is sent
      const finished = new Set<number>();
      const encoder = new TextEncoder();
      const decoder = new TextDecoder();
      let pending = '';
      let output = '';
      let done = false;
      let lastId = 'chatcmpl-aisf';
      let idle: NodeJS.Timeout | undefined;
      const headersOut: Record<string, string> = {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
        ...ctx.responseHeaders,
      };
      let closeStream: (action: string, extra: { reason?: string; code?: string }) => void =
        () => {};
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          const send = (data: string) => controller.enqueue(encoder.encode(`data: ${data}\n\n`));
          closeStream = (action, extra) => {
            if (done) return;
            done = true;
            clearTimeout(idle);
            source.destroy();
            try {
              controller.close();
            } catch {
              // already closed by the client
            }
            complete(output);
            void finish({ status: 200, headers: {}, body: null }, action, { ...extra, output });
          };
          const fail = (code: string, reason: string) => {
            ctx.fired.push(`guard.stream:${code}`);
            send(JSON.stringify({ error: { code, message: reason, requestId } }));
            send('[DONE]');
            closeStream('block', { reason, code });
          };
          const armIdle = () => {
            clearTimeout(idle);
            idle = setTimeout(
              () =>
                fail('E_GUARD_UPSTREAM_TIMEOUT', `no upstream data for ${upstream.timeoutMs} ms`),
              upstream.timeoutMs,
            );
          };
          const finalize = (
            i: number,
          ): { text: string; block?: { code: string; reason: string } } => {
            if (finished.has(i)) return { text: '' };
            finished.add(i);
            return runChain(chainFor(i), '', true);
          };
          const handleEvent = (data: string) => {
            if (data === '[DONE]') {
              for (const i of chains.keys()) {
                const rest = finalize(i);
                if (rest.block) return fail(rest.block.code, rest.block.reason);
                if (rest.text) {
                  output += rest.text;
                  send(
                    JSON.stringify({
                      id: lastId,
                      object: 'chat.completion.chunk',
                      choices: [{ index: i, delta: { content: rest.text }, finish_reason: null }],
                    }),
                  );
                }
              }
              send('[DONE]');
              return closeStream(
                modified || ctx.fired.some((f) => f.startsWith('guard.output.pii'))
                  ? 'modify'
                  : 'allow',
                {},
              );
            }
            let chunk: {
              id?: string;
              choices?: {
                index?: number;
                delta?: { content?: unknown };
                finish_reason?: unknown;
              }[];
            };
            try {
              chunk = JSON.parse(data);
            } catch {
              return fail(
                'E_GUARD_UPSTREAM_BAD_ANSWER',
                'the upstream stream carried a chunk that is not JSON',
              );
            }
            if (typeof chunk.id === 'string') lastId = chunk.id;
            let emit = false;
            for (const choice of chunk.choices ?? []) {
              const i = typeof choice.index === 'number' ? choice.index : 0;
              const delta = choice.delta ?? {};
              const text = typeof delta.content === 'string' ? delta.content : '';
              const isEnd = choice.finish_reason !== null && choice.finish_reason !== undefined;
              let result = runChain(chainFor(i), text, false);
              if (result.block) return fail(result.block.code, result.block.reason);
              if (isEnd) {
                const rest = finalize(i);
                if (rest.block) return fail(rest.block.code, rest.block.reason);
                result = { text: result.text + rest.text };
              }
              output += result.text;
              if (typeof delta.content === 'string' || result.text) delta.content = result.text;
              choice.delta = delta;
              if (result.text || isEnd || Object.keys(delta).some((k) => k !== 'content'))
                emit = true;
            }
            if (emit || !chunk.choices) send(JSON.stringify(chunk));
          };
          armIdle();
          source.on('data', (bytes: Buffer) => {
            if (done) return;
            armIdle();
            pending += decoder.decode(bytes, { stream: true });
            const { data, rest } = takeSseEvents(pending);
            pending = rest;
            for (const event of data) {
              if (done) break;
              handleEvent(event);
            }
            if (!done && (controller.desiredSize ?? 1) <= 0) source.pause();
            if (pending.length > 1_048_576)
              fail('E_GUARD_UPSTREAM_BAD_ANSWER', 'an upstream event exceeds 1 MiB');
          });
          source.on('end', () => {
            if (!done)
              fail('E_GUARD_UPSTREAM_BAD_ANSWER', 'the upstream stream ended without [DONE]');
          });
          source.on('error', () => {
            if (!done) fail('E_GUARD_UPSTREAM', 'the upstream stream broke');
          });
        },
        pull() {
          source.resume();
        },
        cancel() {
          ctx.fired.push('guard.stream:client-abort');
          closeStream('client-abort', { reason: 'the client closed the stream' });
        },
      });
      return { status: 200, headers: headersOut, body: stream };
    }
  }

  return {
    app,
    fetch: (request) => Promise.resolve(app.fetch(request)),
    handleNode,
    switches,
    monitor,
    audit,
    review,
    async close() {
      for (const runtime of routes) for (const step of runtime.steps) await step.close?.();
      await audit?.close();
      review?.close();
      ownRedis?.disconnect();
    },
  };
}

/**
 * Hono middleware that lets a guard answer its routes inside an existing app and passes every
 * other request on.
 *
 * @example
 * const app = new Hono<GuardEnv>();
 * app.use('*', guardMiddleware(await createGuard(config)));
 */
export function guardMiddleware(guard: Guard): MiddlewareHandler {
  return async (c, next) => {
    const response = await guard.app.fetch(c.req.raw, c.env);
    if (response.status === 404 && response.headers.get('x-aisf-no-route')) return next();
    return response;
  };
}
