/**
 * @module DeepFool (Moosavi-Dezfooli et al., CVPR 2016): the minimal-perturbation white-box attack
 * that linearises the classifier around the current point and steps onto the nearest linearised
 * decision boundary until the prediction changes, then overshoots. L2 (the paper's §3.1, ART's
 * `DeepFool`) and L∞ (the paper's §3.2 ℓp variant with p = ∞, as foolbox's LinfDeepFoolAttack).
 */
import type { Tensor } from '../../../../engine/index.js';
import { AisfError } from '../../../../errors.js';
import { checkRange } from '../../image.js';
import { type AttackDescriptor, requireGradients } from '../attack.js';
import {
  type AttackModel,
  argmaxRows,
  type CommonAttackOptions,
  checkAttackInput,
  commonDefaults,
  NORMS,
  type Norm,
  perturbationNorms,
} from '../common.js';

/** DeepFool options. Labels and `targeted` do not apply: DeepFool moves away from the prediction. */
export interface DeepFoolOptions extends Omit<CommonAttackOptions, 'labels' | 'targeted'> {
  /** Iterations per sample before giving up. @default 100 (ART) */
  maxIter?: number;
  /**
   * Overshoot η: the final perturbation is (1 + η)·Σrᵢ, pushing the point across the boundary.
   * @default 0.02 (Moosavi-Dezfooli et al. 2016; ART 1.20's own default is 1e-6, preset `art`)
   */
  overshoot?: number;
  /**
   * Classes whose logit gradients are computed: the union of every sample's top-`nbGrads`
   * predicted classes (ART's `nb_grads`); all classes when ≥ the class count. @default 10 (ART)
   */
  nbGrads?: number;
  /** `2` (the paper's main attack; ART) or `inf` (the paper's ℓ∞ variant). @default '2' */
  norm?: Norm;
}

/** Named parameter sets: `paper` (η = 0.02, the default) and `art` (ART 1.20's DeepFool defaults). */
export const DEEPFOOL_PRESETS = {
  paper: { maxIter: 100, overshoot: 0.02, nbGrads: 10 },
  art: { maxIter: 100, overshoot: 1e-6, nbGrads: 10 },
} as const;
/** A DeepFool preset name. */
export type DeepFoolPreset = keyof typeof DEEPFOOL_PRESETS;
/** The DeepFool preset names, for CLI choices. */
export const DEEPFOOL_PRESET_NAMES = Object.keys(DEEPFOOL_PRESETS) as DeepFoolPreset[];
/** The defaults: max_iter 100, overshoot 0.02, nb_grads 10, L2. */
export const DEEPFOOL_DEFAULTS = { ...DEEPFOOL_PRESETS.paper, norm: '2' as Norm } as const;

/** ART's guard against division by zero (`tol = 10e-8` in art/attacks/evasion/deepfool.py). */
const TOL = 1e-7;

function checkOptions(o: DeepFoolOptions) {
  const maxIter = o.maxIter ?? DEEPFOOL_DEFAULTS.maxIter;
  const overshoot = o.overshoot ?? DEEPFOOL_DEFAULTS.overshoot;
  const nbGrads = o.nbGrads ?? DEEPFOOL_DEFAULTS.nbGrads;
  const norm = o.norm ?? DEEPFOOL_DEFAULTS.norm;
  if (!Number.isSafeInteger(maxIter) || maxIter < 1)
    throw new AisfError('E_INPUT', `deepfool: maxIter must be a positive integer (got ${maxIter})`);
  if (!Number.isSafeInteger(nbGrads) || nbGrads < 2)
    throw new AisfError('E_INPUT', `deepfool: nbGrads must be an integer ≥ 2 (got ${nbGrads})`);
  if (!Number.isFinite(overshoot) || overshoot < 0)
    throw new AisfError(
      'E_INPUT',
      `deepfool: overshoot must be a finite number ≥ 0 (got ${overshoot})`,
    );
  if (!(NORMS as readonly string[]).includes(norm))
    throw new AisfError('E_INPUT', `deepfool: norm must be 2 or inf (got ${norm})`);
  return { maxIter, overshoot, nbGrads, norm };
}

