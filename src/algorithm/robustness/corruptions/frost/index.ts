/**
 * @module Frost: ImageNet-C's blend a·x + b·frost with a procedural frost texture in place of the
 * six bundled frost photographs (which we cannot ship).
 */
import type { Rng } from '../../image.js';
import { defineCorruption } from '../corruption.js';
import { fractalSize, plasmaFractal } from '../fog/index.js';

/**
 * A procedural frost texture in [0, 1] (h×w), built in three seeded steps:
 * 1. a rime base: a plasma fractal (diamond-square, wibbledecay 1.3, so finer-grained than fog)
 *    scaled to [0, 0.5];
 * 2. ice crystals: one seed per 48 pixels grows a random walk of 0.5·max(h, w) steps whose heading
 *    jitters by ±15° per step and which forks at ±60° (hexagonal ice) with probability 0.08,
 *    depositing 1 on every pixel it crosses;
 * 3. a 3×3 box blur of the crystals (a soft edge), added to the base and clipped to [0, 1].
 * Its mean is about 0.3–0.45 like the ImageNet-C photographs' crops; it is grey (the photographs
 * are bluish white), the same on every channel.
 */
export function frostTexture(h: number, w: number, rng: Rng): Float64Array {
  const m = fractalSize(h, w);
  const base = plasmaFractal(m, 1.3, rng);
  const crystals = new Float64Array(h * w);
  const seeds = Math.max(1, Math.round((h * w) / 48));
  const length = Math.max(4, Math.round(0.5 * Math.max(h, w)));
  const stack: [number, number, number, number][] = [];
  for (let s = 0; s < seeds; s++)
    stack.push([rng.uniform() * h, rng.uniform() * w, rng.uniform() * 2 * Math.PI, length]);
  let budget = seeds * length * 4; // bounds the forks' total work
  while (stack.length > 0 && budget > 0) {
    let [y, x, theta, steps] = stack.pop() as [number, number, number, number];
    while (steps-- > 0 && budget-- > 0) {
      const iy = Math.floor(y);
      const ix = Math.floor(x);
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) break;
      crystals[iy * w + ix] = 1;
      theta += ((rng.uniform() * 2 - 1) * Math.PI) / 12;
      if (rng.uniform() < 0.08)
        stack.push([y, x, theta + (rng.uniform() < 0.5 ? 1 : -1) * (Math.PI / 3), steps / 2]);
      y += Math.sin(theta);
      x += Math.cos(theta);
    }
  }
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      let k = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
            s += crystals[yy * w + xx] as number;
            k++;
          }
        }
      const v =
        0.5 * (base[y * m + x] as number) + (0.5 * s) / k + 0.5 * (crystals[y * w + x] as number);
      out[y * w + x] = Math.min(1, v);
    }
  return out;
}

/**
 * Frost: a·x + b·texture with ImageNet-C's (a, b) = [(1,.4), (.8,.6), (.7,.7), (.65,.7), (.6,.75)]
 * and a fresh procedural texture per image (see frostTexture).
 */
export const frost = defineCorruption<readonly [number, number]>({
  name: 'frost',
  reference:
    'ImageNet-C frost (a,b)=[(1,.4),(.8,.6),(.7,.7),(.65,.7),(.6,.75)]; procedural texture instead of photos',
  severities: [
    [1, 0.4],
    [0.8, 0.6],
    [0.7, 0.7],
    [0.65, 0.7],
    [0.6, 0.75],
  ],
  corrupt(u, d, [a, b], rng) {
    const plane = d.h * d.w;
    for (let n = 0; n < d.n; n++) {
      const t = frostTexture(d.h, d.w, rng);
      for (let c = 0; c < d.c; c++) {
        const base = (n * d.c + c) * plane;
        for (let i = 0; i < plane; i++)
          u[base + i] = a * (u[base + i] as number) + b * (t[i] as number);
      }
    }
  },
});
