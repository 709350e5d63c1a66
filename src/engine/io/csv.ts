/**
 * @module CSV with a typed schema → a float32 feature matrix (+ labels): an RFC 4180 parser
 * (quoted fields, escaped quotes, CRLF) with row/field limits, numeric columns validated per
 * cell, categorical columns one-hot or index encoded with a stable, reported vocabulary.
 */
import { createReadStream } from 'node:fs';
import { AisfError } from '../../errors.js';
import type { Tensor } from '../runtime/session.js';

/** A column of the schema. */
export interface CsvColumn {
  name: string;
  /** number: a float feature; category: one-hot encoded feature; ignore: skipped. */
  type: 'number' | 'category' | 'ignore';
}

/** The typed schema of a CSV file. */
export interface CsvSchema {
  columns: readonly CsvColumn[];
  /** Column holding class labels (categories are indexed in order of first appearance unless `classes` is given). */
  label?: string;
  /** Fixed label vocabulary (index = class id). */
  classes?: readonly string[];
  /** @default ',' */
  delimiter?: string;
}

/** What readCsv returns. */
export interface CsvData {
  x: Tensor<Float32Array>;
  y?: Tensor<BigInt64Array>;
  /** Feature names in column order (one-hot features as `col=value`). */
  features: string[];
  classes?: string[];
}

/** Limits for untrusted CSV. */
export interface CsvLimits {
  /** @default 10,000,000 */
  maxRows?: number;
  /** @default 10,000 */
  maxColumns?: number;
}

function bad(source: string, row: number, reason: string): never {
  throw new AisfError('E_DATA_INVALID', `${source} row ${row}: ${reason}`, {
    location: { file: source, line: row },
  });
}

/** Options of the tokenizer: limits that keep a hostile file from exhausting memory. */
export interface CsvParseOptions {
  /** A single-character field separator. @default ',' */
  delimiter?: string;
  /** Longest field, in characters. @default 1,048,576 */
  maxFieldLength?: number;
  /** Most columns in a row. @default 10,000 */
  maxColumns?: number;
  /** Most records (header included). @default 10,000,000 */
  maxRows?: number;
  /** File name shown in errors. @default '<csv>' */
  source?: string;
}

const QUOTE = 34;
const CR = 13;
const LF = 10;

