/**
 * @module Reading predictions for fairness metrics: binary-label parsing and a streaming loader
 * that turns a CSV of (y_true, y_pred, score?, sensitive…) into per-group counts.
 */

import { type CsvParseOptions as CsvLimits, streamCsv } from '../../engine/io/csv.js';
import { AisfError } from '../../errors.js';
import { type CellTable, FairnessAccumulator } from './metrics/index.js';

const POSITIVE = new Set(['1', '1.0', 'true', 'yes', 'y', 't']);
const NEGATIVE = new Set(['0', '0.0', 'false', 'no', 'n', 'f', '-1']);

/** Shortens a cell for an error message (no payloads in messages: 24 characters at most). */
function cell(value: string): string {
  return JSON.stringify(value.length > 24 ? `${value.slice(0, 21)}…` : value);
}

/**
 * Makes a parser of one binary label column. Without `posLabel`, 1/true/yes are positive and
 * 0/false/no/−1 negative (case-insensitive); with it, that value is positive and exactly one
 * other value may appear. A third value is a non-binary label: E_DATA_INVALID naming the column.
 *
 * @example
 * const parse = binaryLabelParser('deny', 'yes');
 * parse('yes', 2); // 1
 */
export function binaryLabelParser(
  column: string,
  posLabel?: string,
  file = '<data>',
): (value: string, line: number) => 0 | 1 {
  let negative: string | undefined;
  return (value, line) => {
    if (posLabel !== undefined) {
      if (value === posLabel) return 1;
      if (negative === undefined) negative = value;
      else if (value !== negative) {
        throw new AisfError(
          'E_DATA_INVALID',
          `column "${column}" is not binary: found ${cell(negative)}, ${cell(value)} and the positive label ${cell(posLabel)}; map it to two values (e.g. 0/1) first`,
          { location: { file, line } },
        );
      }
      return 0;
    }
    const v = value.trim().toLowerCase();
    if (POSITIVE.has(v)) return 1;
    if (NEGATIVE.has(v)) return 0;
    throw new AisfError(
      'E_DATA_INVALID',
      `column "${column}" has the non-binary label ${cell(value)}; labels must be 0/1, true/false or yes/no, or name the positive one with --pos-label`,
      { location: { file, line } },
    );
  };
}

/** Which columns hold what. */
export interface PredictionColumns {
  label: string;
  pred: string;
  score?: string;
  sensitive: string[];
  /** The positive label of both label columns (see {@link binaryLabelParser}). */
  posLabel?: string;
  /** Keep only rows where this column equals this value (e.g. `split = test`). */
  where?: { column: string; value: string };
}

/**
 * Streams a predictions CSV into per-group counts (bounded memory: one record plus the counts).
 * Missing columns, non-binary labels, non-numeric or out-of-range scores, empty sensitive values
 * and rows with a different field count are E_DATA_INVALID / E_INPUT naming the column and fix.
 *
 * @example
 * const { table, rows } = await loadPredictions('preds.csv', { label: 'y_true', pred: 'y_pred', sensitive: ['sex'] });
 */
export async function loadPredictions(
  file: string,
  columns: PredictionColumns,
  limits: CsvLimits = {},
): Promise<{ table: CellTable; rows: number }> {
  const acc = new FairnessAccumulator(columns.sensitive, columns.score !== undefined);
  let yi = -1;
  let pi = -1;
  let si = -1;
  let fi: number[] = [];
  let wi = -1;
  const parseY = binaryLabelParser(columns.label, columns.posLabel, file);
  const parseP = binaryLabelParser(columns.pred, columns.posLabel, file);
  const values: string[] = new Array(columns.sensitive.length).fill('');
  let kept = 0;
  await streamCsv(
    file,
    (header) => {
      const find = (name: string, flag: string): number => {
        const i = header.indexOf(name);
        if (i < 0) {
          throw new AisfError(
            'E_INPUT',
            `column "${name}" (${flag}) is not in ${file}; its columns are: ${header.slice(0, 30).join(', ')}${header.length > 30 ? ', …' : ''}`,
          );
        }
        return i;
      };
      yi = find(columns.label, '--label');
      pi = find(columns.pred, '--pred');
      if (columns.score !== undefined) si = find(columns.score, '--score');
      fi = columns.sensitive.map((s) => find(s, '--sensitive'));
      if (columns.where) wi = find(columns.where.column, '--where');
    },
    (row, line) => {
      if (wi >= 0 && row[wi] !== columns.where?.value) return;
      kept++;
      const y = parseY(row[yi] as string, line);
      const p = parseP(row[pi] as string, line);
      let score: number | undefined;
      if (si >= 0) {
        const text = row[si] as string;
        score = Number(text);
        if (text.trim() === '' || !(score >= 0 && score <= 1)) {
          throw new AisfError(
            'E_DATA_INVALID',
            `column "${columns.score}" has ${cell(text)}; scores must be probabilities in [0, 1]`,
            { location: { file, line } },
          );
        }
      }
      for (let k = 0; k < fi.length; k++) {
        const v = row[fi[k] as number] as string;
        if (v === '') {
          throw new AisfError(
            'E_DATA_INVALID',
            `column "${columns.sensitive[k]}" is empty; fill in or drop rows without a sensitive value`,
            { location: { file, line } },
          );
        }
        values[k] = v;
      }
      acc.add(y, p, score, values);
    },
    limits,
  );
  if (kept === 0)
    throw new AisfError(
      'E_DATA_INVALID',
      columns.where
        ? `no row of ${file} has ${columns.where.column} = "${columns.where.value}"; check --where`
        : `${file} has a header but no rows; it needs data`,
    );
  return { table: acc.table(), rows: kept };
}
