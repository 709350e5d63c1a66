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

/** Opens a request and resolves with the response head (body not yet read). */
export function openUpstream(req: UpstreamRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const target = targetOf(req.url);
    const payload = Buffer.from(req.body);
    const request = (target.isHttps ? https : http).request(
      {
        ...target.options,
        method: 'POST',
        agent: target.isHttps ? httpsAgent : httpAgent,
        headers: { ...req.headers, 'content-length': String(payload.length) },
      },
      (response) => {
        clearTimeout(timer);
        resolve(response);
      },
    );
    const timer = setTimeout(() => {
      request.destroy(new UpstreamError('timeout', `no answer within ${req.timeoutMs} ms`));
    }, req.timeoutMs);
    // Nagle + delayed ACK would add ~40 ms per call on a reused socket (RFC 896 / RFC 1122 §4.2.3.2).
    request.setNoDelay(true);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(
        error instanceof UpstreamError
          ? error
          : new UpstreamError('connect', 'cannot reach upstream'),
      );
    });
    request.end(payload);
  });
}

/** Reads a whole body with the remaining time and a size bound. */
export function readBody(
  response: IncomingMessage,
  timeoutMs: number,
  maxBytes = 16 * 1024 * 1024,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      response.destroy();
      reject(new UpstreamError('timeout', `body not complete within ${timeoutMs} ms`));
    }, timeoutMs);
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        clearTimeout(timer);
        response.destroy();
        reject(new UpstreamError('too-large', `upstream answer exceeds ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => {
      clearTimeout(timer);
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    response.on('error', () => {
      clearTimeout(timer);
      reject(new UpstreamError('connect', 'upstream connection broke'));
    });
  });
}

/** Calls an upstream and buffers the answer. */
export async function callUpstream(
  req: UpstreamRequest,
): Promise<{ status: number; contentType: string; body: Buffer }> {
  const started = Date.now();
  const response = await openUpstream(req);
  const body = await readBody(
    response,
    Math.max(1, req.timeoutMs - (Date.now() - started)),
    req.maxBytes,
  );
  return {
    status: response.statusCode ?? 502,
    contentType: String(response.headers['content-type'] ?? ''),
    body,
  };
}
