/**
 * @module Guard benchmark: the fake upstream served directly vs through the guard (auth + quota +
 * output PII + GB 45438 labels + decision log), same machine, same run.
 * (1) fixed 2,000 req/s, open loop (bench/guard/fixed-rate.ts, the wrk2 model): added p50/p99;
 * (2) flat out (wrk, or autocannon without it): throughput ratio, and the CPU time each server
 * process spends per request (/proc/<pid>/stat), which other jobs on a shared machine disturb far
 * less than req/s. Goal (issue 8): added p99 ≤ 1 ms at 2,000 req/s and ≥ 80 % of direct throughput.
 * Run: flock /tmp/aisf-bench.lock nice npx tsx bench/guard/run.ts [seconds=10] [upstreamWorkUs=0]
 * Before/after in one run: AISF_BENCH_BASELINE=<a checkout of the old tree, e.g. `git archive`
 * into /tmp with node_modules linked> adds rows for the guard served by that tree's serve.ts.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { bundle } from './bundle.js';
import { type FixedRateResult, fixedRate } from './fixed-rate.js';

const SECONDS = Number(process.argv[2] ?? 10);
const WORK_US = Number(process.argv[3] ?? 0);
const RATE = 2000;
const SERVE = fileURLToPath(new URL('./serve.ts', import.meta.url));
const KEY = 'bench-user-key-0123456789';
const PATH = '/v1/chat/completions';
const HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` };
const BODY = JSON.stringify({
  model: 'bench',
  messages: [{ role: 'user', content: '你好，请介绍一下你自己。' }],
});
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

interface Stalls {
  minorGc: { n: number; ms: number; max: number };
  majorGc: { n: number; ms: number; max: number };
  loopDelay?: { p99: number; max: number; mean: number };
}

interface Proc {
  child: ChildProcess;
  url: string;
  /** Resolvers waiting for the next `{"stalls":…}` line (serve.ts answers SIGUSR2 with one). */
  waiting: ((s: Stalls | undefined) => void)[];
  /** Only this tree's serve.ts answers SIGUSR2 (for an older one it would be fatal). */
  reportsStalls: boolean;
}

const BASELINE = process.env.AISF_BENCH_BASELINE;
const SERVE_ARGS = bundle(SERVE, 'serve-current');
/** Extra node flags for the guard processes, e.g. `--max-semi-space-size=64` (GC experiments). */
const GUARD_FLAGS = (process.env.AISF_BENCH_GUARD_FLAGS ?? '').split(' ').filter(Boolean);

function start(args: string[], serve = SERVE_ARGS, flags: string[] = []): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, ...serve, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc: Proc = { child, url: '', waiting: [], reportsStalls: serve === SERVE_ARGS };
    let pending = '';
    child.stderr?.on('data', (d: Buffer) => {
      pending += d.toString();
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.startsWith('{"stalls"')) {
          proc.waiting.shift()?.((JSON.parse(line) as { stalls: Stalls }).stalls);
        } else process.stderr.write(`${line}\n`);
        nl = pending.indexOf('\n');
      }
    });
    child.stdout?.once('data', (d: Buffer) => {
      proc.url = d.toString().trim();
      resolve(proc);
    });
    child.once('exit', (code) => reject(new Error(`serve ${args[0]} exited ${code}`)));
  });
}

/** GC pauses and loop delay of a server since the previous call (undefined if it did not answer). */
function stalls(p: Proc): Promise<Stalls | undefined> {
  if (!p.reportsStalls) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 2000);
    p.waiting.push((s) => {
      clearTimeout(timer);
      resolve(s);
    });
    p.child.kill('SIGUSR2');
  });
}

