import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model } from '../../engine/index.js';
import { fashionData, fashionModel } from './fixtures/models.js';
import { evaluateRobustness } from './runner.js';

describe('evaluateRobustness on the Fashion-MNIST CNN', () => {
  let model: Model;
  const { x, y } = fashionData(24);
  beforeAll(async () => {
    model = await fashionModel();
  });
  afterAll(() => model.release());

  it('reports clean accuracy, a robustness curve and corruptions; ε = 0 changes nothing', async () => {
    const stages: number[] = [];
    const r = await evaluateRobustness(model, x, y, {
      attacks: [
        { name: 'fgsm', eps: [0, 0.1] },
        { name: 'pgd', eps: [0.1], norm: '2', epsStep: 0.05, maxIter: 3 },
      ],
      corruptions: ['gaussian_noise', 'contrast'],
      severities: [1, 5],
      keepAdversarial: true,
      onProgress: (f) => stages.push(f),
    });
    expect(r.clean.n).toBe(24);
    const clean = r.clean.accuracy as number;
    expect(clean).toBeGreaterThan(0.5);
    const [f0, f1, p] = r.attacks;
    expect(f0).toMatchObject({
      name: 'fgsm',
      eps: 0,
      accuracy: clean,
      successRate: 0,
      meanLinf: 0,
      meanL2: 0,
    });
    expect(f1?.meanLinf).toBeLessThanOrEqual(0.1);
    expect(f1?.accuracy).toBeLessThan(clean);
    expect(p).toMatchObject({
      name: 'pgd',
      norm: '2',
      params: { preset: 'art', maxIter: 3, randomStart: false },
    });
    expect(p?.meanL2).toBeLessThanOrEqual(0.1);
    expect(r.corruptions.map((c) => `${c.name}:${c.severity}`)).toEqual([
      'gaussian_noise:1',
      'gaussian_noise:5',
      'contrast:1',
      'contrast:5',
    ]);
    expect([...(r.adversarial?.keys() ?? [])]).toEqual(['fgsm:inf:0', 'fgsm:inf:0.1', 'pgd:2:0.1']);
    expect(stages.at(-1)).toBe(1);
    for (let i = 1; i < stages.length; i++)
      expect(stages[i]).toBeGreaterThanOrEqual(stages[i - 1] as number);
    // Per-class counts add up to n.
    expect(r.clean.perClass.reduce((s, c) => s + c.n, 0)).toBe(24);
  });

  it('rejects unknown corruptions and attacks, bad severities', async () => {
    await expect(evaluateRobustness(model, x, y, { corruptions: ['snow'] })).rejects.toThrow(
      /unknown corruption "snow"/,
    );
    await expect(
      evaluateRobustness(model, x, y, { attacks: [{ name: 'cw' as never }] }),
    ).rejects.toThrow(/unknown attack/);
    await expect(
      evaluateRobustness(model, x, y, { corruptions: 'all', severities: [6] }),
    ).rejects.toThrow(/1…5/);
  });
});
