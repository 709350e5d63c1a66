/**
 * The symbolic pickle machine against CPython's documented opcode semantics (pickletools,
 * Lib/pickle.py): hand-assembled streams whose meaning is known, not values the code produced.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScanParseError } from '../types.js';
import { type MachineHooks, runPickle, type Value } from './machine.js';
import { resolveImport } from './policy.js';

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const LIMITS = { maxOps: 100_000, maxMemo: 100_000 };

function run(bytes: Uint8Array) {
  const imports: string[] = [];
  const constImports: boolean[] = [];
  const calls: string[] = [];
  const anomalies: string[] = [];
  const hooks: MachineHooks = {
    onImport(m, n, _o, _op, constant) {
      imports.push(`${m}.${n}`);
      constImports.push(constant);
    },
    onCall(fn) {
      calls.push(fn.t === 'global' ? fn.full : fn.t);
    },
    onBuild() {},
    onPersistentId() {},
    onAnomaly(id) {
      anomalies.push(id);
    },
  };
  const res = runPickle(bytes, 0, hooks, LIMITS);
  return { res, imports, constImports, calls, anomalies };
}

function plain(v: Value | undefined): unknown {
  if (!v) return undefined;
  switch (v.t) {
    case 'int':
    case 'bool':
    case 'float':
    case 'str':
      return v.v;
    case 'none':
      return null;
    case 'list':
    case 'tuple':
    case 'set':
      return v.items.map(plain);
    case 'dict':
      return v.items.map(([k, x]) => [plain(k), plain(x)]);
    case 'bytes':
      return [...v.v];
    default:
      return v.t;
  }
}

describe('pickle machine: values', () => {
  it('decodes pickle.dumps({"a": [1, 2.5, None, True]}, protocol=0)', () => {
    // Python 3.11: pickle.dumps({'a': [1, 2.5, None, True]}, 0)
    const bytes = enc('(dp0\nVa\np1\n(lp2\nI1\naF2.5\naNaI01\nas.');
    expect(plain(run(bytes).res.value)).toEqual([['a', [1, 2.5, null, true]]]);
  });
  it('decodes protocol 2 ints of every width and LONG1', () => {
    // (1, 300, 70000, -1, 2**40) → K\x01 M,\x01 Jp\x11\x01\x00 J\xff\xff\xff\xff \x8a\x06\x00\x00\x00\x00\x00\x01
    const bytes = new Uint8Array([
      0x80, 2, 0x28, 0x4b, 1, 0x4d, 0x2c, 1, 0x4a, 0x70, 0x11, 1, 0, 0x4a, 0xff, 0xff, 0xff, 0xff,
      0x8a, 6, 0, 0, 0, 0, 0, 1, 0x74, 0x2e,
    ]);
    expect(plain(run(bytes).res.value)).toEqual([1, 300, 70000, -1, 2 ** 40]);
  });
  it('BINFLOAT is big-endian IEEE 754 (1.5 = 3ff8000000000000)', () => {
    const bytes = new Uint8Array([0x80, 2, 0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0x2e]);
    expect(plain(run(bytes).res.value)).toBe(1.5);
  });
  it('MARK starts a new stack frame: POP on an empty frame pops the mark (pickle.py load_pop)', () => {
    const bytes = enc('K\x01(0.');
    expect(plain(run(new Uint8Array([0x4b, 1, 0x28, 0x30, 0x2e])).res.value)).toBe(1);
    expect(bytes.length).toBe(5);
  });
});

describe('pickle machine: memo and imports', () => {
  it('MEMOIZE uses len(memo), which a sparse PUT shifts (picklescan#14 memo confusion)', () => {
    // PUT 5 'x'; MEMOIZE 'os' → key len(memo)=1; MEMOIZE 'system' → key 2; GET 1, GET 2, STACK_GLOBAL
    const b = [
      0x80,
      4,
      0x8c,
      1,
      0x78,
      0x71,
      5,
      0x30,
      0x8c,
      2,
      ...enc('os'),
      0x94,
      0x30,
      0x8c,
      6,
      ...enc('system'),
      0x94,
      0x30,
      0x68,
      1,
      0x68,
      2,
      0x93,
      0x2e,
    ];
    const { imports, constImports } = run(new Uint8Array(b));
    expect(imports).toEqual(['os.system']);
    expect(constImports).toEqual([true]);
  });
  it('a missing memo key fails like the unpickler (KeyError), after earlier imports were seen', () => {
    const b = [...enc('cos\nsystem\n'), 0x68, 9, 0x2e];
    const hooks = { imports: [] as string[] };
    expect(() =>
      runPickle(
        new Uint8Array(b),
        0,
        {
          onImport: (m, n) => hooks.imports.push(`${m}.${n}`),
          onCall() {},
          onBuild() {},
          onPersistentId() {},
          onAnomaly() {},
        },
        LIMITS,
      ),
    ).toThrow(ScanParseError);
    expect(hooks.imports).toEqual(['os.system']);
  });
  it('STACK_GLOBAL with a computed operand is reported as non-constant', () => {
    // module = _codecs.encode('os','latin1') (a call result), name = 'system'
    const b = [
      0x80,
      4,
      0x8c,
      7,
      ...enc('_codecs'),
      0x8c,
      6,
      ...enc('encode'),
      0x93,
      0x8c,
      2,
      ...enc('os'),
      0x8c,
      6,
      ...enc('latin1'),
      0x86,
      0x52,
      0x8c,
      6,
      ...enc('system'),
      0x93,
      0x2e,
    ];
    const { imports, constImports } = run(new Uint8Array(b));
    expect(imports).toEqual(['_codecs.encode', '<call>.system']);
    expect(constImports).toEqual([true, false]);
  });
  it('INST and OBJ are calls; EXT1 is a non-constant import', () => {
    expect(run(enc("(S'id'\nisubprocess\ncheck_output\n.")).calls).toEqual([
      'subprocess.check_output',
    ]);
    expect(run(enc("(cos\nsystem\nS'id'\no.")).calls).toEqual(['os.system']);
    expect(run(new Uint8Array([0x80, 2, 0x82, 1, 0x29, 0x52, 0x2e])).constImports).toEqual([false]);
  });
  it('maps Python 2 names for protocols < 3 only (CPython _compat_pickle)', () => {
    expect(resolveImport('__builtin__', 'eval', 2)).toBe('builtins.eval');
    expect(resolveImport('copy_reg', '_reconstructor', 0)).toBe('copyreg._reconstructor');
    expect(resolveImport('__builtin__', 'xrange', 2)).toBe('builtins.range');
    expect(resolveImport('copy_reg', '_reconstructor', 4)).toBe('copy_reg._reconstructor');
  });
  it('flags a payload left on the stack and a discarded call result', () => {
    const left = run(enc("cos\nsystem\n(S'id'\ntR}."));
    expect(left.anomalies).toContain('scan.pickle.leftover-stack');
    const popped = run(enc("cos\nsystem\n(S'id'\ntR0}."));
    expect(popped.anomalies).toContain('scan.pickle.discarded-call');
  });
});

describe('pickle machine: bounds', () => {
  it('rejects truncated streams, bad opcodes and protocols above 5', () => {
    for (const b of [
      enc('cos\nsys'),
      new Uint8Array([0x80, 2, 0x58, 0xff, 0xff, 0, 0]),
      new Uint8Array([0xff]),
      new Uint8Array([0x80, 6, 0x2e]),
      new Uint8Array([0x80, 4, 0x8e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
    ]) {
      expect(() => run(b)).toThrow(ScanParseError);
    }
  });
  it('caps opcodes and memo entries', () => {
    const many = new Uint8Array(200_001).fill(0x4e);
    expect(() => run(many)).toThrow(/opcodes/);
    const memo: number[] = [0x4e];
    for (let i = 0; i < 100_001; i++)
      memo.push(0x72, i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff, 0);
    expect(() =>
      runPickle(
        new Uint8Array(memo),
        0,
        { onImport() {}, onCall() {}, onBuild() {}, onPersistentId() {}, onAnomaly() {} },
        { maxOps: 1e6, maxMemo: 100_000 },
      ),
    ).toThrow(/memo/);
  });
  it('never throws anything but ScanParseError on random bytes, and stays within the opcode bound', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          run(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(ScanParseError);
        }
      }),
      { numRuns: 3000, seed: 7 },
    );
  });
  it('memo expansion (billion laughs) costs memory linear in the input, not the expansion', () => {
    // [] memoized, then 20 levels of "list of 10 copies of the previous": 10^20 leaves if expanded
    const b: number[] = [0x80, 4, 0x5d, 0x94];
    for (let level = 0; level < 20; level++) {
      b.push(0x28);
      for (let i = 0; i < 10; i++) b.push(0x6a, level & 0xff, 0, 0, 0);
      b.push(0x6c, 0x94);
    }
    b.push(0x2e);
    const before = process.memoryUsage().heapUsed;
    const { res } = run(new Uint8Array(b));
    expect(res.complete).toBe(true);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
  });
});