/** User + system CPU seconds of a process so far. */
function cpuSeconds(p: Proc): number {
  const stat = readFileSync(`/proc/${p.child.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/**
 * The process's main thread (the event loop) from /proc/<pid>/schedstat: milliseconds on a CPU
 * and milliseconds runnable but waiting for one. The first over the row's length is the loop's
 * utilisation ρ, which sets how long the queue after any stall takes to drain (about
 * stall × ρ/(1 − ρ)); the second grows when other jobs take the cores (the bench runs at nice 10).
 */
function mainThreadMs(p: Proc): { run: number; wait: number } {
  try {
    const [run, wait] = readFileSync(`/proc/${p.child.pid}/schedstat`, 'utf8').split(' ');
    return { run: Number(run) / 1e6, wait: Number(wait) / 1e6 };
  } catch {
    return { run: Number.NaN, wait: Number.NaN };
  }
}

/**
 * Runs `load` and returns its result with the CPU µs per completed request of each process and
 * the stalls (GC pauses, loop delay) of the last one, the proxy (or the upstream when direct).
 */
async function withCpu<T extends { completed: number }>(
  procs: Proc[],
  load: () => Promise<T>,
): Promise<T & { cpuUs: number[]; stalls: Stalls | undefined; waitMs: number; loopBusy: number }> {
  const server = procs[procs.length - 1] as Proc;
  await stalls(server);
  const before = procs.map(cpuSeconds);
  const main0 = mainThreadMs(server);
  const t0 = performance.now();
  const result = await load();
  const main1 = mainThreadMs(server);
  const waitMs = main1.wait - main0.wait;
  const loopBusy = (main1.run - main0.run) / (performance.now() - t0);
  const cpuUs = procs.map((p, i) =>
    result.completed > 0 ? ((cpuSeconds(p) - (before[i] ?? 0)) * 1e6) / result.completed : NaN,
  );
  return { ...result, cpuUs, waitMs, loopBusy, stalls: await stalls(server) };
}

const fixed = (url: string) =>
  fixedRate({ url: `${url}${PATH}`, rate: RATE, seconds: SECONDS, headers: HEADERS, body: BODY });

const HAS_WRK = spawnSync('wrk', ['--version']).error === undefined;

/** Flat out: wrk (C, one thread: leaves more of the cores to the servers) or autocannon. */
async function flatOut(
  url: string,
  script: string,
): Promise<{ rps: number; p99: number; completed: number }> {
  if (HAS_WRK) {
    const r = spawnSync(
      'wrk',
      ['-t1', '-c50', `-d${SECONDS}s`, '--latency', '-s', script, `${url}${PATH}`],
      { encoding: 'utf8' },
    );
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
    const completed = Number(/(\d+) requests in/.exec(r.stdout)?.[1]);
    const p99raw = /99%\s+([\d.]+)(us|ms|s)/.exec(r.stdout);
    const scale = p99raw?.[2] === 'us' ? 0.001 : p99raw?.[2] === 's' ? 1000 : 1;
    return { rps, p99: Number(p99raw?.[1]) * scale, completed };
  }
  const result = await autocannon({
    url: `${url}${PATH}`,
    method: 'POST',
    headers: HEADERS,
    body: BODY,
    connections: 50,
    duration: SECONDS,
  });
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    completed: result.requests.total,
  };
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : 'n/a');
const gcText = (g: Stalls['minorGc'] | undefined) =>
  g ? `${g.n} / ${g.ms.toFixed(0)} / ${g.max.toFixed(1)}` : 'n/a';

const dir = mkdtempSync(join(tmpdir(), 'aisf-bench-guard-'));
const script = join(dir, 'post.lua');
writeFileSync(
  script,
  `wrk.method = "POST"\nwrk.body = ${JSON.stringify(BODY)}\nwrk.headers["content-type"] = "application/json"\nwrk.headers["authorization"] = "Bearer ${KEY}"\n`,
);
const load0 = loadavg();
const upstream = await start(['upstream', String(WORK_US)]);
const guard = await start(['guard', upstream.url, dir], SERVE_ARGS, GUARD_FLAGS);
const durable = await start(['guard', upstream.url, dir, 'durable'], SERVE_ARGS, GUARD_FLAGS);
const bare = await start(['bare', upstream.url]);
const baseline = BASELINE
  ? await start(
      ['guard', upstream.url, join(dir, 'baseline')],
      bundle(join(BASELINE, 'bench/guard/serve.ts'), 'serve-baseline'),
      GUARD_FLAGS,
    )
  : undefined;
try {
  // Warm-up (JIT, keep-alive pools).
  for (const p of [upstream, guard, durable, bare, ...(baseline ? [baseline] : [])]) {
    await fixedRate({
      url: `${p.url}${PATH}`,
      rate: 1000,
      seconds: 2,
      headers: HEADERS,
      body: BODY,
    });
  }
  console.log(
    `# bench/guard — ${new Date().toISOString()}, ${SECONDS} s per row, upstream work ${WORK_US} µs/request, load average before ${load0.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const rows: [
    string,
    FixedRateResult & {
      cpuUs: number[];
      stalls: Stalls | undefined;
      waitMs: number;
      loopBusy: number;
    },
  ][] = [];
  rows.push(['direct', await withCpu([upstream], () => fixed(upstream.url))]);
  rows.push(['guard', await withCpu([upstream, guard], () => fixed(guard.url))]);
  rows.push(['guard, durable acks', await withCpu([upstream, durable], () => fixed(durable.url))]);
  rows.push(['direct (again)', await withCpu([upstream], () => fixed(upstream.url))]);
  if (baseline) {
    rows.push([
      'guard, baseline tree',
      await withCpu([upstream, baseline], () => fixed(baseline.url)),
    ]);
  }
  console.log(`\n## Fixed rate ${RATE} req/s (open loop, 64 keep-alive connections)\n`);
  console.log(
    'Stalls are the answering server process (the guard, or the upstream when direct): GC pauses as count / total ms / longest ms, the event-loop delay p99 / max with AISF_BENCH_STALLS=1, the share of the row its main thread (the event loop) was on a CPU, and the time it waited runnable for one.\n',
  );
  console.log(
    '| path | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | p99 from due time ms | unanswered | non-2xx | guard CPU µs/req | minor GC | major GC | loop delay p99 / max ms | main thread busy | main thread run-queue wait ms |',
  );
  console.log(
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const [name, r] of rows) {
    console.log(
      `| ${name} | ${f0(r.rps)} | ${f1(r.service.p50)} | ${f1(r.service.p90)} | ${f1(r.service.p99)} | ${f1(r.service.p999)} | ${f1(r.corrected.p99)} | ${r.unanswered} | ${r.non2xx} | ${r.cpuUs[1] === undefined ? '' : f0(r.cpuUs[1])} | ${gcText(r.stalls?.minorGc)} | ${gcText(r.stalls?.majorGc)} | ${r.stalls?.loopDelay ? `${f1(r.stalls.loopDelay.p99)} / ${f1(r.stalls.loopDelay.max)}` : ''} | ${(r.loopBusy * 100).toFixed(0)} % | ${f0(r.waitMs)} |`,
    );
  }
  const direct = Math.min(rows[0]?.[1].service.p99 ?? NaN, rows[3]?.[1].service.p99 ?? NaN);
  const g = rows[1]?.[1];
  const d = rows[2]?.[1];
  console.log(
    `\nadded p99 (guard − better direct row): ${f1((g?.service.p99 ?? NaN) - direct)} ms (goal ≤ 1 ms); durable acks: ${f1((d?.service.p99 ?? NaN) - direct)} ms; added p50: ${f1((g?.service.p50 ?? NaN) - (rows[0]?.[1].service.p50 ?? NaN))} ms`,
  );

  console.log(`\n## Flat out (${HAS_WRK ? 'wrk, 1 thread' : 'autocannon'}, 50 connections)\n`);
  const flat: [string, Awaited<ReturnType<typeof flatOut>> & { cpuUs: number[] }][] = [];
  flat.push(['direct', await withCpu([upstream], () => flatOut(upstream.url, script))]);
  flat.push([
    'bare node:http forwarder',
    await withCpu([upstream, bare], () => flatOut(bare.url, script)),
  ]);
  flat.push(['guard', await withCpu([upstream, guard], () => flatOut(guard.url, script))]);
  flat.push([
    'guard, durable acks',
    await withCpu([upstream, durable], () => flatOut(durable.url, script)),
  ]);
  if (baseline) {
    flat.push([
      'guard, baseline tree',
      await withCpu([upstream, baseline], () => flatOut(baseline.url, script)),
    ]);
  }
  console.log('| path | req/s | % of direct | p99 ms | upstream CPU µs/req | proxy CPU µs/req |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  const base = flat[0]?.[1].rps ?? NaN;
  for (const [name, r] of flat) {
    console.log(
      `| ${name} | ${f0(r.rps)} | ${((r.rps / base) * 100).toFixed(1)} % | ${f1(r.p99)} | ${f0(r.cpuUs[0] ?? NaN)} | ${r.cpuUs[1] === undefined ? '' : f0(r.cpuUs[1])} |`,
    );
  }
  console.log(
    `\nload average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  for (const p of [guard, durable, bare, upstream, baseline]) p?.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(dir, { recursive: true, force: true });
}
