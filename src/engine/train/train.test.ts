/**
 * @module Optimizers against their closed forms, and the training loop end to end: a small CNN
 * (PyTorch initialisation) trained by aisf on a committed Fashion-MNIST subset reaches a sane
 * test accuracy, and the exported ONNX reloads and predicts identically.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../io/npy.js';
import { loadModel } from '../model.js';
import type { Tensor } from '../runtime/session.js';
import { adam, type ParameterMap, sgd } from './optimizers.js';
import { accuracy, permutation, seededRandom, stderrProgress, train } from './train.js';

const one = (v: number[]): ParameterMap =>
  new Map([['w', { data: Float32Array.from(v), shape: [v.length] }]]);

describe('optimizers (closed forms)', () => {
  it('SGD with momentum μ under a constant gradient g moves by lr·g·Σ μ^i', () => {
    const p = one([1]);
    const opt = sgd({ lr: 0.1, momentum: 0.9 });
    for (let k = 0; k < 3; k++) opt.step(p, one([2]));
    // buf: 2, 3.8, 5.42 → w = 1 − 0.1·(2 + 3.8 + 5.42)
    expect(p.get('w')?.data[0]).toBeCloseTo(1 - 0.1 * 11.22, 5);
  });

  it('SGD weight decay adds wd·w to the gradient', () => {
    const p = one([2]);
    sgd({ lr: 0.5, weightDecay: 0.1 }).step(p, one([0]));
    expect(p.get('w')?.data[0]).toBeCloseTo(2 - 0.5 * 0.2, 6);
  });

  it('Adam’s first step moves every weight by lr·sign(g) (bias correction)', () => {
    const p = one([0, 0, 0]);
    adam({ lr: 0.01 }).step(p, one([3, -0.001, 50]));
    const w = p.get('w')?.data as Float32Array;
    expect(w[0]).toBeCloseTo(-0.01, 6);
    expect(w[1]).toBeCloseTo(0.01, 4);
    expect(w[2]).toBeCloseTo(-0.01, 6);
  });

  it('Adam minimises a quadratic', () => {
    const p = one([5, -3]);
    const opt = adam({ lr: 0.1 });
    for (let k = 0; k < 500; k++) {
      const w = p.get('w')?.data as Float32Array;
      opt.step(p, one([2 * (w[0] as number), 2 * (w[1] as number)]));
    }
    const w = p.get('w')?.data as Float32Array;
    expect(Math.abs(w[0] as number) + Math.abs(w[1] as number)).toBeLessThan(0.05);
  });

  it('rejects bad hyper-parameters', () => {
    expect(() => sgd({ lr: -1 })).toThrow(/lr/);
    expect(() => adam({ betas: [1, 0.9] })).toThrow(/betas/);
  });

  it('seeded permutations are reproducible permutations', () => {
    const a = permutation(50, seededRandom(3));
    expect(Array.from(a)).toEqual(Array.from(permutation(50, seededRandom(3))));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(a)).not.toEqual(Array.from(permutation(50, seededRandom(4))));
  });
});

const FIXTURES = new URL('../fixtures/', import.meta.url);
function images(name: string): Tensor<Float32Array> {
  const t = readNpy(readFileSync(new URL(name, FIXTURES)));
  return { data: Float32Array.from(t.data as Uint8Array, (v) => v / 255), shape: t.shape };
}

describe('training a CNN on Fashion-MNIST (1200-image subset)', () => {
  it('reaches a sane accuracy, and the exported model reloads and predicts identically', async () => {
    const model = await loadModel(new URL('fashion-cnn.onnx', FIXTURES).pathname, { threads: 2 });
    const x = images('fashion-mnist.train-x.npy');
    const y = readNpy(readFileSync(new URL('fashion-mnist.train-y.npy', FIXTURES)));
    const xt = images('fashion-mnist.test-x.npy');
    const yt = readNpy(readFileSync(new URL('fashion-mnist.test-y.npy', FIXTURES)));
    const before = await accuracy(model, xt, yt);
    let lines = '';
    const { history } = await train(model, x, y, {
      optimizer: adam({ lr: 0.005 }),
      epochs: 4,
      batchSize: 32,
      seed: 1,
      onProgress: stderrProgress((s) => {
        lines += s;
      }),
    });
    expect(lines).toMatch(/epoch 4\/4 \[=+\] 38\/38 loss/);
    expect(history).toHaveLength(4);
    expect((history[3] as { loss: number }).loss).toBeLessThan(
      (history[0] as { loss: number }).loss,
    );
    const after = await accuracy(model, xt, yt);
    // Chance is 0.10; a tiny CNN on 1,200 images reaches ≈0.75 (the full-data ceiling is ≈0.90).
    expect(before).toBeLessThan(0.3);
    expect(after).toBeGreaterThan(0.65);
    const reloaded = await loadModel(model.toOnnx(), { threads: 2 });
    const a = await model.predict(xt);
    const b = await reloaded.predict(xt);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    await model.release();
    await reloaded.release();
  });
});
