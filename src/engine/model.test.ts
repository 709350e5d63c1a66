/**
 * @module PyTorch parity: predictions and gradients of aisf's ONNX autodiff against the reference
 * values PyTorch computed for the same exported models (scripts/engine/make-fixtures.py), with
 * max abs error ≤ 1e-4 relative to the gradient's scale; plus the model API's error paths.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AisfError } from '../errors.js';
import { readNpy, readNpz } from './io/npy.js';
import { loadModel } from './model.js';
import { decodeModel, encodeModel } from './onnx/proto.js';
import type { Tensor } from './runtime/session.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const npy = (name: string) => readNpy(readFileSync(new URL(name, FIXTURES)));

/** max |a − b| / max(1e-6, max |b|): the relative error the issue bounds by 1e-4. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let err = 0;
  let scale = 1e-6;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return err / scale;
}

const MODELS = ['mlp', 'lenet', 'resblock', 'dwsep'] as const;
const LOSSES = [
  ['cross-entropy', 'sum', 'gx-ce-sum', 0],
  ['cross-entropy', 'mean', 'gx-ce-mean', 0],
  ['mse', 'sum', 'gx-mse-sum', 0],
  ['cw-margin', 'sum', 'gx-cw-sum', 5],
] as const;

/** Every parity check runs on one single-threaded session and on the data-parallel runtime. */
const RUNTIMES = [
  ['1 thread', { threads: 1 }],
  ['data-parallel, 2 workers', { threads: 2, parallelism: 'data' }],
] as const;
const CASES = MODELS.flatMap((name) => RUNTIMES.map(([label, rt]) => [name, label, rt] as const));

describe.each(CASES)('PyTorch parity: %s (%s)', (name, _label, runtime) => {
  it('predicts the same logits', async () => {
    const model = await loadModel(new URL(`${name}.onnx`, FIXTURES).pathname, runtime);
    const logits = await model.predict(npy(`${name}.x.npy`));
    expect(relErr(logits.data, npy(`${name}.logits.npy`).data as Float32Array)).toBeLessThan(1e-5);
    await model.release();
  });

  it('input gradients of every loss match PyTorch (batched and unbatched)', async () => {
    const model = await loadModel(new URL(`${name}.onnx`, FIXTURES).pathname, runtime);
    const x = npy(`${name}.x.npy`);
    const y = npy(`${name}.y.npy`);
    for (const [loss, reduction, file, kappa] of LOSSES) {
      const ref = npy(`${name}.${file}.npy`).data as Float32Array;
      expect(ref.some((v) => v !== 0)).toBe(true);
      for (const batchSize of [undefined, 3]) {
        const r = await model.lossAndGradient(x, y, {
          loss,
          reduction,
          kappa,
          ...(batchSize ? { batchSize } : {}),
        });
        expect(r.inputGradient?.shape).toEqual(x.shape);
        expect(relErr(r.inputGradient?.data as Float32Array, ref)).toBeLessThan(1e-4);
      }
    }
    await model.release();
  });

  it('weight gradients (cross-entropy, mean) match PyTorch', async () => {
    const model = await loadModel(new URL(`${name}.onnx`, FIXTURES).pathname, runtime);
    const ref = readNpz(readFileSync(new URL(`${name}.gw-ce-mean.npz`, FIXTURES)));
    const r = await model.lossAndGradient(npy(`${name}.x.npy`), npy(`${name}.y.npy`), {
      reduction: 'mean',
      wrt: 'weights',
      batchSize: 3,
    });
    expect(ref.size).toBeGreaterThan(1);
    for (const [k, t] of ref) {
      const got = r.weightGradients?.get(k);
      expect(got, k).toBeDefined();
      expect(relErr(got?.data as Float32Array, t.data as Float32Array), k).toBeLessThan(1e-4);
    }
    await model.release();
  });
});

describe('model API errors', () => {
  it('rejects wrong input shapes, bad labels and unsupported ops with stable codes', async () => {
    const path = new URL('lenet.onnx', FIXTURES).pathname;
    const model = await loadModel(path, { threads: 1 });
    const bad: Tensor = { data: new Float32Array(2 * 28 * 28), shape: [2, 1, 28, 28] };
    await expect(model.predict(bad)).rejects.toMatchObject({ code: 'E_INPUT' });
    const x = npy('lenet.x.npy');
    const labels: Tensor = { data: BigInt64Array.of(0n, 1n, 2n, 99n), shape: [4] };
    await expect(model.lossAndGradient(x, labels)).rejects.toThrow(/label #3 is 99/);
    await model.release();

    const m = decodeModel(readFileSync(path));
    const node = m.graph?.node.find((n) => n.opType === 'Relu');
    if (node) node.opType = 'Sin';
    const unsupported = await loadModel(encodeModel(m));
    expect(unsupported.unsupportedOps()).toEqual(['Sin']);
    const error = await unsupported.lossAndGradient(x, npy('lenet.y.npy')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AisfError);
    expect((error as AisfError).code).toBe('E_MODEL_UNSUPPORTED_OP');
    expect((error as AisfError).message).toMatch(/Sin at node "\/Relu/);
    await unsupported.release();
  });
});

describe('batching and outputs', () => {
  it('predict in small batches equals one batch; a named output is differentiable', async () => {
    const path = new URL('resblock.onnx', FIXTURES).pathname;
    const model = await loadModel(path, { threads: 1, memoryLimitBytes: 1 });
    const x = npy('resblock.x.npy');
    const whole = await model.predict(x, { batchSize: 4 });
    const tiny = await model.predict(x);
    expect(Array.from(tiny.data)).toEqual(Array.from(whole.data));
    const r = await model.lossAndGradient(x, npy('resblock.y.npy'), { output: 'logits' });
    expect(
      relErr(
        r.inputGradient?.data as Float32Array,
        npy('resblock.gx-ce-sum.npy').data as Float32Array,
      ),
    ).toBeLessThan(1e-4);
    await expect(
      model.lossAndGradient(x, npy('resblock.y.npy'), { output: 'nope' }),
    ).rejects.toThrow(/not an output/);
    await model.release();
  });
});

describe('fixed batch dimension', () => {
  it('a [1, …] export runs sample by sample and still matches PyTorch', async () => {
    const m = decodeModel(readFileSync(new URL('lenet.onnx', FIXTURES)));
    const input = m.graph?.input[0];
    if (input?.shape) input.shape[0] = 1;
    const out = m.graph?.output[0];
    if (out?.shape) out.shape[0] = 1;
    const model = await loadModel(encodeModel(m), { threads: 1 });
    const x = npy('lenet.x.npy');
    const logits = await model.predict(x);
    expect(relErr(logits.data, npy('lenet.logits.npy').data as Float32Array)).toBeLessThan(1e-5);
    const r = await model.lossAndGradient(x, npy('lenet.y.npy'));
    expect(
      relErr(
        r.inputGradient?.data as Float32Array,
        npy('lenet.gx-ce-sum.npy').data as Float32Array,
      ),
    ).toBeLessThan(1e-4);
    await expect(model.predict(x, { batchSize: 2 })).rejects.toThrow(/fixed at 1/);
    await model.release();
  });
});
