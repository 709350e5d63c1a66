import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AisfError } from '../../errors.js';
import { CsvParser, parseCsv, streamCsv } from './csv.js';

/** RFC 4180 writer used as the oracle for round trips. */
function toCsv(rows: string[][]): string {
  return rows
    .map((r) =>
      r.map((f) => (/[",\r\n]/.test(f) || f === '' ? `"${f.replace(/"/g, '""')}"` : f)).join(','),
    )
    .join('\r\n');
}

describe('CSV parser', () => {
  it('parses quotes, doubled quotes, CRLF and quoted newlines', () => {
    expect(parseCsv('a,"b,c"\r\n"x ""y""","1\n2"\n3,\n')).toEqual([
      ['a', 'b,c'],
      ['x "y"', '1\n2'],
      ['3', ''],
    ]);
  });
  it('skips blank lines and keeps a final line without newline', () => {
    expect(parseCsv('a,b\n\n1,2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });
  it('rejects malformed quoting with E_DATA_INVALID and a line', () => {
    expect(() => parseCsv('a,b\n1,"2')).toThrow(/unterminated/);
    expect(() => parseCsv('a,b\n1,"2"x')).toThrow(/after a closing quote/);
    expect(() => parseCsv('a,b"c')).toThrow(AisfError);
  });
  it('enforces the field and column limits', () => {
    expect(() => parseCsv(`${'x'.repeat(100)}`, { maxFieldLength: 10 })).toThrow(/too long/);
    expect(() => parseCsv('a,b,c,d', { maxColumns: 3 })).toThrow(/more than 3 columns/);
  });

  it('round-trips any table, however the text is split into chunks (property)', () => {
    const field = fc.string({
      unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', '字'),
      maxLength: 6,
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(40), { maxLength: 5 }),
        (rows, cuts) => {
          const text = toCsv(rows);
          const out: string[][] = [];
          const parser = new CsvParser((r) => out.push(r));
          let last = 0;
          for (const cut of [...cuts].sort((a, b) => a - b)) {
            const at = Math.min(cut, text.length);
            parser.push(text.slice(last, at));
            last = Math.max(last, at);
          }
          parser.push(text.slice(last));
          parser.end();
          expect(out).toEqual(rows);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never crashes with anything but AisfError on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseCsv(text, { maxFieldLength: 50, maxColumns: 20 });
        } catch (error) {
          expect(error).toBeInstanceOf(AisfError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('streamCsv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisf-csv-'));
  it('streams a file larger than one chunk and checks field counts', async () => {
    const file = join(dir, 'big.csv');
    const lines = ['\ufeffa,b'];
    for (let i = 0; i < 20_000; i++) lines.push(`${i},"v ${i}"`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    let header: string[] = [];
    let sum = 0;
    const n = await streamCsv(
      file,
      (h) => {
        header = h;
      },
      (row) => {
        sum += Number(row[0]);
      },
    );
    expect(header).toEqual(['a', 'b']);
    expect(n).toBe(20_000);
    expect(sum).toBe((19_999 * 20_000) / 2);
  });
  it('rejects a row with the wrong number of fields, naming the line', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'a,b\n1,2\n3\n');
    await expect(
      streamCsv(
        file,
        () => {},
        () => {},
      ),
    ).rejects.toMatchObject({
      code: 'E_DATA_INVALID',
      location: { line: 3 },
    });
  });
  it('reports a missing file as E_FILE_NOT_FOUND', async () => {
    await expect(
      streamCsv(
        join(dir, 'nope.csv'),
        () => {},
        () => {},
      ),
    ).rejects.toMatchObject({
      code: 'E_FILE_NOT_FOUND',
    });
  });
});
