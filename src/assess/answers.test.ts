import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { AisfError } from '../errors.js';
import {
  type Answer,
  answersToRows,
  loadAnswers,
  parseAnswersYaml,
  pinEvidence,
  rowsToAnswers,
  verifyEvidence,
} from './answers.js';
import type { ProcessCheck } from './checklist.js';
import { formatCsv, parseCsv } from './csv.js';
import { readXlsxRows, stripXmlInvalid, writeXlsx } from './xlsx.js';

const dir = mkdtempSync(join(tmpdir(), 'aisf-answers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

const CHECKS: ProcessCheck[] = [
  {
    id: 'capability.architecture.compliance-assessment',
    kind: 'capability',
    title: { zh: '合规性评估', en: 'Compliance assessment' },
    question: { zh: '问', en: 'Q, with "quotes"\nand a newline' },
    source: 'CAICT-AISF-2020 2(三)2(1)',
    capabilities: [],
    goals: [],
    risks: [],
  },
  {
    id: 'guideline.6-1-a',
    kind: 'guideline',
    title: { zh: '伦理', en: 'Ethics' },
    question: { zh: '问', en: 'Q' },
    source: 'TC260-AISGF-2024 6.1(a)',
    capabilities: [],
    goals: [],
    risks: [],
  },
];

const ANSWERS: Answer[] = [
  {
    check: 'capability.architecture.compliance-assessment',
    answer: 'yes',
    by: 'Li, "QA"',
    at: '2026-11-01',
    note: '=HYPERLINK("http://x") looks like a formula',
    evidence: [
      {
        file: 'a.md',
        sha256: 'a'.repeat(64),
        by: 'Li',
        at: '2026-11-01',
        expires: '2027-01-01',
        description: 'review',
      },
      { file: 'b, c.md' },
    ],
  },
  {
    check: 'guideline.6-1-a',
    answer: 'not-applicable',
    reason: 'no development in house',
    evidence: [],
  },
  { check: 'measure.gov.5-10', answer: 'no', evidence: [] }, // not in this checklist: kept
];

describe('answers files', () => {
  it('requires a reason for not-applicable and names the field', () => {
    const text = 'version: 1\nanswers:\n  - check: x\n    answer: not-applicable\n';
    expect(() => parseAnswersYaml(text, 'answers.yaml')).toThrow(
      /answers\[0\]\.reason: not-applicable needs a reason/,
    );
    expect(() =>
      parseAnswersYaml('version: 1\nanswers:\n  - { check: x, answer: maybe }\n', 'a.yaml'),
    ).toThrow(/answers\[0\]\.answer: must be one of "yes", "no", "partial", "not-applicable"/);
    expect(() =>
      parseAnswersYaml(
        'version: 1\nanswers:\n  - { check: x, answer: yes, evidence: [{ file: a, sha256: abc }] }\n',
        'a.yaml',
      ),
    ).toThrow(/sha256: must be 64 lowercase hex digits.*aisf assess checklist --pin/);
  });

  it('round-trips every field through CSV, formula cells guarded', () => {
    const csv = formatCsv(answersToRows(CHECKS, ANSWERS));
    expect(csv).toContain(`"'=HYPERLINK(""http://x"") looks like a formula"`);
    const back = rowsToAnswers(parseCsv(csv, 'c.csv'), 'c.csv');
    expect(back.answers).toEqual(ANSWERS);
  });

  it('round-trips every field through XLSX', () => {
    const bytes = writeXlsx(answersToRows(CHECKS, ANSWERS, 'zh'));
    const rows = readXlsxRows(bytes, 'c.xlsx');
    expect(rows[1]?.[2]).toBe('合规性评估');
    expect(rowsToAnswers(rows, 'c.xlsx').answers).toEqual(ANSWERS);
    const path = join(dir, 'c.xlsx');
    writeFileSync(path, bytes);
    expect(loadAnswers(path, 'c.xlsx').answers).toEqual(ANSWERS);
  });

  it('reads an xlsx with shared strings and rich-text runs, as spreadsheet programs save it', async () => {
    const { zipSync, strToU8 } = await import('fflate');
    const sheet =
      '<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3" t="str"><v>yes</v></c><c r="D3"><v>42</v></c></row></sheetData></worksheet>';
    const sst =
      '<sst><si><t>check</t></si><si><r><t>ans</t></r><r><t xml:space="preserve">wer</t></r></si><si><t>a &amp; b &#x4E2D;</t></si></sst>';
    const bytes = zipSync({
      'xl/worksheets/sheet1.xml': strToU8(sheet),
      'xl/sharedStrings.xml': strToU8(sst),
    });
    expect(readXlsxRows(bytes, 'x.xlsx')).toEqual([
      ['check', 'answer'],
      [],
      ['a & b 中', 'yes', '', '42'],
    ]);
  });

  it('verifies evidence: valid, unpinned, missing, changed, expired, and changed against the last run', async () => {
    writeFileSync(join(dir, 'ok.md'), 'ok');
    writeFileSync(join(dir, 'edited.md'), 'edited later');
    const answers: Answer[] = [
      {
        check: 'c1',
        answer: 'yes',
        evidence: [
          { file: 'ok.md', sha256: sha('ok') },
          { file: 'ok.md' },
          { file: 'gone.md', sha256: sha('x') },
          { file: 'edited.md', sha256: sha('original') },
          { file: 'ok.md', sha256: sha('ok'), expires: '2026-01-01' },
        ],
      },
      { check: 'c2', answer: 'yes', evidence: [{ file: 'edited.md' }] },
    ];
    const previous = new Map([[`c2\u0000edited.md`, sha('original')]]);
    const verified = await verifyEvidence(answers, dir, new Date('2026-06-01T00:00:00Z'), previous);
    expect(verified.map((v) => v.state)).toEqual([
      'valid',
      'unpinned',
      'missing',
      'changed',
      'expired',
      'changed',
    ]);
    expect(verified[0]?.actualSha256).toBe(sha('ok'));
    expect(verified[3]?.reason).toMatch(/edited\.md changed since it was pinned/);
    expect(verified[5]?.reason).toMatch(/changed since it was last assessed/);
  });

  it('pins missing hashes of files that exist', async () => {
    writeFileSync(join(dir, 'p.md'), 'pin me');
    const { file, pinned } = await pinEvidence(
      {
        version: 1,
        answers: [{ check: 'c', answer: 'yes', evidence: [{ file: 'p.md' }, { file: 'nope.md' }] }],
      },
      dir,
      new Date('2026-11-24T00:00:00Z'),
    );
    expect(pinned).toBe(1);
    expect(file.answers[0]?.evidence).toEqual([
      { file: 'p.md', sha256: sha('pin me'), at: '2026-11-24' },
      { file: 'nope.md' },
    ]);
  });
});

describe('CSV parser (untrusted input)', () => {
  it('handles quotes, CRLF, BOM and reports an unterminated quote with its line', () => {
    expect(parseCsv('\ufeffa,"b ""q"", c"\r\n1,"x\ny"\n\n')).toEqual([
      ['a', 'b "q", c'],
      ['1', 'x\ny'],
    ]);
    expect(() => parseCsv('a\n"open', 'f.csv')).toThrow(/f\.csv:2: unterminated quoted field/);
  });

  it('round-trips any table of strings (property)', () => {
    const cell = fc.string({ maxLength: 12 });
    fc.assert(
      fc.property(
        fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }),
        (rows) => {
          // A lone empty cell on a line is an empty line, which the reader drops by design.
          const table = rows.filter((r) => !(r.length === 1 && r[0] === ''));
          expect(parseCsv(formatCsv(table))).toEqual(table);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never crashes on arbitrary text: rows or an AisfError (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        try {
          expect(Array.isArray(parseCsv(text))).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(AisfError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('XLSX reader (untrusted input)', () => {
  it('rejects non-zip bytes and never crashes on arbitrary bytes (property)', () => {
    expect(() => readXlsxRows(new Uint8Array([1, 2, 3]), 'x.xlsx')).toThrow(AisfError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        try {
          readXlsxRows(bytes, 'x.xlsx');
        } catch (error) {
          expect(error).toBeInstanceOf(AisfError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips any table of strings (property)', () => {
    // XML 1.0 cannot carry most C0 controls; the writer drops them, so generate without them.
    const cell = fc.string({ maxLength: 10 }).map(stripXmlInvalid);
    fc.assert(
      fc.property(
        fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        (rows) => {
          const back = readXlsxRows(writeXlsx(rows), 'x.xlsx');
          // Trailing empty cells are not written (as in spreadsheet programs): compare trimmed rows.
          const trim = (r: string[]) => {
            const out = [...r];
            while (out.length && out[out.length - 1] === '') out.pop();
            return out;
          };
          expect(back.map(trim)).toEqual(rows.map(trim));
        },
      ),
      { numRuns: 200 },
    );
  });
});
