import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AisfError } from '../../errors.js';
import { loadPredictions } from './data.js';
import { loadModelPredictions, modelScores, positiveProbability } from './model-predictions.js';
import { loadTable, numericColumn } from './table.js';

const EX = (f: string) =>
  fileURLToPath(new URL(`../../../examples/credit-hmda/${f}`, import.meta.url));
const FEATURES = [
  'pirat',
  'hirat',
  'lvrat',
  'chist',
  'mhist',
  'phist',
  'unemp',
  'selfemp',
  'insurance',
  'condomin',
  'hschool',
];

describe('positiveProbability', () => {
  it('reads probabilities as they are and passes logits through sigmoid / softmax', () => {
    expect(positiveProbability([0.3], true)).toBe(0.3);
    expect(positiveProbability([0], false)).toBe(0.5);
    expect(positiveProbability([Math.log(3)], false)).toBeCloseTo(0.75, 12);
    expect(positiveProbability([0.2, 0.8], true)).toBe(0.8);
    // softmax([0, ln 3]) = [1/4, 3/4]
    expect(positiveProbability([0, Math.log(3)], false)).toBeCloseTo(0.75, 12);
  });
});

describe('loadModelPredictions', () => {
  it('gives the same groups as the predictions the same model wrote (HMDA, model.onnx ↔ predictions.csv)', async () => {
    // model.onnx is scripts/fairness/export-onnx.ts applied to model.json, the logistic model
    // whose predictions (float64, in TypeScript) are predictions.csv.
    const fromModel = await loadModelPredictions(EX('model.onnx'), EX('hmda.csv'), {
      features: FEATURES,
      label: 'deny',
      posLabel: 'yes',
      sensitive: ['afam'],
    });
    const fromCsv = await loadPredictions(EX('predictions.csv'), {
      label: 'y_true',
      pred: 'y_pred',
      score: 'score',
      sensitive: ['afam'],
    });
    expect(fromModel.rows).toBe(2380);
    expect(fromModel.rows).toBe(fromCsv.rows);
    const cells = (t: typeof fromModel.table) =>
      t.groups.map((g) => ({ values: g.values, confusion: g.confusion }));
    expect(cells(fromModel.table)).toEqual(cells(fromCsv.table));
  });

  it('refuses a feature count that does not match the model, naming both', async () => {
    const error = await loadModelPredictions(EX('model.onnx'), EX('hmda.csv'), {
      features: FEATURES.slice(0, 3),
      label: 'deny',
      posLabel: 'yes',
      sensitive: ['afam'],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AisfError);
    expect((error as AisfError).message).toMatch(/takes 11 features but --features names 3/);
  });

  it('names a feature column that is not in the data', async () => {
    const error = await loadModelPredictions(EX('model.onnx'), EX('hmda.csv'), {
      features: [...FEATURES.slice(0, 10), 'income'],
      label: 'deny',
      posLabel: 'yes',
      sensitive: ['afam'],
    }).catch((e: unknown) => e);
    expect((error as AisfError).code).toBe('E_INPUT');
    expect((error as AisfError).message).toMatch(/"income"/);
  });
});

describe('modelScores', () => {
  it('equals the float64 scores the same logistic model wrote, to float32 precision', async () => {
    const scores = await modelScores(EX('model.onnx'), await loadTable(EX('hmda.csv')), FEATURES);
    const expected = numericColumn(await loadTable(EX('predictions.csv')), 'score', '--score');
    expect(scores.length).toBe(expected.length);
    let worst = 0;
    scores.forEach((p, i) => {
      worst = Math.max(worst, Math.abs(p - (expected[i] as number)));
    });
    expect(worst).toBeLessThan(1e-5);
  });
});