/** The sorted union of every row's top-k classes (ART: `np.unique(argsort(-preds)[:, :k])`). */
function topClasses(logits: Float32Array, n: number, classes: number, k: number): number[] {
  if (k >= classes) return Array.from({ length: classes }, (_, i) => i);
  const set = new Set<number>();
  const idx = Array.from({ length: classes }, (_, i) => i);
  for (let s = 0; s < n; s++) {
    const row = logits.subarray(s * classes, (s + 1) * classes);
    idx.sort((a, b) => (row[b] as number) - (row[a] as number) || a - b);
    for (let j = 0; j < k; j++) set.add(idx[j] as number);
  }
  return [...set].sort((a, b) => a - b);
}

/**
 * Logits and the gradients ∇ₓz_l of every class l in `set` for the samples `rows` of `cur`, in one
 * engine call: the batch is tiled |set| times with the `logit` loss (lᵢ = z_{i,yᵢ}), labels = l.
 */
async function classGradients(
  model: AttackModel,
  cur: Float32Array,
  rows: readonly number[],
  set: readonly number[],
  sampleShape: readonly number[],
  inner: number,
): Promise<{ logits: Float32Array; classes: number; grads: Float32Array }> {
  const L = set.length;
  const tiled = new Float32Array(rows.length * L * inner);
  const labels = new Int32Array(rows.length * L);
  for (let a = 0; a < rows.length; a++) {
    const src = cur.subarray((rows[a] as number) * inner, ((rows[a] as number) + 1) * inner);
    for (let l = 0; l < L; l++) {
      tiled.set(src, (a * L + l) * inner);
      labels[a * L + l] = set[l] as number;
    }
  }
  const r = await model.lossAndGradient(
    { data: tiled, shape: [rows.length * L, ...sampleShape] },
    { data: labels, shape: [rows.length * L] },
    { loss: 'logit', reduction: 'sum', wrt: 'input' },
  );
  const classes = r.logits.data.length / Math.max(1, rows.length * L);
  // Every tile of a sample has the same logits: keep the first.
  const logits = new Float32Array(rows.length * classes);
  for (let a = 0; a < rows.length; a++)
    logits.set(r.logits.data.subarray(a * L * classes, (a * L + 1) * classes), a * classes);
  return { logits, classes, grads: (r.inputGradient as Tensor<Float32Array>).data };
}

/**
 * The DeepFool step of one sample: among the classes l ≠ k̂ of `set`, the nearest linearised
 * boundary l̂ = argmin |f_l − f_k̂| / ‖w_l − w_k̂‖_q (q = 2 for L2, 1 for L∞), then
 * r = |f_l̂ − f_k̂| / (‖w‖₂² + tol) · w (L2) or |f_l̂ − f_k̂| / (‖w‖₁ + tol) · sign(w) (L∞),
 * w = w_l̂ − w_k̂. Written into `r`.
 */
function deepFoolStep(
  f: Float32Array,
  g: Float32Array,
  set: readonly number[],
  k: number,
  norm: Norm,
  inner: number,
  r: Float64Array,
): void {
  const L = set.length;
  const kIdx = set.indexOf(k);
  const gk = g.subarray(kIdx * inner, (kIdx + 1) * inner);
  let best = -1;
  let bestValue = Number.POSITIVE_INFINITY;
  for (let l = 0; l < L; l++) {
    if (l === kIdx) continue;
    const gl = g.subarray(l * inner, (l + 1) * inner);
    let q = 0;
    for (let i = 0; i < inner; i++) {
      const w = (gl[i] as number) - (gk[i] as number);
      q += norm === '2' ? w * w : Math.abs(w);
    }
    const dist = norm === '2' ? Math.sqrt(q) : q;
    const value = Math.abs((f[set[l] as number] as number) - (f[k] as number)) / (dist + TOL);
    if (value < bestValue) {
      bestValue = value;
      best = l;
    }
  }
  if (best < 0) {
    r.fill(0);
    return;
  }
  const gl = g.subarray(best * inner, (best + 1) * inner);
  const fd = Math.abs((f[set[best] as number] as number) - (f[k] as number));
  let q = 0;
  for (let i = 0; i < inner; i++) {
    const w = (gl[i] as number) - (gk[i] as number);
    q += norm === '2' ? w * w : Math.abs(w);
  }
  const c = fd / (q + TOL);
  for (let i = 0; i < inner; i++) {
    const w = (gl[i] as number) - (gk[i] as number);
    r[i] = norm === '2' ? c * w : c * Math.sign(w);
  }
}

