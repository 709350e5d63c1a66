/**
 * @module What white-box attacks share: the model interface they need, per-sample norms, the
 * gradient step direction, projection onto the ε-ball, and float32 rounding that never leaves
 * the ball or the value range.
 */
import type { Model, Tensor } from '../../../engine/index.js';
import { AisfError } from '../../../errors.js';
import { checkRange, DEFAULT_RANGE, type ValueRange } from '../image.js';

/** The perturbation norms of the white-box attacks: L∞ and L2. */
export const NORMS = ['inf', '2'] as const;
/** `inf` (L∞) or `2` (L2). */
export type Norm = (typeof NORMS)[number];

/** What an attack needs from a model (an engine Model, or a stub in tests). */
export type AttackModel = Pick<Model, 'predict' | 'lossAndGradient'> &
  Partial<Pick<Model, 'concurrency'>>;

/**
 * Runs `attack(start, end)` for every batch of `n` samples, up to the model's `concurrency`
 * batches at a time. Batches start in index order and each starts with a synchronous prefix, so
 * seeded random draws made before the first `await` happen in the same order as a serial loop.
 * With data-parallel models one batch's JS step then overlaps the next batch's gradients.
 */
export async function forEachBatch(
  model: AttackModel,
  n: number,
  batchSize: number,
  attack: (start: number, end: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const start = next;
      next = Math.min(n, start + batchSize);
      await attack(start, next);
    }
  };
  const lanes = Math.max(1, Math.min(model.concurrency ?? 1, Math.ceil(n / batchSize)));
  await Promise.all(Array.from({ length: lanes }, lane));
}

/** Options shared by the gradient attacks. */
export interface CommonAttackOptions {
  /** Value range of the inputs; adversarial examples are clipped to it. @default [0, 1] */
  range?: ValueRange;
  /**
   * Labels to move away from (untargeted) or class indices to reach (targeted). When omitted
   * in untargeted mode, the model's own predictions are used (ART's default, which avoids the
   * "label leaking" effect of Kurakin et al.).
   */
  labels?: ArrayLike<number | bigint>;
  /** Move towards `labels` instead of away from them. @default false */
  targeted?: boolean;
  /** Samples per gradient call (does not change results). @default 128 */
  batchSize?: number;
  /** Called as work progresses with (done, total) samples; PGD reports fractions every iteration. */
  onProgress?: (done: number, total: number) => void;
}

/** Argmax of each row of [n, k] logits. */
export function argmaxRows(logits: Tensor<Float32Array>): Int32Array {
  const n = logits.shape[0] as number;
  const k = logits.data.length / Math.max(1, n);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++)
      if ((logits.data[i * k + j] as number) > (logits.data[i * k + best] as number)) best = j;
    out[i] = best;
  }
  return out;
}

/** Validates common options; returns the resolved labels (predictions when none given). */
export async function resolveLabels(
  model: AttackModel,
  x: Tensor<Float32Array>,
  options: CommonAttackOptions,
): Promise<Int32Array> {
  const n = x.shape[0] as number;
  if (options.labels !== undefined) {
    if (options.labels.length !== n)
      throw new AisfError(
        'E_INPUT',
        `labels hold ${options.labels.length} values for ${n} samples; pass one class index per sample`,
      );
    return Int32Array.from(options.labels as ArrayLike<number>, (v) => Number(v));
  }
  if (options.targeted)
    throw new AisfError(
      'E_INPUT',
      'a targeted attack needs labels: the target class of every sample',
    );
  return argmaxRows(await model.predict(x));
}

/** Checks eps (and a step) are positive finite numbers, the norm known, the range valid. */
export function checkAttackNumbers(
  what: string,
  values: Record<string, number>,
  norm: string,
  range: ValueRange,
): void {
  for (const [k, v] of Object.entries(values))
    if (!Number.isFinite(v) || v < 0)
      throw new AisfError('E_INPUT', `${what}: ${k} must be a finite number ≥ 0 (got ${v})`);
  if (!(NORMS as readonly string[]).includes(norm))
    throw new AisfError('E_INPUT', `${what}: norm must be inf or 2 (got ${norm})`);
  checkRange(range);
}