/**
 * The one RFC 4180 tokenizer of aisf, incremental: `push` text chunks (split anywhere, even
 * mid-field or mid-CRLF), receive each complete record with its first line number. Quoted fields,
 * doubled quotes, quoted newlines, CRLF/LF/CR line ends, a UTF-8 BOM at the start. A blank line
 * is not a record, but a line holding `""` is one empty field. Strict where RFC 4180 is: a quote
 * inside an unquoted field or text after a closing quote is an error (E_DATA_INVALID with the
 * line), because lenient readers silently shift columns there. Memory is bounded by the longest
 * record (`maxFieldLength` × `maxColumns`).
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
  private quotedRow = false;
  private first = true;
  private line = 1;
  private recordLine = 1;
  private quoteLine = 1;
  private records = 0;
  private readonly delimiter: number;
  private readonly maxField: number;
  private readonly maxColumns: number;
  private readonly maxRows: number;
  private readonly source: string;

  constructor(
    private readonly onRecord: (record: string[], line: number) => void,
    options: CsvParseOptions = {},
  ) {
    const d = options.delimiter ?? ',';
    if (d.length !== 1 || d === '"' || d === '\n' || d === '\r')
      throw new AisfError(
        'E_CONFIG',
        `CSV delimiter must be one character other than a quote or line end, got ${JSON.stringify(d)}`,
      );
    this.delimiter = d.charCodeAt(0);
    this.maxField = options.maxFieldLength ?? 1_048_576;
    this.maxColumns = options.maxColumns ?? 10_000;
    this.maxRows = options.maxRows ?? 10_000_000;
    this.source = options.source ?? '<csv>';
  }

  private fail(message: string, line = this.line): never {
    throw new AisfError('E_DATA_INVALID', `${this.source}:${line}: ${message}`, {
      location: { file: this.source, line },
    });
  }

  private endField(): void {
    if (this.row.length >= this.maxColumns)
      this.fail(`more than ${this.maxColumns} columns in a row; fix the CSV or raise the limit`);
    this.row.push(this.field);
    this.field = '';
    this.state = 0;
  }

  private endRecord(): void {
    this.endField();
    const record = this.row;
    this.row = [];
    const blank = record.length === 1 && record[0] === '' && !this.quotedRow;
    this.quotedRow = false;
    if (!blank) {
      if (++this.records > this.maxRows)
        this.fail(`more than ${this.maxRows} rows; split the file or sample it`);
      this.onRecord(record, this.recordLine);
    }
  }

  private newLine(cr: boolean): void {
    this.endRecord();
    this.line++;
    this.recordLine = this.line;
    this.sawCr = cr;
  }

  /** Feeds a chunk of text. */
  push(chunk: string): void {
    let i = 0;
    if (this.first && chunk.length > 0) {
      this.first = false;
      // A UTF-8 byte-order mark (Excel writes one) is not part of the first header name.
      if (chunk.charCodeAt(0) === 0xfeff) i = 1;
    }
    let start = i;
    const n = chunk.length;
    const delimiter = this.delimiter;
    for (; i < n; i++) {
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
            this.quotedRow = true;
            this.quoteLine = this.line;
            start = i + 1;
          } else if (c === delimiter) {
            this.endField();
            start = i + 1;
          } else if (c === LF || c === CR) {
            this.newLine(c === CR);
            start = i + 1;
          } else {
            this.state = 1;
            start = i;
          }
          continue;
        case 1:
          if (c === delimiter || c === LF || c === CR) {
            this.field += chunk.slice(start, i);
            if (this.field.length > this.maxField) this.fail('a field is too long');
            if (c === delimiter) this.endField();
            else this.newLine(c === CR);
            start = i + 1;
          } else if (c === QUOTE) {
            this.fail(
              'a quote inside an unquoted field; quote the whole field and double the quote',
            );
          }
          continue;
        case 2:
          if (c === QUOTE) {
            this.field += chunk.slice(start, i);
            if (this.field.length > this.maxField) this.fail('a field is too long');
            this.state = 3;
          } else if (c === LF) this.line++;
          continue;
        default:
          // state 3: after a quote in a quoted field
          if (c === QUOTE) {
            this.field += '"';
            this.state = 2;
            start = i + 1;
          } else if (c === delimiter) {
            this.endField();
            start = i + 1;
          } else if (c === LF || c === CR) {
            this.newLine(c === CR);
            start = i + 1;
          } else {
            this.fail('text after a closing quote; use "" for a quote inside a quoted field');
          }
      }
    }
    if (this.state === 1 || this.state === 2) {
      this.field += chunk.slice(start);
      if (this.field.length > this.maxField) this.fail('a field is too long');
    }
  }

  /** Flushes the last record; throws if a quoted field is unterminated. */
  end(): void {
    if (this.state === 2)
      this.fail(
        'unterminated quoted field: a quoted field is not closed; add the closing "',
        this.quoteLine,
      );
    if (this.state !== 0 || this.row.length > 0 || this.quotedRow) this.endRecord();
  }
}

/**
 * Splits CSV text into rows of fields (RFC 4180, see CsvParser).
 *
 * @example
 * parseCsv('a,b\n1,"x,y"\n'); // [['a','b'],['1','x,y']]
 */
export function parseCsv(text: string, options: CsvParseOptions = {}): string[][] {
  const rows: string[][] = [];
  const parser = new CsvParser((row) => rows.push(row), options);
  parser.push(text);
  parser.end();
  return rows;
}

/**
 * Streams a CSV file: `onHeader` gets the first record, `onRow` each later one with its 1-based
 * line. Rows with a different number of fields than the header are rejected. Memory stays
 * bounded by the read buffer (64 KiB) plus one record.
 *
 * @example
 * await streamCsv('preds.csv', (header) => {}, (row) => {});
 */
