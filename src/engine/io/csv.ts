/**
 * @module CSV with a typed schema → a float32 feature matrix (+ labels): an RFC 4180 parser
 * (quoted fields, escaped quotes, CRLF) with row/field limits, numeric columns validated per
 * cell, categorical columns one-hot or index encoded with a stable, reported vocabulary.
 */
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

/**
 * Splits CSV text into rows of fields (RFC 4180).
 *
 * @example
 * parseCsv('a,b\n1,"x,y"\n'); // [['a','b'],['1','x,y']]
 */
export function parseCsv(
  text: string,
  options: CsvLimits & { delimiter?: string; source?: string } = {},
): string[][] {
  const delimiter = options.delimiter ?? ',';
  const maxRows = options.maxRows ?? 10_000_000;
  const maxColumns = options.maxColumns ?? 10_000;
  const source = options.source ?? 'the CSV';
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  // A row with no characters at all is a blank line; `""` is a row with one empty field.
  let touched = false;
  let i = 0;
  const endField = () => {
    if (row.length >= maxColumns) bad(source, rows.length + 1, `more than ${maxColumns} columns`);
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    if (touched) {
      if (rows.length >= maxRows) bad(source, rows.length + 1, `more than ${maxRows} rows`);
      rows.push(row);
    }
    row = [];
    touched = false;
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c !== '\n' && c !== '\r') touched = true;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === delimiter) endField();
    else if (c === '\n') endRow();
    else if (c === '\r') {
      if (text[i + 1] !== '\n') endRow();
    } else field += c;
    i++;
  }
  if (quoted) bad(source, rows.length + 1, 'a quoted field is not closed');
  if (touched) endRow();
  return rows;
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
