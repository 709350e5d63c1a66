import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModel, seededRandom } from '../../../engine/index.js';
import { linearOnnx } from './fixtures/models.js';
import { attackFeatures, reinitialisedWeights, trainShadowAttack } from './shadow.js';

const FIX = fileURLToPath(new URL('./fixtures/', import.meta.url));

describe('reinitialisedWeights (PyTorch default initialisation)', () => {
  it('draws U(±1/√fan_in) for Gemm weights and their biases, seeded', async () => {
    const model = await loadModel(`${FIX}mlp-init.onnx`, { threads: 1 });
    const a = reinitialisedWeights(model, 3);
    const b = reinitialisedWeights(model, 3);
    const c = reinitialisedWeights(model, 4);
    // fc1: [64, 784] (transB) → fan_in 784; fc2: [10, 64] → fan_in 64.
    const fans: [RegExp, number][] = [
      [/fc1\.(weight|bias)/, 784],
      [/fc2\.(weight|bias)/, 64],
    ];
    expect(a.size).toBe(4);
    for (const [name, t] of a) {
      const fan = fans.find(([re]) => re.test(name))?.[1] as number;
      const bound = 1 / Math.sqrt(fan);
      let max = 0;
      let sq = 0;
      for (const v of t.data) {
        max = Math.max(max, Math.abs(v));
        sq += v * v;
      }
      expect(max).toBeLessThanOrEqual(bound);
      // A uniform on [−b, b] has variance b²/3; many samples pin it within a few %.
      if (t.data.length > 1000)
        expect(sq / t.data.length / ((bound * bound) / 3)).toBeCloseTo(1, 1);
      expect(b.get(name)?.data).toEqual(t.data);
      expect(c.get(name)?.data).not.toEqual(t.data);
    }
    await model.release();
  });

  it('resets BatchNormalization to scale 1, bias 0, mean 0, variance 1', async () => {
    const model = await loadModel(
      linearOnnx(new Float32Array(6), new Float32Array(3), 2, 'BatchNormalization'),
      { threads: 1 },
    );
    const w = reinitialisedWeights(model, 1);
    const expected: [RegExp, number][] = [
      [/bn\.scale/, 1],
      [/bn\.bias/, 0],
      [/bn\.mean/, 0],
      [/bn\.var/, 1],
    ];
    let checked = 0;
    for (const [name, t] of w) {
      const e = expected.find(([re]) => re.test(name));
      if (e) {
        checked++;
        expect([...t.data]).toEqual([e[1], e[1], e[1]]);
      }
      // Gemm weight and bias of fan_in 2: U(±1/√2).
      else for (const v of t.data) expect(Math.abs(v)).toBeLessThanOrEqual(Math.SQRT1_2);
    }
    expect(checked).toBeGreaterThanOrEqual(2);
    await model.release();
  });
});

describe('trainShadowAttack', () => {
  it('features: top-3 sorted probabilities and log p_y', () => {
    const lp = Float64Array.from([0.1, 0.6, 0.3], Math.log);
    const f = attackFeatures(lp, 0, 3, 2);
    expect(f.slice(0, 3).map((v) => Number(v.toFixed(12)))).toEqual([0.6, 0.3, 0.1]);
    expect(f[3]).toBeCloseTo(Math.log(0.3), 15);
    expect(attackFeatures(Float64Array.of(0, -Infinity), 0, 2, 1)[3]).toBe(-50);
  });

  it('trains shadows of a Softmax-output model (trained as LogSoftmax) and refuses a tiny pool', async () => {
    const r = seededRandom(2);
    const n = 240;
    const x = new Float32Array(n * 2);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 3;
      x[i * 2] = (y[i] as number) - 1 + (r() - 0.5) * 2;
      x[i * 2 + 1] = r() - 0.5;
    }
    const target = await loadModel(
      linearOnnx(new Float32Array(6), new Float32Array(3), 2, 'Softmax'),
      { threads: 1 },
    );
    const attack = await trainShadowAttack(
      target,
      { x: { data: x, shape: [n, 2] }, y },
      { models: 2, epochs: 5, lr: 0.05, seed: 1 },
    );
    expect(attack.shadows).toHaveLength(2);
    // The shadows learnt the task: far above the 1/3 of a constant Softmax of zero weights.
    for (const s of attack.shadows) expect(s.inAccuracy).toBeGreaterThan(0.6);
    const lp = Float64Array.from([0.9, 0.05, 0.05, 0.2, 0.4, 0.4], Math.log);
    const s = attack.score(lp, 3, Int32Array.of(0, 0));
    expect(s.every(Number.isFinite)).toBe(true);
    await expect(
      trainShadowAttack(
        target,
        { x: { data: x.slice(0, 6), shape: [3, 2] }, y: y.slice(0, 3) },
        { models: 4 },
      ),
    ).rejects.toThrow(/too few for 4 shadow models/);
    await target.release();
  });
});
