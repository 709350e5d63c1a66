/** @module Gradient rules of Gemm and MatMul. */
import { attrFloat, attrInt } from '../../graph/builder.js';
import {
  defineGradient,
  type GradientRule,
  reduceSum,
  unbroadcast,
  unsupported,
} from '../context.js';

/** Rules of this family, keyed by ONNX op type. */
export const LINEAR_GRADIENTS: Record<string, GradientRule> = {
  Gemm: defineGradient({
    differentiable: 'all',
    grad(ctx) {
      const [a, bIn, c] = ctx.node.input as [string, string, string | undefined];
      const y = ctx.node.output[0] as string;
      const dy = ctx.dy[0] as string;
      const alpha = attrFloat(ctx.node, 'alpha', 1);
      const beta = attrFloat(ctx.node, 'beta', 1);
      const ta = attrInt(ctx.node, 'transA', 0);
      const tb = attrInt(ctx.node, 'transB', 0);
      const g = (p: string, q: string, tp: number, tq: number) =>
        ctx.b.op('Gemm', [p, q], {
          alpha: { float: alpha },
          transA: { int: tp },
          transB: { int: tq },
        });
      // Y = α·A'·B' + β·C with A' = op(A), B' = op(B).
      const dA = ctx.needs(0) ? (ta ? g(bIn, dy, tb, 1) : g(dy, bIn, 0, tb ? 0 : 1)) : undefined;
      const dB = ctx.needs(1) ? (tb ? g(dy, a, 1, ta) : g(a, dy, ta ? 0 : 1, 0)) : undefined;
      let dC: string | undefined;
      if (c && ctx.needs(2)) {
        const scaled = beta === 1 ? dy : ctx.b.op('Mul', [dy, ctx.b.scalar(beta)]);
        dC = unbroadcast(ctx, scaled, y, c);
      }
      return [dA, dB, dC];
    },
  }),
  MatMul: defineGradient({
    differentiable: 'all',
    grad(ctx) {
      const [a, bIn] = ctx.node.input as [string, string];
      const y = ctx.node.output[0] as string;
      const dy = ctx.dy[0] as string;
      const ra = ctx.shape(a).length;
      const rb = ctx.shape(bIn).length;
      if (ra < 2 || rb < 2) unsupported(ctx.node, 'MatMul with a 1-D operand');
      const b = ctx.b;
      const tr = (x: string, r: number) => {
        const perm = Array.from({ length: r }, (_, i) => i);
        perm[r - 1] = r - 2;
        perm[r - 2] = r - 1;
        return b.op('Transpose', [x], { perm: { ints: perm } });
      };
      const ry = ctx.shape(y).length;
      let dA: string | undefined;
      let dB: string | undefined;
      if (ctx.needs(0)) dA = unbroadcast(ctx, b.op('MatMul', [dy, tr(bIn, rb)]), y, a);
      if (ctx.needs(1)) {
        if (rb === 2 && ra > 2) {
          // Shared weight [K, N] under a batch of A [..., M, K]: flatten the batch into rows.
          const k = ctx.shape(a)[ra - 1] as number;
          const n = ctx.shape(y)[ry - 1] as number;
          const a2 = b.op('Reshape', [a, b.int64s([-1, k])]);
          const d2 = b.op('Reshape', [dy, b.int64s([-1, n])]);
          dB = b.op('MatMul', [tr(a2, 2), d2]);
        } else {
          const full = b.op('MatMul', [tr(a, ra), dy]);
          dB =
            ry > rb
              ? reduceSum(
                  ctx,
                  full,
                  Array.from({ length: ry - rb }, (_, i) => i),
                  false,
                )
              : unbroadcast(ctx, full, y, bIn);
        }
      }
      return [dA, dB];
    },
  }),
};
