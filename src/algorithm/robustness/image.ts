/** @module NCHW float image batches in a declared value range: validation, clipping, seeded noise. */
import { seededRandom, type Tensor } from '../../engine/index.js';
import { AisfError } from '../../errors.js';

/** The value range images live in, e.g. [0, 1] or [0, 255]. */
export interface ValueRange {
  lo: number;
  hi: number;
}

/** The default value range: [0, 1] (ART `clip_values=(0, 1)`, torchvision tensors). */
export const DEFAULT_RANGE: ValueRange = { lo: 0, hi: 1 };

/** A batch of images, NCHW, float32. */
export type ImageBatch = Tensor<Float32Array>;

/** Checks a batch is 4-D NCHW with finite values inside the range; returns its dims. */
export function checkImages(
  x: Tensor,
  range: ValueRange = DEFAULT_RANGE,
  what = 'images',
): { n: number; c: number; h: number; w: number } {
  if (!(x.data instanceof Float32Array))
    throw new AisfError(
      'E_INPUT',
      `${what} must be float32 (scale uint8 images to the range first)`,
    );
  checkRange(range);
  if (x.shape.length !== 4)
    throw new AisfError(
      'E_INPUT',
      `${what} must be NCHW (4 dims), got shape [${x.shape.join(', ')}]`,
    );
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const lo = Math.fround(range.lo);
  const hi = Math.fround(range.hi);
  for (let i = 0; i < x.data.length; i++) {
    const v = x.data[i] as number;
    if (!(v >= lo && v <= hi))
      throw new AisfError(
        'E_INPUT',
        `${what} value #${i} is ${v}, outside the declared range [${range.lo}, ${range.hi}]; pass the right --range`,
      );
  }
  return { n, c, h, w };
}

/** Checks lo < hi, both finite. */
export function checkRange(range: ValueRange): void {
  if (!Number.isFinite(range.lo) || !Number.isFinite(range.hi) || !(range.lo < range.hi))
    throw new AisfError(
      'E_INPUT',
      `range must be two finite numbers lo < hi (got ${range.lo}, ${range.hi})`,
    );
}

/** Clips v to [lo, hi]. */
export function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** A seeded RNG with uniform and standard-normal draws (mulberry32 + Box–Muller). */
export interface Rng {
  uniform: () => number;
  normal: () => number;
}

/** Creates a seeded Rng. */
export function createRng(seed: number): Rng {
  const uniform = seededRandom(seed);
  let spare: number | undefined;
  return {
    uniform,
    normal() {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      let u = 0;
      while (u === 0) u = uniform();
      const v = uniform();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

/** A copy of a batch. */
export function copyBatch(x: ImageBatch): ImageBatch {
  return { data: Float32Array.from(x.data), shape: [...x.shape] };
}