/**
 * Runs DeepFool on a batch: for each sample, until the predicted class k̂ changes or `maxIter`
 * steps, x ← clip(x + r) with r the step onto the nearest linearised boundary; finally
 * x' = clip(x₀ + (1 + η)(x − x₀)). This is ART's order (overshoot once, at the end; the value
 * range is clipped every step) — except that ART also multiplies every step by the range width
 * (clip_values[1] − clip_values[0]), which only matters outside [0, 1] and which aisf does not do
 * (r is already in input units). Samples are batched; only still-unfooled samples are re-run.
 *
 * @example
 * const adv = await deepFool(model, x, { overshoot: 0.02 });
 */
export async function deepFool(
  model: AttackModel,
  x: Tensor<Float32Array>,
  options: DeepFoolOptions = {},
): Promise<Tensor<Float32Array>> {
  const { range, batchSize } = commonDefaults(options);
  const { maxIter, overshoot, nbGrads, norm } = checkOptions(options);
  checkRange(range);
  checkAttackInput(x, range);
  const n = x.shape[0] as number;
  const inner = x.data.length / Math.max(1, n);
  const sampleShape = x.shape.slice(1);
  const logits0 = await model.predict(x);
  const classes = logits0.data.length / Math.max(1, n);
  if (classes < 2)
    throw new AisfError('E_INPUT', 'deepfool needs a classifier with ≥ 2 output logits');
  const set = topClasses(logits0.data, n, classes, nbGrads);
  const orig = argmaxRows(logits0);
  const out = new Float32Array(x.data.length);
  const r = new Float64Array(inner);
  const L = set.length;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const b = end - start;
    const x0 = x.data.subarray(start * inner, end * inner);
    const cur = Float32Array.from(x0);
    let active = Array.from({ length: b }, (_, i) => i);
    let step = await classGradients(model, cur, active, set, sampleShape, inner);
    for (let it = 0; it < maxIter && active.length > 0; it++) {
      for (let a = 0; a < active.length; a++) {
        const s = active[a] as number;
        deepFoolStep(
          step.logits.subarray(a * classes, (a + 1) * classes),
          step.grads.subarray(a * L * inner, (a + 1) * L * inner),
          set,
          orig[start + s] as number,
          norm,
          inner,
          r,
        );
        const o = s * inner;
        for (let i = 0; i < inner; i++) {
          const v = (cur[o + i] as number) + (r[i] as number);
          cur[o + i] = v < range.lo ? range.lo : v > range.hi ? range.hi : v;
        }
      }
      step = await classGradients(model, cur, active, set, sampleShape, inner);
      const still: number[] = [];
      const pred = argmaxRows({ data: step.logits, shape: [active.length, classes] });
      const keep: number[] = [];
      for (let a = 0; a < active.length; a++)
        if (pred[a] === orig[start + (active[a] as number)]) {
          still.push(active[a] as number);
          keep.push(a);
        }
      // Keep only the rows (logits and gradients) of the samples still to fool.
      if (keep.length && keep.length < active.length) {
        const logits = new Float32Array(keep.length * classes);
        const grads = new Float32Array(keep.length * L * inner);
        keep.forEach((a, j) => {
          logits.set(step.logits.subarray(a * classes, (a + 1) * classes), j * classes);
          grads.set(step.grads.subarray(a * L * inner, (a + 1) * L * inner), j * L * inner);
        });
        step = { logits, classes, grads };
      }
      active = still;
      options.onProgress?.(start + (b * (it + 1)) / maxIter, n);
    }
    for (let i = 0; i < b * inner; i++) {
      const x0i = x0[i] as number;
      const v = x0i + (1 + overshoot) * ((cur[i] as number) - x0i);
      out[start * inner + i] = v < range.lo ? range.lo : v > range.hi ? range.hi : v;
    }
    options.onProgress?.(end, n);
  }
  return { data: out, shape: [...x.shape] };
}

