/**
 * End to end: the real `aisf guard` process on loopback in front of a real fake upstream (JSON
 * model + OpenAI-compatible streaming chat), then `aisf audit verify/show`, `aisf guard
 * check-config` and `aisf pii scan/redact` as a user runs them.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/business/guard/access-api-key/index.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/guard-upstream.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const KEY = 'e2e-user-key-0123456789';
// Runs the CLI from source (tsx) so the test does not depend on a fresh dist/ build.
const CLI = [
  '--import',
  'tsx',
  '--input-type=module',
  '-e',
  `const { main } = await import(${JSON.stringify(MAIN)}); await main(process.argv.slice(1));`,
];

function aisf(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    input,
    env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8' },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let upstream: FakeUpstream;
let dir: string;
let guard: ChildProcess;
let url = '';

function writeConfig(path: string): void {
  writeFileSync(
    path,
    `keys:
  - { id: e2e, sha256: ${hashApiKey(KEY)}, roles: [user] }
audit: { dir: ./audit, checkpointIntervalMs: 20 }
label: { producer: 001191110102MACQD9K64010000, text: 【AI生成】 }
routes:
  - path: /predict
    kind: model
    upstreams: [{ name: m, url: ${upstream.url}/predict, timeoutMs: 2000 }]
    pipeline:
      - { step: guard.access.api-key }
      - { step: guard.access.quota, requestsPerSecond: 1000, requestsPerDay: 12 }
      - { step: guard.output.pii }
  - path: /v1/chat/completions
    kind: chat
    upstreams: [{ name: llm, url: ${upstream.url}/v1/chat/completions }]
    pipeline:
      - { step: guard.access.api-key }
      - { step: guard.output.pii, types: { cn_id: redact } }
      - { step: guard.output.label }
`,
  );
}

beforeAll(async () => {
  upstream = await startFakeUpstream();
  dir = mkdtempSync(join(tmpdir(), 'aisf-e2e-guard-'));
  writeConfig(join(dir, 'guard.yaml'));
  guard = spawn(
    process.execPath,
    [...CLI, 'guard', '--config', join(dir, 'guard.yaml'), '--port', '0'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`guard did not start: ${err}`)), 30_000);
    guard.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    guard.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/"listening":\s*"([^"]+)"/);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
}, 60_000);

afterAll(async () => {
  guard?.kill('SIGKILL');
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (path: string, body: unknown, key = KEY) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('aisf guard (real process, loopback)', () => {
  it('proxies the model endpoint with PII masked and quotas enforced', async () => {
    const r = await post('/predict', { features: [2] });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { note: string }).note).toBe('联系人手机139****5678');
    expect((await post('/predict', { features: [2] }, 'nope-nope-nope-nope')).status).toBe(401);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await post('/predict', { features: [2] })).status);
    expect(statuses.filter((s) => s === 429).length).toBe(1); // 12 per day: 1 + 11 ok, the 13th refused
  });

  it('streams chat with PII removed and GB 45438 labels', async () => {
    upstream.chunkChars = 2;
    const r = await post('/v1/chat/completions', {
      model: 'x',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.headers.get('aigc') ?? '{}').AIGC.ContentProducer).toBe(
      '001191110102MACQD9K64010000',
    );
    const raw = await r.text();
    const text = raw
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => JSON.parse(e.slice(6)).choices?.[0]?.delta?.content ?? '')
      .join('');
    expect(text).toBe('【AI生成】您好，张三的手机号是138****5678，身份证号[CN_ID]，请核对。');
    expect(raw.trim().endsWith('data: [DONE]')).toBe(true);
  });

  it('malformed and oversized bodies get clear status codes; the guard keeps serving', async () => {
    const bad = await fetch(`${url}/predict`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
      body: '{"features":',
    });
    expect(bad.status).toBe(400);
    const big = await fetch(`${url}/predict`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
      body: 'x'.repeat(2_000_000),
    });
    expect(big.status).toBe(413);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/aisf_guard_requests_total\{route="\/predict",action="block"\}/);
    expect(metrics).toMatch(/aisf_guard_request_duration_seconds_bucket/);
  });

  it('stops on SIGTERM, and the decision log verifies; tampering is detected', async () => {
    const exited = new Promise<number | null>((resolve) =>
      guard.once('exit', (code) => resolve(code)),
    );
    guard.kill('SIGTERM');
    expect(await exited).toBe(0);
    const logDir = join(dir, 'audit');
    const verify = aisf(['audit', 'verify', logDir, '--format', 'json']);
    expect(verify.code).toBe(0);
    const report = JSON.parse(verify.stdout) as { ok: boolean; records: number; unsealed: number };
    expect(report).toMatchObject({ ok: true, unsealed: 0 });
    expect(report.records).toBeGreaterThanOrEqual(17);
    const show = aisf(['audit', 'show', logDir, '--limit', '3', '--format', 'json']);
    expect(JSON.parse(show.stdout)[0]).toMatchObject({
      seq: 0,
      route: '/predict',
      keyId: 'e2e',
      action: 'modify',
    });
    const records = join(logDir, 'records.jsonl');
    writeFileSync(
      records,
      readFileSync(records, 'utf8').replace('"action":"modify"', '"action":"allow"'),
    );
    const tampered = aisf(['audit', 'verify', logDir, '--format', 'table']);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/TAMPERED/);
  });
});

describe('aisf guard check-config / pii', () => {
  it('check-config: valid example, invalid config names the field', () => {
    const ok = aisf([
      'guard',
      'check-config',
      '--config',
      'examples/guard/guard.yaml',
      '--format',
      'json',
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).routes[1].enabled.labeling).toBe(true);
    const badPath = join(dir, 'bad.yaml');
    writeFileSync(
      badPath,
      'routes:\n  - path: /p\n    kind: chat\n    upstreams: [{ name: a, url: nope }]\n',
    );
    const bad = aisf(['guard', 'check-config', '--config', badPath]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/E_CONFIG[\s\S]*routes\[0\]\.upstreams\[0\]\.url/);
  });

  it('pii scan and redact', () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(
      file,
      '客户张三，身份证11010519491231002X，手机13812345678，订单号202401011234567890。',
    );
    const scan = aisf(['pii', 'scan', file, '--format', 'json']);
    expect(scan.code).toBe(1);
    expect(JSON.parse(scan.stdout)).toEqual({
      findings: [
        { type: 'cn_id', start: 8, end: 26, masked: '110105********002X' },
        { type: 'cn_mobile', start: 29, end: 40, masked: '138****5678' },
      ],
    });
    const redact = aisf(['pii', 'redact', '-'], '手机13812345678');
    expect(redact.stdout).toBe('手机[CN_MOBILE]');
    expect(aisf(['pii', 'scan', join(dir, 'missing.txt')]).code).toBe(2);
  });
});
