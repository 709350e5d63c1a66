/**
 * @module Predictions from an ONNX model for fairness testing: `aisf test fairness --model m.onnx
 * --data features.csv` runs the model through the engine first, then measures the predictions.
 */
import { loadModel } from '../../engine/index.js';
import { AisfError } from '../../errors.js';
import { type CellTable, FairnessAccumulator } from './metrics/index.js';
import { columnIndex, labelColumn, loadTable, numericColumn, type Table } from './table.js';

/** What `loadModelPredictions` needs besides the files. */
export interface ModelPredictionOptions {
  /** Feature columns, in the order of the model's input vector. */
  features: readonly string[];
  label: string;
  sensitive: readonly string[];
  posLabel?: string;
  where?: { column: string; value: string };
  /**
   * P(y = 1) at or above which the prediction is positive.
   * @default 0.5
   */
  threshold?: number;
  /** Load the model even if the engine's safety checks object (see E_MODEL_UNSAFE). */
  trusted?: boolean;
}

/**
 * Turns one model output row into P(y = 1). Accepted outputs, per row: one value (a probability
 * in [0, 1], else a logit passed through the sigmoid) or two values (probabilities summing to 1,
 * else logits passed through softmax; class 1 is the positive class). Anything else is refused.
 */
export function positiveProbability(row: ArrayLike<number>, allProbabilities: boolean): number {
  if (row.length === 1) {
    const v = row[0] as number;
    return allProbabilities ? v : 1 / (1 + Math.exp(-v));
  }
  const a = row[0] as number;
  const b = row[1] as number;
  if (allProbabilities) return b;
  const m = Math.max(a, b);
  const ea = Math.exp(a - m);
  const eb = Math.exp(b - m);
  return eb / (ea + eb);
}

function filterRows(table: Table, where: { column: string; value: string } | undefined): Table {
  if (!where) return table;
  const i = columnIndex(table, where.column, '--where');
  const keep = table.rows.map((r, k) => [r, k] as const).filter(([r]) => r[i] === where.value);
  if (keep.length === 0) {
    throw new AisfError(
      'E_DATA_INVALID',
      `no row of ${table.file} has ${where.column} = "${where.value}"; check --where`,
    );
  }
  return {
    ...table,
    rows: keep.map(([r]) => r),
    lines: keep.map(([, k]) => table.lines[k] as number),
  };
}

/**
 * P(y = 1) for every row of `table` from the ONNX binary classifier at `modelFile` (input
 * `[batch, features.length]`, float32; yes/no cells become 1/0). Used by `test fairness --model`
 * and by the post-processing mitigations (`mitigate fairness --model`).
 *
 * @example
 * const p = await modelScores('model.onnx', await loadTable('hmda.csv'), ['pirat', 'lvrat']);
 */
export async function modelScores(
  modelFile: string,
  table: Table,
  features: readonly string[],
  options: { trusted?: boolean } = {},
): Promise<Float64Array> {
  if (features.length === 0) {
    throw new AisfError('E_USAGE', '--features must name the model’s input columns, in order');
  }
  const n = table.rows.length;
  const d = features.length;
  const x = new Float32Array(n * d);
  features.forEach((name, j) => {
    numericColumn(table, name, '--features').forEach((v, i) => {
      x[i * d + j] = v;
    });
  });
  const model = await loadModel(modelFile, options.trusted ? { trusted: true } : {});
  const input = model.inputs[0];
  const width = input?.shape[input.shape.length - 1];
  if (model.inputs.length !== 1 || input?.shape.length !== 2) {
    throw new AisfError(
      'E_INPUT',
      `${modelFile}: --model must take one input of shape [batch, features] (it has ${model.inputs.map((i) => `${i.name} [${i.shape.join(', ')}]`).join('; ')})`,
    );
  }
  if (typeof width === 'number' && width !== d) {
    throw new AisfError(
      'E_INPUT',
      `${modelFile} takes ${width} features but --features names ${d}; list the model's input columns in order`,
    );
  }
  const out = await model.predict({ data: x, shape: [n, d] }, { batchSize: 4096 });
  const k = out.data.length / n;
  if (!(k === 1 || k === 2)) {
    throw new AisfError(
      'E_INPUT',
      `${modelFile}: output has ${k} values per row; a binary classifier gives 1 (P(y=1) or a logit) or 2 (class scores)`,
    );
  }
  // Probabilities if every value is in [0, 1] (and, for two columns, rows sum to 1); else logits.
  let allProbabilities = true;
  for (let i = 0; i < n && allProbabilities; i++) {
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const v = out.data[i * k + j] as number;
      if (!(v >= 0 && v <= 1)) allProbabilities = false;
      sum += v;
    }
    if (k === 2 && Math.abs(sum - 1) > 1e-4) allProbabilities = false;
  }
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = positiveProbability(out.data.subarray(i * k, (i + 1) * k), allProbabilities);
    if (!Number.isFinite(p)) {
      throw new AisfError(
        'E_DATA_INVALID',
        `${modelFile} gave a non-finite output for line ${table.lines[i]} of ${table.file}`,
      );
    }
    scores[i] = Math.min(1, Math.max(0, p));
  }
  return scores;
}

/**
 * Reads the features, label and sensitive columns of `dataFile`, predicts with the ONNX model at
 * `modelFile` (see {@link modelScores}) and returns the same cell table `loadPredictions` builds
 * from a predictions CSV, with the model's P(y = 1) as the score.
 *
 * @example
 * const { table } = await loadModelPredictions('model.onnx', 'hmda.csv', { features: ['pirat'], label: 'deny', posLabel: 'yes', sensitive: ['afam'] });
 */
export async function loadModelPredictions(
  modelFile: string,
  dataFile: string,
  options: ModelPredictionOptions,
): Promise<{ table: CellTable; rows: number; predictions: Float64Array }> {
  const threshold = options.threshold ?? 0.5;
  if (!(threshold > 0 && threshold < 1)) {
    throw new AisfError('E_USAGE', `--threshold must be in (0, 1) (got ${threshold})`);
  }
  const table = filterRows(await loadTable(dataFile), options.where);
  const y = labelColumn(table, options.label, '--label', options.posLabel);
  const groupIdx = options.sensitive.map((s) => columnIndex(table, s, '--sensitive'));
  const predictions = await modelScores(
    modelFile,
    table,
    options.features,
    options.trusted ? { trusted: true } : {},
  );
  const acc = new FairnessAccumulator([...options.sensitive], true);
  const values: string[] = new Array(options.sensitive.length).fill('');
  for (let i = 0; i < table.rows.length; i++) {
    groupIdx.forEach((gi, g) => {
      const v = (table.rows[i] as string[])[gi] as string;
      if (v === '') {
        throw new AisfError(
          'E_DATA_INVALID',
          `column "${options.sensitive[g]}" is empty on line ${table.lines[i]}; fill in or drop such rows`,
          { location: { file: dataFile, line: table.lines[i] as number } },
        );
      }
      values[g] = v;
    });
    const p = predictions[i] as number;
    acc.add(y[i] as 0 | 1, p >= threshold ? 1 : 0, p, values);
  }
  return { table: acc.table(), rows: table.rows.length, predictions };
}
