/**
 * @module The upstream HTTP client: node:http with keep-alive agents (the guard's added latency
 * budget is ~1 ms, which rules out per-request connections), a hard timeout, a response size
 * bound, and either a buffered body or a byte stream for SSE.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 512 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 512 });

/** Why an upstream call failed; maps to 502 / 504. */
export class UpstreamError extends Error {
  constructor(
    readonly kind: 'connect' | 'timeout' | 'too-large' | 'status',
    message: string,
  ) {
    super(message);
  }
}

export interface UpstreamRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Largest accepted buffered answer. @default 16 MiB */
  maxBytes?: number;
}

/** Parsed request targets by URL: the upstream set is fixed by the config, so parse each once. */
const targets = new Map<string, { isHttps: boolean; options: http.RequestOptions }>();
function targetOf(raw: string): { isHttps: boolean; options: http.RequestOptions } {
  let target = targets.get(raw);
  if (!target) {
    const url = new URL(raw);
    target = {
      isHttps: url.protocol === 'https:',
      options: {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port,
        path: `${url.pathname}${url.search}`,
        ...(url.username || url.password
          ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` }
          : {}),
      },
    };
    if (targets.size < 1024) targets.set(raw, target);
  }
  return target;
}

/** Starts a POST to the upstream; `onResponse` gets the head. */
function send(req: UpstreamRequest, onResponse: (response: IncomingMessage) => void) {
  const target = targetOf(req.url);
  const payload = Buffer.from(req.body);
  const request = (target.isHttps ? https : http).request(
    {
      ...target.options,
      method: 'POST',
      agent: target.isHttps ? httpsAgent : httpAgent,
      headers: { ...req.headers, 'content-length': String(payload.length) },
    },
    onResponse,
  );
  // Nagle + delayed ACK would add ~40 ms per call on a reused socket (RFC 896 / RFC 1122 §4.2.3.2).
  request.setNoDelay(true);
  request.end(payload);
  return request;
}

const connectError = (error: unknown) =>
  error instanceof UpstreamError ? error : new UpstreamError('connect', 'cannot reach upstream');

/** Opens a request and resolves with the response head (body not yet read). */
export function openUpstream(req: UpstreamRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = send(req, (response) => {
      clearTimeout(timer);
      resolve(response);
    });
    const timer = setTimeout(() => {
      request.destroy(new UpstreamError('timeout', `no answer within ${req.timeoutMs} ms`));
    }, req.timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(connectError(error));
    });
  });
}

/** Buffers a response body up to `maxBytes`; `done` is called once. */
function collectBody(
  response: IncomingMessage,
  maxBytes: number,
  done: (error: UpstreamError | undefined, body?: Buffer) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  response.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) {
      response.destroy();
      done(new UpstreamError('too-large', `upstream answer exceeds ${maxBytes} bytes`));
      return;
    }
    chunks.push(chunk);
  });
  response.on('end', () =>
    done(undefined, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
  );
  response.on('error', () => done(new UpstreamError('connect', 'upstream connection broke')));
}

/** Reads a whole body with the remaining time and a size bound. */
export function readBody(
  response: IncomingMessage,
  timeoutMs: number,
  maxBytes = 16 * 1024 * 1024,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      response.destroy();
      reject(new UpstreamError('timeout', `body not complete within ${timeoutMs} ms`));
    }, timeoutMs);
    collectBody(response, maxBytes, (error, body) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(body as Buffer);
    });
  });
}

/**
 * Calls an upstream and buffers the answer. One timer bounds head and body together: a second
 * timer for the body, armed with the remaining milliseconds, got a new duration on nearly every
 * call, and Node keeps one timer list per duration — creating and dropping a list (a priority
 * queue insert and removal) per request.
 */
export function callUpstream(
  req: UpstreamRequest,
): Promise<{ status: number; contentType: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let response: IncomingMessage | undefined;
    const settle = (error: UpstreamError | undefined, body?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error || !response) reject(error ?? new UpstreamError('connect', 'no answer'));
      else {
        resolve({
          status: response.statusCode ?? 502,
          contentType: String(response.headers['content-type'] ?? ''),
          body: body as Buffer,
        });
      }
    };
    const request = send(req, (head) => {
      response = head;
      collectBody(head, req.maxBytes ?? 16 * 1024 * 1024, settle);
    });
    const timer = setTimeout(() => {
      const error = response
        ? new UpstreamError('timeout', `body not complete within ${req.timeoutMs} ms`)
        : new UpstreamError('timeout', `no answer within ${req.timeoutMs} ms`);
      if (response) response.destroy();
      else request.destroy(error);
      settle(error);
    }, req.timeoutMs);
    request.on('error', (error) => settle(connectError(error)));
  });
}
