/** @module The CSV table of `aisf dp query` (header row, one column at a time), read by the engine's bounded tokenizer. */
import { readFileSync, statSync } from 'node:fs';
import { CsvParser } from '../../../engine/io/csv.js';
import { AisfError } from '../../../errors.js';

/** Limits that keep a hostile CSV from exhausting memory or time. */
export interface CsvLimits {
  /** Largest file read, in bytes (V8 strings top out near 512 MiB). @default 256 MiB */
  maxBytes?: number;
  /** Most columns per row. @default 10000 */
  maxColumns?: number;
}

/** A parsed table: header names and rows of raw strings. */
export interface CsvTable {
  header: string[];
  rows: string[][];
}

/**
 * Parses CSV text with the engine's RFC 4180 tokenizer (comma separator, double-quoted fields
 * with "" escapes, CRLF or LF line ends, blank lines skipped, UTF-8 BOM ignored) into a header
 * and rows of the header's width. Throws E_DATA_INVALID with the line number for an
 * unterminated quote, a ragged row or too many columns.
 *
 * @example
 * parseCsv('a,b\n1,"x,y"\n'); // { header: ['a', 'b'], rows: [['1', 'x,y']] }
 */
export function parseCsv(text: string, file = '<csv>', limits: CsvLimits = {}): CsvTable {
  let header: string[] | undefined;
  const rows: string[][] = [];
  const parser = new CsvParser(
    (record, line) => {
      if (!header) {
        header = record;
        return;
      }
      if (record.length !== header.length) {
        throw new AisfError(
          'E_DATA_INVALID',
          `data row ${rows.length + 1} has ${record.length} fields but the header has ${header.length} (line ${line})`,
          { location: { file, line } },
        );
      }
      rows.push(record);
    },
    { source: file, ...(limits.maxColumns ? { maxColumns: limits.maxColumns } : {}) },
  );
  parser.push(text);
  parser.end();
  if (!header) {
    throw new AisfError('E_DATA_INVALID', 'the CSV is empty; it needs a header row', {
      location: { file },
    });
  }
  return { header, rows };
}

/**
 * Reads and parses a CSV file (size-limited).
 *
 * @example
 * readCsv('examples/credit-hmda/hmda.csv').header; // ['deny', 'pirat', …]
 */
export function readCsv(path: string, limits: CsvLimits = {}): CsvTable {
  const maxBytes = limits.maxBytes ?? 2 ** 28;
  let size: number;
  try {
    size = statSync(path).size;
  } catch (cause) {
    throw new AisfError('E_FILE_NOT_FOUND', `no such data file: ${path}; check --data`, { cause });
  }
  if (size > maxBytes) {
    throw new AisfError(
      'E_DATA_INVALID',
      `${path} is ${size} bytes, over the ${maxBytes}-byte limit; query a sample or split the file`,
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new AisfError('E_FILE_READ', `cannot read ${path}`, { cause });
  }
  return parseCsv(text, path, limits);
}

/** The index of a named column, or E_INPUT listing the available ones. */
export function columnIndex(table: CsvTable, column: string, file = '<csv>'): number {
  const index = table.header.indexOf(column);
  if (index < 0) {
    const names = table.header.slice(0, 20).join(', ');
    throw new AisfError(
      'E_INPUT',
      `--column: no column "${column}" in ${file}; columns are: ${names}${table.header.length > 20 ? ', …' : ''}`,
    );
  }
  return index;
}

/**
 * A column's values as finite numbers; an empty or non-numeric cell is E_DATA_INVALID naming
 * the column, the line and the fix (a DP release must not silently drop records).
 */
export function numericColumn(table: CsvTable, column: string, file = '<csv>'): number[] {
  const index = columnIndex(table, column, file);
  return table.rows.map((row, k) => {
    const cell = (row[index] as string).trim();
    const value = cell === '' ? Number.NaN : Number(cell);
    if (!Number.isFinite(value)) {
      throw new AisfError(
        'E_DATA_INVALID',
        // The cell itself is not echoed: it may be personal data.
        `column "${column}" is not numeric: data row ${k + 1} is ${cell === '' ? 'empty' : 'not a number'}; choose a numeric column, clean the data, or use --query histogram --categories for a categorical column`,
        { location: { file } },
      );
    }
    return value;
  });
}
