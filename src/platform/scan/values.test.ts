/** Parameter-value checks against hand-built IEEE 754 bit patterns (closed form, not our own output). */
import { describe, expect, it } from 'vitest';
import { FORMAT_SCANNERS } from './formats.js';
import { ScanSession } from './session.js';
import { BufferSource } from './source.js';
import { checkFloatTensor } from './values.js';

const u16 = (...v: number[]) => new Uint8Array(new Uint16Array(v).buffer);

describe('checkFloatTensor', () => {
  it('counts NaN and ±Inf and the largest magnitude for each float kind', () => {
    const s = new ScanSession(FORMAT_SCANNERS);
    const f32 = new Uint8Array(new Float32Array([1, Number.NaN, -Infinity, -7.5, 3e35]).buffer);
    expect(
      checkFloatTensor(s, new BufferSource(f32), 'f32', 0, f32.length, 't', { file: 'x' }),
    ).toEqual({
      elements: 5,
      nan: 1,
      inf: 1,
      maxAbs: new Float32Array([3e35])[0],
    });
    // binary16: 0x7c00 = +Inf, 0xfe00 = NaN, 0xc500 = -5, 0x7bff = 65504 (largest finite half)
    const f16 = u16(0x7c00, 0xfe00, 0xc500, 0x7bff);
    expect(checkFloatTensor(s, new BufferSource(f16), 'f16', 0, 8, 't', { file: 'x' })).toEqual({
      elements: 4,
      nan: 1,
      inf: 1,
      maxAbs: 65504,
    });
    // bfloat16: 0xff80 = -Inf, 0x7fc1 = NaN, 0x4040 = 3
    const bf16 = u16(0xff80, 0x7fc1, 0x4040);
    expect(checkFloatTensor(s, new BufferSource(bf16), 'bf16', 0, 6, 't', { file: 'x' })).toEqual({
      elements: 3,
      nan: 1,
      inf: 1,
      maxAbs: 3,
    });
    expect(s.findings.map((f) => [f.id, f.severity])).toEqual([
      ['scan.weights.non-finite', 'medium'],
      ['scan.weights.magnitude', 'medium'],
      ['scan.weights.non-finite', 'medium'],
      ['scan.weights.non-finite', 'medium'],
    ]);
  });

  it('stops at the value budget and says so', () => {
    const s = new ScanSession(FORMAT_SCANNERS, { limits: { maxValueBytes: 8 } });
    const f32 = new Uint8Array(new Float32Array([1, 2, Number.NaN, 4]).buffer);
    const stats = checkFloatTensor(s, new BufferSource(f32), 'f32', 0, 16, 't', { file: 'x' });
    expect(stats).toMatchObject({ elements: 2, nan: 0 });
    expect(s.findings.map((f) => f.id)).toEqual(['scan.weights.partial']);
  });
});
