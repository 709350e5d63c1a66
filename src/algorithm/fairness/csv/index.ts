/**
 * @module A bounded, streaming CSV reader (RFC 4180: quoted fields, doubled quotes, CRLF/LF,
 * quoted newlines) so fairness metrics run on files larger than memory.
 */
import { createReadStream } from 'node:fs';
import { AisfError } from '../../../errors.js';

/** Limits that keep a hostile file from exhausting memory. */
export interface CsvLimits {
  /**
   * Longest field, in characters.
   * @default 1_048_576
   */
  maxFieldLength?: number;
  /**
   * Most columns in a row.
   * @default 10_000
   */
  maxColumns?: number;
}

const DEFAULT_MAX_FIELD = 1_048_576;
const DEFAULT_MAX_COLUMNS = 10_000;

const QUOTE = 34;
const COMMA = 44;
const CR = 13;
const LF = 10;

/**
 * An incremental CSV parser: `push` text chunks, receive each complete record. Memory is bounded
 * by the longest record (fields are capped by `maxFieldLength`, rows by `maxColumns`).
 *
 * @example
 * const rows: string[][] = [];
 * const parser = new CsvParser((row) => rows.push(row));
 * parser.push('a,"b,c"\n1,2');
 * parser.end(); // rows = [['a', 'b,c'], ['1', '2']]
 */
export class CsvParser {
  private row: string[] = [];
  private field = '';
  /** 0 field start, 1 unquoted, 2 quoted, 3 quote inside quoted (closing or doubled). */
  private state = 0;
  private sawCr = false;
  private line = 1;
  private readonly maxField: number;
  private readonly maxColumns: number;

  constructor(
    private readonly onRecord: (record: string[], line: number) => void,
    limits: CsvLimits = {},
    private readonly file = '<csv>',
  ) {
    this.maxField = limits.maxFieldLength ?? DEFAULT_MAX_FIELD;
    this.maxColumns = limits.maxColumns ?? DEFAULT_MAX_COLUMNS;
  }

  private fail(message: string): never {
    throw new AisfError('E_DATA_INVALID', `${message}; fix the CSV (RFC 4180) and retry`, {
      location: { file: this.file, line: this.line },
    });
  }

  private endField(): void {
    if (this.row.length >= this.maxColumns)
      this.fail(`more than ${this.maxColumns} columns in a row`);
    this.row.push(this.field);
    this.field = '';
    this.state = 0;
  }

  private endRecord(): void {
    this.endField();
    const record = this.row;
    this.row = [];
    // A blank line is not a record (as in pandas and Python's csv with skip of empty rows).
    if (!(record.length === 1 && record[0] === '')) this.onRecord(record, this.line);
  }

  /** Feeds a chunk of text (any split, including mid-field or mid-CRLF). */
  push(chunk: string): void {
    let start = 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = chunk.charCodeAt(i);
      if (this.sawCr) {
        this.sawCr = false;
        if (c === LF) {
          start = i + 1;
          continue;
        }
      }
      switch (this.state) {
        case 0:
          if (c === QUOTE) {
            this.state = 2;
            start = i + 1;
            continue;
          }
          // Any other character starts an unquoted field: re-read it in state 1.
          this.state = 1;
          start = i;
          i--;
          continue;
        case 1:
          if (c === COMMA || c === LF || c === CR) {
            this.field += chunk.slice(start, i);
            if (this.field.length > this.maxField) this.fail('a field is too long');
            if (c === COMMA) this.endField();
            else {
              this.endRecord();
              this.line++;
              if (c === CR) this.sawCr = true;
            }
            start = i + 1;
          } else if (c === QUOTE) {
            this.fail('a quote inside an unquoted field (quote the whole field)');
          }
          continue;
        case 2:
          if (c === QUOTE) {
            this.field += chunk.slice(start, i);
            this.state = 3;
          } else if (c === LF) this.line++;
          continue;
        default:
          // state 3: after a quote in a quoted field
          if (c === QUOTE) {
            this.field += '"';
            this.state = 2;
            start = i + 1;
          } else if (c === COMMA) {
            this.endField();
            start = i + 1;
          } else if (c === LF || c === CR) {
            this.endRecord();
            this.line++;
            if (c === CR) this.sawCr = true;
            start = i + 1;
          } else {
            this.fail('text after a closing quote (use "" for a quote inside a quoted field)');
          }
      }
    }
    if (this.state === 1 || this.state === 2) {
      this.field += chunk.slice(start);
      if (this.field.length > this.maxField) this.fail('a field is too long');
    }
    // state 2 keeps reading into the same field on the next chunk
    if (this.state === 2) return;
  }

  /** Flushes the last record; throws if a quoted field is unterminated. */
  end(): void {
    if (this.state === 2) this.fail('unterminated quoted field');
    if (this.state !== 0 || this.row.length > 0) this.endRecord();
  }
}

/**
 * Parses a whole CSV text (for small inputs and tests).
 *
 * @example
 * parseCsv('a,b\n1,2\n'); // [['a','b'],['1','2']]
 */
export function parseCsv(text: string, limits: CsvLimits = {}): string[][] {
  const rows: string[][] = [];
  const parser = new CsvParser((row) => rows.push(row), limits);
  parser.push(text);
  parser.end();
  return rows;
}

/**
 * Streams a CSV file: `onHeader` gets the first record, `onRow` each later one with its 1-based
 * line. Rows with a different number of fields than the header are rejected (mismatched lengths).
 * Memory stays bounded by the read buffer (64 KiB) plus one record.
 *
 * @example
 * await streamCsv('preds.csv', (header) => {}, (row) => {});
 */
export async function streamCsv(
  file: string,
  onHeader: (header: string[]) => void,
  onRow: (row: string[], line: number) => void,
  limits: CsvLimits = {},
): Promise<number> {
  let header: string[] | undefined;
  let count = 0;
  const parser = new CsvParser(
    (record, line) => {
      if (!header) {
        // Strip a UTF-8 byte-order mark (Excel writes one).
        if (record[0]?.charCodeAt(0) === 0xfeff) record[0] = record[0].slice(1);
        header = record;
        onHeader(record);
        return;
      }
      if (record.length !== header.length) {
        throw new AisfError(
          'E_DATA_INVALID',
          `row has ${record.length} fields but the header has ${header.length}; every row needs one value per column`,
          { location: { file, line } },
        );
      }
      count++;
      onRow(record, line);
    },
    limits,
    file,
  );
  let stream: ReturnType<typeof createReadStream>;
  try {
    stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 65_536 });
    for await (const chunk of stream) parser.push(chunk as string);
  } catch (cause) {
    if (cause instanceof AisfError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new AisfError('E_FILE_NOT_FOUND', `no such file: ${file}; check the --data path`, {
        cause,
      });
    throw new AisfError('E_FILE_READ', `cannot read ${file}: ${(cause as Error).message}`, {
      cause,
    });
  }
  parser.end();
  if (!header) throw new AisfError('E_DATA_INVALID', `${file} is empty; it needs a header row`);
  return count;
}
