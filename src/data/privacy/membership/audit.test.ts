import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model, readLabelledNpz, takeRows } from '../../../engine/index.js';
import { auditMembership } from './audit.js';
import { rocAuc } from './metrics.js';
import type { LabelledData } from './shadow.js';

const FIX = fileURLToPath(new URL('./fixtures/', import.meta.url));
const train = readLabelledNpz(`${FIX}train.npz`, { field: 'train' });
const holdout = readLabelledNpz(`${FIX}holdout.npz`, { field: 'holdout' });
const shadowData = readLabelledNpz(`${FIX}shadow.npz`, { field: 'shadow' });

function rows(d: LabelledData, from: number, to: number): LabelledData {
  const idx = Array.from({ length: to - from }, (_, i) => from + i);
  return { x: takeRows(d.x, idx), y: d.y.slice(from, to) };
}

const models: Record<string, Model> = {};
beforeAll(async () => {
  for (const name of ['mlp-overfit', 'mlp-early', 'mlp-dp'])
    models[name] = await loadModel(`${FIX}${name}.onnx`, { threads: 1 });
});
afterAll(async () => {
  for (const m of Object.values(models)) await m.release();
});

describe('auditMembership on Fashion-MNIST fixtures', () => {
  it('detects the overfit model’s leakage; early stopping and DP-SGD leak less', async () => {
    const auc: Record<string, number> = {};
    for (const name of ['mlp-overfit', 'mlp-early', 'mlp-dp']) {
      const r = await auditMembership(models[name] as Model, train, holdout, {
        attacks: ['loss', 'modified-entropy'],
      });
      expect(r.members).toBe(400);
      expect(r.nonMembers).toBe(400);
      expect(r.output).toEqual({ kind: 'logits', source: 'values', classes: 10 });
      auc[name] = r.attacks[0]?.auc as number;
      if (name === 'mlp-overfit') {
        expect(r.memberAccuracy).toBe(1);
        expect(r.attacks[0]?.advantage).toBeGreaterThan(0.3);
        expect(r.memberLoss).toBeLessThan(r.nonMemberLoss / 10);
      }
    }
    // Measured 0.647 / 0.538 / 0.550 (AUC standard error ≈ 0.02 at 400 + 400).
    expect(auc['mlp-overfit']).toBeGreaterThan(0.6);
    expect(auc['mlp-early']).toBeLessThan((auc['mlp-overfit'] as number) - 0.05);
    expect(auc['mlp-dp']).toBeLessThan((auc['mlp-overfit'] as number) - 0.05);
  });

  it('the loss attack’s AUC equals rocAuc of the engine’s own per-sample cross-entropy', async () => {
    const model = models['mlp-overfit'] as Model;
    const r = await auditMembership(model, train, holdout, { attacks: ['loss'] });
    const loss = async (d: LabelledData) =>
      (await model.lossAndGradient(d.x, { data: d.y, shape: [d.y.length] })).losses;
    const neg = (a: Float32Array) => Float64Array.from(a, (v) => -v);
    const expected = rocAuc(neg(await loss(train)), neg(await loss(holdout)));
    // float32 engine losses vs float64 log-softmax: only near-ties may flip.
    expect(r.attacks[0]?.auc).toBeCloseTo(expected, 3);
  });

  it('equals the numpy/sklearn peer on the fixtures (scripts/privacy/membership_reference.py)', async () => {
    // numpy float64 forward pass of the same weights, scipy logsumexp, sklearn 1.2.1 metrics.
    const PEER: Record<string, Record<string, [number, number, number]>> = {
      'mlp-overfit': {
        loss: [0.64683125, 0.4, 0.01],
        entropy: [0.62298125, 0.345, 0.01],
        'modified-entropy': [0.647375, 0.405, 0.01],
      },
      'mlp-early': {
        loss: [0.53791875, 0.07, 0.025],
        entropy: [0.52826875, 0.0625, 0.0275],
        'modified-entropy': [0.53609375, 0.0725, 0.025],
      },
      'mlp-dp': {
        loss: [0.54950625, 0.085, 0.0075],
        entropy: [0.5230375, 0.06, 0.0075],
        'modified-entropy': [0.5487, 0.0925, 0.0125],
      },
    };
    for (const [name, attacks] of Object.entries(PEER)) {
      const r = await auditMembership(models[name] as Model, train, holdout, {
        attacks: ['loss', 'entropy', 'modified-entropy', 'gap'],
      });
      for (const [attack, [auc, advantage, tpr]] of Object.entries(attacks)) {
        const a = r.attacks.find((x) => x.name === attack);
        // float32 ONNX Runtime vs float64 numpy logits: one flipped near-tie moves AUC by 1/160000.
        expect(a?.auc, `${name} ${attack}`).toBeCloseTo(auc, 4);
        expect(a?.advantage, `${name} ${attack}`).toBeCloseTo(advantage, 9);
        expect(a?.tprAtFpr['0.01'], `${name} ${attack}`).toBeCloseTo(tpr, 9);
      }
      // The gap attack (ART's rule-based attack) in closed form.
      const gap = r.attacks.find((x) => x.name === 'gap');
      const diff = r.memberAccuracy - r.nonMemberAccuracy;
      expect(gap?.advantage).toBeCloseTo(Math.max(0, diff), 12);
      expect(gap?.auc).toBeCloseTo(0.5 + diff / 2, 12);
    }
  });

  it('identical distributions give AUC ≈ 0.5', async () => {
    const r = await auditMembership(
      models['mlp-overfit'] as Model,
      rows(holdout, 0, 200),
      rows(holdout, 200, 400),
      {
        attacks: ['loss', 'entropy'],
      },
    );
    // Two disjoint halves of unseen data; standard error ≈ 0.029 at 200 + 200.
    for (const a of r.attacks) expect(Math.abs(a.auc - 0.5)).toBeLessThan(0.09);
  });

  it('samples members and non-members to equal, seeded counts', async () => {
    const model = models['mlp-overfit'] as Model;
    const run = (seed: number) =>
      auditMembership(model, train, rows(holdout, 0, 300), { attacks: ['loss'], limit: 120, seed });
    const [a, b, c] = await Promise.all([run(1), run(1), run(2)]);
    expect(a.members).toBe(120);
    expect(a.nonMembers).toBe(120);
    expect(a.attacks[0]?.auc).toBe(b.attacks[0]?.auc);
    expect(a.attacks[0]?.auc).not.toBe(c.attacks[0]?.auc);
    // With 120 non-members FPR 0.1 % is unresolved.
    expect(a.attacks[0]?.tprAtFpr['0.001']).toBeNull();
    expect(typeof a.attacks[0]?.tprAtFpr['0.01']).toBe('number');
    const small = await auditMembership(model, train, holdout, { attacks: ['loss'], limit: 5000 });
    expect(small.members).toBe(400);
  });

  it('runs the shadow attack on separate attacker data or on half the holdout', async () => {
    const model = models['mlp-overfit'] as Model;
    const progress: number[] = [];
    const r = await auditMembership(model, train, holdout, {
      attacks: ['shadow'],
      shadowData: rows(shadowData, 0, 240),
      shadow: { models: 2, epochs: 4, batchSize: 32, lr: 3e-3 },
      limit: 150,
      onProgress: (f) => progress.push(f),
    });
    expect(r.shadow?.pool).toBe('shadow-data');
    expect(r.shadow?.perModel.map((s) => [s.in, s.out])).toEqual([
      [60, 60],
      [60, 60],
    ]);
    expect(r.attacks[0]?.name).toBe('shadow');
    expect(r.attacks[0]?.auc).toBeGreaterThan(0.5);
    expect(progress.at(-1)).toBe(1);
    const half = await auditMembership(model, train, rows(holdout, 0, 200), {
      attacks: ['loss', 'shadow'],
      shadow: { models: 2, epochs: 1 },
    });
    // 100 holdout records go to the attacker, the other 100 are the non-members.
    expect(half.shadow?.pool).toBe('holdout-half');
    expect(half.shadow?.poolSize).toBe(100);
    expect(half.nonMembers).toBe(100);
    expect(half.members).toBe(100);
  });

  it('rejects mismatched shapes, unknown attacks and missing arrays with the field named', async () => {
    const model = models['mlp-overfit'] as Model;
    const flat = { x: { data: holdout.x.data, shape: [400, 784] }, y: holdout.y };
    await expect(auditMembership(model, train, flat)).rejects.toThrow(
      /holdout: samples are \[784\]/,
    );
    await expect(
      auditMembership(model, train, holdout, { attacks: ['nope' as 'loss'] }),
    ).rejects.toThrow(/unknown attack "nope"/);
    expect(() =>
      readLabelledNpz(`${FIX}train.npz`, { field: '--train', x: 'images', shown: 'train.npz' }),
    ).toThrow(/--train: train.npz has no array "images" \(arrays: x, y\)/);
    expect(() => readLabelledNpz(`${FIX}missing.npz`, { field: '--holdout' })).toThrow(
      /--holdout: .* does not exist/,
    );
    const wrongLabels = { x: holdout.x, y: Int32Array.from(holdout.y, () => 12) };
    await expect(auditMembership(model, train, wrongLabels, { attacks: ['loss'] })).rejects.toThrow(
      /label #0 is 12 but the model has 10 classes/,
    );
  });
});
