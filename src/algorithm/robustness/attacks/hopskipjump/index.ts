/**
 * @module HopSkipJump (Chen, Jordan & Wainwright 2020, arXiv:1904.02144): a decision-based
 * black-box attack that needs only the predicted label. From a misclassified starting point it
 * alternates a binary search to the decision boundary, a Monte-Carlo estimate of the boundary's
 * normal, and a geometric step search — L2 or L∞, defaults and details as ART's `HopSkipJump`.
 */
import type { Tensor } from '../../../../engine/index.js';
import { AisfError } from '../../../../errors.js';
import { DEFAULT_RANGE, type ValueRange } from '../../image.js';
import type { AttackDescriptor, PredictModel, QueryStats } from '../attack.js';
import { queryStats } from '../attack.js';
import {
  BudgetExhausted,
  checkBudget,
  checkInt,
  isAdversarial,
  runSamples,
  type SampleContext,
  sampleDims,
} from '../black-box.js';
import { checkAttackInput, checkAttackNumbers, NORMS, type Norm } from '../common.js';

/**
 * ART `HopSkipJump` defaults (max_iter 50, max_eval 10000, init_eval 100, init_size 100) plus
 * aisf's per-sample query budget (ART has none: its defaults spend ≈ 25 000 queries per sample;
 * the HSJA paper reports results at 1K–25K queries).
 */
export const HOPSKIPJUMP_DEFAULTS = {
  eps: 0.3,
  maxIter: 50,
  maxEval: 10_000,
  initEval: 100,
  initSize: 100,
  maxQueries: 10_000,
} as const;

/** HopSkipJump options. */
export interface HopSkipJumpOptions {
  /**
   * Budget in input units: a sample counts as broken only when the attack found an adversarial
   * example within ε (else the clean input is returned), and it stops as soon as it has one.
   * `Infinity` runs the full minimum-norm attack. @default 0.3
   */
  eps?: number;
  /** @default '2' (ART) */
  norm?: Norm;
  /** @default 50 (ART) */
  maxIter?: number;
  /** Most gradient-estimation queries per iteration. @default 10000 (ART) */
  maxEval?: number;
  /** Gradient-estimation queries at iteration t: min(initEval·√(t+1), maxEval). @default 100 (ART) */
  initEval?: number;
  /** Random draws to find a misclassified starting point. @default 100 (ART) */
  initSize?: number;
  /** Per-sample query budget, never exceeded (the clean query counts). @default 10000 */
  maxQueries?: number;
  /** @default [0, 1] */
  range?: ValueRange;
  /** True labels (untargeted) or targets (targeted); required. */
  labels: ArrayLike<number>;
  /** @default false */
  targeted?: boolean;
  /** @default 0 */
  seed?: number;
  /** Samples attacked together. @default 128 */
  batchSize?: number;
  /**
   * Points per gradient-estimation query; bounds memory to ≈ batchSize·evalChunk·d·12 bytes and
   * does not change results. @default 64
   */
  evalChunk?: number;
  onProgress?: (fraction: number) => void;
}

/** HopSkipJump's result: adversarial batch, queries, and each sample's distance found. */
export interface HopSkipJumpResult {
  adversarial: Tensor<Float32Array>;
  queries: QueryStats;
  /** Distance (in the attack norm) of the adversarial example found per sample; Infinity if none. */
  distances: number[];
}

function distance(a: Float32Array, x: Float32Array, norm: Norm): number {
  let m = 0;
  let q = 0;
  for (let i = 0; i < x.length; i++) {
    const d = (a[i] as number) - (x[i] as number);
    m = Math.max(m, Math.abs(d));
    q += d * d;
  }
  return norm === '2' ? Math.sqrt(q) : m;
}

interface HsjParams {
  x: Float32Array;
  label: number;
  targeted: boolean;
  norm: Norm;
  eps: number;
  range: ValueRange;
  maxIter: number;
  maxEval: number;
  initEval: number;
  initSize: number;
  evalChunk: number;
}

