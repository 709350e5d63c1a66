import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model } from '../../../engine/index.js';
import { fashionData, fashionModel } from '../fixtures/models.js';
import { evaluateRobustness } from '../runner.js';
import type { PredictModel } from './attack.js';
import { ATTACK_IDS, ATTACKS, checkUniqueIds, findAttack } from './registry.js';

describe('the attack registry', () => {
  it('lists every attack once with its kind and norms; duplicate ids throw', () => {
    expect(ATTACK_IDS).toEqual(expect.arrayContaining(['fgsm', 'pgd', 'square', 'hopskipjump']));
    expect(new Set(ATTACK_IDS).size).toBe(ATTACK_IDS.length);
    expect(findAttack('square')).toMatchObject({ kind: 'black-box', norms: ['inf'] });
    expect(findAttack('hopskipjump')).toMatchObject({ kind: 'black-box' });
    expect(findAttack('fgsm')?.kind).toBe('white-box');
    for (const a of ATTACKS) {
      expect(a.id).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(a.defaults.eps).toBeGreaterThan(0);
    }
    expect(() => checkUniqueIds([...ATTACKS, ATTACKS[0] as (typeof ATTACKS)[number]])).toThrow(
      /duplicate attack id "fgsm"/,
    );
  });
});

describe('the runner with black-box attacks on a predict-only model', () => {
  let model: Model;
  const { x, y } = fashionData(16);
  beforeAll(async () => {
    model = await fashionModel();
  });
  afterAll(() => model.release());

  it('reports queries on black-box rows and refuses white-box attacks without gradients', async () => {
    const predictOnly: PredictModel = { predict: (t, o) => model.predict(t, o) };
    const r = await evaluateRobustness(predictOnly, x, y, {
      attacks: [
        { name: 'square', eps: [0.1], maxIter: 20, maxQueries: 15 },
        { name: 'hopskipjump', norm: '2', eps: [1.5], maxQueries: 200 },
      ],
    });
    const [sq, hsj] = r.attacks;
    expect(sq).toMatchObject({ name: 'square', norm: 'inf', eps: 0.1 });
    expect(sq?.queries?.budget).toBe(15);
    expect(sq?.queries?.max).toBeLessThanOrEqual(15);
    expect(sq?.meanLinf).toBeLessThanOrEqual(0.1);
    expect(hsj?.queries?.max).toBeLessThanOrEqual(200);
    expect(hsj?.accuracy).toBeLessThanOrEqual(r.clean.accuracy as number);
    await expect(
      evaluateRobustness(predictOnly, x, y, { attacks: [{ name: 'pgd' }] }),
    ).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/white-box/) });
    await expect(
      evaluateRobustness(predictOnly, x, y, { attacks: [{ name: 'square', norm: '2' }] }),
    ).rejects.toThrow(/supports norm inf/);
  });
});
