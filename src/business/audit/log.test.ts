import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical.js';
import { AuditLog, LOG_FILES } from './log.js';
import { readRecords, verifyLog } from './verify.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aisf-audit-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function writeLog(dir: string, n: number, every = 4): Promise<void> {
  const log = await AuditLog.open(dir, { checkpointEvery: every, checkpointIntervalMs: 60_000 });
  for (let i = 0; i < n; i++) {
    await log.append({ kind: 'decision', requestId: `r${i}`, action: i % 3 ? 'allow' : 'block' });
  }
  await log.close();
}

function editLine(path: string, index: number, edit: (line: string) => string): void {
  const lines = readFileSync(path, 'utf8').split('\n');
  lines[index] = edit(lines[index] ?? '');
  writeFileSync(path, lines.join('\n'));
}

describe('canonicalJson (RFC 8785)', () => {
  it('sorts keys and uses ECMAScript number/string forms', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 1e21, y: 0.5 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"c":{"y":0.5,"z":1e+21}}',
    );
    expect(() => canonicalJson({ a: Number.NaN })).toThrow();
  });
});

describe('AuditLog', () => {
  it('checkpoints written beside later flushes still chain and verify', async () => {
    const dir = tempDir();
    // Immediate group commit and a checkpoint every 7 records: checkpoints overlap the next flushes.
    const log = await AuditLog.open(dir, {
      checkpointEvery: 7,
      checkpointIntervalMs: 60_000,
      flushIntervalMs: 0,
    });
    const acks: Promise<number>[] = [];
    const expected: number[] = [];
    for (let i = 0; i < 300; i++) {
      const record = { kind: 'decision' as const, requestId: `r${i}`, action: 'allow' };
      if (i % 10 === 9) expect(await log.append(record)).toBe(i);
      else if (i % 3 === 0) {
        acks.push(log.append(record));
        expected.push(i);
      } else expect(log.appendNoWait(record)).toBe(i);
    }
    expect(await Promise.all(acks)).toEqual(expected);
    await log.close();
    const report = verifyLog(dir);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, records: 300, unsealed: 0 });
    expect(report.checkpoints).toBeGreaterThan(3);
    expect(report.consistencyProofsChecked).toBe(report.checkpoints - 1);
  });

  it('appendNoWait records in order with the awaited appends, and refuses once closed', async () => {
    const dir = tempDir();
    const log = await AuditLog.open(dir, { checkpointEvery: 3, checkpointIntervalMs: 60_000 });
    expect(log.appendNoWait({ kind: 'decision', requestId: 'a', action: 'allow' })).toBe(0);
    expect(await log.append({ kind: 'decision', requestId: 'b', action: 'block' })).toBe(1);
    expect(log.appendNoWait({ kind: 'decision', requestId: 'c', action: 'allow' })).toBe(2);
    await log.close();
    expect(log.appendNoWait({ kind: 'decision', requestId: 'd', action: 'allow' })).toBeUndefined();
    expect(verifyLog(dir)).toMatchObject({ ok: true, records: 3, unsealed: 0 });
    expect(readRecords(dir, 0, 3).map((r) => r.requestId)).toEqual(['a', 'b', 'c']);
  });

  it('appends, checkpoints and verifies with inclusion and consistency proofs', async () => {
    const dir = tempDir();
    await writeLog(dir, 10);
    const report = verifyLog(dir);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, records: 10, checkpoints: 3, unsealed: 0 });
    expect(report.inclusionProofsChecked).toBe(10);
    expect(report.consistencyProofsChecked).toBe(2);
    expect(readRecords(dir, 2, 2).map((r) => r.requestId)).toEqual(['r2', 'r3']);
    // Reopen and continue: the tree state is rebuilt and the chain continues.
    await writeLog(dir, 3);
    expect(verifyLog(dir)).toMatchObject({ ok: true, records: 13 });
  });

  it('detects an altered record', async () => {
    const dir = tempDir();
    await writeLog(dir, 10);
    editLine(join(dir, LOG_FILES.records), 5, (l) => l.replace('"allow"', '"block"'));
    const report = verifyLog(dir);
    expect(report.ok).toBe(false);
    expect(report.problems.some((p) => /altered/.test(p.message))).toBe(true);
  });

  it('detects a deleted record', async () => {
    const dir = tempDir();
    await writeLog(dir, 10);
    const path = join(dir, LOG_FILES.records);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.splice(3, 1);
    writeFileSync(path, lines.join('\n'));
    expect(verifyLog(dir).ok).toBe(false);
  });

  it('detects an altered, re-signed-without-key, or removed checkpoint', async () => {
    const dir = tempDir();
    await writeLog(dir, 10);
    const cps = join(dir, LOG_FILES.checkpoints);
    const original = readFileSync(cps, 'utf8');
    editLine(cps, 1, (l) => l.replace(/"size":8/, '"size":7'));
    expect(verifyLog(dir).problems.some((p) => /signature/.test(p.message))).toBe(true);
    writeFileSync(cps, original);
    // Change the first signature character (to a different one: a random sig may start with A).
    editLine(cps, 1, (l) =>
      l.replace(/"sig":"(.)/, (_m, c: string) => `"sig":"${c === 'A' ? 'B' : 'A'}`),
    );
    expect(verifyLog(dir).ok).toBe(false);
    writeFileSync(cps, original);
    const lines = original.split('\n');
    lines.splice(1, 1);
    writeFileSync(cps, lines.join('\n'));
    expect(verifyLog(dir).problems.some((p) => /chain/.test(p.message))).toBe(true);
  });

  it('rejects a checkpoint signed by another key', async () => {
    const dir = tempDir();
    await writeLog(dir, 5);
    const other = tempDir();
    await writeLog(other, 1);
    const foreignKey = readFileSync(join(other, LOG_FILES.publicKey), 'utf8');
    expect(verifyLog(dir, { publicKeyPem: foreignKey }).ok).toBe(false);
  });

  it.each([
    ['5 ms batch window (default)', '5'],
    ['immediate group commit (flushIntervalMs 0)', '0'],
  ])(
    'survives kill -9 during heavy append, %s: every acknowledged record verifies',
    async (_name, flushMs) => {
      const dir = tempDir();
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'writer.ts'), dir, flushMs],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let acked = -1;
      let buffer = '';
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`writer too slow: ${stderr}`)), 30_000);
        child.stdout.on('data', (d: Buffer) => {
          buffer += d.toString();
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          for (const line of lines) acked = Math.max(acked, Number(line));
          if (acked >= 3000) {
            clearTimeout(timer);
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.on('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      await new Promise((r) => child.once('close', r));
      expect(acked).toBeGreaterThanOrEqual(3000);
      // Before restart: everything sealed verifies; a torn tail is allowed.
      const before = verifyLog(dir);
      expect(before.problems).toEqual([]);
      expect(before.records).toBeGreaterThan(acked);
      // Restart: recovery cuts the torn tail and seals the rest; all acked records are included.
      const log = await AuditLog.open(dir);
      await log.append({ kind: 'admin', requestId: 'restart', action: 'restart' });
      await log.close();
      const after = verifyLog(dir);
      expect(after.problems).toEqual([]);
      expect(after.unsealed).toBe(0);
      expect(after.records).toBeGreaterThan(acked + 1);
      const records = readRecords(dir, 0, acked + 1);
      expect(records.map((r) => r.requestId)).toEqual(
        Array.from({ length: acked + 1 }, (_, i) => `req-${i}`),
      );
    },
  );
});
