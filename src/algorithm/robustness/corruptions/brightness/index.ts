/** @module Brightness: add c to the HSV value channel (ImageNet-C `brightness`). */
import { defineCorruption } from '../corruption.js';

/**
 * Brightness: c = [.1, .2, .3, .4, .5] added to HSV V, clipped to 1 (Hendrycks & Dietterich,
 * ImageNet-C). For 3-channel images V = max(r, g, b) and, hue and saturation unchanged, the
 * pixel scales by V'/V (black pixels become grey V'); other channel counts add c per value.
 */
export const brightness = defineCorruption<number>({
  name: 'brightness',
  reference: 'ImageNet-C brightness c=[.1,.2,.3,.4,.5] on HSV V',
  severities: [0.1, 0.2, 0.3, 0.4, 0.5],
  corrupt(u, d, c) {
    const plane = d.h * d.w;
    if (d.c !== 3) {
      for (let i = 0; i < u.length; i++) u[i] = Math.min(1, (u[i] as number) + c);
      return;
    }
    for (let n = 0; n < d.n; n++) {
      const b = n * 3 * plane;
      for (let p = 0; p < plane; p++) {
        const r = u[b + p] as number;
        const g = u[b + plane + p] as number;
        const bl = u[b + 2 * plane + p] as number;
        const v = Math.max(r, g, bl);
        const v2 = Math.min(1, v + c);
        if (v > 0) {
          const k = v2 / v;
          u[b + p] = r * k;
          u[b + plane + p] = g * k;
          u[b + 2 * plane + p] = bl * k;
        } else {
          u[b + p] = v2;
          u[b + plane + p] = v2;
          u[b + 2 * plane + p] = v2;
        }
      }
    }
  },
});