/**
 * Keeps DeepFool's example where its perturbation fits the budget (‖δ‖ ≤ ε in the given norm)
 * and the clean input elsewhere — how a minimal-perturbation attack yields an accuracy at ε
 * (foolbox's `epsilons` semantics). ε = ∞ keeps every example (ART).
 */
export function withinBudget(
  x: Tensor<Float32Array>,
  adv: Tensor<Float32Array>,
  eps: number,
  norm: Norm,
): Tensor<Float32Array> {
  if (eps === Number.POSITIVE_INFINITY) return adv;
  const n = x.shape[0] as number;
  const inner = x.data.length / Math.max(1, n);
  const { linf, l2 } = perturbationNorms(x, adv);
  const out = Float32Array.from(adv.data);
  for (let s = 0; s < n; s++)
    if (((norm === 'inf' ? linf : l2)[s] as number) > eps)
      out.set(x.data.subarray(s * inner, (s + 1) * inner), s * inner);
  return { data: out, shape: [...adv.shape] };
}

/**
 * One DeepFool run per model, input batch and settings, reused across the ε of a robustness
 * curve (the runner calls `run` once per ε with the same tensors).
 */
const cache = new WeakMap<
  object,
  WeakMap<Tensor<Float32Array>, { key: string; adv: Tensor<Float32Array> }>
>();

/** The DeepFool registry entry (presets: paper, art; ε = a budget on the minimal perturbation). */
export const deepFoolAttack: AttackDescriptor = {
  id: 'deepfool',
  title: 'DeepFool (minimal L2 / L∞ perturbation)',
  reference: 'Moosavi-Dezfooli et al. 2016; ART DeepFool (max_iter 100, nb_grads 10)',
  kind: 'white-box',
  norms: NORMS,
  defaults: { eps: Number.POSITIVE_INFINITY, ...DEEPFOOL_DEFAULTS, preset: 'paper' },
  cost: (spec) => spec.maxIter ?? DEEPFOOL_DEFAULTS.maxIter,
  async run(model, x, ctx) {
    if (ctx.targeted)
      throw new AisfError('E_INPUT', 'deepfool is untargeted: drop the targets for this attack');
    const presetName = ctx.spec.preset ?? 'paper';
    const preset = DEEPFOOL_PRESETS[presetName as DeepFoolPreset];
    if (!preset)
      throw new AisfError(
        'E_INPUT',
        `deepfool preset must be one of ${Object.keys(DEEPFOOL_PRESETS).join(', ')} (got ${presetName})`,
      );
    const extra = ctx.spec.params ?? {};
    const num = (name: string, fallback: number): number => {
      const v = extra[name];
      if (v === undefined) return fallback;
      if (typeof v !== 'number')
        throw new AisfError('E_INPUT', `deepfool: ${name} must be a number (got ${String(v)})`);
      return v;
    };
    const params = {
      maxIter: ctx.spec.maxIter ?? preset.maxIter,
      overshoot: num('overshoot', preset.overshoot),
      nbGrads: num('nbGrads', preset.nbGrads),
      norm: ctx.norm,
    };
    const key = JSON.stringify([params, ctx.range, ctx.batchSize]);
    let perModel = cache.get(model);
    if (!perModel) {
      perModel = new WeakMap();
      cache.set(model, perModel);
    }
    let hit = perModel.get(x);
    if (hit?.key !== key) {
      const adv = await deepFool(requireGradients(model, 'deepfool'), x, {
        ...params,
        range: ctx.range,
        batchSize: ctx.batchSize,
        onProgress: (done, total) => ctx.onProgress(done / Math.max(1, total)),
      });
      hit = { key, adv };
      perModel.set(x, hit);
    }
    return {
      adversarial: withinBudget(x, hit.adv, ctx.eps, ctx.norm),
      params: { preset: presetName, ...params },
    };
  },
};
