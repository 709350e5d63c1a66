/**
 * @module Optimizers over typed arrays, with PyTorch's exact update rules (torch.optim.SGD and
 * torch.optim.Adam, L2 weight decay added to the gradient) so hyper-parameters carry over.
 */
import { AisfError } from '../../errors.js';
import type { Tensor } from '../runtime/session.js';

/** Parameters or gradients by name. */
export type ParameterMap = Map<string, Tensor<Float32Array>>;

/** An optimizer: updates `params` in place from `grads`. */
export interface Optimizer {
  readonly name: string;
  step(params: ParameterMap, grads: ReadonlyMap<string, Tensor<Float32Array>>): void;
}

/** Options of SGD. */
export interface SgdOptions {
  /** Learning rate. @default 0.01 */
  lr?: number;
  /** Momentum (torch.optim.SGD: buf = μ·buf + g; first step buf = g). @default 0 */
  momentum?: number;
  /** L2 weight decay added to the gradient. @default 0 */
  weightDecay?: number;
  /** Nesterov momentum (g + μ·buf). @default false */
  nesterov?: boolean;
}

/** Options of Adam. */
export interface AdamOptions {
  /** @default 0.001 (Kingma & Ba 2015; torch.optim.Adam) */
  lr?: number;
  /** @default [0.9, 0.999] */
  betas?: [number, number];
  /** @default 1e-8 */
  eps?: number;
  /** L2 weight decay added to the gradient (Adam, not AdamW). @default 0 */
  weightDecay?: number;
}

function checkPositive(name: string, value: number, allowZero = false): void {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0))
    throw new AisfError(
      'E_CONFIG',
      `optimizer ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number (got ${value})`,
    );
}

function eachParam(
  params: ParameterMap,
  grads: ReadonlyMap<string, Tensor<Float32Array>>,
  fn: (name: string, w: Float32Array, g: Float32Array) => void,
): void {
  for (const [name, p] of params) {
    const g = grads.get(name);
    if (!g) continue;
    if (g.data.length !== p.data.length)
      throw new AisfError(
        'E_INTERNAL',
        `gradient of "${name}" has ${g.data.length} values for ${p.data.length} weights`,
      );
    fn(name, p.data, g.data);
  }
}

/**
 * Stochastic gradient descent with momentum and weight decay (torch.optim.SGD semantics).
 *
 * @example
 * const opt = sgd({ lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
 */
export function sgd(options: SgdOptions = {}): Optimizer {
  const lr = options.lr ?? 0.01;
  const mu = options.momentum ?? 0;
  const wd = options.weightDecay ?? 0;
  checkPositive('lr', lr);
  checkPositive('momentum', mu, true);
  checkPositive('weightDecay', wd, true);
  const buffers = new Map<string, Float32Array>();
  return {
    name: 'sgd',
    step(params, grads) {
      eachParam(params, grads, (name, w, g) => {
        let buf = buffers.get(name);
        const first = !buf;
        if (mu !== 0 && !buf) {
          buf = new Float32Array(w.length);
          buffers.set(name, buf);
        }
        for (let i = 0; i < w.length; i++) {
          let d = (g[i] as number) + wd * (w[i] as number);
          if (buf) {
            const b = first ? d : mu * (buf[i] as number) + d;
            buf[i] = b;
            d = options.nesterov ? d + mu * b : b;
          }
          w[i] = (w[i] as number) - lr * d;
        }
      });
    },
  };
}

/**
 * Adam (torch.optim.Adam semantics, bias-corrected moments).
 *
 * @example
 * const opt = adam({ lr: 1e-3 });
 */
export function adam(options: AdamOptions = {}): Optimizer {
  const lr = options.lr ?? 1e-3;
  const [b1, b2] = options.betas ?? [0.9, 0.999];
  const eps = options.eps ?? 1e-8;
  const wd = options.weightDecay ?? 0;
  checkPositive('lr', lr);
  checkPositive('eps', eps);
  checkPositive('weightDecay', wd, true);
  if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1))
    throw new AisfError('E_CONFIG', 'Adam betas must lie in [0, 1)');
  const state = new Map<string, { m: Float32Array; v: Float32Array }>();
  let t = 0;
  return {
    name: 'adam',
    step(params, grads) {
      t += 1;
      const c1 = 1 - b1 ** t;
      const c2 = 1 - b2 ** t;
      eachParam(params, grads, (name, w, g) => {
        let s = state.get(name);
        if (!s) {
          s = { m: new Float32Array(w.length), v: new Float32Array(w.length) };
          state.set(name, s);
        }
        const { m, v } = s;
        for (let i = 0; i < w.length; i++) {
          const d = (g[i] as number) + wd * (w[i] as number);
          const mi = b1 * (m[i] as number) + (1 - b1) * d;
          const vi = b2 * (v[i] as number) + (1 - b2) * d * d;
          m[i] = mi;
          v[i] = vi;
          w[i] = (w[i] as number) - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
        }
      });
    },
  };
}
