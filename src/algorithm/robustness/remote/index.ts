/**
 * @module A remote HTTP JSON endpoint as a predict-only model (`--endpoint URL`), for black-box
 * attacks on models aisf cannot load: batched POST requests, a documented JSON mapping, timeouts,
 * retries with exponential backoff (Retry-After honoured), a total query budget, and E_UPSTREAM
 * errors that name what was wrong with a response without echoing it.
 *
 * Request (one per batch of at most `batchSize` rows), `Content-Type: application/json`:
 *   `{ "<inputKey>": [x₀, x₁, …] }` — each xᵢ nested in the sample's shape (e.g. [1][28][28]),
 *   or flat when `layout: 'flat'`; `inputKey` defaults to `inputs`.
 * Response: a JSON object whose `<outputKey>` (a dot path, default `outputs`) holds one row of
 *   k ≥ 1 finite numbers (logits or probabilities) per input row, in order.
 * TF Serving / KServe v1: inputKey `instances`, outputKey `predictions`.
 */
import type { Tensor } from '../../../engine/index.js';
import { AisfError } from '../../../errors.js';
import type { PredictModel } from '../attacks/attack.js';

/** Options of remoteModel. */
export interface RemoteModelOptions {
  /** http(s) URL the batches are POSTed to. */
  url: string;
  /** Request key holding the input rows. @default 'inputs' */
  inputKey?: string;
  /** Dot path of the score rows in the response. @default 'outputs' */
  outputKey?: string;
  /** Rows nested in the sample shape, or flat vectors. @default 'nested' */
  layout?: 'nested' | 'flat';
  /** Most rows per request. @default 64 */
  batchSize?: number;
  /** Requests in flight at once. @default 4 */
  concurrency?: number;
  /** Per-attempt timeout in ms. @default 30000 */
  timeoutMs?: number;
  /** Retries after a network error, timeout, 429 or 5xx (4xx are not retried). @default 3 */
  retries?: number;
  /** First backoff in ms; doubles per retry, capped at 10 s. @default 250 */
  backoffMs?: number;
  /** Total rows this source may send; more throws E_QUERY_BUDGET. @default 1000000 */
  maxQueries?: number;
  /** Largest response body accepted, bytes. @default 64 MiB */
  maxResponseBytes?: number;
  /** Extra request headers (e.g. authorization; never logged). */
  headers?: Record<string, string>;
  /** Injected for tests. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** Defaults of the remote source, named once. */
export const REMOTE_DEFAULTS = {
  inputKey: 'inputs',
  outputKey: 'outputs',
  layout: 'nested',
  batchSize: 64,
  concurrency: 4,
  timeoutMs: 30_000,
  retries: 3,
  backoffMs: 250,
  maxQueries: 1_000_000,
  maxResponseBytes: 64 * 1024 * 1024,
} as const;

/** A predict-only model backed by an endpoint, with its usage counters. */
export interface RemoteModel extends PredictModel {
  /** The endpoint without query string or credentials (safe to report). */
  readonly endpoint: string;
  /** Rows sent so far (the queries of the budget). */
  readonly queries: number;
  /** HTTP requests made, retries included. */
  readonly requests: number;
  /** Retries made. */
  readonly retried: number;
  /** Nothing to free; present so callers can treat it like an engine Model. */
  release(): Promise<void>;
}

/** The URL without userinfo, query or fragment (those may hold secrets). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

/** Follows a dot path (`a.b.0.c`) into parsed JSON. */
function at(value: unknown, path: string): unknown {
  let v = value;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = Array.isArray(v)
      ? /^\d+$/.test(part)
        ? v[Number(part)]
        : undefined
      : (v as Record<string, unknown>)[part];
  }
  return v;
}

/**
 * Validates a parsed response and returns its [rows, k] scores. Throws E_UPSTREAM naming the
 * problem (never echoing the body).
 */
