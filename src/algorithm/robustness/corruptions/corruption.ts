/** @module The corruption contract: five severities, seeded, applied in [0, 1] space and clipped to the declared range. */
import { AisfError } from '../../../errors.js';
import {
  checkImages,
  createRng,
  DEFAULT_RANGE,
  type ImageBatch,
  type Rng,
  type ValueRange,
} from '../image.js';

/** Batch dimensions. */
export interface Dims {
  n: number;
  c: number;
  h: number;
  w: number;
}

/** Options of Corruption.apply. */
export interface CorruptOptions {
  /** Value range of the images; the output is clipped to it. @default [0, 1] */
  range?: ValueRange;
  /** Seed of every random draw (noise, angles, fractals). @default 0 */
  seed?: number;
}

/**
 * A natural corruption (ImageNet-C style): five severities, each a constant from the reference.
 * Severity 0 is the identity.
 */
export interface Corruption<P = unknown> {
  /** Stable snake_case name as in ImageNet-C (`gaussian_noise`, `motion_blur` …). */
  name: string;
  /** Where the severity constants come from. */
  reference: string;
  /** The constant of severities 1…5. */
  severities: readonly [P, P, P, P, P];
  /** Applies it at severity 0…5 to an NCHW float32 batch; returns a new batch. */
  apply(x: ImageBatch, severity: number, options?: CorruptOptions): ImageBatch;
}

/** What a corruption implements: an in-place change of images scaled to [0, 1] (float64). */
export interface CorruptionSpec<P> {
  name: string;
  reference: string;
  severities: readonly [P, P, P, P, P];
  corrupt(u: Float64Array, dims: Dims, param: P, rng: Rng): void;
}

/**
 * Wraps a spec into a Corruption: validates, scales to [0, 1], applies, clips, scales back.
 *
 * @example
 * const c = defineCorruption({ name: 'my_noise', reference: '…', severities: [1, 2, 3, 4, 5], corrupt(u, d, p, rng) {} });
 */
export function defineCorruption<P>(spec: CorruptionSpec<P>): Corruption<P> {
  return {
    name: spec.name,
    reference: spec.reference,
    severities: spec.severities,
    apply(x, severity, options = {}) {
      const range = options.range ?? DEFAULT_RANGE;
      if (!Number.isInteger(severity) || severity < 0 || severity > 5)
        throw new AisfError(
          'E_INPUT',
          `severity of ${spec.name} must be an integer 0…5 (got ${severity})`,
        );
      const dims = checkImages(x, range);
      if (severity === 0) return { data: Float32Array.from(x.data), shape: [...x.shape] };
      const span = range.hi - range.lo;
      const u = new Float64Array(x.data.length);
      for (let i = 0; i < u.length; i++) u[i] = ((x.data[i] as number) - range.lo) / span;
      spec.corrupt(u, dims, spec.severities[severity - 1] as P, createRng(options.seed ?? 0));
      const out = new Float32Array(u.length);
      const lo = Math.fround(range.lo);
      const hi = Math.fround(range.hi);
      for (let i = 0; i < u.length; i++) {
        const v = Math.fround(range.lo + (u[i] as number) * span);
        out[i] = v < lo ? lo : v > hi ? hi : v;
      }
      return { data: out, shape: [...x.shape] };
    },
  };
}