/** One sample; returns the last adversarial point found (null when none). */
async function hsjSample(s: SampleContext, p: HsjParams): Promise<Float32Array | null> {
  const { x, label, targeted, norm, range } = p;
  const d = x.length;
  // ART: θ = 0.01/√d (L2) or 0.01/d (L∞), the binary-search tolerance.
  const theta = norm === '2' ? 0.01 / Math.sqrt(d) : 0.01 / d;
  const lo = Math.fround(range.lo);
  const hi = Math.fround(range.hi);
  const clip = (v: number) => (v < lo ? lo : v > hi ? hi : v);
  const adversarial = async (pt: Float32Array) => {
    const scores = await s.query(pt, 1);
    return isAdversarial(scores, 0, scores.length, label, targeted);
  };
  const interpolate = (cur: Float32Array, alpha: number, n: Norm, out: Float32Array) => {
    if (n === '2')
      for (let i = 0; i < d; i++)
        out[i] = (1 - alpha) * (x[i] as number) + alpha * (cur[i] as number);
    else
      for (let i = 0; i < d; i++) {
        const xi = x[i] as number;
        const v = cur[i] as number;
        out[i] = v < xi - alpha ? xi - alpha : v > xi + alpha ? xi + alpha : v;
      }
    return out;
  };
  // ART `_binary_search`: shrink towards x while the interpolated point stays adversarial.
  const binarySearch = async (cur: Float32Array, n: Norm, threshold?: number) => {
    let upper: number;
    let thr: number;
    if (n === '2') {
      upper = 1;
      thr = threshold ?? theta;
    } else {
      upper = distance(cur, x, 'inf');
      thr = threshold ?? Math.min(upper * theta, theta);
    }
    let lower = 0;
    const probe = new Float32Array(d);
    while (upper - lower > thr) {
      const alpha = (upper + lower) / 2;
      if (await adversarial(interpolate(cur, alpha, n, probe))) upper = alpha;
      else lower = alpha;
    }
    return interpolate(cur, upper, n, new Float32Array(d));
  };

  let cur: Float32Array | null = null;
  // The closest verified adversarial point so far: ART returns the last post-step point, which
  // lies off the boundary; the boundary point of the last binary search is closer and free.
  let best: Float32Array | null = null;
  let bestDist = Number.POSITIVE_INFINITY;
  const keep = (pt: Float32Array) => {
    const dist = distance(pt, x, norm);
    if (dist < bestDist) {
      best = pt;
      bestDist = dist;
    }
    return dist <= p.eps;
  };
  try {
    if (await adversarial(x)) return Float32Array.from(x);
    // Initialisation (ART `_init_sample`): uniform random images until one is adversarial, then
    // an L2 binary search towards x with tolerance 0.001.
    const rnd = new Float32Array(d);
    for (let t = 0; t < p.initSize && !cur; t++) {
      for (let i = 0; i < d; i++) rnd[i] = clip(lo + (hi - lo) * s.rng.uniform());
      if (await adversarial(rnd)) cur = await binarySearch(rnd, '2', 0.001);
    }
    if (!cur) return null;
    if (keep(cur)) return cur;
    const update = new Float64Array(d);
    const sumFU = new Float64Array(d);
    const sumU = new Float64Array(d);
    const chunk = Math.max(1, Math.min(p.evalChunk, p.maxEval));
    const pts = new Float32Array(chunk * d);
    const noise = new Float64Array(chunk * d);
    for (let it = 0; it < p.maxIter; it++) {
      s.progress(it / p.maxIter);
      // δ of the gradient probe (ART `_compute_delta`, the authors' code): 0.1·range first, then
      // √d·θ·dist (L2) or d·θ·dist (L∞), dist measured before the binary search.
      const delta =
        it === 0
          ? 0.1 * (range.hi - range.lo)
          : norm === '2'
            ? Math.sqrt(d) * theta * distance(cur, x, '2')
            : d * theta * distance(cur, x, 'inf');
      cur = await binarySearch(cur, norm);
      if (keep(cur)) return cur;
      // Gradient-direction estimate (eq. 14; ART `_compute_update`), streamed in chunks:
      // mean((f − mean f)·u) = mean(f·u) − mean(f)·mean(u).
      const numEval = Math.min(Math.floor(p.initEval * Math.sqrt(it + 1)), p.maxEval);
      sumFU.fill(0);
      sumU.fill(0);
      let sumF = 0;
      for (let done = 0; done < numEval; ) {
        const m = Math.min(chunk, numEval - done);
        for (let j = 0; j < m; j++) {
          const o = j * d;
          let ss = 0;
          for (let i = 0; i < d; i++) {
            const v = norm === '2' ? s.rng.normal() : 2 * s.rng.uniform() - 1;
            noise[o + i] = v;
            ss += v * v;
          }
          const r = 1 / Math.sqrt(ss || 1);
          for (let i = 0; i < d; i++) {
            const f = Math.fround(clip((cur[i] as number) + delta * (noise[o + i] as number) * r));
            pts[o + i] = f;
            // ART: the noise actually applied after clipping, (clip(x + δu) − x)/δ.
            noise[o + i] = (f - (cur[i] as number)) / delta;
          }
        }
        const scores = await s.query(pts, m);
        const k = scores.length / m;
        for (let j = 0; j < m; j++) {
          const f = isAdversarial(scores, j * k, k, label, targeted) ? 1 : -1;
          sumF += f;
          const o = j * d;
          for (let i = 0; i < d; i++) {
            const u = noise[o + i] as number;
            sumFU[i] = (sumFU[i] as number) + f * u;
            sumU[i] = (sumU[i] as number) + u;
          }
        }
        done += m;
      }
      const meanF = sumF / numEval;
      let gn = 0;
      for (let i = 0; i < d; i++) {
        const mu = (sumU[i] as number) / numEval;
        const g =
          meanF === 1 ? mu : meanF === -1 ? -mu : (sumFU[i] as number) / numEval - meanF * mu;
        update[i] = g;
        gn += g * g;
      }
      gn = Math.sqrt(gn);
      for (let i = 0; i < d; i++) {
        const g = update[i] as number;
        update[i] = norm === '2' ? (gn > 0 ? g / gn : 0) : g > 0 ? 1 : g < 0 ? -1 : 0;
      }
      // Geometric step search: ξ = 2·dist/√(t+1), halved until the step stays adversarial.
      let xi = (2 * distance(cur, x, norm)) / Math.sqrt(it + 1);
      const next = new Float32Array(d);
      for (let halving = 0; halving < 64; halving++) {
        xi /= 2;
        for (let i = 0; i < d; i++) next[i] = clip((cur[i] as number) + xi * (update[i] as number));
        if (await adversarial(next)) {
          cur = next;
          break;
        }
      }
      if (keep(cur)) return cur;
    }
    return best;
  } catch (error) {
    if (error instanceof BudgetExhausted) return best;
    throw error;
  }
}

