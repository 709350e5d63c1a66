/**
 * @module ONNX reader tests: round trips of PyTorch-exported files, fast-check fuzzing of the
 * decoder (random and mutated bytes: a clean E_MODEL_INVALID or a model, never a crash or hang),
 * the checker's SSA/topology/op checks, and the safety checks loadModel enforces.
 */
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AisfError } from '../../errors.js';
import { loadModel } from '../model.js';
import {
  checkModel,
  DATA_TYPE,
  decodeModel,
  encodeModel,
  isSafeExternalLocation,
  type ModelProto,
  scanOnnxModel,
  tensorToArray,
} from './index.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, FIXTURES)));
const LENET = fixture('lenet.onnx');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof AisfError) return error.code;
    throw error;
  }
}

async function asyncCode(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
    return undefined;
  } catch (error) {
    if (error instanceof AisfError) return error.code;
    throw error;
  }
}

describe('decodeModel / encodeModel', () => {
  it('reads a PyTorch export: opset, ops, initializers and weights', () => {
    const m = decodeModel(LENET);
    expect(m.irVersion).toBe(7);
    expect(m.opsetImport).toEqual([{ domain: '', version: 13 }]);
    expect(m.producerName).toBe('pytorch');
    expect(m.graph?.node.map((n) => n.opType)).toContain('Conv');
    const w = m.graph?.initializer.find((t) => t.name === 'c1.weight');
    expect(w?.dims).toEqual([4, 1, 3, 3]);
    expect(tensorToArray(w as NonNullable<typeof w>)).toHaveLength(36);
    expect(m.graph?.input[0]?.shape).toEqual(['batch', 1, 14, 14]);
  });

  it('round-trips every fixture: decode(encode(decode(b))) equals decode(b)', () => {
    for (const name of ['mlp', 'lenet', 'resblock', 'dwsep']) {
      const m = decodeModel(fixture(`${name}.onnx`));
      expect(decodeModel(encodeModel(m))).toEqual(m);
    }
  });

  it('keeps unknown fields byte-for-byte', () => {
    const m = decodeModel(LENET);
    // field 99 = varint 7: unknown to the decoder
    m.unknown.push(new BinaryWriter().tag(99, WireType.Varint).int32(7).finish());
    const again = decodeModel(encodeModel(m));
    expect(again.unknown).toEqual(m.unknown);
  });

  it('rejects empty, truncated and over-limit input with E_MODEL_INVALID', () => {
    expect(codeOf(() => decodeModel(new Uint8Array()))).toBe('E_MODEL_INVALID');
    expect(codeOf(() => decodeModel(LENET.subarray(0, LENET.length - 7)))).toBe('E_MODEL_INVALID');
    expect(codeOf(() => decodeModel(LENET, { maxBytes: 100 }))).toBe('E_MODEL_INVALID');
  });

  it('bounds subgraph nesting depth (stack-exhaustion DoS)', () => {
    // GraphProto nested through If.then_branch 40 deep.
    let graph: NonNullable<ModelProto['graph']> = {
      name: 'leaf',
      node: [],
      initializer: [],
      input: [],
      output: [],
      valueInfo: [],
      docString: '',
      unknown: [],
    };
    for (let i = 0; i < 40; i++) {
      graph = {
        ...graph,
        name: `g${i}`,
        node: [
          {
            name: `if${i}`,
            opType: 'If',
            domain: '',
            input: [],
            output: [],
            docString: '',
            unknown: [],
            attribute: [
              {
                name: 'then_branch',
                type: 5,
                g: graph,
                floats: [],
                ints: [],
                strings: [],
                tensors: [],
                graphs: [],
                refAttrName: '',
                docString: '',
                unknown: [],
              },
            ],
          },
        ],
      };
    }
    const m = { ...decodeModel(LENET), graph };
    expect(codeOf(() => decodeModel(encodeModel(m)))).toBe('E_MODEL_INVALID');
    expect(decodeModel(encodeModel(m), { maxDepth: 64 }).graph?.name).toBe('g39');
  });

  it('fuzz: random bytes never crash the decoder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const code = codeOf(() => decodeModel(bytes));
        expect(code === undefined || code === 'E_MODEL_INVALID').toBe(true);
      }),
      { seed: 7, numRuns: 2000 },
    );
  });

  it('fuzz: mutated and truncated PyTorch models decode or fail cleanly, through the safety scan and the checker', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(LENET.length - 1), fc.integer({ min: 0, max: 255 })), {
          maxLength: 8,
        }),
        fc.nat(LENET.length),
        (edits, cut) => {
          const bytes = LENET.slice(0, Math.max(1, cut));
          for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
          const code = codeOf(() => {
            const m = decodeModel(bytes);
            expect(Array.isArray(scanOnnxModel(m))).toBe(true);
            checkModel(m);
          });
          expect(code === undefined || code === 'E_MODEL_INVALID').toBe(true);
        },
      ),
      { seed: 11, numRuns: 500 },
    );
  });
});

