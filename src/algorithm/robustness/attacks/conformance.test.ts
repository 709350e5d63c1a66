/**
 * The attack conformance suite: every registered attack, at every norm it declares, keeps its
 * examples inside the ε-ball and the value range (measured exactly on the float32 values), is
 * reproducible with the same seed, and — black-box — never exceeds its query budget, counted at
 * the model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model, Tensor } from '../../../engine/index.js';
import { fashionData, fashionModel } from '../fixtures/models.js';
import type { AttackDescriptor, AttackRunContext, RunnerModel } from './attack.js';
import { perturbationNorms } from './common.js';
import { ATTACKS } from './registry.js';

const { x, y } = fashionData(6);
let model: Model;
beforeAll(async () => {
  model = await fashionModel();
});
afterAll(() => model.release());

/** Small settings so every attack runs in well under a second. */
const quick = { maxIter: 4, maxQueries: 60 };

function counting(m: RunnerModel): RunnerModel & { rows: number } {
  const c = {
    rows: 0,
    predict: async (t: Tensor, o?: { batchSize?: number }) => {
      c.rows += t.shape[0] as number;
      return m.predict(t, o);
    },
    ...(m.lossAndGradient ? { lossAndGradient: m.lossAndGradient.bind(m) } : {}),
  };
  return c;
}

async function run(a: AttackDescriptor, m: RunnerModel, norm: '2' | 'inf', eps: number) {
  const ctx: AttackRunContext = {
    spec: { name: a.id, norm, ...quick },
    eps,
    norm,
    range: { lo: 0, hi: 1 },
    batchSize: 4,
    seed: 7,
    labels: y,
    targeted: false,
    onProgress: () => undefined,
  };
  return a.run(m, x, ctx);
}

describe.each(ATTACKS.map((a) => [a.id, a] as const))('attack %s', (_id, attack) => {
  it.each(attack.norms.map((n) => [n]))('norm %s: ball, range, seed, budget', async (norm) => {
    const eps = norm === 'inf' ? 0.08 : 1.2;
    const m = counting(model);
    const first = await run(attack, m, norm, eps);
    const adv = first.adversarial;
    expect(adv.shape).toEqual(x.shape);
    const { linf, l2 } = perturbationNorms(x, adv);
    for (const v of norm === 'inf' ? linf : l2) expect(v).toBeLessThanOrEqual(eps);
    for (const v of adv.data) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    const again = await run(attack, model, norm, eps);
    expect(Array.from(again.adversarial.data)).toEqual(Array.from(adv.data));
    if (attack.kind === 'black-box') {
      expect(first.queries?.budget).toBe(quick.maxQueries);
      expect(first.queries?.max).toBeLessThanOrEqual(quick.maxQueries);
      expect(m.rows).toBe(first.queries?.total);
    }
  });
});
