import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../../engine/index.js';
import { createRng, type ImageBatch } from '../image.js';
import {
  brightness,
  CORRUPTIONS,
  contrast,
  gaussianNoise,
  horizontalShift,
  motionBlur,
  motionBlurKernel,
  plasmaFractal,
  saltAndPepperNoise,
  uniformNoise,
  verticalShift,
} from './index.js';

const FIX = new URL('../../../engine/fixtures/', import.meta.url);

/** 8 Fashion-MNIST test images scaled to [0, 1]. */
function fashion(n = 8): ImageBatch {
  const t = readNpy(readFileSync(new URL('fashion-mnist.test-x.npy', FIX)));
  const size = 28 * 28;
  return {
    data: Float32Array.from(t.data.subarray(0, n * size) as Uint8Array, (v) => v / 255),
    shape: [n, 1, 28, 28],
  };
}

function constant(v: number, shape: number[]): ImageBatch {
  return { data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v), shape };
}

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs((a[i] as number) - (b[i] as number));
  return s / a.length;
}

function rgb(n = 2, h = 16, w = 16, seed = 3): ImageBatch {
  const r = createRng(seed);
  return {
    data: Float32Array.from({ length: n * 3 * h * w }, () => r.uniform()),
    shape: [n, 3, h, w],
  };
}

describe('every corruption', () => {
  const x = fashion();
  const x3 = rgb();
  it.each(CORRUPTIONS.map((c) => [c.name, c] as const))(
    '%s: severity 0 is the identity',
    (_n, c) => {
      expect(Array.from(c.apply(x, 0).data)).toEqual(Array.from(x.data));
      expect(Array.from(c.apply(x3, 0).data)).toEqual(Array.from(x3.data));
    },
  );
  it.each(CORRUPTIONS.map((c) => [c.name, c] as const))(
    '%s: effect non-decreasing in severity, output in range, deterministic',
    (_n, c) => {
      const effects = [0, 1, 2, 3, 4, 5].map((s) =>
        meanAbsDiff(c.apply(x, s, { seed: 7 }).data, x.data),
      );
      for (let s = 1; s <= 5; s++)
        expect(effects[s]).toBeGreaterThanOrEqual((effects[s - 1] as number) - 1e-12);
      expect(effects[5]).toBeGreaterThan(0.01);
      for (const s of [1, 3, 5]) {
        const a = c.apply(x3, s, { seed: 11 });
        for (const v of a.data) expect(v >= 0 && v <= 1).toBe(true);
        expect(Array.from(c.apply(x3, s, { seed: 11 }).data)).toEqual(Array.from(a.data));
      }
    },
  );
  it.each(CORRUPTIONS.map((c) => [c.name, c] as const))(
    '%s: respects a [0, 255] range',
    (_n, c) => {
      const big: ImageBatch = { data: Float32Array.from(x.data, (v) => v * 255), shape: x.shape };
      const out = c.apply(big, 5, { range: { lo: 0, hi: 255 }, seed: 1 });
      for (const v of out.data) expect(v >= 0 && v <= 255).toBe(true);
      // The same corruption in [0, 1] space scaled by 255 (float32 rounding tolerance).
      const ref = c.apply(x, 5, { seed: 1 });
      for (let i = 0; i < ref.data.length; i += 37)
        expect(out.data[i]).toBeCloseTo((ref.data[i] as number) * 255, 2);
    },
  );
});

