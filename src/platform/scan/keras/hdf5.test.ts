/**
 * The bounded HDF5 walker: every group, dataset and attribute of h5py-written files (both file
 * format generations), fallback to libhdf5 for dense storage, and no crash on mutated bytes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanFile } from '../scan.js';
import { BufferSource } from '../source.js';
import { ScanParseError } from '../types.js';
import { type H5Object, Hdf5Unsupported, walkHdf5 } from './hdf5.js';

const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));
const read = (rel: string) => new BufferSource(new Uint8Array(readFileSync(`${FIX}${rel}`)));

function walk(rel: string): H5Object[] {
  const out: H5Object[] = [];
  walkHdf5(read(rel), (o) => out.push(o));
  return out;
}

describe('walkHdf5', () => {
  it('reads the Keras 2 weights layout written by h5py (libver earliest and latest)', () => {
    for (const rel of ['benign/keras-weights.h5', 'benign/keras-weights-latest.h5']) {
      const objects = walk(rel);
      expect(objects.map((o) => `${o.kind} ${o.path}`).sort(), rel).toEqual([
        'dataset /dense/dense/bias:0',
        'dataset /dense/dense/kernel:0',
        'group /',
        'group /dense',
        'group /dense/dense',
      ]);
      const root = objects.find((o) => o.path === '/');
      // np.array([b'dense']) is a fixed-length string attribute; b'tensorflow' a vlen one
      expect(root?.attributes.find((a) => a.name === 'layer_names')?.strings).toEqual(['dense']);
      expect(root?.attributes.find((a) => a.name === 'backend')?.strings).toEqual(['tensorflow']);
      const dense = objects.find((o) => o.path === '/dense');
      expect(dense?.attributes[0]?.strings).toEqual(['dense/kernel:0', 'dense/bias:0']);
    }
  });

  it('decodes the root model_config and finds pickles in attributes, datasets and vlen data', () => {
    const config = walk('benign/dense.h5')[0]?.attributes.find((a) => a.name === 'model_config');
    expect(JSON.parse(config?.strings?.[0] ?? '').class_name).toBe('Sequential');
    const attr = walk('malicious/hdf5-pickled-attribute.h5')
      .flatMap((o) => o.attributes)
      .find((a) => a.name === 'custom_object');
    expect(attr?.blobs?.[0]?.subarray(0, 2)).toEqual(new Uint8Array([0x80, 4]));
    const vlen = walk('malicious/hdf5-pickled-vlen.h5').find((o) => o.path === '/objects');
    expect(vlen?.data?.[0]?.subarray(0, 2)).toEqual(new Uint8Array([0x80, 4]));
    const link = walk('malicious/hdf5-external-link.h5').flatMap((o) => o.links);
    expect(link).toEqual([{ name: 'extra', kind: 'external', target: '/etc/passwd:/x' }]);
  });

  it('hands dense (fractal-heap) attribute storage to libhdf5, which still finds the pickle', async () => {
    const own = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
    const bytes = new Uint8Array(readFileSync(own('dense-attrs-pickled.h5')));
    expect(() => walkHdf5(new BufferSource(bytes), () => {})).toThrow(Hdf5Unsupported);
    const result = await scanFile(own('dense-attrs-pickled.h5'));
    expect(result.findings.map((f) => [f.id, f.severity, f.location.member])).toContainEqual([
      'scan.pickle.import-denied',
      'critical',
      '/dense@custom_object',
    ]);
    expect((await scanFile(own('dense-attrs-benign.h5'))).verdict).toBe('clean');
  });

  it('rejects a truncated file (end-of-file address past the end)', () => {
    const bytes = new Uint8Array(readFileSync(`${FIX}benign/keras-weights.h5`));
    expect(() => walkHdf5(new BufferSource(bytes.subarray(0, bytes.length - 8)), () => {})).toThrow(
      ScanParseError,
    );
  });

  it('throws only ScanParseError or Hdf5Unsupported on mutated files, and stays bounded', () => {
    const seeds = [
      'benign/keras-weights.h5',
      'benign/keras-weights-latest.h5',
      'benign/dense.h5',
    ].map((rel) => new Uint8Array(readFileSync(`${FIX}${rel}`)));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        (which, edits) => {
          const bytes = (seeds[which] as Uint8Array).slice();
          for (const [pos, value] of edits) bytes[pos % bytes.length] = value;
          const started = performance.now();
          try {
            walkHdf5(new BufferSource(bytes), () => {}, { maxObjects: 10_000 });
          } catch (error) {
            if (!(error instanceof ScanParseError || error instanceof Hdf5Unsupported)) throw error;
          }
          expect(performance.now() - started).toBeLessThan(2000);
        },
      ),
      { numRuns: 1500, seed: 7 },
    );
  });
});
