/** SavedModel op policy: allow-listed ops pass, unknown ops are medium (allowable), I/O ops high. */
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../scan.js';

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
const fld = (num: number, payload: number[]) => [
  ...varint((num << 3) | 2),
  ...varint(payload.length),
  ...payload,
];
const str = (s: string) => [...Buffer.from(s)];
/** saved_model.pb with one meta graph whose graph holds `ops` (tensorflow/core/protobuf/*.proto). */
function savedModel(ops: string[]): Uint8Array {
  const graph = ops.flatMap((op, i) => fld(1, [...fld(1, str(`n${i}`)), ...fld(2, str(op))]));
  const meta = [...fld(1, fld(4, str('serve'))), ...fld(2, graph)];
  return new Uint8Array([0x08, 0x01, ...fld(2, meta)]);
}

describe('SavedModel op allow-list', () => {
  it('passes standard ops, flags unknown ones medium and I/O ops high', () => {
    const ok = scanBytes(
      savedModel(['Placeholder', 'Conv2D', 'BiasAdd', 'Relu', 'SaveV2']),
      'saved_model.pb',
    );
    expect(ok.verdict).toBe('clean');
    const custom = scanBytes(savedModel(['Placeholder', 'ZeroOutCustom']), 'saved_model.pb');
    expect(custom.findings.map((f) => [f.id, f.severity])).toEqual([
      ['scan.tf.unknown-op', 'medium'],
    ]);
    const allowed = scanBytes(savedModel(['ZeroOutCustom']), 'saved_model.pb', {
      allowImports: ['tf.op.ZeroOutCustom'],
    });
    expect(allowed.verdict).toBe('clean');
    const io = scanBytes(savedModel(['DebugIdentityV2', 'PyFunc']), 'saved_model.pb');
    expect(io.findings.map((f) => [f.id, f.severity]).sort()).toEqual([
      ['scan.tf.io-op', 'high'],
      ['scan.tf.python-op', 'critical'],
    ]);
  });
});
