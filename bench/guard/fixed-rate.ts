/**
 * @module An open-loop fixed-rate HTTP/1.1 load generator (the wrk2 model): request i is due at
 * t0 + i/rate whether or not earlier answers came back, over a pool of keep-alive connections.
 * Why not autocannon `-R`/overallRate: it splits the rate over the connections and lets each send
 * back-to-back until its per-second quota is used, then pauses until the next second — a burst at
 * the start of every second, so p99 measures a saturated server — and then back-fills its histogram
 * with a 1 ms expected interval, multiplying every slow sample. Here latency is measured twice:
 * `service` from the write to the complete answer (what wrk/autocannon report) and `corrected` from
 * the due time (includes waiting for a free connection and timer lateness: coordinated omission).
 */
import net from 'node:net';

export interface FixedRateOptions {
  url: string;
  rate: number;
  seconds: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Keep-alive connections opened up front. @default 64 */
  connections?: number;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface FixedRateResult {
  sent: number;
  completed: number;
  /** Completed answers per second over the run. */
  rps: number;
  /** Socket errors. */
  errors: number;
  /** Due requests without a complete answer when the run ended (never sent or never answered). */
  unanswered: number;
  non2xx: number;
  /** Milliseconds, write → complete answer. */
  service: Percentiles;
  /** Milliseconds, due time → complete answer. */
  corrected: Percentiles;
}

interface Conn {
  socket: net.Socket;
  busy: boolean;
  due: number;
  sentAt: number;
  buf: Buffer;
}

function percentiles(values: number[]): Percentiles {
  const v = Float64Array.from(values).sort();
  const at = (q: number) =>
    v.length === 0 ? Number.NaN : (v[Math.min(v.length - 1, Math.floor(q * v.length))] as number);
  return {
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    p999: at(0.999),
    max: v.length ? (v[v.length - 1] as number) : Number.NaN,
  };
}

/**
 * Length of one complete HTTP/1.1 response at the start of `buf` (content-length or chunked), or
 * -1 when more bytes are needed. Sets `status`.
 */
function responseLength(buf: Buffer, out: { status: number }): number {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return -1;
  const head = buf.toString('latin1', 0, headEnd);
  out.status = Number(head.slice(9, 12));
  const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (cl) {
    const total = headEnd + 4 + Number(cl[1]);
    return buf.length >= total ? total : -1;
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    let at = headEnd + 4;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return -1;
      const size = Number.parseInt(buf.toString('latin1', at, lineEnd), 16);
      at = lineEnd + 2 + size + 2;
      if (at > buf.length) return -1;
      if (size === 0) return at;
    }
  }
  return headEnd + 4;
}

/**
 * Runs one fixed-rate load and resolves with the achieved rate and latency percentiles.
 *
 * @example
 * const r = await fixedRate({ url: 'http://127.0.0.1:8080/x', rate: 2000, seconds: 10 });
 * console.log(r.service.p99);
 */
export async function fixedRate(options: FixedRateOptions): Promise<FixedRateResult> {
  const url = new URL(options.url);
  const body = Buffer.from(options.body ?? '');
  const headerLines = Object.entries({
    host: url.host,
    ...(options.headers ?? {}),
    'content-length': String(body.length),
  })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const request = Buffer.concat([
    Buffer.from(
      `${options.method ?? 'POST'} ${url.pathname}${url.search} HTTP/1.1\r\n${headerLines}\r\n`,
    ),
    body,
  ]);
  const service: number[] = [];
  const corrected: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let sent = 0;
  let completed = 0;
  const idle: Conn[] = [];
  const backlog: number[] = [];
  const conns: Conn[] = [];

  const send = (c: Conn, due: number) => {
    c.busy = true;
    c.due = due;
    c.sentAt = performance.now();
    sent++;
    c.socket.write(request);
  };
  const open = () =>
    new Promise<Conn>((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname);
      socket.setNoDelay(true);
      const c: Conn = { socket, busy: false, due: 0, sentAt: 0, buf: Buffer.alloc(0) };
      const out = { status: 0 };
      socket.on('data', (chunk: Buffer) => {
        c.buf = c.buf.length === 0 ? chunk : Buffer.concat([c.buf, chunk]);
        const n = responseLength(c.buf, out);
        if (n < 0) return;
        const now = performance.now();
        c.buf = c.buf.subarray(n);
        if (out.status < 200 || out.status >= 300) non2xx++;
        service.push(now - c.sentAt);
        corrected.push(now - c.due);
        completed++;
        c.busy = false;
        const next = backlog.shift();
        if (next !== undefined) send(c, next);
        else idle.push(c);
      });
      socket.once('connect', () => resolve(c));
      socket.on('error', (error) => {
        errors++;
        reject(error);
      });
      socket.on('close', () => {
        const i = idle.indexOf(c);
        if (i >= 0) idle.splice(i, 1);
        if (c.busy) errors++;
      });
    });
  for (let i = 0; i < (options.connections ?? 64); i++) {
    const c = await open();
    conns.push(c);
    idle.push(c);
  }
  const interval = 1000 / options.rate;
  const total = Math.round(options.rate * options.seconds);
  const t0 = performance.now();
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && t0 + next * interval <= now) {
        const due = t0 + next * interval;
        const c = idle.pop();
        if (c) send(c, due);
        else backlog.push(due);
        next++;
      }
      if (next < total) setTimeout(tick, Math.max(0, t0 + next * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  // Drain: wait for outstanding answers (bounded).
  const deadline = performance.now() + 10_000;
  while ((completed < sent || backlog.length > 0) && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const elapsed = (performance.now() - t0) / 1000;
  for (const c of conns) c.socket.destroy();
  return {
    sent,
    completed,
    rps: completed / elapsed,
    errors,
    unanswered: sent - completed + backlog.length,
    non2xx,
    service: percentiles(service),
    corrected: percentiles(corrected),
  };
}
