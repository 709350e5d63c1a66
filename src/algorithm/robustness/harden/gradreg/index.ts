/**
 * @module Input-gradient regularization alone (CAICT-AISF-2020 3(二)1 regularization): clean
 * training with the penalty λ·mean‖∇ₓL‖² (Drucker & LeCun 1992; Ross & Doshi-Velez 2018),
 * whose weight gradient is a finite difference of two gradient passes (Finlay & Oberman 2019);
 * see inputGradientPenalty. Other methods take the same penalty through `gradReg`.
 */
import { z } from 'zod';
import { fitHardened } from '../loop.js';
import { defineHardeningMethod, makeOptimizer, TRAINING_OPTIONS } from '../method.js';

/** Options of input-gradient regularization. */
export const GRADREG_TRAINING_OPTIONS = z.object({
  ...TRAINING_OPTIONS,
  gradReg: z
    .number()
    .positive()
    .max(1e6)
    .default(1)
    .describe('λ of the input-gradient penalty λ·mean‖∇ₓL‖²'),
});

/** Input-gradient regularization. */
export const gradRegTraining = defineHardeningMethod({
  id: 'gradreg',
  title: 'input-gradient regularization: clean training + λ·mean‖∇ₓL‖² (double backprop)',
  reference:
    'Drucker & LeCun 1992; Ross & Doshi-Velez 2018 (AAAI); finite difference: Finlay & Oberman 2019',
  options: GRADREG_TRAINING_OPTIONS,
  async run(model, data, o, progress) {
    const r = await fitHardened(model, data.x, data.y, {
      optimizer: makeOptimizer(o),
      epochs: o.epochs,
      batchSize: o.batchSize,
      seed: o.seed,
      gradReg: { lambda: o.gradReg, step: o.gradRegStep },
      ...(progress ? { onProgress: progress } : {}),
    });
    return { model, report: { ...r, details: { lambda: o.gradReg } } };
  },
});
