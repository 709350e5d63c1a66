import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../engine/index.js';
import { linearOnnx } from './fixtures/models.js';
import {
  crossEntropy,
  logProbabilities,
  membershipScores,
  outputKindFromGraph,
  outputKindFromValues,
} from './scores.js';

describe('membership scores', () => {
  it('loss, entropy and modified entropy equal their closed forms', () => {
    // p = (1/2, 1/4, 1/4), label 0.
    const lp = Float64Array.from([0.5, 0.25, 0.25], Math.log);
    const y = Int32Array.of(0);
    expect(crossEntropy(lp, 3, y)[0]).toBeCloseTo(Math.LN2, 15);
    expect(membershipScores(lp, 3, y, 'loss')[0]).toBeCloseTo(-Math.LN2, 15);
    // −H(p) = Σ p log p = −1.5 ln 2.
    expect(membershipScores(lp, 3, y, 'entropy')[0]).toBeCloseTo(-1.5 * Math.LN2, 15);
    // Mentr = −(1 − ½) ln ½ − 2 · ¼ ln(1 − ¼) (Song & Mittal 2021, eq. 4).
    const mentr = -(0.5 * Math.log(0.5)) - 2 * 0.25 * Math.log(0.75);
    expect(membershipScores(lp, 3, y, 'modified-entropy')[0]).toBeCloseTo(-mentr, 15);
    // Label 1: Mentr = −¾ ln ¼ − ½ ln ½ − ¼ ln ¾.
    const m1 = -(0.75 * Math.log(0.25)) - 0.5 * Math.log(0.5) - 0.25 * Math.log(0.75);
    expect(membershipScores(lp, 3, Int32Array.of(1), 'modified-entropy')[0]).toBeCloseTo(-m1, 15);
  });

  it('log-softmax of logits is stable and agrees with probabilities', () => {
    const logits = Float32Array.of(1000, 0, -1000, 2, 1, 0);
    const { logProbs } = logProbabilities(logits, 3, 'logits');
    expect(logProbs[0]).toBe(0);
    expect(logProbs[1]).toBe(-1000);
    const z = [2, 1, 0];
    const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
    expect(logProbs[3]).toBeCloseTo(2 - lse, 12);
    const probs = Float32Array.from(z, (v) => Math.exp(v - lse));
    const viaProbs = logProbabilities(probs, 3, 'probabilities').logProbs;
    expect(viaProbs[0]).toBeCloseTo(2 - lse, 6);
    // A zero probability is floored, never −∞.
    expect(logProbabilities(Float32Array.of(1, 0), 2, 'probabilities').logProbs[1]).toBeCloseTo(
      Math.log(1e-30),
      10,
    );
  });

  it('a single sigmoid column expands to two classes', () => {
    const a = logProbabilities(Float32Array.of(0.8), 1, 'probabilities');
    expect(a.classes).toBe(2);
    expect(Math.exp(a.logProbs[1] as number)).toBeCloseTo(Math.fround(0.8), 12);
    const b = logProbabilities(Float32Array.of(Math.log(4)), 1, 'logits');
    expect(Math.exp(b.logProbs[1] as number)).toBeCloseTo(0.8, 6);
    expect(Math.exp(b.logProbs[0] as number)).toBeCloseTo(0.2, 6);
  });

  it('detects probabilities, log-probabilities and logits from values', () => {
    expect(outputKindFromValues(Float32Array.of(0.2, 0.8, 0.5, 0.5), 2)).toBe('probabilities');
    expect(outputKindFromValues(Float32Array.of(Math.log(0.2), Math.log(0.8)), 2)).toBe(
      'log-probabilities',
    );
    expect(outputKindFromValues(Float32Array.of(0.2, 0.7), 2)).toBe('logits');
    expect(outputKindFromValues(Float32Array.of(-3, 2), 2)).toBe('logits');
    expect(outputKindFromValues(Float32Array.of(0.3, 0.9), 1)).toBe('probabilities');
  });

  it('detects a final Softmax / LogSoftmax in the graph; losses match the logits model', async () => {
    const w = Float32Array.of(1, -2, 0.5, 3, -1, 1);
    const b = Float32Array.of(0.1, -0.2, 0.3);
    const x = { data: Float32Array.of(0.5, -1, 2, 0.25, -3, 1), shape: [3, 2] };
    const y = Int32Array.of(0, 2, 1);
    const losses: Float64Array[] = [];
    for (const final of [undefined, 'Softmax', 'LogSoftmax'] as const) {
      const model = await loadModel(linearOnnx(w, b, 2, final), { threads: 1 });
      const kind = outputKindFromGraph(model) ?? 'logits';
      expect(kind).toBe(
        final === 'Softmax'
          ? 'probabilities'
          : final === 'LogSoftmax'
            ? 'log-probabilities'
            : 'logits',
      );
      const out = await model.predict(x);
      const { logProbs } = logProbabilities(out.data, 3, kind);
      losses.push(crossEntropy(logProbs, 3, y));
      // The engine's own cross-entropy graph (LogSoftmax in ONNX, float32) on the logits model.
      if (!final) {
        const engine = await model.lossAndGradient(x, { data: y, shape: [3] });
        for (let i = 0; i < 3; i++)
          expect((losses[0] as Float64Array)[i]).toBeCloseTo(engine.losses[i] as number, 5);
      }
      await model.release();
    }
    for (let i = 0; i < 3; i++) {
      expect((losses[1] as Float64Array)[i]).toBeCloseTo(
        (losses[0] as Float64Array)[i] as number,
        5,
      );
      expect((losses[2] as Float64Array)[i]).toBeCloseTo(
        (losses[0] as Float64Array)[i] as number,
        5,
      );
    }
  });

  it('rejects labels outside the classes', () => {
    const lp = new Float64Array(4);
    expect(() => crossEntropy(lp, 2, Int32Array.of(0, 2))).toThrow(/label #1 is 2/);
    expect(() => membershipScores(lp, 2, Int32Array.of(0), 'loss')).toThrow(/1 labels for 2/);
  });
});
