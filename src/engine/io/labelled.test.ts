import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLabelledNpz } from './labelled.js';
import { writeNpz } from './npy.js';

const dir = mkdtempSync(join(tmpdir(), 'aisf-labelled-'));
function npz(
  name: string,
  arrays: Record<string, { data: ArrayLike<number> & object; shape: number[] }>,
) {
  const file = join(dir, name);
  writeFileSync(file, writeNpz(new Map(Object.entries(arrays)) as never));
  return file;
}

describe('readLabelledNpz', () => {
  it('maps uint8 pixels onto the range, keeps the first `limit` rows, reads class indices', () => {
    const file = npz('a.npz', {
      x: { data: Uint8Array.from([0, 255, 51, 102]), shape: [2, 2] },
      y: { data: BigInt64Array.from([3n, 1n]) as never, shape: [2] },
    });
    const all = readLabelledNpz(file, { range: { lo: -1, hi: 1 } });
    expect(Array.from(all.x.data)).toEqual([-1, 1, Math.fround(-0.6), Math.fround(-0.2)]);
    expect(Array.from(all.y)).toEqual([3, 1]);
    expect(all.sha256).toMatch(/^[0-9a-f]{64}$/);
    const one = readLabelledNpz(file, { limit: 1 });
    expect(one.x.shape).toEqual([1, 2]);
    expect(Array.from(one.y)).toEqual([3]);
  });

  it('takes the argmax of one-hot label rows', () => {
    const file = npz('b.npz', {
      x: { data: Float32Array.from([0.5, 0.25]), shape: [2, 1] },
      y: { data: Float32Array.from([0, 0, 1, 0.2, 0.7, 0.1]), shape: [2, 3] },
    });
    expect(Array.from(readLabelledNpz(file).y)).toEqual([2, 1]);
  });

  it('names the field, the file and the fix for every problem', () => {
    const file = npz('c.npz', {
      x: { data: Float32Array.from([1, 2]), shape: [2, 1] },
      y: { data: Float32Array.from([0.5, 1]), shape: [2] },
    });
    expect(() => readLabelledNpz(file, { field: '--data', shown: 'c.npz', x: 'img' })).toThrow(
      /--data: c\.npz has no array "img" \(arrays: x, y\); name the inputs with --x/,
    );
    expect(() => readLabelledNpz(file, { field: '--eval' })).toThrow(
      /--eval: label #0 .* is 0\.5; labels must be non-negative class indices/,
    );
    expect(() => readLabelledNpz(join(dir, 'none.npz'), { field: '--train' })).toThrow(
      /--train: .*none\.npz does not exist/,
    );
  });
});
