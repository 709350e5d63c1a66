/**
 * Guard quotas on a real Redis (AISF_TEST_REDIS_URL; .ci/run sets redis://127.0.0.1:6379/15):
 * shared limits across two guard instances, and the declared fail modes when Redis is unreachable
 * or the connection drops mid-run (simulated by a closed port and by disconnecting our own client —
 * the machine's Redis server is never stopped). Only keys under this run's own prefix are deleted.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../src/business/audit/verify.js';
import { hashApiKey } from '../../src/business/guard/access-api-key/index.js';
import { parseGuardConfig } from '../../src/business/guard/config.js';
import { createGuard, type Guard } from '../../src/business/guard/guard.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/guard-upstream.js';

const REDIS_URL = process.env.AISF_TEST_REDIS_URL;
const KEY = 'redis-user-key-0123456789';
const PREFIX = `aisf:test:guard:${randomUUID()}:`;

let upstream: FakeUpstream;
let dir: string;
let admin: Redis | undefined;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  dir = mkdtempSync(join(tmpdir(), 'aisf-guard-redis-'));
  if (REDIS_URL) admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  if (admin) {
    // Delete only this run's keys.
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
      if (keys.length) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    admin.disconnect();
  }
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

function config(redisUrl: string, failMode: 'open' | 'closed', sub: string) {
  return parseGuardConfig({
    keys: [{ id: 'r', sha256: hashApiKey(KEY), roles: ['user'] }],
    redis: { url: redisUrl, prefix: PREFIX, failMode, connectTimeoutMs: 300 },
    audit: { dir: join(dir, sub), flushIntervalMs: 1 },
    routes: [
      {
        path: '/predict',
        kind: 'model',
        upstreams: [{ name: 'm', url: `${upstream.url}/predict` }],
        pipeline: [
          { step: 'guard.access.api-key' },
          { step: 'guard.access.quota', requestsPerSecond: 1000, requestsPerDay: 5 },
        ],
      },
    ],
  });
}

const call = (guard: Guard) =>
  guard.fetch(
    new Request('http://guard/predict', {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ features: [1] }),
    }),
  );

async function waitReady(client: Redis): Promise<void> {
  for (let i = 0; i < 50 && client.status !== 'ready'; i++)
    await new Promise((r) => setTimeout(r, 20));
}

describe.skipIf(!REDIS_URL)('guard quotas on Redis', () => {
  it('two guard instances share one per-day quota', async () => {
    const c1 = new Redis(REDIS_URL ?? '', { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const c2 = new Redis(REDIS_URL ?? '', { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    await Promise.all([waitReady(c1), waitReady(c2)]);
    const g1 = await createGuard(config(REDIS_URL ?? '', 'closed', 'a'), { redisClient: c1 });
    const g2 = await createGuard(config(REDIS_URL ?? '', 'closed', 'b'), { redisClient: c2 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await call(g1)).status, (await call(g2)).status);
    }
    expect(statuses.filter((s) => s === 200).length).toBe(5);
    expect(statuses.filter((s) => s === 429).length).toBe(3);
    // Redis drops mid-run: fail closed → 503, and the decision is still logged.
    c1.disconnect();
    const down = await call(g1);
    expect(down.status).toBe(503);
    expect(((await down.json()) as { error: { code: string } }).error.code).toBe(
      'E_GUARD_QUOTA_STORE',
    );
    await g1.audit?.flush();
    const last = readRecords(g1.audit?.dir ?? '', 0, 100).pop();
    expect(last).toMatchObject({
      action: 'block',
      status: 503,
      fired: expect.arrayContaining(['guard.access.quota:store-down-closed']),
    });
    await g1.close();
    await g2.close();
    c2.disconnect();
  });

  it('unreachable Redis: fail open lets requests through and records it; fail closed answers 503', async () => {
    const closedPort = 'redis://127.0.0.1:1/0';
    const open = await createGuard(config(closedPort, 'open', 'c'));
    const closed = await createGuard(config(closedPort, 'closed', 'd'));
    expect((await call(open)).status).toBe(200);
    expect((await call(closed)).status).toBe(503);
    await open.audit?.flush();
    expect(readRecords(open.audit?.dir ?? '', 0, 1)[0]?.fired).toContain(
      'guard.access.quota:store-down-open',
    );
    await open.close();
    await closed.close();
  });
});

describe.skipIf(REDIS_URL)('guard quotas on Redis (skipped)', () => {
  it.skip('set AISF_TEST_REDIS_URL to run the Redis quota tests', () => {});
});
