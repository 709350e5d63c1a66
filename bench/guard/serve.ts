/**
 * @module Bench helper process, prints its URL: `serve.ts upstream [workUs]` runs the fake
 * upstream (with `workUs` > 0: its own copy of the chat answer after burning that much CPU per
 * request, a stand-in for model inference), `serve.ts guard <url> <dir> [durable]` runs a guard in
 * front of it with auth + quota + PII + labeling + audit (`durable`: every response waits for its
 * record's fsync, group commit; `steps-only`: no decision log; `empty`: no steps, no log — for
 * attributing the cost), `serve.ts bare <url>` the smallest node:http forwarder.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { hashApiKey } from '../../src/business/guard/access-api-key/index.js';
import { parseGuardConfig } from '../../src/business/guard/config.js';
import { serveGuard } from '../../src/business/guard/server.js';
import { callUpstream } from '../../src/business/guard/upstream.js';
import { CHAT_ANSWER, startFakeUpstream } from '../../test/helpers/guard-upstream.js';

export const BENCH_KEY = 'bench-user-key-0123456789';

/**
 * Stall diagnostics for the tail: GC pauses (a PerformanceObserver, always on: next to no cost)
 * and, with AISF_BENCH_STALLS=1, the event-loop delay (a 1 ms timer, which costs some CPU).
 * SIGUSR2 writes what was seen since the previous SIGUSR2 as one `{"stalls":…}` line on stderr.
 */
function watchStalls(): void {
  const loop =
    process.env.AISF_BENCH_STALLS === '1' ? monitorEventLoopDelay({ resolution: 1 }) : undefined;
  loop?.enable();
  const pauses = { minor: [] as number[], major: [] as number[] };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // NODE_PERFORMANCE_GC_MINOR = 1; major (4), incremental (8) and weak callbacks (16) count as major.
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      (kind === 1 ? pauses.minor : pauses.major).push(entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  process.on('SIGUSR2', () => {
    const ms = (ns: number) => ns / 1e6;
    process.stderr.write(
      `${JSON.stringify({
        stalls: {
          minorGc: {
            n: pauses.minor.length,
            ms: sum(pauses.minor),
            max: Math.max(0, ...pauses.minor),
          },
          majorGc: {
            n: pauses.major.length,
            ms: sum(pauses.major),
            max: Math.max(0, ...pauses.major),
          },
          ...(loop
            ? {
                loopDelay: { p99: ms(loop.percentile(99)), max: ms(loop.max), mean: ms(loop.mean) },
              }
            : {}),
        },
      })}\n`,
    );
    pauses.minor.length = 0;
    pauses.major.length = 0;
    loop?.reset();
  });
}
watchStalls();
const role = process.argv[2];
if (role === 'upstream' && Number(process.argv[3] ?? 0) > 0) {
  const workUs = Number(process.argv[3]);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      const until = performance.now() + workUs / 1000;
      while (performance.now() < until) {
        // stand-in for model inference: CPU-bound work on the upstream's core
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'chatcmpl-fake',
          object: 'chat.completion',
          model: String(body.model ?? 'fake'),
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: CHAT_ANSWER },
              finish_reason: 'stop',
            },
          ],
          usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 },
        }),
      );
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  });
} else if (role === 'upstream') {
  const upstream = await startFakeUpstream();
  process.stdout.write(`${upstream.url}\n`);
} else if (role === 'guard') {
  const upstreamUrl = process.argv[3] ?? '';
  const dir = process.argv[4] ?? '';
  const variant = process.argv[5] ?? 'full';
  const durable = variant === 'durable';
  const withLog = variant !== 'steps-only' && variant !== 'empty';
  const config = parseGuardConfig({
    keys: [{ id: 'bench', sha256: hashApiKey(BENCH_KEY), roles: ['user'] }],
    ...(withLog
      ? {
          audit: durable
            ? { dir: join(dir, 'audit-durable'), waitForDurable: true, flushIntervalMs: 0 }
            : { dir: join(dir, 'audit') },
        }
      : {}),
    label: { producer: '001191110102MACQD9K64010000', text: '【AI生成】' },
    routes: [
      {
        path: '/v1/chat/completions',
        kind: 'chat',
        upstreams: [{ name: 'llm', url: `${upstreamUrl}/v1/chat/completions` }],
        pipeline:
          variant === 'empty'
            ? []
            : [
                { step: 'guard.access.api-key' },
                {
                  step: 'guard.access.quota',
                  requestsPerSecond: 1_000_000,
                  requestsPerDay: 1_000_000_000,
                },
                { step: 'guard.output.pii', types: { cn_id: 'redact' } },
                { step: 'guard.output.label' },
              ],
      },
    ],
  });
  const running = await serveGuard(config, { port: 0 });
  process.stdout.write(`${running.url}\n`);
  process.once('SIGTERM', () => {
    void running.close().then(() => process.exit(0));
  });
} else if (role === 'bare') {
  // Baseline: the smallest possible node:http forwarder (no Hono, no pipeline, no log), to show
  // what any Node proxy hop costs on this machine.
  const upstreamUrl = `${process.argv[3] ?? ''}/v1/chat/completions`;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      callUpstream({
        url: upstreamUrl,
        body: Buffer.concat(chunks).toString('utf8'),
        headers: { 'content-type': 'application/json' },
        timeoutMs: 30_000,
      }).then(
        (answer) =>
          res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body),
        () => res.writeHead(502).end(),
      );
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  });
} else {
  throw new Error('usage: serve.ts upstream | guard <upstream-url> <dir> | bare <upstream-url>');
}
