/**
 * End to end: black-box attacks, a remote endpoint and smoothing certification through the real
 * binary (dist/) — the endpoint is a loopback HTTP server serving the committed Fashion-MNIST CNN
 * through the engine.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../src/engine/index.js';
import { type ModelEndpoint, serveModelEndpoint } from '../helpers/model-endpoint.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/aisf.js', import.meta.url));
const F = fileURLToPath(new URL('../../src/algorithm/robustness/fixtures/', import.meta.url));
const MODEL = join(F, 'fashion-cnn-trained.onnx');
const DATA = join(F, 'fashion-test-100.npz');

/** Runs the binary without blocking the event loop (the endpoint lives in this process). */
function aisf(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill(), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

let model: Model;
let endpoint: ModelEndpoint;
let url = '';
beforeAll(async () => {
  if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url)))
    throw new Error(
      'dist/ is missing: run `npm run build` (npm test does it) before the e2e tests',
    );
  model = await loadModel(MODEL, { threads: 1 });
  endpoint = await serveModelEndpoint(model, [1, 28, 28]);
  url = endpoint.url;
});
afterAll(async () => {
  await endpoint?.close();
  await model?.release();
});

interface Row {
  name: string;
  accuracy: number;
  meanLinf: number;
  queries?: { budget: number; mean: number; max: number; total: number };
}

describe('aisf test robustness: black-box attacks, --endpoint, --certify (real binary)', () => {
  it('square and hopskipjump on --model report queries within --max-queries', async () => {
    const r = await aisf([
      'test',
      'robustness',
      '--model',
      MODEL,
      '--data',
      DATA,
      '--limit',
      '16',
      '--attack',
      'square,hopskipjump',
      '--eps',
      '0.1',
      '--max-queries',
      '150',
      '--format',
      'json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { source: { kind: string }; attacks: Row[] };
    expect(out.source.kind).toBe('onnx');
    expect(out.attacks.map((a) => a.name)).toEqual(['square', 'hopskipjump']);
    for (const a of out.attacks) {
      expect(a.queries?.budget).toBe(150);
      expect(a.queries?.max).toBeLessThanOrEqual(150);
      expect(a.meanLinf).toBeLessThanOrEqual(0.1);
    }
  });

  it('--endpoint gives the same Square result as --model, and counts its queries', async () => {
    const args = [
      '--data',
      DATA,
      '--limit',
      '12',
      '--attack',
      'square',
      '--eps',
      '0.08',
      '--max-iter',
      '30',
      '--format',
      'json',
    ];
    const local = await aisf(['test', 'robustness', '--model', MODEL, ...args]);
    const remote = await aisf([
      'test',
      'robustness',
      '--endpoint',
      url,
      '--endpoint-batch',
      '16',
      ...args,
    ]);
    expect(remote.code, remote.stderr).toBe(0);
    const a = JSON.parse(local.stdout) as { clean: unknown; attacks: Row[] };
    const b = JSON.parse(remote.stdout) as {
      source: { kind: string; queries: number };
      clean: unknown;
      attacks: Row[];
    };
    expect(b.clean).toEqual(a.clean);
    expect(b.attacks[0]?.accuracy).toBe(a.attacks[0]?.accuracy);
    expect(b.attacks[0]?.queries).toEqual(a.attacks[0]?.queries);
    // clean pass + attack queries + the pass classifying the adversarial examples
    expect(b.source).toMatchObject({
      kind: 'endpoint',
      queries: 12 + (b.attacks[0]?.queries?.total ?? 0) + 12,
    });
  });

  it('white-box attacks against --endpoint, bad responses and missing --sigma exit 2', async () => {
    const pgd = await aisf([
      'test',
      'robustness',
      '--endpoint',
      url,
      '--data',
      DATA,
      '--attack',
      'pgd',
    ]);
    expect(pgd.code).toBe(2);
    expect(pgd.stderr).toMatch(/E_USAGE: --attack pgd is white-box/);
    const bad = await aisf([
      'test',
      'robustness',
      '--endpoint',
      url,
      '--data',
      DATA,
      '--limit',
      '2',
      '--endpoint-output-key',
      'predictions',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/E_UPSTREAM: .*"predictions" is missing/);
    const sigma = await aisf(['test', 'robustness', '--model', MODEL, '--data', DATA, '--certify']);
    expect(sigma.code).toBe(2);
    expect(sigma.stderr).toMatch(/--sigma/);
  });

  it('--certify reports certified accuracy at radii and the abstain rate', async () => {
    const r = await aisf([
      'test',
      'robustness',
      '--model',
      MODEL,
      '--data',
      DATA,
      '--limit',
      '10',
      '--attack',
      'none',
      '--certify',
      '--sigma',
      '0.25',
      '--n0',
      '20',
      '--n',
      '200',
      '--radii',
      '0,0.25,0.5',
      '--format',
      'json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const c = (JSON.parse(r.stdout) as { certification: Record<string, unknown> }).certification;
    expect(c).toMatchObject({ sigma: 0.25, n0: 20, n: 200, alpha: 0.001 });
    const curve = c.certifiedAccuracy as { radius: number; accuracy: number }[];
    expect(curve.map((p) => p.radius)).toEqual([0, 0.25, 0.5]);
    expect(curve[1]?.accuracy).toBeLessThanOrEqual(curve[0]?.accuracy as number);
    expect(typeof c.abstain).toBe('number');
  });
});