describe('closed forms', () => {
  it('random corruptions change with the seed', () => {
    const x = fashion(2);
    for (const c of [gaussianNoise, uniformNoise, saltAndPepperNoise, motionBlur])
      expect(Array.from(c.apply(x, 3, { seed: 1 }).data)).not.toEqual(
        Array.from(c.apply(x, 3, { seed: 2 }).data),
      );
  });
  it('gaussian and uniform noise have standard deviation c (mid-grey, no clipping)', () => {
    const x = constant(0.5, [4, 1, 64, 64]);
    for (const c of [gaussianNoise, uniformNoise]) {
      const out = c.apply(x, 1, { seed: 5 }).data;
      let s = 0;
      let s2 = 0;
      for (const v of out) {
        s += v - 0.5;
        s2 += (v - 0.5) ** 2;
      }
      const n = out.length;
      expect(Math.abs(s / n)).toBeLessThan(0.003);
      expect(Math.sqrt(s2 / n)).toBeCloseTo(0.08, 2);
    }
  });
  it('salt-and-pepper replaces the expected fraction by the range ends, half each', () => {
    const x = constant(0.5, [4, 1, 64, 64]);
    const out = saltAndPepperNoise.apply(x, 5, { seed: 2 }).data; // amount 0.27
    const salt = out.filter((v) => v === 1).length / out.length;
    const pepper = out.filter((v) => v === 0).length / out.length;
    expect(salt + pepper).toBeCloseTo(0.27, 2);
    expect(salt).toBeCloseTo(0.135, 1);
  });
  it('contrast keeps the per-channel mean and scales deviations by c', () => {
    const x = rgb(1, 8, 8);
    const out = contrast.apply(x, 2, { seed: 0 }).data; // c = 0.3
    const plane = 64;
    for (let ch = 0; ch < 3; ch++) {
      const src = Array.from(x.data.subarray(ch * plane, (ch + 1) * plane));
      const mean = src.reduce((a, b) => a + b, 0) / plane;
      for (let i = 0; i < plane; i++)
        expect(out[ch * plane + i]).toBeCloseTo(((src[i] as number) - mean) * 0.3 + mean, 6);
    }
  });
  it('brightness adds c to grey values and to HSV V of colour pixels', () => {
    const g = { data: Float32Array.of(0, 0.2, 0.7, 0.95), shape: [1, 1, 2, 2] };
    expect(Array.from(brightness.apply(g, 3).data)).toEqual([0.3, 0.5, 1, 1].map(Math.fround));
    // One RGB pixel (0.2, 0.4, 0.1): V 0.4 → 0.6, hue and saturation kept → scale 1.5.
    const c = { data: Float32Array.of(0.2, 0.4, 0.1), shape: [1, 3, 1, 1] };
    const out = brightness.apply(c, 2).data;
    expect(out[0]).toBeCloseTo(0.3, 6);
    expect(out[1]).toBeCloseTo(0.6, 6);
    expect(out[2]).toBeCloseTo(0.15, 6);
  });
  it('shifts move pixels by round(f·side) and fill with the range minimum', () => {
    const x = {
      data: Float32Array.from({ length: 400 }, (_, i) => 0.1 + (i % 7) / 10),
      shape: [1, 1, 20, 20],
    };
    const h = horizontalShift.apply(x, 2).data; // 0.1·20 = 2 px right
    const v = verticalShift.apply(x, 5).data; // 0.25·20 = 5 px down
    for (let i = 0; i < 20; i++)
      for (let j = 0; j < 20; j++) {
        expect(h[i * 20 + j]).toBe(j < 2 ? 0 : x.data[i * 20 + j - 2]);
        expect(v[i * 20 + j]).toBe(i < 5 ? 0 : x.data[(i - 5) * 20 + j]);
      }
  });
  it('motion blur: kernel is the normalised one-sided Gaussian; a constant image is unchanged', () => {
    const k = motionBlurKernel(21, 3);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect((k[1] as number) / (k[0] as number)).toBeCloseTo(Math.exp(-1 / 18), 12);
    const x = constant(0.4, [2, 3, 12, 12]);
    for (const v of motionBlur.apply(x, 5, { seed: 3 }).data) expect(v).toBeCloseTo(0.4, 6);
  });
  it('plasma fractal spans exactly [0, 1] and is seeded', () => {
    const a = plasmaFractal(32, 2, createRng(1));
    expect(Math.min(...a)).toBe(0);
    expect(Math.max(...a)).toBe(1);
    expect(Array.from(plasmaFractal(32, 2, createRng(1)))).toEqual(Array.from(a));
    expect(() => plasmaFractal(24, 2, createRng(1))).toThrow(/power of two/);
  });
  it('rejects bad severities and out-of-range inputs with E_INPUT', () => {
    const x = fashion(1);
    expect(() => gaussianNoise.apply(x, 6)).toThrow(expect.objectContaining({ code: 'E_INPUT' }));
    expect(() => gaussianNoise.apply(x, 1.5)).toThrow(expect.objectContaining({ code: 'E_INPUT' }));
    const bad = { data: Float32Array.of(2), shape: [1, 1, 1, 1] };
    expect(() => gaussianNoise.apply(bad, 1)).toThrow(/outside the declared range/);
    expect(() => gaussianNoise.apply({ data: new Float32Array(4), shape: [4] }, 1)).toThrow(/NCHW/);
  });
});
