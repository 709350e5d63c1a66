/**
 * @module Fog: ImageNet-C's diamond-square plasma fractal added to the image and renormalised.
 */
import type { Rng } from '../../image.js';
import { defineCorruption } from '../corruption.js';

/**
 * A plasma fractal on a mapsize×mapsize grid (mapsize a power of two), normalised to [0, 1]:
 * the diamond-square algorithm exactly as ImageNet-C `plasma_fractal` (wibble starts at 100,
 * each new point is the mean of its 4 neighbours + wibble·U(−wibble, wibble), wibble divided by
 * `wibbleDecay` per level, toroidal wrap-around).
 */
export function plasmaFractal(mapsize: number, wibbleDecay: number, rng: Rng): Float64Array {
  if (mapsize < 2 || (mapsize & (mapsize - 1)) !== 0)
    throw new Error(`plasma mapsize must be a power of two ≥ 2 (got ${mapsize})`);
  const m = mapsize;
  const a = new Float64Array(m * m);
  const at = (i: number, j: number) => a[(((i % m) + m) % m) * m + (((j % m) + m) % m)] as number;
  let step = m;
  let wibble = 100;
  const wibbled = (sum: number) => sum / 4 + wibble * (rng.uniform() * 2 * wibble - wibble);
  while (step >= 2) {
    const half = step / 2;
    // Squares: centre = mean of the 4 corners.
    for (let i = 0; i < m; i += step)
      for (let j = 0; j < m; j += step)
        a[(i + half) * m + j + half] = wibbled(
          at(i, j) + at(i + step, j) + at(i, j + step) + at(i + step, j + step),
        );
    // Diamonds: edge midpoints = mean of the 2 adjacent corners and 2 adjacent centres.
    for (let i = 0; i < m; i += step)
      for (let j = 0; j < m; j += step) {
        a[i * m + j + half] = wibbled(
          at(i + half, j + half) + at(i - half, j + half) + at(i, j) + at(i, j + step),
        );
        a[(i + half) * m + j] = wibbled(
          at(i + half, j + half) + at(i + half, j - half) + at(i, j) + at(i + step, j),
        );
      }
    step = half;
    wibble /= wibbleDecay;
  }
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of a) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  for (let i = 0; i < a.length; i++) a[i] = hi > lo ? ((a[i] as number) - lo) / (hi - lo) : 0;
  return a;
}

/** The smallest power of two ≥ max(h, w). */
export function fractalSize(h: number, w: number): number {
  let m = 2;
  while (m < Math.max(h, w)) m *= 2;
  return m;
}

/**
 * Fog: x + c₀·plasma(wibbledecay = c₁), then ·max/(max + c₀), with ImageNet-C's
 * (c₀, c₁) = [(1.5,2), (2,2), (2.5,1.7), (2.5,1.5), (3,1.4)]; a fresh fractal per image
 * (top-left h×w crop), the same one on every channel, max per image.
 */
export const fog = defineCorruption<readonly [number, number]>({
  name: 'fog',
  reference: 'ImageNet-C fog (c0,c1)=[(1.5,2),(2,2),(2.5,1.7),(2.5,1.5),(3,1.4)], plasma_fractal',
  severities: [
    [1.5, 2],
    [2, 2],
    [2.5, 1.7],
    [2.5, 1.5],
    [3, 1.4],
  ],
  corrupt(u, d, [c0, c1], rng) {
    const m = fractalSize(d.h, d.w);
    const size = d.c * d.h * d.w;
    for (let n = 0; n < d.n; n++) {
      const f = plasmaFractal(m, c1, rng);
      let max = 0;
      for (let i = n * size; i < (n + 1) * size; i++) max = Math.max(max, u[i] as number);
      for (let c = 0; c < d.c; c++)
        for (let y = 0; y < d.h; y++)
          for (let x = 0; x < d.w; x++) {
            const k = n * size + (c * d.h + y) * d.w + x;
            const v = (u[k] as number) + c0 * (f[y * m + x] as number);
            u[k] = (v * max) / (max + c0);
          }
    }
  },
});
