/**
 * @module Translations: horizontal and vertical integer-pixel shifts, vacated pixels filled with
 * the range minimum (scipy.ndimage.shift's default constant mode, as ART's SpatialTransformation).
 */
import type { Dims } from '../corruption.js';
import { defineCorruption } from '../corruption.js';

/**
 * Shift as a fraction of the image side: [.05, .1, .15, .2, .25]. ImageNet-C has no shift; the
 * fractions follow ART `SpatialTransformation`'s `max_translation` (a percentage of the side).
 */
export const SHIFT_FRACTIONS = [0.05, 0.1, 0.15, 0.2, 0.25] as const;

function shiftImages(u: Float64Array, d: Dims, dy: number, dx: number): void {
  const src = Float64Array.from(u);
  for (let p = 0; p < d.n * d.c; p++) {
    const base = p * d.h * d.w;
    for (let i = 0; i < d.h; i++)
      for (let j = 0; j < d.w; j++) {
        const si = i - dy;
        const sj = j - dx;
        u[base + i * d.w + j] =
          si >= 0 && si < d.h && sj >= 0 && sj < d.w ? (src[base + si * d.w + sj] as number) : 0;
      }
  }
}

/** Shift right by round(fraction·W) pixels (at least 1). */
export const horizontalShift = defineCorruption<number>({
  name: 'horizontal_shift',
  reference:
    'fraction of width [.05,.1,.15,.2,.25] (ART SpatialTransformation max_translation style)',
  severities: [...SHIFT_FRACTIONS],
  corrupt(u, d, f) {
    shiftImages(u, d, 0, Math.max(1, Math.round(f * d.w)));
  },
});

/** Shift down by round(fraction·H) pixels (at least 1). */
export const verticalShift = defineCorruption<number>({
  name: 'vertical_shift',
  reference:
    'fraction of height [.05,.1,.15,.2,.25] (ART SpatialTransformation max_translation style)',
  severities: [...SHIFT_FRACTIONS],
  corrupt(u, d, f) {
    shiftImages(u, d, Math.max(1, Math.round(f * d.h)), 0);
  },
});
