/**
 * @module In-memory tables for the mitigations (they need every row: sorting, refitting). Loaded
 * through the streaming CSV reader with a row cap, with typed column accessors whose errors name
 * the column, the line and the fix.
 */

import { streamCsv } from '../../engine/io/csv.js';
import { AisfError } from '../../errors.js';
import { binaryLabelParser } from './data.js';

/** A CSV held in memory. */
export interface Table {
  file: string;
  header: string[];
  rows: string[][];
  /** 1-based line of each row, for messages. */
  lines: number[];
}

/**
 * The default cap on rows held in memory by the mitigations.
 * @default 2_000_000
 */
export const DEFAULT_MAX_ROWS = 2_000_000;

/**
 * Loads a CSV into memory (at most `maxRows` rows; more is an E_DATA_INVALID naming the cap).
 *
 * @example
 * const table = await loadTable('hmda.csv');
 */
export async function loadTable(file: string, maxRows = DEFAULT_MAX_ROWS): Promise<Table> {
  const table: Table = { file, header: [], rows: [], lines: [] };
  await streamCsv(
    file,
    (h) => {
      table.header = h;
    },
    (row, line) => {
      if (table.rows.length >= maxRows)
        throw new AisfError(
          'E_DATA_INVALID',
          `${file} has more than ${maxRows} rows; mitigation holds rows in memory, so sample the data first`,
        );
      table.rows.push(row);
      table.lines.push(line);
    },
  );
  if (table.rows.length === 0)
    throw new AisfError('E_DATA_INVALID', `${file} has a header but no rows; it needs data`);
  return table;
}

/** Index of a column, or E_INPUT naming the flag and the columns that exist. */
export function columnIndex(table: Table, name: string, flag: string): number {
  const i = table.header.indexOf(name);
  if (i < 0)
    throw new AisfError(
      'E_INPUT',
      `column "${name}" (${flag}) is not in ${table.file}; its columns are: ${table.header.slice(0, 30).join(', ')}`,
    );
  return i;
}

/** A 0/1 label column (see {@link binaryLabelParser}). */
export function labelColumn(
  table: Table,
  name: string,
  flag: string,
  posLabel?: string,
): (0 | 1)[] {
  const i = columnIndex(table, name, flag);
  const parse = binaryLabelParser(name, posLabel, table.file);
  return table.rows.map((r, k) => parse(r[i] as string, table.lines[k] as number));
}

const YES = new Set(['yes', 'true', 'y', 't']);
const NO = new Set(['no', 'false', 'n', 'f']);

/** A numeric feature column; yes/no and true/false become 1/0. */
export function numericColumn(table: Table, name: string, flag: string): number[] {
  const i = columnIndex(table, name, flag);
  return table.rows.map((r, k) => {
    const text = (r[i] as string).trim();
    const lower = text.toLowerCase();
    if (YES.has(lower)) return 1;
    if (NO.has(lower)) return 0;
    const v = Number(text);
    if (text === '' || !Number.isFinite(v))
      throw new AisfError(
        'E_DATA_INVALID',
        `column "${name}" (${flag}) has a non-numeric value on line ${table.lines[k]}; features must be numbers or yes/no`,
        {
          location: { file: table.file, line: table.lines[k] as number },
        },
      );
    return v;
  });
}

/** Group keys: the sensitive values joined with " & ", e.g. `yes & no`. */
export function groupColumn(table: Table, names: readonly string[]): string[] {
  const idx = names.map((n) => columnIndex(table, n, '--sensitive'));
  return table.rows.map((r, k) => {
    const values = idx.map((i) => r[i] as string);
    if (values.some((v) => v === ''))
      throw new AisfError(
        'E_DATA_INVALID',
        `an empty sensitive value on line ${table.lines[k]}; fill in or drop such rows`,
        {
          location: { file: table.file, line: table.lines[k] as number },
        },
      );
    return values.join(' & ');
  });
}

/** Writes CSV text with RFC 4180 quoting. */
export function toCsvText(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const q = (v: string | number): string => {
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${[header, ...rows].map((r) => r.map(q).join(',')).join('\n')}\n`;
}