function mutate(fn: (m: ModelProto) => void): ModelProto {
  const m = decodeModel(LENET);
  fn(m);
  return m;
}

describe('checkModel', () => {
  it('accepts the PyTorch fixtures', () => {
    for (const name of ['mlp', 'lenet', 'resblock', 'dwsep'])
      checkModel(decodeModel(fixture(`${name}.onnx`)));
  });

  const cases: [string, (m: ModelProto) => void, RegExp][] = [
    [
      'use before definition (cycle / wrong order)',
      (m) => m.graph?.node.reverse(),
      /not defined before this node/,
    ],
    [
      'a value defined twice (not SSA)',
      (m) => {
        const [a, b] = m.graph?.node ?? [];
        if (a && b) b.output[0] = a.output[0] as string;
      },
      /defined twice/,
    ],
    [
      'an unknown op',
      (m) => {
        const n = m.graph?.node[1];
        if (n) n.opType = 'Frobnicate';
      },
      /"Frobnicate" is not an ONNX operator/,
    ],
    [
      'an opset out of range',
      (m) => {
        (m.opsetImport[0] as { version: number }).version = 99;
      },
      /opset 99/,
    ],
    [
      'an undefined graph output',
      (m) => {
        const o = m.graph?.output[0];
        if (o) o.name = 'nowhere';
      },
      /never produced/,
    ],
    [
      'an ir_version out of range',
      (m) => {
        m.irVersion = 1;
      },
      /ir_version 1/,
    ],
  ];
  for (const [what, fn, message] of cases) {
    it(`rejects ${what} with E_MODEL_INVALID naming the reason`, () => {
      const m = mutate(fn);
      expect(() => checkModel(m, { source: 'x.onnx' })).toThrow(message);
      expect(codeOf(() => checkModel(m))).toBe('E_MODEL_INVALID');
    });
  }

  it('names the node in the message', () => {
    const m = mutate((x) => x.graph?.node.reverse());
    expect(() => checkModel(m)).toThrow(/at node "\/?[^"]*" \(\w+, #0\)/);
  });
});

