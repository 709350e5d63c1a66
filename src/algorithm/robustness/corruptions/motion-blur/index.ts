/**
 * @module Motion blur without ImageMagick, as bethgelab/imagecorruptions `_motion_blur`: a one-sided
 * Gaussian kernel of width 2·radius+1 applied along a line at a random angle by integer pixel
 * shifts with edge replication.
 */
import type { Dims } from '../corruption.js';
import { defineCorruption } from '../corruption.js';

/** (radius, sigma) of ImageNet-C `motion_blur`: [(10,3), (15,5), (15,8), (15,12), (20,15)]. */
export const MOTION_BLUR_SEVERITIES = [
  [10, 3],
  [15, 5],
  [15, 8],
  [15, 12],
  [20, 15],
] as const;

/** The normalised one-sided Gaussian weights exp(−i²/2σ²), i = 0…width−1. */
export function motionBlurKernel(width: number, sigma: number): number[] {
  const k = Array.from({ length: width }, (_, i) => Math.exp(-(i * i) / (2 * sigma * sigma)));
  const z = k.reduce((a, b) => a + b, 0);
  return k.map((v) => v / z);
}

function blurImage(
  u: Float64Array,
  d: Dims,
  n: number,
  radius: number,
  sigma: number,
  angle: number,
) {
  const width = 2 * radius + 1;
  const kernel = motionBlurKernel(width, sigma);
  const py = width * Math.sin((angle * Math.PI) / 180);
  const px = width * Math.cos((angle * Math.PI) / 180);
  const hyp = Math.hypot(py, px);
  const plane = d.h * d.w;
  for (let c = 0; c < d.c; c++) {
    const base = (n * d.c + c) * plane;
    const src = u.slice(base, base + plane);
    const acc = new Float64Array(plane);
    let used = 0;
    for (let i = 0; i < width; i++) {
      // imagecorruptions: dy = -ceil(i·py/hyp − 0.5); stop once the motion leaves the image.
      const dy = -Math.ceil((i * py) / hyp - 0.5);
      const dx = -Math.ceil((i * px) / hyp - 0.5);
      if (Math.abs(dy) >= d.h || Math.abs(dx) >= d.w) break;
      const w = kernel[i] as number;
      used += w;
      for (let y = 0; y < d.h; y++) {
        const sy = Math.min(d.h - 1, Math.max(0, y - dy));
        for (let x = 0; x < d.w; x++) {
          const sx = Math.min(d.w - 1, Math.max(0, x - dx));
          acc[y * d.w + x] = (acc[y * d.w + x] as number) + w * (src[sy * d.w + sx] as number);
        }
      }
    }
    // imagecorruptions leaves the truncated kernel unnormalised, which darkens images smaller
    // than the blur; we renormalise by the weight used so a blur never changes a flat image.
    for (let i = 0; i < plane; i++) acc[i] = (acc[i] as number) / used;
    u.set(acc, base);
  }
}

/**
 * Motion blur with ImageNet-C's (radius, sigma) constants and an angle drawn from U(−45°, 45°)
 * per image (seeded). The constants are in pixels of 224×224 images and are applied unscaled,
 * as imagecorruptions does — strong on 28×28 images. Unlike imagecorruptions, a kernel cut
 * short by the image border is renormalised (no darkening).
 */
export const motionBlur = defineCorruption<readonly [number, number]>({
  name: 'motion_blur',
  reference:
    'ImageNet-C motion_blur (radius,sigma)=[(10,3),(15,5),(15,8),(15,12),(20,15)], imagecorruptions kernel',
  severities: MOTION_BLUR_SEVERITIES,
  corrupt(u, d, [radius, sigma], rng) {
    for (let n = 0; n < d.n; n++) blurImage(u, d, n, radius, sigma, rng.uniform() * 90 - 45);
  },
});
