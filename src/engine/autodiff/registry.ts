/**
 * @module The gradient registry: op type → rule. One line per rule family; a duplicate op type
 * throws at start-up (STYLE.md registries).
 */
import type { GradientRule } from './context.js';
import { ACTIVATION_GRADIENTS } from './rules/activation.js';
import { CONV_GRADIENTS } from './rules/conv.js';
import { ELEMENTWISE_GRADIENTS } from './rules/elementwise.js';
import { LINEAR_GRADIENTS } from './rules/linear.js';
import { NORM_GRADIENTS } from './rules/norm.js';
import { POOL_GRADIENTS } from './rules/pool.js';
import { SHAPE_GRADIENTS } from './rules/shape.js';
import { SOFTMAX_GRADIENTS } from './rules/softmax.js';

const FAMILIES: readonly Record<string, GradientRule>[] = [
  ELEMENTWISE_GRADIENTS,
  ACTIVATION_GRADIENTS,
  LINEAR_GRADIENTS,
  CONV_GRADIENTS,
  POOL_GRADIENTS,
  NORM_GRADIENTS,
  SOFTMAX_GRADIENTS,
  SHAPE_GRADIENTS,
];

function merge(
  families: readonly Record<string, GradientRule>[],
): ReadonlyMap<string, GradientRule> {
  const out = new Map<string, GradientRule>();
  for (const family of families)
    for (const [op, rule] of Object.entries(family)) {
      if (out.has(op)) throw new Error(`duplicate gradient rule for ${op}`);
      out.set(op, rule);
    }
  return out;
}

/** Every differentiable op (default ONNX domain) and its rule. */
export const GRADIENTS: ReadonlyMap<string, GradientRule> = merge(FAMILIES);

/** Whether aisf can differentiate through an op. */
export function hasGradient(opType: string, domain = ''): boolean {
  return (domain === '' || domain === 'ai.onnx') && GRADIENTS.has(opType);
}
