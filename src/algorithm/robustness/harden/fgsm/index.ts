/**
 * @module FGSM adversarial training (Goodfellow et al. 2015; TC260 seed 003 §5.1): each batch has
 * ⌈ratio·B⌉ samples replaced by FGSM examples crafted against the current weights, ART
 * AdversarialTrainer's scheme (ratio 0.5 ≈ Goodfellow's α = 0.5 mix of clean and adversarial loss).
 */
import { z } from 'zod';
import { takeRows } from '../../../../engine/index.js';
import { NORMS } from '../../attacks/common.js';
import { fgsm } from '../../attacks/fgsm/index.js';
import { createRng } from '../../image.js';
import { chooseRows, fitHardened, replaceRows, trainingAttackModel } from '../loop.js';
import { defineHardeningMethod, makeOptimizer, TRAINING_OPTIONS } from '../method.js';

/** Options of FGSM training. */
export const FGSM_TRAINING_OPTIONS = z.object({
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
    .default(0.5)
    .describe(
      'fraction of each batch replaced: ⌈ratio·B⌉ random rows (ART AdversarialTrainer ratio)',
    ),
});

/** FGSM adversarial training. */
export const fgsmTraining = defineHardeningMethod({
  id: 'fgsm',
  title: 'FGSM adversarial training: part of every batch replaced by FGSM examples',
  reference: 'Goodfellow et al. 2015 (ICLR), TC260 seed 003 §5.1; ART AdversarialTrainer ratio 0.5',
  options: FGSM_TRAINING_OPTIONS,
  async run(model, data, o, progress) {
    const rng = createRng((o.seed ^ 0x5f3759df) >>> 0);
    const attackModel = trainingAttackModel(model);
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
        const adv = await fgsm(attackModel, takeRows(x, rows), {
          eps: o.eps,
          norm: o.norm,
          range: data.range,
          // True labels, as ART and Madry et al. train (not the model's predictions).
          labels: Int32Array.from(rows, (i) => y[i] as number),
          batchSize: rows.length,
        });
        return { x: replaceRows(x, rows, adv), replaced: rows.length };
      },
    });
    return { model, report: r };
  },
});
