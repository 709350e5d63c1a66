import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeUpstream, startFakeUpstream } from '../../../test/helpers/guard-upstream.js';
import { AuditLog } from '../audit/log.js';
import { readRecords, verifyLog } from '../audit/verify.js';

let upstream: FakeUpstream;
const dirs: string[] = [];
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(async () => {
  await upstream.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const BODY = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });

/** One call; resolves with the request id of a 200 answer, undefined otherwise. */
function call(url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.request(
      `${url}/v1/chat/completions`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer durable-key-0123456789',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve(res.statusCode === 200 ? String(res.headers['x-aisf-request-id']) : undefined),
        );
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('error', () => resolve(undefined));
    req.end(BODY);
  });
}

describe('guard with durable acks (waitForDurable, group commit)', () => {
  it('kill -9 under load: every answered request is in the log after restart, and it verifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisf-durable-'));
    dirs.push(dir);
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'fixtures', 'durable-guard.ts'),
        upstream.url,
        dir,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim()));
      child.once('exit', (code) => reject(new Error(`guard exited ${code}`)));
    });
    const answered: string[] = [];
    let killed = false;
    // 32 clients in a loop until 800 answers, then kill -9 with requests still in flight.
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (!killed) {
          const id = await call(url);
          if (id && !killed) answered.push(id);
          if (answered.length >= 800 && !killed) {
            killed = true;
            child.kill('SIGKILL');
          }
        }
      }),
    );
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('close', r)));
    agent.destroy();
    expect(answered.length).toBeGreaterThanOrEqual(800);
    // Restart (recovery cuts a torn tail and seals the rest), then check every answered request.
    const log = await AuditLog.open(dir);
    const size = log.size;
    await log.close();
    const report = verifyLog(dir);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    const logged = new Map(readRecords(dir, 0, size).map((r) => [r.requestId, r]));
    const missing = answered.filter((id) => !logged.has(id));
    expect(missing).toEqual([]);
    for (const id of answered.slice(0, 50)) {
      expect(logged.get(id)).toMatchObject({ status: 200, route: '/v1/chat/completions' });
    }
  }, 30_000);
});
