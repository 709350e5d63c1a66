/**
 * @module Natural corruptions (CAICT-AISF-2020 3(二)5 robustness evaluation): noise, shifts,
 * brightness, contrast, motion blur, fog and frost at five severities, registered by name.
 */
import { brightness } from './brightness/index.js';
import { contrast } from './contrast/index.js';
import type { Corruption } from './corruption.js';
import { fog } from './fog/index.js';
import { frost } from './frost/index.js';
import { motionBlur } from './motion-blur/index.js';
import { gaussianNoise, saltAndPepperNoise, uniformNoise } from './noise/index.js';
import { horizontalShift, verticalShift } from './shift/index.js';

export { type Corruption, type CorruptOptions, type Dims, defineCorruption } from './corruption.js';
export { fractalSize, plasmaFractal } from './fog/index.js';
export { frostTexture } from './frost/index.js';
export { MOTION_BLUR_SEVERITIES, motionBlurKernel } from './motion-blur/index.js';
export { SHIFT_FRACTIONS } from './shift/index.js';

/** Every corruption, in report order. Names are unique (checked at load). */
export const CORRUPTIONS: readonly Corruption<unknown>[] = [
  gaussianNoise,
  uniformNoise,
  saltAndPepperNoise,
  horizontalShift,
  verticalShift,
  brightness,
  contrast,
  motionBlur,
  fog,
  frost,
] as Corruption<unknown>[];

const seen = new Set<string>();
for (const c of CORRUPTIONS) {
  if (seen.has(c.name)) throw new Error(`duplicate corruption "${c.name}"`);
  seen.add(c.name);
}

/** The names of all corruptions. */
export const CORRUPTION_NAMES: readonly string[] = CORRUPTIONS.map((c) => c.name);

/** Looks a corruption up by name (undefined if unknown). */
export function findCorruption(name: string): Corruption<unknown> | undefined {
  return CORRUPTIONS.find((c) => c.name === name);
}

export {
  brightness,
  contrast,
  fog,
  frost,
  gaussianNoise,
  horizontalShift,
  motionBlur,
  saltAndPepperNoise,
  uniformNoise,
  verticalShift,
};
