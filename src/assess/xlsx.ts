/**
 * @module A minimal XLSX (Office Open XML SpreadsheetML, ECMA-376) writer and reader for the
 * checklist round trip: one sheet of strings. Built on fflate (already a dependency) because the
 * maintained full libraries pull in many packages; this covers exactly what offline filling
 * needs, including files re-saved by Excel or LibreOffice (shared strings, rich-text runs).
 */
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { AisfError } from '../errors.js';
import { MAX_CSV_ROWS } from './csv.js';

/** Bound on the uncompressed size of a member we read (zip-bomb protection). */
const MAX_MEMBER_BYTES = 32 * 1024 * 1024;

// XML 1.0 (section 2.2) forbids most C0 controls and U+FFFE/U+FFFF, even as references.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching these control characters is the point
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/** Removes the characters XML 1.0 cannot carry (what the writer drops from cell text). */
export const stripXmlInvalid = (text: string) => text.replace(XML_INVALID, '');

const escapeXml = (text: string) =>
  stripXmlInvalid(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_, ent: string) => {
    if (ent === 'lt') return '<';
    if (ent === 'gt') return '>';
    if (ent === 'amp') return '&';
    if (ent === 'quot') return '"';
    if (ent === 'apos') return "'";
    const code = ent.startsWith('#x') ? Number.parseInt(ent.slice(2), 16) : Number(ent.slice(1));
    return code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

/** `0` → `A`, `26` → `AA`. */
export function columnName(index: number): string {
  let n = index + 1;
  let name = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    name = String.fromCharCode(65 + rem) + name;
    n = Math.floor((n - 1) / 26);
  }
  return name;
}

function columnIndex(name: string): number {
  let n = 0;
  for (const ch of name) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/**
 * Writes rows of strings as a one-sheet .xlsx (inline strings, first row frozen as header).
 *
 * @example
 * writeFileSync('checklist.xlsx', writeXlsx([['check', 'answer'], ['capability.x', 'yes']]));
 */
export function writeXlsx(rows: readonly (readonly string[])[], sheetName = 'Sheet1'): Uint8Array {
  const sheetRows = rows
    .map((row, r) => {
      const cells = row
        .map((value, c) =>
          value === ''
            ? ''
            : `<c r="${columnName(c)}${r + 1}" t="inlineStr"><is><t xml:space="preserve">${escapeXml(value)}</t></is></c>`,
        )
        .join('');
      return `<row r="${r + 1}">${cells}</row>`;
    })
    .join('');
  const sheet =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>' +
    `<sheetData>${sheetRows}</sheetData></worksheet>`;
  const files: Record<string, Uint8Array> = {
    '[Content_Types].xml': strToU8(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
        '</Types>',
    ),
    '_rels/.rels': strToU8(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>' +
        '</Relationships>',
    ),
    'xl/workbook.xml': strToU8(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
        `<sheets><sheet name="${escapeXml(sheetName.slice(0, 31))}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    ),
    'xl/_rels/workbook.xml.rels': strToU8(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>' +
        '</Relationships>',
    ),
    'xl/worksheets/sheet1.xml': strToU8(sheet),
  };
  // A fixed timestamp keeps the bytes reproducible for the same rows.
  return zipSync(files, { level: 6, mtime: new Date('2020-01-01T00:00:00Z') });
}

/** Text of a `<si>` or `<is>` element: all its `<t>` runs concatenated. */
function runText(xml: string): string {
  let text = '';
  for (const m of xml.matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>|<t(?:\s[^>]*)?\/>/g)) {
    text += unescapeXml(m[1] ?? '');
  }
  return text;
}

/**
 * Reads the first worksheet of an .xlsx as rows of strings (shared, inline and plain values).
 * Throws E_INPUT naming the file when it is not a readable workbook.
 */
export function readXlsxRows(bytes: Uint8Array, shown: string): string[][] {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) =>
        f.originalSize <= MAX_MEMBER_BYTES &&
        (f.name === 'xl/sharedStrings.xml' ||
          f.name === 'xl/workbook.xml' ||
          f.name === 'xl/_rels/workbook.xml.rels' ||
          f.name.startsWith('xl/worksheets/sheet')),
    });
  } catch (cause) {
    throw new AisfError('E_INPUT', `${shown} is not a valid .xlsx file (zip): re-save it`, {
      cause,
    });
  }
  let sheetPath = 'xl/worksheets/sheet1.xml';
  const workbook = files['xl/workbook.xml'];
  const rels = files['xl/_rels/workbook.xml.rels'];
  if (workbook && rels) {
    const rid = /<sheet\b[^>]*\br:id="([^"]+)"/.exec(strFromU8(workbook))?.[1];
    const target = rid
      ? new RegExp(`<Relationship\\b[^>]*Id="${rid}"[^>]*Target="([^"]+)"`).exec(strFromU8(rels))
      : null;
    const alt = rid
      ? new RegExp(`<Relationship\\b[^>]*Target="([^"]+)"[^>]*Id="${rid}"`).exec(strFromU8(rels))
      : null;
    const t = target?.[1] ?? alt?.[1];
    if (t) sheetPath = t.startsWith('/') ? t.slice(1) : `xl/${t}`;
  }
  const sheet = files[sheetPath];
  if (!sheet) {
    throw new AisfError(
      'E_INPUT',
      `${shown}: no worksheet found; export a fresh one with --export`,
    );
  }
  const shared: string[] = [];
  const sst = files['xl/sharedStrings.xml'];
  if (sst)
    for (const m of strFromU8(sst).matchAll(/<si>([\s\S]*?)<\/si>/g))
      shared.push(runText(m[1] ?? ''));
  const rows: string[][] = [];
  for (const rowMatch of strFromU8(sheet).matchAll(/<row\b[^>]*>([\s\S]*?)<\/row>/g)) {
    const rowNumber = Number(/\br="(\d+)"/.exec(rowMatch[0])?.[1] ?? rows.length + 1);
    if (rowNumber > MAX_CSV_ROWS) {
      throw new AisfError('E_INPUT', `${shown}: more than ${MAX_CSV_ROWS} rows; split the file`);
    }
    const row: string[] = [];
    for (const c of (rowMatch[1] ?? '').matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const attrs = c[1] ?? '';
      const body = c[2] ?? '';
      const ref = /\br="([A-Z]+)\d+"/.exec(attrs)?.[1];
      const col = ref ? columnIndex(ref) : row.length;
      const type = /\bt="([^"]+)"/.exec(attrs)?.[1];
      const v = /<v>([\s\S]*?)<\/v>/.exec(body)?.[1];
      let value = '';
      if (type === 's') value = shared[Number(v)] ?? '';
      else if (type === 'inlineStr') value = runText(body);
      else if (v !== undefined) value = unescapeXml(v);
      if (col > 16_384) continue; // beyond Excel's XFD column: ignore
      while (row.length < col) row.push('');
      row[col] = value;
    }
    while (rows.length < rowNumber - 1) rows.push([]);
    rows.push(row);
  }
  return rows;
}
