/** @module A small, bounded RFC 4180 CSV reader for `aisf dp query` (header row, one column at a time). */
import { readFileSync, statSync } from 'node:fs';
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
 * Parses CSV text (RFC 4180: comma separator, double-quoted fields with "" escapes, CRLF or LF
 * line ends, optional trailing newline, UTF-8 BOM ignored). Throws E_DATA_INVALID with the line
 * number for an unterminated quote, a ragged row or too many columns.
 *
 * @example
 * parseCsv('a,b\n1,"x,y"\n'); // { header: ['a', 'b'], rows: [['1', 'x,y']] }
 */
export function parseCsv(text: string, file = '<csv>', limits: CsvLimits = {}): CsvTable {
  const maxColumns = limits.maxColumns ?? 10_000;
  const records: string[][] = [];
  const blank = new Set<string[]>(); // rows that were empty lines (not a quoted empty field)
  let rowQuoted = false;
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let startLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endField = () => {
    row.push(field);
    field = '';
    if (row.length > maxColumns) {
      throw new AisfError('E_DATA_INVALID', `more than ${maxColumns} columns in a row`, {
        location: { file, line: startLine },
      });
    }
  };
  const endRow = () => {
    endField();
    if (row.length === 1 && row[0] === '' && !rowQuoted) blank.add(row);
    records.push(row);
    row = [];
    rowQuoted = false;
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
      rowQuoted = true;
    } else if (ch === ',') {
      endField();
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      startLine = line;
    } else {
      field += ch;
    }
    i++;
  }
  if (quoted) {
    throw new AisfError('E_DATA_INVALID', 'unterminated quoted field; close the quote with "', {
      location: { file, line: startLine },
    });
  }
  if (field !== '' || row.length > 0 || rowQuoted) endRow();
  const header = records.shift();
  if (!header || blank.has(header)) {
    throw new AisfError('E_DATA_INVALID', 'the CSV is empty; it needs a header row', {
      location: { file },
    });
  }
  // Drop blank lines; every other row must have the header's width.
  const rows: string[][] = [];
  for (const [k, r] of records.entries()) {
    if (blank.has(r)) continue;
    if (r.length !== header.length) {
      throw new AisfError(
        'E_DATA_INVALID',
        `data row ${k + 1} has ${r.length} fields but the header has ${header.length}`,
        { location: { file } },
      );
    }
    rows.push(r);
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
