/**
 * @module .npy/.npz I/O: files written by NumPy (committed fixtures) read exactly, round trips for
 * every dtype, and fast-check fuzzing of the header parser (random and mutated bytes: a clean
 * E_DATA_INVALID or an array, never a crash or an oversized allocation).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AisfError } from '../../errors.js';
import { readNpy, readNpz, writeNpy, writeNpz } from './npy.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const LABELS = new Uint8Array(readFileSync(new URL('lenet.y.npy', FIXTURES)));

describe('readNpy / writeNpy', () => {
  it('reads NumPy-written float32, int64 and uint8 arrays', () => {
    const x = readNpy(readFileSync(new URL('lenet.x.npy', FIXTURES)));
    expect(x.shape).toEqual([4, 1, 14, 14]);
    expect(x.data).toBeInstanceOf(Float32Array);
    const y = readNpy(LABELS);
    expect(y.data).toBeInstanceOf(BigInt64Array);
    expect(y.shape).toEqual([4]);
    const img = readNpy(readFileSync(new URL('fashion-mnist.test-x.npy', FIXTURES)));
    expect(img.shape).toEqual([300, 1, 28, 28]);
    expect(img.data).toBeInstanceOf(Uint8Array);
    expect(Math.max(...(img.data as Uint8Array).subarray(0, 784))).toBeLessThanOrEqual(255);
  });

  it('round-trips every supported dtype, including 0-d and empty arrays', () => {
    const arrays = [
      { data: Float32Array.of(1.5, -2, 3.25, 0), shape: [2, 2] },
      { data: Float64Array.of(Math.PI), shape: [] },
      { data: BigInt64Array.of(-1n, 2n ** 40n), shape: [2] },
      { data: Int32Array.of(-7, 8, 9), shape: [3, 1] },
      { data: new Uint8Array([0, 255]), shape: [2] },
      { data: Int8Array.of(-128, 127), shape: [1, 2] },
      { data: new Float32Array(0), shape: [0, 3] },
    ];
    for (const a of arrays) {
      const bytes = writeNpy(a);
      // NumPy requires the header (incl. magic) to be a multiple of 64 bytes.
      const headerLen = new DataView(bytes.buffer).getUint16(8, true);
      expect((10 + headerLen) % 64).toBe(0);
      expect(readNpy(bytes)).toEqual(a);
    }
  });

  it('npz round trip and a NumPy-written archive', () => {
    const map = new Map([
      ['a', { data: Float32Array.of(1, 2), shape: [2] }],
      ['b/c', { data: BigInt64Array.of(3n), shape: [1] }],
    ]);
    expect(readNpz(writeNpz(map))).toEqual(map);
    const ref = readNpz(readFileSync(new URL('lenet.gw-ce-mean.npz', FIXTURES)));
    expect(ref.get('c1.weight')?.shape).toEqual([4, 1, 3, 3]);
  });

  it('rejects bad magic, Fortran order, unsupported dtypes and size mismatches', () => {
    const header = (h: string) => {
      const text = `${h}\n`;
      const out = new Uint8Array(10 + text.length);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
      new DataView(out.buffer).setUint16(8, text.length, true);
      out.set(new TextEncoder().encode(text), 10);
      return out;
    };
    const code = (b: Uint8Array) => {
      try {
        readNpy(b);
        return 'ok';
      } catch (e) {
        return e instanceof AisfError ? e.code : 'crash';
      }
    };
    expect(code(new Uint8Array(20))).toBe('E_DATA_INVALID');
    expect(code(header("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }"))).toBe(
      'E_DATA_INVALID',
    );
    expect(code(header("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }"))).toBe(
      'E_DATA_INVALID',
    );
    expect(
      code(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000000000), }")),
    ).toBe('E_DATA_INVALID');
    expect(code(header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"))).toBe(
      'E_DATA_INVALID',
    );
    expect(code(header("{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }"))).toBe('ok');
  });

  it('fuzz: random and mutated bytes decode or fail with E_DATA_INVALID', () => {
    const check = (bytes: Uint8Array) => {
      try {
        readNpy(bytes, { maxBytes: 1 << 20 });
      } catch (e) {
        expect(e).toBeInstanceOf(AisfError);
        expect((e as AisfError).code).toBe('E_DATA_INVALID');
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { seed: 5, numRuns: 1000 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(LABELS.length - 1), fc.integer({ min: 0, max: 255 })), {
          maxLength: 6,
        }),
        fc.nat(LABELS.length),
        (edits, cut) => {
          const b = LABELS.slice(0, cut);
          for (const [at, v] of edits) if (at < b.length) b[at] = v;
          check(b);
        },
      ),
      { seed: 6, numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        try {
          readNpz(bytes, { maxBytes: 1 << 20 });
        } catch (e) {
          expect((e as AisfError).code).toBe('E_DATA_INVALID');
        }
      }),
      { seed: 8, numRuns: 300 },
    );
  });
});