/**
 * The unit step direction of one sample's gradient g (in place into out): sign(g) for L∞
 * (ART/cleverhans `optimize_linear`), g/‖g‖₂ for L2 (0 when g = 0). NaN gradients count as 0,
 * as in ART.
 */
export function stepDirection(g: Float32Array, norm: Norm, out: Float64Array): void {
  if (norm === 'inf') {
    for (let i = 0; i < g.length; i++) {
      const v = g[i] as number;
      out[i] = v > 0 ? 1 : v < 0 ? -1 : 0;
    }
    return;
  }
  let s = 0;
  for (const v of g) if (!Number.isNaN(v)) s += v * v;
  const r = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let i = 0; i < g.length; i++) {
    const v = g[i] as number;
    out[i] = Number.isNaN(v) ? 0 : v * r;
  }
}

/** Projects δ onto the ε-ball in place: clamp (L∞) or rescale by min(1, ε/‖δ‖₂) (L2), as ART. */
export function projectBall(delta: Float64Array, eps: number, norm: Norm): void {
  if (norm === 'inf') {
    for (let i = 0; i < delta.length; i++) {
      const v = delta[i] as number;
      delta[i] = v > eps ? eps : v < -eps ? -eps : v;
    }
    return;
  }
  let s = 0;
  for (const v of delta) s += v * v;
  const n = Math.sqrt(s);
  if (n > eps) {
    const k = eps / n;
    for (let i = 0; i < delta.length; i++) delta[i] = (delta[i] as number) * k;
  }
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The float32 neighbour of a float32 value towards +∞ (up) or −∞. */
export function nextFloat32(v: number, up: boolean): number {
  if (v === 0) return up ? 1.401298464324817e-45 : -1.401298464324817e-45;
  F32[0] = v;
  const positive = v > 0;
  U32[0] = (U32[0] as number) + (positive === up ? 1 : -1);
  return F32[0] as number;
}

const NEXT_AWAY = 1 + 2 ** -24 + 2 ** -48; // exact in a double (49 bits)
const NEXT_TOWARD = 1 - 2 ** -24;
const MIN_NORMAL_F32 = 2 ** -126;

/**
 * nextFloat32 with one multiply instead of a bit cast, for the hot L∞ loops. For a normal float32
 * f = m·2^e (1 ≤ m < 2, ulp 2^(e−23)): f·(1 − 2^−24) = f − m·ulp/2 is exact in a double and
 * rounds to the float32 below |f| (to f − ulp for m > 1, and it is exactly 2^e − 2^(e−24) for
 * m = 1); f·(1 + 2^−24 + 2^−48) lies strictly between f + ulp/2 and f + 3ulp/2, so it rounds to the
 * float32 above. Subnormals, ±2^−126 and zero take the bit cast. Checked against nextFloat32 on
 * random bit patterns and every power of two (linf-step.test.ts).
 */
export function nextFloat32Fast(f: number, up: boolean): number {
  if (!(Math.abs(f) > MIN_NORMAL_F32)) return nextFloat32(f, up);
  return Math.fround(f * (f > 0 === up ? NEXT_AWAY : NEXT_TOWARD));
}

/** The smallest float32 ≥ v. */
function f32Ceil(v: number): number {
  const f = Math.fround(v);
  return f < v ? nextFloat32Fast(f, true) : f;
}
/** The largest float32 ≤ v. */
function f32Floor(v: number): number {
  const f = Math.fround(v);
  return f > v ? nextFloat32Fast(f, false) : f;
}

/**
 * Writes x + δ for one sample as float32 into out, such that — measured exactly on the float32
 * values — it lies in the value range and ‖out − x‖ ≤ ε. δ must already be projected; the
 * rounding is then corrected (L∞: per value to the nearest float32 inside the bounds; L2:
 * shrink towards x until the rounded norm fits).
 */
export function writeAdversarial(
  x: Float32Array,
  delta: Float64Array,
  eps: number,
  norm: Norm,
  range: ValueRange,
  out: Float32Array,
): void {
  const lo = f32Ceil(range.lo);
  const hi = f32Floor(range.hi);
  if (norm === 'inf') {
    for (let i = 0; i < x.length; i++) {
      const xi = x[i] as number;
      const a = Math.max(lo, f32Ceil(xi - eps));
      const b = Math.min(hi, f32Floor(xi + eps));
      const f = Math.fround(xi + (delta[i] as number));
      out[i] = f < a ? a : f > b ? b : f;
    }
    return;
  }
  let scale = 1;
  for (let attempt = 0; attempt < 60; attempt++) {
    let s = 0;
    for (let i = 0; i < x.length; i++) {
      const xi = x[i] as number;
      let f = Math.fround(xi + scale * (delta[i] as number));
      f = f < lo ? lo : f > hi ? hi : f;
      out[i] = f;
      s += (f - xi) ** 2;
    }
    if (Math.sqrt(s) <= eps) return;
    scale *= attempt < 50 ? 1 - 2 ** -20 * 2 ** attempt : 0;
  }
  out.set(x);
}

/**
 * The float32 interval each value of an L∞ adversarial example is clamped to by
 * writeAdversarial — [max(lo, ⌈x − ε⌉₃₂), min(hi, ⌊x + ε⌋₃₂)] — computed once per batch, so
 * iterative attacks (PGD) do not recompute it every step.
 */
export function linfBounds(
  x: Float32Array,
  eps: number,
  range: ValueRange,
): { lo: Float32Array; hi: Float32Array } {
  const lo = new Float32Array(x.length);
  const hi = new Float32Array(x.length);
  const rlo = f32Ceil(range.lo);
  const rhi = f32Floor(range.hi);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as number;
    lo[i] = Math.max(rlo, f32Ceil(xi - eps));
    hi[i] = Math.min(rhi, f32Floor(xi + eps));
  }
  return { lo, hi };
}