describe('safety checks and loadModel', () => {
  it('flags custom domains, Python ops, bad external paths and size mismatches', () => {
    const m = mutate((x) => {
      const [a, b] = x.graph?.node ?? [];
      if (a) a.domain = 'com.evil';
      if (b) b.opType = 'PyOp';
      const [w, bias, w2] = x.graph?.initializer ?? [];
      if (w) {
        w.dataLocation = 1;
        w.externalData = [{ key: 'location', value: '../../etc/passwd' }];
      }
      if (bias) bias.dims = [1000];
      if (w2) w2.dims = [1e9, 1e9];
    });
    const ids = scanOnnxModel(m)
      .map((f) => f.id)
      .sort();
    expect(ids).toEqual([
      'scan.onnx.custom-domain',
      'scan.onnx.external-data-path',
      'scan.onnx.python-op',
      'scan.onnx.tensor-size-mismatch',
      'scan.onnx.tensor-too-large',
    ]);
    expect(scanOnnxModel(decodeModel(LENET))).toEqual([]);
  });

  it('external locations: relative inside the folder only', () => {
    expect(isSafeExternalLocation('weights.bin')).toBe(true);
    expect(isSafeExternalLocation('sub/w.bin')).toBe(true);
    expect(isSafeExternalLocation('a/../w.bin')).toBe(true);
    for (const bad of [
      '',
      '/etc/passwd',
      '../w.bin',
      'a/../../w.bin',
      'C:\\w.bin',
      '\\\\server\\w',
      'w\0.bin',
    ])
      expect(isSafeExternalLocation(bad)).toBe(false);
  });

  it('loadModel refuses an unsafe model with E_MODEL_UNSAFE unless trusted', async () => {
    const m = mutate((x) => {
      const b = x.graph?.initializer[1];
      if (b) b.dims = [9999];
    });
    expect(await asyncCode(() => loadModel(encodeModel(m)))).toBe('E_MODEL_UNSAFE');
    // trusted skips the safety scan, but the checker still refuses the inconsistent tensor
    expect(await asyncCode(() => loadModel(encodeModel(m), { trusted: true }))).toBe(
      'E_MODEL_INVALID',
    );
  });

  it('reads external data inside the folder and refuses paths that escape it (incl. symlinks)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisf-ext-'));
    const outside = mkdtempSync(join(tmpdir(), 'aisf-out-'));
    const base = decodeModel(LENET);
    const w = base.graph?.initializer.find((t) => t.name === 'c1.weight');
    if (!w?.rawData) throw new Error('fixture changed');
    writeFileSync(join(dir, 'w.bin'), Buffer.concat([Buffer.alloc(16), Buffer.from(w.rawData)]));
    writeFileSync(join(outside, 'w.bin'), Buffer.from(w.rawData));
    symlinkSync(join(outside, 'w.bin'), join(dir, 'link.bin'));
    const external = (location: string, offset = '0') =>
      mutate((m) => {
        const t = m.graph?.initializer.find((x) => x.name === 'c1.weight');
        if (!t) return;
        delete t.rawData;
        t.dataLocation = 1;
        t.externalData = [
          { key: 'location', value: location },
          { key: 'offset', value: offset },
        ];
      });
    writeFileSync(join(dir, 'ok.onnx'), encodeModel(external('w.bin', '16')));
    const model = await loadModel(join(dir, 'ok.onnx'), { threads: 1 });
    expect(model.weights().get('c1.weight')?.data).toEqual(tensorToArray(w));
    await model.release();
    writeFileSync(join(dir, 'escape.onnx'), encodeModel(external('../w.bin')));
    expect(await asyncCode(() => loadModel(join(dir, 'escape.onnx')))).toBe('E_MODEL_UNSAFE');
    writeFileSync(join(dir, 'link.onnx'), encodeModel(external('link.bin')));
    expect(await asyncCode(() => loadModel(join(dir, 'link.onnx')))).toBe('E_MODEL_UNSAFE');
    writeFileSync(join(dir, 'short.onnx'), encodeModel(external('w.bin', '100')));
    expect(await asyncCode(() => loadModel(join(dir, 'short.onnx')))).toBe('E_MODEL_INVALID');
    expect(await asyncCode(() => loadModel(encodeModel(external('w.bin'))))).toBe(
      'E_MODEL_INVALID',
    );
  });

  it('a missing file is E_FILE_NOT_FOUND', async () => {
    expect(await asyncCode(() => loadModel('/nonexistent/m.onnx'))).toBe('E_FILE_NOT_FOUND');
  });

  it('exposes inputs, outputs and types', async () => {
    const model = await loadModel(LENET);
    expect(model.inputs).toEqual([{ name: 'input', shape: ['batch', 1, 14, 14], type: 'float32' }]);
    expect(model.outputs).toEqual([{ name: 'logits', shape: ['batch', 10], type: 'float32' }]);
    expect(DATA_TYPE.FLOAT).toBe(1);
    await model.release();
  });
});
