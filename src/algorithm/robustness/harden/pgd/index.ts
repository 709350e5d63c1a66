/**
 * @module PGD adversarial training (Madry et al. 2018): every batch (ratio 1) replaced by PGD
 * examples crafted against the current weights — the min-max objective's inner maximisation —
 * with ART AdversarialTrainerMadryPGD's proportions (7 steps of ε/4, random start).
 */
import { z } from 'zod';
import { takeRows } from '../../../../engine/index.js';
import { NORMS } from '../../attacks/common.js';
import { pgd } from '../../attacks/pgd/index.js';
import { createRng } from '../../image.js';
import { chooseRows, fitHardened, replaceRows, trainingAttackModel } from '../loop.js';
import { defineHardeningMethod, makeOptimizer, TRAINING_OPTIONS } from '../method.js';

/** Options of PGD training. */
export const PGD_TRAINING_OPTIONS = z.object({
  ...TRAINING_OPTIONS,
  eps: z
    .number()
    .positive()
    .default(0.1)
    .describe('perturbation budget in input units (training attack and evaluation)'),
  norm: z.enum(NORMS).default('inf').describe('perturbation norm: inf or 2'),
  ratio: z
    .number()
    .min(0)
    .max(1)
    .default(1)
    .describe(
      'fraction of each batch replaced: ⌈ratio·B⌉ random rows (ART AdversarialTrainer ratio)',
    ),
  maxIter: z.number().int().min(1).max(1000).default(7).describe('PGD steps per batch'),
  epsStep: z
    .number()
    .positive()
    .optional()
    .describe('PGD step size in input units (default: eps/4, as ART AdversarialTrainerMadryPGD)'),
  randomStart: z
    .boolean()
    .default(true)
    .describe('start PGD from a uniform point of the ε-ball (Madry et al.)'),
});

/** PGD (Madry) adversarial training. */
export const pgdTraining = defineHardeningMethod({
  id: 'pgd',
  title: 'PGD adversarial training (Madry et al.): batches replaced by PGD examples',
  reference:
    'Madry et al. 2018 (ICLR); ART AdversarialTrainerMadryPGD (eps 8, eps_step 2, max_iter 7 on 0–255, ratio 1)',
  options: PGD_TRAINING_OPTIONS,
  async run(model, data, o, progress) {
    const rng = createRng((o.seed ^ 0x5f3759df) >>> 0);
    const attackModel = trainingAttackModel(model);
    const epsStep = o.epsStep ?? o.eps / 4;
    const r = await fitHardened(model, data.x, data.y, {
      optimizer: makeOptimizer(o),
      epochs: o.epochs,
      batchSize: o.batchSize,
      seed: o.seed,
      gradReg: { lambda: o.gradReg, step: o.gradRegStep },
      ...(progress ? { onProgress: progress } : {}),
      async transformBatch(x, y) {
        const rows = chooseRows(x.shape[0] as number, o.ratio, rng);
        if (rows.length === 0) return { x, replaced: 0 };
        const adv = await pgd(attackModel, takeRows(x, rows), {
          eps: o.eps,
          epsStep,
          maxIter: o.maxIter,
          randomStart: o.randomStart,
          norm: o.norm,
          range: data.range,
          labels: Int32Array.from(rows, (i) => y[i] as number),
          seed: Math.floor(rng.uniform() * 2 ** 32),
          batchSize: rows.length,
        });
        return { x: replaceRows(x, rows, adv), replaced: rows.length };
      },
    });
    return { model, report: { ...r, details: { epsStep, maxIter: o.maxIter } } };
  },
});
