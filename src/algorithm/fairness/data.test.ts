import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AisfError } from '../../errors.js';
import { binaryLabelParser, loadPredictions } from './data.js';

const dir = mkdtempSync(join(tmpdir(), 'aisf-fair-data-'));

describe('binary labels', () => {
  it('accepts 0/1, true/false, yes/no and a named positive label', () => {
    const parse = binaryLabelParser('y');
    expect(['1', '0', 'TRUE', 'false', 'yes', 'No', '-1'].map((v) => parse(v, 2))).toEqual([
      1, 0, 1, 0, 1, 0, 0,
    ]);
    const named = binaryLabelParser('deny', 'approved');
    expect(named('approved', 2)).toBe(1);
    expect(named('rejected', 3)).toBe(0);
    expect(() => named('pending', 4)).toThrow(/not binary/);
  });
  it('returns 0/1 or throws E_DATA_INVALID for any input (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 40 }), { maxLength: 20 }),
        fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
        (values, pos) => {
          const parse = binaryLabelParser('col', pos);
          for (const v of values) {
            try {
              expect([0, 1]).toContain(parse(v, 1));
            } catch (error) {
              expect(error).toBeInstanceOf(AisfError);
              expect((error as AisfError).code).toBe('E_DATA_INVALID');
              // No payloads in messages: a cell is quoted at most 24 characters long.
              expect((error as AisfError).message.length).toBeLessThan(260);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('loadPredictions', () => {
  it('never fails with anything but an AisfError on arbitrary CSV text (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({
          unit: fc.constantFrom('0', '1', ',', '\n', '"', 'a', 'y', 'p', 'g', '_'),
          maxLength: 80,
        }),
        async (body) => {
          const file = join(dir, 'fuzz.csv');
          writeFileSync(file, `y,p,g\n${body}`);
          try {
            const { table, rows } = await loadPredictions(file, {
              label: 'y',
              pred: 'p',
              sensitive: ['g'],
            });
            const total = table.groups.reduce(
              (a, g) => a + g.confusion.reduce((x, z) => x + z, 0),
              0,
            );
            expect(total).toBe(rows);
          } catch (error) {
            expect(error).toBeInstanceOf(AisfError);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
  it('rejects scores outside [0, 1] and empty sensitive values, naming the column', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'y,p,s,g\n1,1,1.5,a\n');
    await expect(
      loadPredictions(file, { label: 'y', pred: 'p', score: 's', sensitive: ['g'] }),
    ).rejects.toThrow(/column "s" has "1.5"; scores must be probabilities/);
    writeFileSync(file, 'y,p,g\n1,1,\n');
    await expect(
      loadPredictions(file, { label: 'y', pred: 'p', sensitive: ['g'] }),
    ).rejects.toThrow(/column "g" is empty/);
  });
});