/**
 * Runs HopSkipJump on a batch (any batch-first shape) through predicted labels only. Each
 * sample spends at most `maxQueries` queries; the returned batch holds, per sample, the
 * adversarial example when one within ε was found, else the clean input.
 *
 * @example
 * const { adversarial, queries } = await hopSkipJump(model, x, { labels: y, norm: '2', eps: 1.5, maxQueries: 2000 });
 */
export async function hopSkipJump(
  model: PredictModel,
  x: Tensor<Float32Array>,
  options: HopSkipJumpOptions,
): Promise<HopSkipJumpResult> {
  const range = options.range ?? DEFAULT_RANGE;
  const D = HOPSKIPJUMP_DEFAULTS;
  const eps = options.eps ?? D.eps;
  const norm = options.norm ?? '2';
  const maxIter = options.maxIter ?? D.maxIter;
  const maxEval = options.maxEval ?? D.maxEval;
  const initEval = options.initEval ?? D.initEval;
  const initSize = options.initSize ?? D.initSize;
  const maxQueries = options.maxQueries ?? D.maxQueries;
  const batchSize = options.batchSize ?? 128;
  const evalChunk = options.evalChunk ?? 64;
  if (!(eps >= 0))
    throw new AisfError('E_INPUT', `hopskipjump: eps must be a number ≥ 0 (got ${eps})`);
  checkAttackNumbers('hopskipjump', {}, norm, range);
  checkInt('hopskipjump', 'maxIter', maxIter, 0);
  checkInt('hopskipjump', 'maxEval', maxEval, 1);
  checkInt('hopskipjump', 'initEval', initEval, 1);
  checkInt('hopskipjump', 'initSize', initSize, 1);
  checkInt('hopskipjump', 'batchSize', batchSize, 1);
  checkInt('hopskipjump', 'evalChunk', evalChunk, 1);
  checkBudget('hopskipjump', maxQueries);
  if (initEval > maxEval)
    throw new AisfError(
      'E_INPUT',
      `hopskipjump: initEval (${initEval}) must not exceed maxEval (${maxEval})`,
    );
  checkAttackInput(x, range);
  const { n, shape, inner } = sampleDims(x);
  if (options.labels.length !== n)
    throw new AisfError(
      'E_INPUT',
      `hopskipjump: labels hold ${options.labels.length} values for ${n} samples`,
    );
  const { results, queries } = await runSamples(
    model,
    shape,
    n,
    {
      maxQueries,
      seed: options.seed ?? 0,
      concurrency: batchSize,
      batchSize: Math.max(batchSize, 256),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
    (s) =>
      hsjSample(s, {
        x: x.data.subarray(s.index * inner, (s.index + 1) * inner),
        label: Number(options.labels[s.index]),
        targeted: options.targeted ?? false,
        norm,
        eps,
        range,
        maxIter,
        maxEval,
        initEval,
        initSize,
        evalChunk,
      }),
  );
  const out = Float32Array.from(x.data);
  const distances = results.map((r, i) => {
    if (!r) return Number.POSITIVE_INFINITY;
    const xi = x.data.subarray(i * inner, (i + 1) * inner);
    const dist = distance(r, xi, norm);
    // Only an example inside the ε-ball counts; otherwise the sample keeps its clean input.
    if (dist <= eps) out.set(r, i * inner);
    return dist;
  });
  return {
    adversarial: { data: out, shape: [...x.shape] },
    queries: queryStats(queries, maxQueries),
    distances,
  };
}

const num = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback);