export function parseScores(body: unknown, outputKey: string, rows: number): Tensor<Float32Array> {
  const where = `the endpoint's response field "${outputKey}"`;
  const v = at(body, outputKey);
  if (!Array.isArray(v))
    throw new AisfError(
      'E_UPSTREAM',
      `${where} is ${v === undefined ? 'missing' : `a ${typeof v}, not an array`}; set --endpoint-output-key to the path of the score rows`,
    );
  if (v.length !== rows)
    throw new AisfError('E_UPSTREAM', `${where} holds ${v.length} rows for ${rows} inputs`);
  let k = -1;
  let out = new Float32Array(0);
  for (let i = 0; i < rows; i++) {
    const row = v[i] as unknown;
    if (!Array.isArray(row))
      throw new AisfError(
        'E_UPSTREAM',
        `${where}: row ${i} is not an array of class scores (one row of numbers per input)`,
      );
    if (k === -1) {
      k = row.length;
      if (k < 1 || k > 1_000_000)
        throw new AisfError('E_UPSTREAM', `${where}: row 0 holds ${k} scores (need 1…1000000)`);
      out = new Float32Array(rows * k);
    } else if (row.length !== k)
      throw new AisfError(
        'E_UPSTREAM',
        `${where}: row ${i} holds ${row.length} scores, row 0 holds ${k}`,
      );
    for (let j = 0; j < k; j++) {
      const s = row[j] as unknown;
      if (typeof s !== 'number' || !Number.isFinite(s))
        throw new AisfError('E_UPSTREAM', `${where}: row ${i} score ${j} is not a finite number`);
      out[i * k + j] = s;
    }
  }
  return { data: out, shape: [rows, Math.max(k, 0)] };
}

/** Nests a flat row into the sample shape (JSON arrays). */
function nest(data: Float32Array, shape: readonly number[], offset: number): unknown {
  if (shape.length <= 1) return Array.from(data.subarray(offset, offset + (shape[0] ?? 1)));
  const [head, ...rest] = shape as [number, ...number[]];
  const stride = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: head }, (_, i) => nest(data, rest, offset + i * stride));
}

