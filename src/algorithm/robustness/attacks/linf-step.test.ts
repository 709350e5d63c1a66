/**
 * The fused L∞ PGD step (linfBounds + linfStep) is value for value the composition it replaces:
 * stepDirection, clip to the range, projectBall and writeAdversarial — on random data with
 * values at the range edges, zero and NaN gradient components, and untargeted/targeted signs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clip } from '../image.js';
import {
  fgsmLinf,
  linfBounds,
  linfStep,
  nextFloat32,
  nextFloat32Fast,
  projectBall,
  stepDirection,
  writeAdversarial,
} from './common.js';

describe('fused L∞ step', () => {
  it('PGD and FGSM steps equal stepDirection → (clip →) projectBall → writeAdversarial bit for bit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.constantFrom(0.01, 0.03, 0.1, 0.3),
        fc.constantFrom(1, -1),
        fc.constantFrom({ lo: 0, hi: 1 }, { lo: -1, hi: 1 }),
        (seed, eps, sign, range) => {
          let s = seed;
          const rand = () => {
            s = (s * 1103515245 + 12345) % 2 ** 31;
            return s / 2 ** 31;
          };
          const d = 64;
          const pick = (r: number) =>
            r < 0.1 ? range.lo : r > 0.9 ? range.hi : range.lo + (range.hi - range.lo) * rand();
          // −0 among the values: the FGSM fast path must keep the signed zero the general path
          // gives; half the runs use uint8-like levels (few distinct values: memo hits).
          const levels = seed % 2 === 0;
          const x0 = Float32Array.from({ length: d }, () => {
            const r = rand();
            if (r < 0.05 && range.lo <= 0) return -0;
            if (levels) return range.lo + ((range.hi - range.lo) * Math.floor(rand() * 8)) / 7;
            return pick(r);
          });
          const cur = Float32Array.from(x0, (v) =>
            Math.fround(clip(v + eps * (2 * rand() - 1), range.lo, range.hi)),
          );
          const g = Float32Array.from({ length: d }, () => {
            const r = rand();
            return r < 0.1 ? 0 : r < 0.15 ? Number.NaN : rand() - 0.5;
          });
          const step = eps / 4;
          // Reference: the per-sample composition pgd used before the fusion.
          const dir = new Float64Array(d);
          const delta = new Float64Array(d);
          stepDirection(g, 'inf', dir);
          for (let i = 0; i < d; i++)
            delta[i] =
              clip((cur[i] as number) + sign * step * (dir[i] as number), range.lo, range.hi) -
              (x0[i] as number);
          projectBall(delta, eps, 'inf');
          const want = new Float32Array(d);
          writeAdversarial(x0, delta, eps, 'inf', range, want);
          const got = Float32Array.from(cur);
          linfStep(got, g, sign * step, linfBounds(x0, eps, range));
          expect(Array.from(got)).toEqual(Array.from(want));
          // FGSM: one step of ε from x itself.
          const fdir = new Float64Array(d);
          stepDirection(g, 'inf', fdir);
          for (let i = 0; i < d; i++) fdir[i] = sign * eps * (fdir[i] as number);
          projectBall(fdir, eps, 'inf');
          const fwant = new Float32Array(d);
          writeAdversarial(x0, fdir, eps, 'inf', range, fwant);
          const fgot = new Float32Array(d);
          fgsmLinf(x0, g, sign * eps, eps, range, fgot);
          expect(Array.from(fgot)).toEqual(Array.from(fwant));
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  it('nextFloat32Fast equals the bit-cast nextFloat32 on every kind of float32', () => {
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    const powers = Array.from({ length: 254 }, (_, i) => 2 ** (i - 126));
    const edges = [0, -0, 1.401298464324817e-45, 2 ** -126, 3.4028234663852886e38, ...powers];
    for (const v of edges)
      for (const s of [1, -1])
        for (const up of [true, false])
          expect(Object.is(nextFloat32Fast(s * v, up), nextFloat32(s * v, up)), `${s * v}`).toBe(
            true,
          );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.boolean(), (bits, up) => {
        u32[0] = bits;
        const v = f32[0] as number;
        if (!Number.isFinite(v)) return;
        expect(Object.is(nextFloat32Fast(v, up), nextFloat32(v, up))).toBe(true);
      }),
      { seed: 11, numRuns: 20000 },
    );
  });
});
