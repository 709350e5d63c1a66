/**
 * @module CPU per request of each server, robust to other jobs on a shared machine: every server
 * gets the same open-loop fixed rate (below saturation) in turn, several rounds with the order
 * reversed each round, and the median CPU µs per answered request (/proc/<pid>/stat) is reported.
 * Servers: the bare forwarder, the guard without steps and log, with steps only, full, full with
 * durable acks, and (AISF_BENCH_BASELINE=<old tree>) the old tree's full guard.
 * Run: flock /tmp/aisf-bench.lock nice npx tsx bench/guard/cpu.ts [rate=1000] [seconds=4] [rounds=5]
 * [all|pair] (`pair`: only the forwarder and the full guards, with the baseline's when given).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from './bundle.js';
import { fixedRate } from './fixed-rate.js';

const RATE = Number(process.argv[2] ?? 1000);
const SECONDS = Number(process.argv[3] ?? 4);
const ROUNDS = Number(process.argv[4] ?? 5);
const SERVE = bundle(fileURLToPath(new URL('./serve.ts', import.meta.url)), 'serve-current');
const BASELINE = process.env.AISF_BENCH_BASELINE;
const HEADERS = {
  'content-type': 'application/json',
  authorization: 'Bearer bench-user-key-0123456789',
};
const BODY = JSON.stringify({
  model: 'bench',
  messages: [{ role: 'user', content: '你好，请介绍一下你自己。' }],
});

interface Proc {
  child: ChildProcess;
  url: string;
}

function start(args: string[], serve = SERVE): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...serve, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout?.once('data', (d: Buffer) => resolve({ child, url: d.toString().trim() }));
    child.once('exit', (code) => reject(new Error(`serve ${args[0]} exited ${code}`)));
  });
}

function cpuSeconds(p: Proc): number {
  const stat = readFileSync(`/proc/${p.child.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN;

const dir = mkdtempSync(join(tmpdir(), 'aisf-bench-cpu-'));
const load0 = loadavg();
const upstream = await start(['upstream']);
// `pair`: only the forwarder and the full guards (this tree and the baseline), for before/after.
const PAIR = process.argv[5] === 'pair';
const servers: [string, Proc][] = [
  ['bare node:http forwarder', await start(['bare', upstream.url])],
];
if (!PAIR) {
  servers.push(
    ['guard, no steps, no log', await start(['guard', upstream.url, join(dir, 'e'), 'empty'])],
    [
      'guard, steps (auth+quota+PII+label), no log',
      await start(['guard', upstream.url, join(dir, 's'), 'steps-only']),
    ],
  );
}
servers.push(
  ['guard, full (steps + log)', await start(['guard', upstream.url, join(dir, 'f')])],
  ['guard, full, durable acks', await start(['guard', upstream.url, join(dir, 'd'), 'durable'])],
);
if (BASELINE) {
  const old = bundle(join(BASELINE, 'bench/guard/serve.ts'), 'serve-baseline');
  servers.push([
    'guard, full, baseline tree',
    await start(['guard', upstream.url, join(dir, 'b')], old),
  ]);
  if (PAIR) {
    servers.push([
      'guard, full, durable acks, baseline tree',
      await start(['guard', upstream.url, join(dir, 'bd'), 'durable'], old),
    ]);
  }
}
try {
  for (const [, p] of servers) {
    await fixedRate({
      url: `${p.url}/v1/chat/completions`,
      rate: 500,
      seconds: 2,
      headers: HEADERS,
      body: BODY,
    });
  }
  const cpu = new Map<string, number[]>();
  const p50 = new Map<string, number[]>();
  const p99 = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    for (const [name, p] of order) {
      const before = cpuSeconds(p);
      const r = await fixedRate({
        url: `${p.url}/v1/chat/completions`,
        rate: RATE,
        seconds: SECONDS,
        headers: HEADERS,
        body: BODY,
      });
      cpu.set(name, [...(cpu.get(name) ?? []), ((cpuSeconds(p) - before) * 1e6) / r.completed]);
      p50.set(name, [...(p50.get(name) ?? []), r.service.p50]);
      p99.set(name, [...(p99.get(name) ?? []), r.service.p99]);
    }
  }
  console.log(
    `# CPU per request at ${RATE} req/s, ${ROUNDS} rounds × ${SECONDS} s, load average ${load0.map((l) => l.toFixed(2)).join(' ')} → ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  console.log('| server | CPU µs/req (median) | rounds | p50 ms (median) | p99 ms (median) |');
  console.log('| --- | ---: | --- | ---: | ---: |');
  for (const [name] of servers) {
    const c = cpu.get(name) ?? [];
    console.log(
      `| ${name} | ${median(c).toFixed(0)} | ${c.map((x) => x.toFixed(0)).join(' ')} | ${median(p50.get(name) ?? []).toFixed(2)} | ${median(p99.get(name) ?? []).toFixed(2)} |`,
    );
  }
} finally {
  for (const [, p] of servers) p.child.kill('SIGTERM');
  upstream.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(dir, { recursive: true, force: true });
}