async function readLimited(res: Response, limit: number): Promise<string> {
  const length = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(length) && length > limit)
    throw new AisfError(
      'E_UPSTREAM',
      `the endpoint's response is ${length} bytes (limit ${limit})`,
    );
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new AisfError('E_UPSTREAM', `the endpoint's response exceeds ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A short, secret-free reason for a failed fetch (undici puts it in `cause`). */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string' && cause.message.length < 80) return cause.message;
  return (error as { name?: string }).name ?? 'network error';
}

class Retryable extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * Wraps an HTTP JSON endpoint as a predict-only model. Nothing is sent until predict is called.
 *
 * @example
 * const model = remoteModel({ url: 'http://127.0.0.1:8080/predict', outputKey: 'predictions' });
 * const { adversarial } = await square(model, x, { labels: y, eps: 0.1 });
 */
export function remoteModel(options: RemoteModelOptions): RemoteModel {
  const D = REMOTE_DEFAULTS;
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    throw new AisfError(
      'E_USAGE',
      `--endpoint must be an http(s) URL (got "${redactUrl(options.url)}")`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new AisfError('E_USAGE', `--endpoint must be an http(s) URL (got ${parsed.protocol})`);
  const o = {
    inputKey: options.inputKey ?? D.inputKey,
    outputKey: options.outputKey ?? D.outputKey,
    layout: options.layout ?? D.layout,
    batchSize: options.batchSize ?? D.batchSize,
    concurrency: options.concurrency ?? D.concurrency,
    timeoutMs: options.timeoutMs ?? D.timeoutMs,
    retries: options.retries ?? D.retries,
    backoffMs: options.backoffMs ?? D.backoffMs,
    maxQueries: options.maxQueries ?? D.maxQueries,
    maxResponseBytes: options.maxResponseBytes ?? D.maxResponseBytes,
  };
  for (const [k, v, min] of [
    ['batchSize', o.batchSize, 1],
    ['concurrency', o.concurrency, 1],
    ['timeoutMs', o.timeoutMs, 1],
    ['retries', o.retries, 0],
    ['backoffMs', o.backoffMs, 0],
    ['maxQueries', o.maxQueries, 1],
    ['maxResponseBytes', o.maxResponseBytes, 1],
  ] as const)
    if (!Number.isSafeInteger(v) || v < min)
      throw new AisfError('E_USAGE', `endpoint ${k} must be an integer ≥ ${min} (got ${v})`);
  if (o.inputKey === '' || o.outputKey === '')
    throw new AisfError('E_USAGE', 'the endpoint input and output keys must not be empty');
  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const endpoint = redactUrl(options.url);
  const stats = { queries: 0, requests: 0, retried: 0 };

  const attempt = async (body: string, rows: number): Promise<Tensor<Float32Array>> => {
    stats.requests++;
    let res: Response;
    try {
      res = await doFetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...options.headers,
        },
        body,
        signal: AbortSignal.timeout(o.timeoutMs),
      });
    } catch (error) {
      const name = (error as { name?: string }).name;
      throw new Retryable(
        name === 'TimeoutError' || name === 'AbortError'
          ? `no response within ${o.timeoutMs} ms`
          : `request failed (${networkReason(error)})`,
      );
    }
    if (res.status === 429 || res.status >= 500) {
      // Retry-After in seconds (RFC 9110 §10.2.3); the HTTP-date form falls back to backoff.
      const header = res.headers.get('retry-after');
      const ra = header === null || header.trim() === '' ? Number.NaN : Number(header);
      await res.body?.cancel().catch(() => undefined);
      throw new Retryable(
        `HTTP ${res.status}`,
        Number.isFinite(ra) && ra >= 0 ? Math.min(ra * 1000, 60_000) : undefined,
      );
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new AisfError(
        'E_UPSTREAM',
        `the endpoint ${endpoint} answered HTTP ${res.status}; check the URL and the request mapping (--endpoint-input-key ${o.inputKey})`,
      );
    }
    let text: string;
    try {
      text = await readLimited(res, o.maxResponseBytes);
    } catch (error) {
      if (error instanceof AisfError) throw error;
      throw new Retryable('the response body broke off');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AisfError('E_UPSTREAM', `the endpoint ${endpoint} did not answer with JSON`);
    }
    return parseScores(json, o.outputKey, rows);
  };

  const request = async (x: Tensor<Float32Array>, start: number, end: number) => {
    const shape = x.shape.slice(1);
    const inner = shape.reduce((a, b) => a * b, 1);
    const rowsJson = Array.from({ length: end - start }, (_, i) =>
      o.layout === 'flat'
        ? Array.from(x.data.subarray((start + i) * inner, (start + i + 1) * inner))
        : nest(x.data, shape, (start + i) * inner),
    );
    const body = JSON.stringify({ [o.inputKey]: rowsJson });
    for (let n = 0; ; n++) {
      try {
        return await attempt(body, end - start);
      } catch (error) {
        if (!(error instanceof Retryable)) throw error;
        if (n >= o.retries)
          throw new AisfError(
            'E_UPSTREAM',
            `the endpoint ${endpoint} failed ${n + 1} time(s), last: ${error.message}; check it is up, or raise --endpoint-timeout / --endpoint-retries`,
          );
        stats.retried++;
        await sleep(error.retryAfterMs ?? Math.min(10_000, o.backoffMs * 2 ** n));
      }
    }
  };

  return {
    endpoint,
    get queries() {
      return stats.queries;
    },
    get requests() {
      return stats.requests;
    },
    get retried() {
      return stats.retried;
    },
    release: async () => undefined,
    async predict(x: Tensor, opts: { batchSize?: number } = {}): Promise<Tensor<Float32Array>> {
      if (!(x.data instanceof Float32Array))
        throw new AisfError('E_INPUT', 'remote model inputs must be float32');
      const xf = x as Tensor<Float32Array>;
      const n = x.shape[0] as number;
      if (stats.queries + n > o.maxQueries)
        throw new AisfError(
          'E_QUERY_BUDGET',
          `the endpoint query budget of ${o.maxQueries} rows is spent (${stats.queries} sent, ${n} more asked); raise --endpoint-max-queries`,
        );
      stats.queries += n;
      const batch = Math.max(1, Math.min(o.batchSize, opts.batchSize ?? o.batchSize));
      const ranges: [number, number][] = [];
      for (let s = 0; s < n; s += batch) ranges.push([s, Math.min(n, s + batch)]);
      const parts: Tensor<Float32Array>[] = new Array(ranges.length);
      let next = 0;
      const workers = Array.from({ length: Math.min(o.concurrency, ranges.length) }, async () => {
        while (next < ranges.length) {
          const i = next++;
          const [s, e] = ranges[i] as [number, number];
          parts[i] = await request(xf, s, e);
        }
      });
      await Promise.all(workers);
      const k = parts[0]?.shape[1] ?? 0;
      if (parts.some((p) => p.shape[1] !== k))
        throw new AisfError(
          'E_UPSTREAM',
          `the endpoint ${endpoint} answered with a varying number of classes`,
        );
      const out = new Float32Array(n * k);
      let o2 = 0;
      for (const p of parts) {
        out.set(p.data, o2);
        o2 += p.data.length;
      }
      return { data: out, shape: [n, k] };
    },
  };
}
