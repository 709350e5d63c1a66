/** @module Contrast: (x − mean)·c + mean per image and channel (ImageNet-C `contrast`). */
import { defineCorruption } from '../corruption.js';

/** Contrast reduction, c = [.4, .3, .2, .1, .05] as in ImageNet-C (mean per image and channel). */
export const contrast = defineCorruption<number>({
  name: 'contrast',
  reference: 'ImageNet-C contrast c=[.4,.3,.2,.1,.05], mean per channel',
  severities: [0.4, 0.3, 0.2, 0.1, 0.05],
  corrupt(u, d, c) {
    const plane = d.h * d.w;
    for (let p = 0; p < d.n * d.c; p++) {
      let mean = 0;
      for (let i = 0; i < plane; i++) mean += u[p * plane + i] as number;
      mean /= plane;
      for (let i = 0; i < plane; i++) {
        const k = p * plane + i;
        u[k] = ((u[k] as number) - mean) * c + mean;
      }
    }
  },
});