/**
 * One L∞ PGD step over a whole batch, in place: cur ← clamp(fround(x₀ + Π_ε(clip(cur +
 * step·sign(g)) − x₀)), bounds) — value for value what stepDirection, clip, projectBall and
 * writeAdversarial compute (same result bit for bit), fused into one pass without per-sample
 * buffers. `step` carries the sign (negative for targeted attacks). `bounds` must come from
 * linfBounds(x₀, ε, range): since [lo, hi] = [max(⌈range.lo⌉₃₂, ⌈x₀ − ε⌉₃₂), min(⌊range.hi⌋₃₂,
 * ⌊x₀ + ε⌋₃₂)] lies inside both the range and the ball and rounding is monotone, the range clip
 * and the ball projection before the rounding change nothing that the final clamp does not
 * decide, so the pass computes clamp(fround(cur + step·sign(g)), lo, hi) — half the work.
 */
export function linfStep(
  cur: Float32Array,
  g: Float32Array,
  step: number,
  bounds: { lo: Float32Array; hi: Float32Array },
): void {
  const blo = bounds.lo;
  const bhi = bounds.hi;
  for (let i = 0; i < cur.length; i++) {
    const gi = g[i] as number;
    // A zero or NaN component moves nothing (sign 0), as stepDirection does.
    const f = Math.fround((cur[i] as number) + (gi > 0 ? step : gi < 0 ? -step : 0));
    const a = blo[i] as number;
    const b = bhi[i] as number;
    cur[i] = f < a ? a : f > b ? b : f;
  }
}

/** fgsmLinf's memo of the two directed roundings per input bit pattern (direct-mapped). */
const MEMO_MASK = 4095;
const MEMO_KEYS = new Int32Array(MEMO_MASK + 1);
const MEMO_UP = new Float32Array(MEMO_MASK + 1);
const MEMO_DOWN = new Float32Array(MEMO_MASK + 1);

/**
 * The L∞ FGSM update over a whole batch: out = clamp(fround(x + Π_ε(step·sign(g))), [max(lo,
 * ⌈x − ε⌉₃₂), min(hi, ⌊x + ε⌋₃₂)]) — value for value what stepDirection, projectBall and
 * writeAdversarial compute per sample, fused into one pass without per-sample buffers.
 * `step` carries the sign (−ε for targeted attacks).
 */
