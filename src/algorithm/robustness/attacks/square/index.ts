/**
 * @module Square attack, L∞ (Andriushchenko et al. 2020, arXiv:1912.00049): a score-based
 * black-box random search that changes one square window per step to ±ε and keeps the change
 * when the margin loss drops. Defaults, schedule and initialisation as ART's `SquareAttack`.
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
  linfBox,
  marginLoss,
  runSamples,
  type SampleContext,
  sampleDims,
} from '../black-box.js';
import { checkAttackInput, checkAttackNumbers } from '../common.js';

/**
 * ART `SquareAttack` defaults (norm ∞, eps 0.3, max_iter 100, p_init 0.8, nb_restarts 1) plus
 * aisf's per-sample query budget. With these iteration counts a sample spends at most
 * 1 + nb_restarts·(1 + max_iter) = 102 queries, so the default budget never binds.
 */
export const SQUARE_DEFAULTS = {
  eps: 0.3,
  maxIter: 100,
  pInit: 0.8,
  nbRestarts: 1,
  maxQueries: 10_000,
} as const;

/** Square attack options. */
export interface SquareOptions {
  /** L∞ budget in input units. @default 0.3 (ART) */
  eps?: number;
  /** Iterations per restart. @default 100 (ART) */
  maxIter?: number;
  /** Initial fraction of pixels in the square. @default 0.8 (ART, paper) */
  pInit?: number;
  /** @default 1 (ART) */
  nbRestarts?: number;
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
  /** Samples attacked together (one predict call per round). @default 128 */
  batchSize?: number;
  onProgress?: (fraction: number) => void;
}

/** What square returns: the adversarial batch and the queries spent. */
export interface BlackBoxResult {
  adversarial: Tensor<Float32Array>;
  queries: QueryStats;
}

/**
 * The fraction p of pixels the square covers at iteration i of n: p_init halved at 0.1 %, 0.5 %,
 * 2 %, 5 %, 10 %, 20 %, 40 %, 60 %, 80 % of the run (ART `_get_percentage_of_elements`, the
 * paper's schedule for 10 000 iterations rescaled to n).
 */
export function squareFraction(i: number, n: number, pInit: number): number {
  const ip = i / n;
  const intervals = [0.001, 0.005, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8];
  let k = 0;
  // bisect_left: the first interval ≥ ip.
  while (k < intervals.length && (intervals[k] as number) < ip) k++;
  return pInit / 2 ** k;
}

interface SquareSampleParams {
  x: Float32Array;
  label: number;
  targeted: boolean;
  eps: number;
  range: ValueRange;
  maxIter: number;
  pInit: number;
  nbRestarts: number;
  c: number;
  h: number;
  w: number;
}

/** One sample's attack; returns the adversarial example (x when never improved). */
async function squareSample(s: SampleContext, p: SquareSampleParams): Promise<Float32Array> {
  const { x, label, targeted, c, h, w } = p;
  const d = x.length;
  const { lo, hi } = linfBox(x, p.eps, p.range);
  let best = Float32Array.from(x);
  const cand = new Float32Array(d);
  try {
    let scores = await s.query(x, 1);
    const k = scores.length;
    if (isAdversarial(scores, 0, k, label, targeted)) return best;
    // ART re-predicts x and the current point for every loss; their margins are cached here, so
    // the iterates are the same at 1 query per step: ≤ 1 + nbRestarts·(1 + maxIter) in all.
    const cleanLoss = marginLoss(scores, 0, k, label, targeted);
    for (let r = 0; r < p.nbRestarts; r++) {
      // ART: every restart starts from x with vertical stripes x ± ε (one sign per channel and
      // column), clipped to the range; kept only if it lowers the margin.
      let loss = cleanLoss;
      const cur = Float32Array.from(x);
      best = cur;
      for (let ch = 0; ch < c; ch++)
        for (let col = 0; col < w; col++) {
          const up = s.rng.uniform() < 0.5;
          for (let row = 0; row < h; row++) {
            const i = (ch * h + row) * w + col;
            cand[i] = up ? (hi[i] as number) : (lo[i] as number);
          }
        }
      scores = await s.query(cand, 1);
      let l = marginLoss(scores, 0, k, label, targeted);
      if (l < loss) {
        loss = l;
        cur.set(cand);
        if (isAdversarial(scores, 0, k, label, targeted)) return cur;
      }
      for (let it = 0; it < p.maxIter; it++) {
        s.progress((r + it / p.maxIter) / p.nbRestarts);
        const frac = squareFraction(it, p.maxIter, p.pInit);
        const side = Math.min(h, w, Math.max(1, Math.round(Math.sqrt(frac * h * w))));
        // numpy randint(0, h − s): the last position is never drawn (as ART and the paper's code).
        // Window and signs are drawn per sample, as in the paper's code; ART shares one draw
        // across the batch (so its results depend on the batch size, ours do not).
        const top = h - side > 0 ? Math.floor(s.rng.uniform() * (h - side)) : 0;
        const left = w - side > 0 ? Math.floor(s.rng.uniform() * (w - side)) : 0;
        cand.set(cur);
        for (let ch = 0; ch < c; ch++) {
          // x_adv ± 2ε clipped to [x − ε, x + ε] (ART) = the window set to x ± ε.
          const up = s.rng.uniform() < 0.5;
          for (let row = top; row < top + side; row++)
            for (let col = left; col < left + side; col++) {
              const i = (ch * h + row) * w + col;
              cand[i] = up ? (hi[i] as number) : (lo[i] as number);
            }
        }
        scores = await s.query(cand, 1);
        l = marginLoss(scores, 0, k, label, targeted);
        if (l < loss) {
          loss = l;
          cur.set(cand);
          if (isAdversarial(scores, 0, k, label, targeted)) return cur;
        }
      }
    }
    return best;
  } catch (error) {
    if (error instanceof BudgetExhausted) return best;
    throw error;
  }
}

