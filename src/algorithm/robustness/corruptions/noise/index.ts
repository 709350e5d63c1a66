/**
 * @module Additive noise corruptions: gaussian (ImageNet-C), uniform (same standard deviation)
 * and salt-and-pepper (ImageNet-C `impulse_noise`).
 */
import { defineCorruption } from '../corruption.js';

/**
 * Gaussian noise: x + N(0, c²) on [0, 1] images, c = [.08, .12, .18, .26, .38] as in Hendrycks &
 * Dietterich, ImageNet-C `gaussian_noise` (hendrycks/robustness corruptions.py).
 */
export const gaussianNoise = defineCorruption<number>({
  name: 'gaussian_noise',
  reference: 'Hendrycks & Dietterich 2019, ImageNet-C gaussian_noise c=[.08,.12,.18,.26,.38]',
  severities: [0.08, 0.12, 0.18, 0.26, 0.38],
  corrupt(u, _dims, sigma, rng) {
    for (let i = 0; i < u.length; i++) u[i] = (u[i] as number) + sigma * rng.normal();
  },
});

/**
 * Uniform noise: x + U(−a, a) with a = c·√3, i.e. the same standard deviation c as
 * gaussian_noise (ImageNet-C has no uniform noise; foolbox's additive-uniform attacks are the
 * closest peer).
 */
export const uniformNoise = defineCorruption<number>({
  name: 'uniform_noise',
  reference: 'not in ImageNet-C; half-width c·√3 with c = gaussian_noise constants (equal std)',
  severities: [0.08, 0.12, 0.18, 0.26, 0.38],
  corrupt(u, _dims, sigma, rng) {
    const a = sigma * Math.sqrt(3);
    for (let i = 0; i < u.length; i++) u[i] = (u[i] as number) + a * (2 * rng.uniform() - 1);
  },
});

/**
 * Salt-and-pepper noise: each value independently replaced with probability `amount`, half by
 * the range maximum (salt), half by the minimum (pepper) — skimage `random_noise(mode='s&p')` as
 * used by ImageNet-C `impulse_noise`, amount = [.03, .06, .09, .17, .27].
 */
export const saltAndPepperNoise = defineCorruption<number>({
  name: 'salt_and_pepper_noise',
  reference:
    'ImageNet-C impulse_noise (skimage s&p, salt_vs_pepper=0.5) amount=[.03,.06,.09,.17,.27]',
  severities: [0.03, 0.06, 0.09, 0.17, 0.27],
  corrupt(u, _dims, amount, rng) {
    for (let i = 0; i < u.length; i++) {
      // Two draws per value regardless of outcome, so a higher amount corrupts a superset of
      // the values a lower amount corrupts under the same seed (monotone in severity).
      const hit = rng.uniform();
      const salt = rng.uniform() < 0.5;
      if (hit < amount) u[i] = salt ? 1 : 0;
    }
  },
});
