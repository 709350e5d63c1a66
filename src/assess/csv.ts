/** @module CSV for checklist round trips: the engine's bounded RFC 4180 reader and a writer. */
import { parseCsv as parseCsvText } from '../engine/io/csv.js';
import { AisfError } from '../errors.js';

/** Upper bound on rows, so a hostile file cannot exhaust memory through row objects. */
export const MAX_CSV_ROWS = 100_000;

/**
 * Parses RFC 4180 CSV with the engine's tokenizer (comma separated, fields optionally
 * double-quoted, `""` an escaped quote, CRLF or LF line ends, a UTF-8 BOM ignored, blank lines
 * dropped). Throws E_INPUT naming the file and line of a malformed record.
 *
 * @example
 * parseCsv('a,b\n1,"x, y"\n'); // [['a','b'],['1','x, y']]
 */
export function parseCsv(text: string, shown = 'CSV'): string[][] {
  try {
    return parseCsvText(text, { source: shown, maxRows: MAX_CSV_ROWS });
  } catch (cause) {
    if (!(cause instanceof AisfError)) throw cause;
    // The checklist is user input, not a dataset: same message, the input error code.
    throw new AisfError('E_INPUT', cause.message, {
      cause,
      ...(cause.location ? { location: cause.location } : {}),
    });
  }
}

function quoteField(value: string): string {
  return /[",\r\n]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes rows as RFC 4180 CSV with CRLF line ends (what spreadsheet programs expect). */
export function formatCsv(rows: readonly (readonly string[])[]): string {
  return `${rows.map((row) => row.map(quoteField).join(',')).join('\r\n')}\r\n`;
}
