/**
 * @module The `dp-sgd` hardening method through the harden registry and the CLI: Opacus defaults,
 * option validation naming the flag, and the reported ε equal to the accountant's for the run.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  findHardeningMethod,
  harden,
  parseMethodOptions,
} from '../../algorithm/robustness/harden/index.js';
import { dpSgdEpsilon, OPACUS_ORDERS } from '../../data/privacy/accountant/rdp.js';
import { loadModel, readNpy, writeNpz } from '../../engine/index.js';
import { runCli } from '../main.js';

const FIXTURES = new URL('../../engine/fixtures/', import.meta.url);
const MODEL = new URL('fashion-cnn.onnx', FIXTURES).pathname;

function fashion(n: number) {
  const x = readNpy(readFileSync(new URL('fashion-mnist.train-x.npy', FIXTURES)));
  const y = readNpy(readFileSync(new URL('fashion-mnist.train-y.npy', FIXTURES)));
  return {
    xu8: (x.data as Uint8Array).slice(0, n * 784),
    x: {
      data: Float32Array.from((x.data as Uint8Array).subarray(0, n * 784), (v) => v / 255),
      shape: [n, 1, 28, 28],
    },
    y: Int32Array.from((y.data as BigInt64Array).subarray(0, n), Number),
  };
}

describe('harden --method dp-sgd', () => {
  it('is registered with Opacus defaults and refuses options of other methods', () => {
    const m = findHardeningMethod('dp-sgd');
    expect(m).toBeDefined();
    if (!m) return;
    const o = parseMethodOptions(m, {});
    expect(o).toMatchObject({
      noiseMultiplier: 1.1,
      maxGradNorm: 1,
      delta: 1e-5,
      batchSize: 64,
      optimizer: 'sgd',
      lr: 0.1,
    });
    expect(o.seed).toBeUndefined();
    expect(() => parseMethodOptions(m, { eps: 0.1 })).toThrow(/eps does not apply/);
    expect(() => parseMethodOptions(m, { maxGradNorm: 0 })).toThrow(/maxGradNorm must be > 0/);
  });

  it('trains through harden() and reports the accountant’s ε', async () => {
    const { x, y } = fashion(64);
    const model = await loadModel(MODEL, { threads: 1 });
    const r = await harden(model, x, y, {
      method: 'dp-sgd',
      options: { batchSize: 16, epochs: 1, seed: 5 },
    });
    const ref = dpSgdEpsilon(
      { samplingRate: 0.25, noiseMultiplier: 1.1, steps: 4, delta: 1e-5 },
      { orders: OPACUS_ORDERS, series: 'opacus' },
    );
    expect(r.train.steps).toBe(4);
    expect(r.train.details?.epsilon).toBe(ref.epsilon);
    expect(r.train.details?.perSample).toBe('graph');
    await model.release();
  });

  it('runs from the CLI and prints ε in JSON; bad flags exit 2 naming the flag', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisf-dpsgd-cli-'));
    const { xu8, y } = fashion(48);
    writeFileSync(
      join(dir, 'train.npz'),
      writeNpz(
        new Map([
          ['x', { data: xu8, shape: [48, 1, 28, 28] }],
          ['y', { data: BigInt64Array.from(y, BigInt), shape: [48] }],
        ]),
      ),
    );
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => err.push(t),
      env: {},
      isTTY: false,
      cwd: dir,
    };
    const args = ['harden', '--model', MODEL, '--data', 'train.npz', '--method', 'dp-sgd'];
    const code = await runCli(
      [
        ...args,
        ...['--noise-multiplier', '1.1', '--max-grad-norm', '1.0', '--epochs', '1'],
        ...['--delta', '1e-5', '--batch-size', '16', '--threads', '1', '--seed', '1'],
        ...['--out', 'm-dp.onnx', '--format', 'json'],
      ],
      io,
    );
    expect(err.join('')).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(out.join(''));
    expect(json.train.details.epsilon).toBeGreaterThan(0);
    expect(json.train.details.delta).toBe(1e-5);
    expect(readFileSync(join(dir, 'm-dp.onnx')).length).toBeGreaterThan(1000);
    err.length = 0;
    const bad = await runCli([...args, '--max-grad-norm', '0', '--out', 'x.onnx'], io);
    expect(bad).toBe(2);
    expect(err.join('')).toMatch(/--max-grad-norm must be > 0/);
  });
});
