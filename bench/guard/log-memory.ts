/**
 * @module What the decision log keeps in memory as it grows, and what that costs the garbage
 * collector: appends N records in batches (as the guard's group commit does), then reports the
 * heap (JS + external) retained per record after a full collection and how long that full
 * collection took — a stand-in for the mark-compact pauses a long-running guard sees.
 * Run: npx tsx bench/guard/log-memory.ts [records=200000] (each log runs in its own
 * `node --expose-gc` child).
 * With AISF_BENCH_BASELINE=<old tree> the old tree's AuditLog is measured in the same process
 * first (separate folders).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const N = Number(process.argv[2] ?? 200_000);
const gc = (globalThis as { gc?: () => void }).gc;

interface LogLike {
  append(record: Record<string, unknown>): Promise<number>;
  flush(): Promise<void>;
  close(): Promise<void>;
}
type Open = (dir: string, options: Record<string, unknown>) => Promise<LogLike>;

function heapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

async function measure(name: string, open: Open): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aisf-log-memory-'));
  try {
    // No timer-driven flushes or checkpoints in between: the batches below are the only ones.
    const log = await open(dir, { flushIntervalMs: 60_000, checkpointIntervalMs: 3_600_000 });
    gc?.();
    const before = heapBytes();
    const t0 = performance.now();
    for (let i = 0; i < N; i += 100) {
      for (let j = i; j < Math.min(N, i + 100); j++) {
        void log.append({
          kind: 'decision',
          requestId: `00000000-0000-4000-8000-${String(j).padStart(12, '0')}`,
          route: '/v1/chat/completions',
          action: 'modify',
          status: 200,
          latencyMs: 0.8,
          fired: ['guard.output.pii:cn_mobile', 'guard.output.label'],
          keyId: 'bench',
        });
      }
      await log.flush();
    }
    const appendMs = performance.now() - t0;
    gc?.();
    const g0 = performance.now();
    gc?.();
    const fullGcMs = performance.now() - g0;
    const retained = heapBytes() - before;
    console.log(
      `| ${name} | ${N} | ${Math.round(retained / N) || 0} | ${Math.max(0, retained / 1e6).toFixed(1)} | ${fullGcMs.toFixed(1)} | ${((appendMs * 1000) / N).toFixed(1)} |`,
    );
    await log.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Each log in its own process, so one's garbage does not count against the other.
const which = process.argv[3];
if (which === 'baseline' || which === 'current') {
  const path =
    which === 'baseline'
      ? join(process.env.AISF_BENCH_BASELINE ?? '', 'src/business/audit/log.ts')
      : '../../src/business/audit/log.js';
  const { AuditLog } = (await import(path)) as { AuditLog: { open: Open } };
  await measure(which === 'baseline' ? 'baseline tree' : 'this tree', (d, o) =>
    AuditLog.open(d, o),
  );
} else {
  console.log(
    '| log | records | retained bytes/record | retained MB | full GC ms | append+flush µs/record |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const role of [...(process.env.AISF_BENCH_BASELINE ? ['baseline'] : []), 'current']) {
    spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), String(N), role],
      { stdio: 'inherit' },
    );
  }
}
