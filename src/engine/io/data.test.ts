/**
 * @module CSV and image-folder readers: exact values on hand-made inputs, errors naming the row
 * and column, and fast-check fuzzing of the CSV parser and the image decoders.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { AisfError } from '../../errors.js';
import { parseCsv, readCsv } from './csv.js';
import { batches, decodeImage, imageFolderBatches } from './images.js';

describe('CSV', () => {
  it('parses RFC 4180 quoting, escaped quotes and CRLF', () => {
    expect(parseCsv('a,b\r\n1,"x,""y"""\r\n\n2,\n')).toEqual([
      ['a', 'b'],
      ['1', 'x,"y"'],
      ['2', ''],
    ]);
  });

  it('reads numbers, one-hot categories and labels by schema', () => {
    const text = 'age,city,id,label\n30,bj,a,yes\n41.5,sh,b,no\n22,bj,c,yes\n';
    const d = readCsv(text, {
      columns: [
        { name: 'age', type: 'number' },
        { name: 'city', type: 'category' },
        { name: 'id', type: 'ignore' },
      ],
      label: 'label',
    });
    expect(d.features).toEqual(['age', 'city=bj', 'city=sh']);
    expect(Array.from(d.x.data)).toEqual([30, 1, 0, 41.5, 0, 1, 22, 1, 0]);
    expect(d.x.shape).toEqual([3, 3]);
    expect(Array.from(d.y?.data ?? [])).toEqual([0n, 1n, 0n]);
    expect(d.classes).toEqual(['yes', 'no']);
  });

  it('names the row and column of a bad cell', () => {
    const schema = { columns: [{ name: 'a', type: 'number' as const }] };
    expect(() => readCsv('a\n1\nx\n', schema, { source: 'd.csv' })).toThrow(
      /d\.csv row 3: column "a" is "x", not a number/,
    );
    expect(() => readCsv('b\n1\n', schema)).toThrow(
      /column "a" of the schema is not in the header/,
    );
    expect(() => parseCsv('"open')).toThrow(/not closed/);
    expect(() => parseCsv('a,b,c', { maxColumns: 2 })).toThrow(/more than 2 columns/);
  });

  it('fuzz: the parser never crashes and round-trips quoted fields', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        try {
          parseCsv(s);
        } catch (e) {
          expect((e as AisfError).code).toBe('E_DATA_INVALID');
        }
      }),
      { seed: 3, numRuns: 1000 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 4 }), {
          minLength: 1,
          maxLength: 5,
        }),
        (rows) => {
          const text = rows
            .map((r) => r.map((f) => `"${f.replace(/"/g, '""')}"`).join(','))
            .join('\n');
          expect(parseCsv(text)).toEqual(rows);
        },
      ),
      { seed: 4, numRuns: 300 },
    );
  });
});

function png(
  w: number,
  h: number,
  rgb: (x: number, y: number) => [number, number, number],
): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [r, g, b] = rgb(x, y);
      p.data.set([r, g, b, 255], (y * w + x) * 4);
    }
  return PNG.sync.write(p);
}

describe('images', () => {
  it('reads an ImageFolder tree into NCHW float32 with labels', async () => {
    const root = mkdtempSync(join(tmpdir(), 'aisf-img-'));
    mkdirSync(join(root, 'cat'));
    mkdirSync(join(root, 'dog'));
    writeFileSync(
      join(root, 'cat', 'a.png'),
      png(3, 2, (x, y) => [x * 100, y * 200, 7]),
    );
    writeFileSync(
      join(root, 'dog', 'b.png'),
      png(3, 2, () => [255, 0, 0]),
    );
    const raw = new Uint8Array(3 * 2 * 4).fill(128);
    writeFileSync(
      join(root, 'dog', 'c.jpg'),
      jpeg.encode({ width: 3, height: 2, data: raw }, 95).data,
    );
    writeFileSync(join(root, 'dog', 'notes.txt'), 'ignored');
    const out = [];
    for await (const b of imageFolderBatches(root, 2, { channels: 3 })) out.push(b);
    expect(out.map((b) => b.x.shape)).toEqual([
      [2, 3, 2, 3],
      [1, 3, 2, 3],
    ]);
    expect(out[0]?.classes).toEqual(['cat', 'dog']);
    expect(Array.from(out[0]?.y.data ?? [])).toEqual([0n, 1n]);
    const first = out[0]?.x.data as Float32Array;
    // cat/a.png: R plane = x·100/255, G plane = y·200/255, B = 7/255
    expect(first[1]).toBeCloseTo(100 / 255, 6);
    expect(first[6 + 3]).toBeCloseTo(200 / 255, 6);
    expect(first[12]).toBeCloseTo(7 / 255, 6);
    // JPEG of flat grey 128: lossy, within 2/255
    const grey = out[1]?.x.data as Float32Array;
    for (const v of grey) expect(Math.abs(v - 128 / 255)).toBeLessThan(2 / 255);
    const gray = [];
    for await (const b of imageFolderBatches(root, 8, { channels: 1, size: [4, 6] })) gray.push(b);
    expect(gray[0]?.x.shape).toEqual([3, 1, 4, 6]);
    // dog/b.png pure red → luma 0.299
    expect(gray[0]?.x.data[24]).toBeCloseTo(0.299, 5);
  });

  it('refuses oversized and malformed images with E_DATA_INVALID (fuzzed)', () => {
    const huge = png(2, 2, () => [0, 0, 0]);
    huge.writeUInt32BE(100_000, 16);
    huge.writeUInt32BE(100_000, 20);
    expect(() => decodeImage(huge)).toThrow(/exceeds/);
    const valid = new Uint8Array(png(4, 4, (x, y) => [x, y, x + y]));
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.nat(255)), { maxLength: 4 }),
        (noise, edits) => {
          for (const bytes of [
            noise,
            Uint8Array.of(0x89, 0x50, 0x4e, 0x47, ...noise),
            Uint8Array.of(0xff, 0xd8, ...noise),
          ]) {
            try {
              decodeImage(bytes);
            } catch (e) {
              expect(e).toBeInstanceOf(AisfError);
            }
          }
          const m = valid.slice();
          for (const [at, v] of edits) m[at] = v;
          try {
            decodeImage(m);
          } catch (e) {
            expect(e).toBeInstanceOf(AisfError);
          }
        },
      ),
      { seed: 9, numRuns: 300 },
    );
  });

  it('batches() splits tensors into views', () => {
    const x = { data: Float32Array.from({ length: 10 }, (_, i) => i), shape: [5, 2] };
    const y = { data: BigInt64Array.of(0n, 1n, 2n, 3n, 4n), shape: [5] };
    const got = [...batches(x, y, 2)];
    expect(got.map((b) => b.x.shape[0])).toEqual([2, 2, 1]);
    expect(Array.from(got[2]?.x.data ?? [])).toEqual([8, 9]);
    expect(Array.from(got[1]?.y?.data ?? [])).toEqual([2n, 3n]);
  });
});
