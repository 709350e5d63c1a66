/**
 * @module Guard benchmark: the fake upstream served directly vs through the guard (auth + quota +
 * output PII + GB 45438 labels + decision log), same machine, same run, loadgen autocannon.
 * (1) fixed 2,000 req/s: added p50/p99 latency; (2) 50 connections flat out: throughput ratio.
 * Goal (issue 8): added p99 ≤ 1 ms at 2,000 req/s and ≥ 80 % of direct throughput.
 * Run: flock /tmp/aisf-bench.lock nice npx tsx bench/guard/run.ts [seconds]
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const SECONDS = Number(process.argv[2] ?? 10);
const SERVE = fileURLToPath(new URL('./serve.ts', import.meta.url));
const KEY = 'bench-user-key-0123456789';
const BODY = JSON.stringify({
  model: 'bench',
  messages: [{ role: 'user', content: '你好，请介绍一下你自己。' }],
});

function start(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SERVE, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout?.once('data', (d: Buffer) => resolve({ child, url: d.toString().trim() }));
    child.once('exit', (code) => reject(new Error(`serve ${args[0]} exited ${code}`)));
  });
}

interface Run {
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, opts: { rate?: number; connections: number }): Promise<Run> {
  const result = await autocannon({
    url: `${url}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: BODY,
    connections: opts.connections,
    duration: SECONDS,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** wrk (C, one thread) for the flat-out test: it leaves more of the 2 cores to the servers. */
function wrk(url: string, script: string): { rps: number; p99: number } | undefined {
  const r = spawnSync(
    'wrk',
    ['-t1', '-c50', `-d${SECONDS}s`, '--latency', '-s', script, `${url}/v1/chat/completions`],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) return undefined;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
  const p99raw = /99%\s+([\d.]+)(us|ms|s)/.exec(r.stdout);
  const scale = p99raw?.[2] === 'us' ? 0.001 : p99raw?.[2] === 's' ? 1000 : 1;
  return { rps, p99: Number(p99raw?.[1]) * scale };
}

const dir = mkdtempSync(join(tmpdir(), 'aisf-bench-guard-'));
const script = join(dir, 'post.lua');
writeFileSync(
  script,
  `wrk.method = "POST"\nwrk.body = ${JSON.stringify(BODY)}\nwrk.headers["content-type"] = "application/json"\nwrk.headers["authorization"] = "Bearer ${KEY}"\n`,
);
const upstream = await start(['upstream']);
const guard = await start(['guard', upstream.url, dir]);
const bare = await start(['bare', upstream.url]);
try {
  // Warm-up (JIT, keep-alive pools).
  await load(guard.url, { connections: 10, rate: 500 });
  const fixedDirect = await load(upstream.url, { connections: 20, rate: 2000 });
  const fixedGuard = await load(guard.url, { connections: 20, rate: 2000 });
  const maxDirect = await load(upstream.url, { connections: 50 });
  const maxGuard = await load(guard.url, { connections: 50 });
  const rows = [
    ['2,000 req/s', 'direct', fixedDirect],
    ['2,000 req/s', 'guard', fixedGuard],
    ['max (50 conn)', 'direct', maxDirect],
    ['max (50 conn)', 'guard', maxGuard],
  ] as const;
  console.log('| load | path | req/s | p50 ms | p90 ms | p99 ms | errors | non-2xx |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [loadName, path, r] of rows) {
    console.log(
      `| ${loadName} | ${path} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.errors} | ${r.non2xx} |`,
    );
  }
  console.log(
    `\nadded p99 at 2,000 req/s: ${(fixedGuard.p99 - fixedDirect.p99).toFixed(2)} ms (goal ≤ 1 ms)`,
  );
  console.log(`added p50 at 2,000 req/s: ${(fixedGuard.p50 - fixedDirect.p50).toFixed(2)} ms`);
  console.log(
    `throughput ratio guard/direct (autocannon): ${((maxGuard.rps / maxDirect.rps) * 100).toFixed(1)} % (goal ≥ 80 %)`,
  );
  const wrkDirect = wrk(upstream.url, script);
  const wrkBare = wrk(bare.url, script);
  const wrkGuard = wrk(guard.url, script);
  if (wrkDirect && wrkGuard && wrkBare) {
    console.log('\nwrk flat out (1 thread, 50 connections):');
    console.log('| path | req/s | p99 ms |');
    console.log('| --- | ---: | ---: |');
    console.log(`| direct | ${wrkDirect.rps.toFixed(0)} | ${wrkDirect.p99} |`);
    console.log(
      `| bare node:http forwarder (baseline) | ${wrkBare.rps.toFixed(0)} | ${wrkBare.p99} |`,
    );
    console.log(
      `| guard (auth+quota+PII+label+audit) | ${wrkGuard.rps.toFixed(0)} | ${wrkGuard.p99} |`,
    );
    console.log(
      `throughput ratio guard/direct (wrk): ${((wrkGuard.rps / wrkDirect.rps) * 100).toFixed(1)} %; bare/direct ${((wrkBare.rps / wrkDirect.rps) * 100).toFixed(1)} %; guard/bare ${((wrkGuard.rps / wrkBare.rps) * 100).toFixed(1)} %`,
    );
  } else {
    console.log('wrk not available: install the Debian package wrk for the second measurement');
  }
} finally {
  guard.child.kill('SIGTERM');
  bare.child.kill('SIGTERM');
  upstream.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(dir, { recursive: true, force: true });
}
