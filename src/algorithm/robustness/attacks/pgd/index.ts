/**
 * @module PGD (Madry et al. 2018): iterated gradient steps projected onto the L∞ or L2 ε-ball
 * around the input and clipped to the value range, optional uniform random start, with named
 * presets reproducing ART, Madry et al. and torchattacks.
 */
import type { Tensor } from '../../../../engine/index.js';
import { AisfError } from '../../../../errors.js';
import { clip, createRng } from '../../image.js';
import { type AttackDescriptor, type AttackSpec, requireGradients } from '../attack.js';
import {
  type AttackModel,
  type CommonAttackOptions,
  checkAttackInput,
  checkAttackNumbers,
  commonDefaults,
  forEachBatch,
  linfBounds,
  linfStep,
  NORMS,
  type Norm,
  projectBall,
  resolveLabels,
  stepDirection,
  writeAdversarial,
} from '../common.js';

/** The knobs that differ between reference implementations. */
export interface PgdParams {
  /** Perturbation budget in input units. */
  eps: number;
  /** Step size per iteration (input units). */
  epsStep: number;
  maxIter: number;
  /** Start from a uniform random point of the ε-ball (clipped to the range) instead of x. */
  randomStart: boolean;
  norm: Norm;
}

/**
 * Named presets (research note: the same name hides very different defaults).
 * - `art`: ART `ProjectedGradientDescent` defaults — norm ∞, eps 0.3, eps_step 0.1, max_iter 100,
 *   num_random_init 0 (no random start).
 * - `madry`: Madry et al. 2018 MNIST — eps 0.3, 40 steps of 0.01, random start.
 * - `madry-cifar`: Madry et al. 2018 CIFAR-10 (= ART AdversarialTrainerMadryPGD's 8, 2, 7 on the
 *   0–255 scale) — eps 8/255, 7 steps of 2/255, random start.
 * - `torchattacks`: torchattacks `PGD` — eps 8/255, alpha 2/255, 10 steps, random start.
 */
export const PGD_PRESETS = {
  art: { eps: 0.3, epsStep: 0.1, maxIter: 100, randomStart: false, norm: 'inf' },
  madry: { eps: 0.3, epsStep: 0.01, maxIter: 40, randomStart: true, norm: 'inf' },
  'madry-cifar': { eps: 8 / 255, epsStep: 2 / 255, maxIter: 7, randomStart: true, norm: 'inf' },
  torchattacks: { eps: 8 / 255, epsStep: 2 / 255, maxIter: 10, randomStart: true, norm: 'inf' },
} as const satisfies Record<string, PgdParams>;

/** Names of the PGD presets. */
export type PgdPreset = keyof typeof PGD_PRESETS;
/** The preset names, in declaration order (CLI choices). */
export const PGD_PRESET_NAMES = Object.keys(PGD_PRESETS) as PgdPreset[];

/** PGD options: a preset plus overrides. */
export interface PgdOptions extends CommonAttackOptions, Partial<PgdParams> {
  /** @default 'art' */
  preset?: PgdPreset;
  /** Seed of the random start. @default 0 */
  seed?: number;
}

/** Resolves a preset and overrides into the full parameter set (validated). */
export function pgdParams(options: PgdOptions = {}): PgdParams {
  const preset = options.preset ?? 'art';
  const base = PGD_PRESETS[preset] as PgdParams | undefined;
  if (!base)
    throw new AisfError(
      'E_INPUT',
      `pgd preset must be one of ${PGD_PRESET_NAMES.join(', ')} (got ${preset})`,
    );
  const p: PgdParams = {
    eps: options.eps ?? base.eps,
    epsStep: options.epsStep ?? base.epsStep,
    maxIter: options.maxIter ?? base.maxIter,
    randomStart: options.randomStart ?? base.randomStart,
    norm: options.norm ?? base.norm,
  };
  if (!Number.isSafeInteger(p.maxIter) || p.maxIter < 1)
    throw new AisfError('E_INPUT', `pgd: maxIter must be a positive integer (got ${p.maxIter})`);
  return p;
}

/** A uniform draw from the ε-ball: the box for L∞, the L2 ball (direction ~ N(0, I), radius ε·U^(1/d)). */
function randomPoint(
  d: number,
  eps: number,
  norm: Norm,
  rng: ReturnType<typeof createRng>,
  out: Float64Array,
) {
  if (norm === 'inf') {
    for (let i = 0; i < d; i++) out[i] = eps * (2 * rng.uniform() - 1);
    return;
  }
  let s = 0;
  for (let i = 0; i < d; i++) {
    const v = rng.normal();
    out[i] = v;
    s += v * v;
  }
  const r = (eps * rng.uniform() ** (1 / d)) / Math.sqrt(s || 1);
  for (let i = 0; i < d; i++) out[i] = (out[i] as number) * r;
}

/**
 * Runs PGD: x₀ = x (or a random ball point), then maxIter times
 * x ← x₀ + Π_ε(clip(x ± epsStep·d(∇ₓL)) − x₀), d = sign (L∞) or g/‖g‖₂ (L2) — ART's order (step,
 * clip to the range, project). Deterministic without random start; seeded with it.
 *
 * @example
 * const adv = await pgd(model, x, { preset: 'madry', eps: 0.1, labels: y, seed: 1 });
 */
