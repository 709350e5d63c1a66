/** @module A small, bounded RFC 4180 CSV reader and writer for checklist round trips. */
import { AisfError } from '../errors.js';

/** Upper bound on rows, so a hostile file cannot exhaust memory through row objects. */
export const MAX_CSV_ROWS = 100_000;

/**
 * Parses RFC 4180 CSV: comma separated, fields optionally double-quoted, `""` an escaped quote,
 * CRLF or LF line ends, a UTF-8 BOM ignored. Throws E_INPUT naming the line of an unterminated
 * quote. Empty trailing lines are dropped.
 *
 * @example
 * parseCsv('a,b\n1,"x, y"\n'); // [['a','b'],['1','x, y']]
 */
export function parseCsv(text: string, shown = 'CSV'): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let quoteLine = 0;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRow = () => {
    row.push(field);
    field = '';
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
    if (rows.length > MAX_CSV_ROWS) {
      throw new AisfError('E_INPUT', `${shown}: more than ${MAX_CSV_ROWS} rows; split the file`);
    }
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
        i++;
        continue;
      }
      if (ch === '\n') line++;
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
      quoteLine = line;
      i++;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      endRow();
      line++;
      i += 2;
    } else if (ch === '\n') {
      endRow();
      line++;
      i++;
    } else {
      field += ch;
      i++;
    }
  }
  if (quoted) {
    throw new AisfError(
      'E_INPUT',
      `${shown}:${quoteLine}: a quoted field is never closed; add the closing "`,
      { location: { file: shown, line: quoteLine } },
    );
  }
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

function quoteField(value: string): string {
  return /[",\r\n]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes rows as RFC 4180 CSV with CRLF line ends (what spreadsheet programs expect). */
export function formatCsv(rows: readonly (readonly string[])[]): string {
  return `${rows.map((row) => row.map(quoteField).join(',')).join('\r\n')}\r\n`;
}