/**
 * Runs the L∞ Square attack on an NCHW batch through predictions only. Every sample spends at
 * most `maxQueries` model queries (its clean query included); it stops as soon as it is
 * misclassified (untargeted) or classified as its target.
 *
 * @example
 * const { adversarial, queries } = await square(model, x, { labels: y, eps: 0.1, maxQueries: 500 });
 */
export async function square(
  model: PredictModel,
  x: Tensor<Float32Array>,
  options: SquareOptions,
): Promise<BlackBoxResult> {
  const range = options.range ?? DEFAULT_RANGE;
  const eps = options.eps ?? SQUARE_DEFAULTS.eps;
  const maxIter = options.maxIter ?? SQUARE_DEFAULTS.maxIter;
  const pInit = options.pInit ?? SQUARE_DEFAULTS.pInit;
  const nbRestarts = options.nbRestarts ?? SQUARE_DEFAULTS.nbRestarts;
  const maxQueries = options.maxQueries ?? SQUARE_DEFAULTS.maxQueries;
  const batchSize = options.batchSize ?? 128;
  checkAttackNumbers('square', { eps }, 'inf', range);
  checkInt('square', 'maxIter', maxIter, 1);
  checkInt('square', 'nbRestarts', nbRestarts, 1);
  checkInt('square', 'batchSize', batchSize, 1);
  checkBudget('square', maxQueries);
  if (!(pInit > 0 && pInit < 1))
    throw new AisfError('E_INPUT', `square: pInit must lie in (0, 1) (got ${pInit})`);
  checkAttackInput(x, range);
  if (x.shape.length !== 4)
    throw new AisfError(
      'E_INPUT',
      `square: inputs must be NCHW images (got shape [${x.shape.join(', ')}])`,
    );
  const { n, shape, inner } = sampleDims(x);
  if (options.labels.length !== n)
    throw new AisfError(
      'E_INPUT',
      `square: labels hold ${options.labels.length} values for ${n} samples`,
    );
  const [c, h, w] = shape as [number, number, number];
  const { results, queries } = await runSamples(
    model,
    shape,
    n,
    {
      maxQueries,
      seed: options.seed ?? 0,
      concurrency: batchSize,
      batchSize,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
    (s) =>
      squareSample(s, {
        x: x.data.subarray(s.index * inner, (s.index + 1) * inner),
        label: Number(options.labels[s.index]),
        targeted: options.targeted ?? false,
        eps,
        range,
        maxIter,
        pInit,
        nbRestarts,
        c,
        h,
        w,
      }),
  );
  const out = new Float32Array(x.data.length);
  results.forEach((r, i) => {
    out.set(r, i * inner);
  });
  return {
    adversarial: { data: out, shape: [...x.shape] },
    queries: queryStats(queries, maxQueries),
  };
}

const num = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback);

/** The Square attack registry entry (black-box, L∞). */
export const squareAttack: AttackDescriptor = {
  id: 'square',
  title: 'Square attack (score-based random search, L∞)',
  reference: 'Andriushchenko et al. 2020; ART SquareAttack defaults',
  kind: 'black-box',
  norms: ['inf'],
  defaults: SQUARE_DEFAULTS,
  cost: (spec) =>
    Math.min(
      spec.maxQueries ?? SQUARE_DEFAULTS.maxQueries,
      1 +
        num(spec.params?.nbRestarts, SQUARE_DEFAULTS.nbRestarts) *
          (1 + (spec.maxIter ?? SQUARE_DEFAULTS.maxIter)),
    ),
  async run(model, x, ctx) {
    const maxIter = ctx.spec.maxIter ?? SQUARE_DEFAULTS.maxIter;
    const pInit = num(ctx.spec.params?.pInit, SQUARE_DEFAULTS.pInit);
    const nbRestarts = num(ctx.spec.params?.nbRestarts, SQUARE_DEFAULTS.nbRestarts);
    const maxQueries = ctx.spec.maxQueries ?? SQUARE_DEFAULTS.maxQueries;
    const r = await square(model, x, {
      eps: ctx.eps,
      maxIter,
      pInit,
      nbRestarts,
      maxQueries,
      range: ctx.range,
      labels: ctx.labels,
      targeted: ctx.targeted,
      seed: ctx.seed,
      batchSize: ctx.batchSize,
      onProgress: ctx.onProgress,
    });
    return {
      adversarial: r.adversarial,
      queries: r.queries,
      params: {
        maxIter,
        pInit,
        nbRestarts,
        maxQueries,
        targeted: ctx.targeted,
        seed: ctx.seed,
        loss: 'margin',
      },
    };
  },
};