export function fgsmLinf(
  x: Float32Array,
  g: Float32Array,
  step: number,
  eps: number,
  range: ValueRange,
  out: Float32Array,
): void {
  const rlo = f32Ceil(range.lo);
  const rhi = f32Floor(range.hi);
  if (eps > 0 && Math.abs(step) >= eps) {
    // Every nonzero sign moves a full ε, and then the clamp below reduces to one directed
    // rounding: x − ε rounds up to ⌈x − ε⌉₃₂ (≥ lo), x + ε down to ⌊x + ε⌋₃₂ (≤ hi). A zero (or
    // NaN) gradient component adds step·0 — a signed zero, exactly as the general path does.
    // Both roundings depend on x alone, and images hold few distinct values (uint8 data: 256),
    // so they are memoised per input bit pattern in a small direct-mapped table: on Fashion-MNIST
    // 6.6 → 3.8 ms per 1000 images. The key −1 is a NaN pattern, never a (range-checked) input.
    const s = step > 0 ? 1 : -1;
    const zero = step * 0;
    const bits = new Int32Array(x.buffer, x.byteOffset, x.length);
    MEMO_KEYS.fill(-1);
    for (let i = 0; i < x.length; i++) {
      const gi = g[i] as number;
      const m = gi > 0 ? s : gi < 0 ? -s : 0;
      if (m === 0) {
        out[i] = (x[i] as number) + zero;
        continue;
      }
      const b = bits[i] as number;
      const h = (b ^ (b >>> 13)) & MEMO_MASK;
      if (MEMO_KEYS[h] !== b) {
        const xi = x[i] as number;
        MEMO_KEYS[h] = b;
        const up = f32Floor(xi + eps);
        MEMO_UP[h] = up > rhi ? rhi : up;
        const down = f32Ceil(xi - eps);
        MEMO_DOWN[h] = down < rlo ? rlo : down;
      }
      out[i] = m > 0 ? (MEMO_UP[h] as number) : (MEMO_DOWN[h] as number);
    }
    return;
  }
  for (let i = 0; i < x.length; i++) {
    const gi = g[i] as number;
    let delta = step * (gi > 0 ? 1 : gi < 0 ? -1 : 0);
    delta = delta > eps ? eps : delta < -eps ? -eps : delta;
    const xi = x[i] as number;
    const a = Math.max(rlo, f32Ceil(xi - eps));
    const b = Math.min(rhi, f32Floor(xi + eps));
    const f = Math.fround(xi + delta);
    out[i] = f < a ? a : f > b ? b : f;
  }
}

/** Per-sample L∞ and L2 distances between two batches. */
export function perturbationNorms(
  x: Tensor<Float32Array>,
  adv: Tensor<Float32Array>,
): { linf: Float64Array; l2: Float64Array } {
  const n = x.shape[0] as number;
  const inner = x.data.length / Math.max(1, n);
  const linf = new Float64Array(n);
  const l2 = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    let m = 0;
    let q = 0;
    for (let i = s * inner; i < (s + 1) * inner; i++) {
      const d = (adv.data[i] as number) - (x.data[i] as number);
      m = Math.max(m, Math.abs(d));
      q += d * d;
    }
    linf[s] = m;
    l2[s] = Math.sqrt(q);
  }
  return { linf, l2 };
}

/** Checks attack inputs are float32, batch-first, finite and inside the range. */
export function checkAttackInput(x: Tensor, range: ValueRange): Tensor<Float32Array> {
  if (!(x.data instanceof Float32Array))
    throw new AisfError('E_INPUT', 'attack inputs must be float32 (scale uint8 images first)');
  if (x.shape.length < 2)
    throw new AisfError(
      'E_INPUT',
      `attack inputs must be batch-first with ≥ 2 dims (got [${x.shape.join(', ')}])`,
    );
  const lo = Math.fround(range.lo);
  const hi = Math.fround(range.hi);
  for (let i = 0; i < x.data.length; i++) {
    const v = x.data[i] as number;
    if (!(v >= lo && v <= hi))
      throw new AisfError(
        'E_INPUT',
        `input value #${i} is ${v}, outside the declared range [${range.lo}, ${range.hi}]; pass the right --range`,
      );
  }
  return x as Tensor<Float32Array>;
}

/** Resolves common defaults. */
export function commonDefaults(options: CommonAttackOptions): {
  range: ValueRange;
  batchSize: number;
} {
  const batchSize = options.batchSize ?? 128;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new AisfError('E_INPUT', `batchSize must be a positive integer (got ${batchSize})`);
  return { range: options.range ?? DEFAULT_RANGE, batchSize };
}