export async function streamCsv(
  file: string,
  onHeader: (header: string[]) => void,
  onRow: (row: string[], line: number) => void,
  options: Omit<CsvParseOptions, 'source'> = {},
): Promise<number> {
  let header: string[] | undefined;
  let count = 0;
  const parser = new CsvParser(
    (record, line) => {
      if (!header) {
        header = record;
        onHeader(record);
        return;
      }
      if (record.length !== header.length) {
        throw new AisfError(
          'E_DATA_INVALID',
          `${file}:${line}: row has ${record.length} fields but the header has ${header.length}; every row needs one value per column`,
          { location: { file, line } },
        );
      }
      count++;
      onRow(record, line);
    },
    { ...options, source: file },
  );
  try {
    const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 65_536 });
    for await (const chunk of stream) parser.push(chunk as string);
  } catch (cause) {
    if (cause instanceof AisfError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new AisfError('E_FILE_NOT_FOUND', `no such file: ${file}; check the path`, { cause });
    throw new AisfError('E_FILE_READ', `cannot read ${file}: ${(cause as Error).message}`, {
      cause,
    });
  }
  parser.end();
  if (!header) throw new AisfError('E_DATA_INVALID', `${file} is empty; it needs a header row`);
  return count;
}

/**
 * Reads CSV text with a header row into features and labels according to the schema.
 *
 * @throws AisfError E_DATA_INVALID naming the row and column of a bad cell.
 * @example
 * const { x, y } = readCsv(text, { columns: [{ name: 'age', type: 'number' }, { name: 'y', type: 'category' }], label: 'y' });
 */
export function readCsv(
  text: string,
  schema: CsvSchema,
  options: CsvLimits & { source?: string } = {},
): CsvData {
  const source = options.source ?? 'the CSV';
  const rows = parseCsv(text, {
    ...options,
    source,
    ...(schema.delimiter ? { delimiter: schema.delimiter } : {}),
  });
  const header = rows[0];
  if (!header) bad(source, 1, 'the file is empty (a header row is required)');
  const index = new Map(header.map((h, i) => [h.trim(), i]));
  for (const c of schema.columns)
    if (!index.has(c.name)) bad(source, 1, `column "${c.name}" of the schema is not in the header`);
  if (schema.label && !index.has(schema.label))
    bad(source, 1, `label column "${schema.label}" is not in the header`);
  const body = rows.slice(1);
  const featureCols = schema.columns.filter((c) => c.type !== 'ignore' && c.name !== schema.label);
  // Category vocabularies in order of first appearance (stable and reported).
  const vocab = new Map<string, string[]>();
  for (const c of featureCols.filter((f) => f.type === 'category')) {
    const seen = new Set<string>();
    const col = index.get(c.name) as number;
    for (const r of body) seen.add(r[col] ?? '');
    vocab.set(c.name, [...seen]);
  }
  const features = featureCols.flatMap((c) =>
    c.type === 'number' ? [c.name] : (vocab.get(c.name) ?? []).map((v) => `${c.name}=${v}`),
  );
  const x = new Float32Array(body.length * features.length);
  const classes = schema.classes ? [...schema.classes] : [];
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const y = schema.label ? new BigInt64Array(body.length) : undefined;
  body.forEach((r, ri) => {
    if (r.length !== header.length)
      bad(source, ri + 2, `has ${r.length} fields, the header has ${header.length}`);
    let k = ri * features.length;
    for (const c of featureCols) {
      const cell = (r[index.get(c.name) as number] ?? '').trim();
      if (c.type === 'number') {
        const v = Number(cell);
        if (cell === '' || !Number.isFinite(v))
          bad(source, ri + 2, `column "${c.name}" is "${cell.slice(0, 20)}", not a number`);
        x[k++] = v;
      } else {
        const values = vocab.get(c.name) ?? [];
        for (const v of values) x[k++] = v === cell ? 1 : 0;
      }
    }
    if (y && schema.label) {
      const cell = (r[index.get(schema.label) as number] ?? '').trim();
      let id = classIndex.get(cell);
      if (id === undefined) {
        if (schema.classes)
          bad(source, ri + 2, `label "${cell.slice(0, 20)}" is not one of the schema's classes`);
        id = classes.length;
        classes.push(cell);
        classIndex.set(cell, id);
      }
      y[ri] = BigInt(id);
    }
  });
  return {
    x: { data: x, shape: [body.length, features.length] },
    ...(y ? { y: { data: y, shape: [body.length] }, classes } : {}),
    features,
  };
}