/** The HopSkipJump registry entry (black-box, decision-based, L2 and L∞). */
export const hopSkipJumpAttack: AttackDescriptor = {
  id: 'hopskipjump',
  title: 'HopSkipJump (decision-based, L2 / L∞)',
  reference: 'Chen et al. 2020; ART HopSkipJump defaults',
  kind: 'black-box',
  norms: NORMS,
  defaults: HOPSKIPJUMP_DEFAULTS,
  cost: (spec) => spec.maxQueries ?? HOPSKIPJUMP_DEFAULTS.maxQueries,
  async run(model, x, ctx) {
    const D = HOPSKIPJUMP_DEFAULTS;
    const p = {
      maxIter: ctx.spec.maxIter ?? D.maxIter,
      maxEval: num(ctx.spec.params?.maxEval, D.maxEval),
      initEval: num(ctx.spec.params?.initEval, D.initEval),
      initSize: num(ctx.spec.params?.initSize, D.initSize),
      maxQueries: ctx.spec.maxQueries ?? D.maxQueries,
    };
    const r = await hopSkipJump(model, x, {
      ...p,
      eps: ctx.eps,
      norm: ctx.norm,
      range: ctx.range,
      labels: ctx.labels,
      targeted: ctx.targeted,
      seed: ctx.seed,
      batchSize: ctx.batchSize,
      onProgress: ctx.onProgress,
    });
    const found = r.distances.filter(Number.isFinite).sort((a, b) => a - b);
    return {
      adversarial: r.adversarial,
      queries: r.queries,
      params: {
        ...p,
        targeted: ctx.targeted,
        seed: ctx.seed,
        ...(found.length
          ? { medianDistanceFound: found[Math.floor((found.length - 1) / 2)] as number }
          : {}),
      },
    };
  },
};