export async function pgd(
  model: AttackModel,
  x: Tensor<Float32Array>,
  options: PgdOptions = {},
): Promise<Tensor<Float32Array>> {
  const { range, batchSize } = commonDefaults(options);
  const p = pgdParams(options);
  checkAttackNumbers('pgd', { eps: p.eps, epsStep: p.epsStep }, p.norm, range);
  checkAttackInput(x, range);
  const labels = await resolveLabels(model, x, options);
  const n = x.shape[0] as number;
  const inner = x.data.length / Math.max(1, n);
  const out = new Float32Array(x.data.length);
  const rng = createRng(options.seed ?? 0);
  const delta = new Float64Array(inner);
  const dir = new Float64Array(inner);
  const sign = options.targeted ? -1 : 1;
  // Sample-iterations done, over every batch in flight: progress moves every iteration.
  let done = 0;
  await forEachBatch(model, n, batchSize, async (start, end) => {
    const b = end - start;
    const x0 = x.data.subarray(start * inner, end * inner);
    const cur = new Float32Array(b * inner);
    for (let s = 0; s < b; s++) {
      if (p.randomStart) randomPoint(inner, p.eps, p.norm, rng, delta);
      else delta.fill(0);
      const o = s * inner;
      writeAdversarial(
        x0.subarray(o, o + inner),
        delta,
        p.eps,
        p.norm,
        range,
        cur.subarray(o, o + inner),
      );
    }
    const yb = { data: labels.subarray(start, end), shape: [b] };
    // L∞: the clamp interval of every value is fixed per batch; one fused pass per step.
    const bounds = p.norm === 'inf' ? linfBounds(x0, p.eps, range) : undefined;
    for (let it = 0; it < p.maxIter; it++) {
      const { inputGradient } = await model.lossAndGradient(
        { data: cur, shape: [b, ...x.shape.slice(1)] },
        yb,
        { loss: 'cross-entropy', reduction: 'sum', wrt: 'input' },
      );
      const g = (inputGradient as Tensor<Float32Array>).data;
      if (bounds) {
        linfStep(cur, g, sign * p.epsStep, bounds);
        done += b / p.maxIter;
        options.onProgress?.(done, n);
        continue;
      }
      for (let s = 0; s < b; s++) {
        const o = s * inner;
        stepDirection(g.subarray(o, o + inner), p.norm, dir);
        for (let i = 0; i < inner; i++) {
          const x0i = x0[o + i] as number;
          const stepped = clip(
            (cur[o + i] as number) + sign * p.epsStep * (dir[i] as number),
            range.lo,
            range.hi,
          );
          delta[i] = stepped - x0i;
        }
        projectBall(delta, p.eps, p.norm);
        writeAdversarial(
          x0.subarray(o, o + inner),
          delta,
          p.eps,
          p.norm,
          range,
          cur.subarray(o, o + inner),
        );
      }
      done += b / p.maxIter;
      options.onProgress?.(done, n);
    }
    out.set(cur, start * inner);
  });
  return { data: out, shape: [...x.shape] };
}

/** Resolves a runner request into PGD parameters at ε. */
function pgdOfSpec(spec: AttackSpec, eps?: number): PgdParams {
  if (spec.preset !== undefined && !(spec.preset in PGD_PRESETS))
    throw new AisfError(
      'E_INPUT',
      `pgd preset must be one of ${PGD_PRESET_NAMES.join(', ')} (got ${spec.preset})`,
    );
  return pgdParams({
    ...(spec.preset ? { preset: spec.preset as PgdPreset } : {}),
    ...(eps !== undefined ? { eps } : {}),
    ...(spec.norm ? { norm: spec.norm } : {}),
    ...(spec.epsStep !== undefined ? { epsStep: spec.epsStep } : {}),
    ...(spec.maxIter !== undefined ? { maxIter: spec.maxIter } : {}),
    ...(spec.randomStart !== undefined ? { randomStart: spec.randomStart } : {}),
  });
}

/** The PGD registry entry (presets: art, madry, madry-cifar, torchattacks). */
export const pgdAttack: AttackDescriptor = {
  id: 'pgd',
  title: 'Projected Gradient Descent (PGD)',
  reference: 'Madry et al. 2018; default preset = ART ProjectedGradientDescent',
  kind: 'white-box',
  norms: NORMS,
  defaults: { ...PGD_PRESETS.art, preset: 'art', loss: 'cross-entropy' },
  defaultEps: (spec) => pgdOfSpec(spec).eps,
  cost: (spec, eps) => pgdOfSpec(spec, eps).maxIter,
  async run(model, x, ctx) {
    const p = pgdOfSpec(ctx.spec, ctx.eps);
    const n = x.shape[0] as number;
    const adversarial = await pgd(requireGradients(model, 'pgd'), x, {
      range: ctx.range,
      batchSize: ctx.batchSize,
      labels: ctx.labels,
      targeted: ctx.targeted,
      ...p,
      seed: ctx.seed,
      onProgress: (done) => ctx.onProgress(done / Math.max(1, n)),
    });
    return {
      adversarial,
      params: {
        preset: ctx.spec.preset ?? 'art',
        epsStep: p.epsStep,
        maxIter: p.maxIter,
        randomStart: p.randomStart,
        targeted: ctx.targeted,
        seed: ctx.seed,
        loss: 'cross-entropy',
      },
    };
  },
};
