/**
 * @module Corruption augmentation (CAICT-AISF-2020 3(二)1 data augmentation): part of every batch
 * replaced by natural corruptions (noise, shifts, brightness, contrast, blur, fog, frost), one
 * corruption and severity drawn per sample — training on the distribution shifts the robustness
 * evaluation measures (Hendrycks & Dietterich 2019 show it transfers poorly to unseen ones).
 */
import { z } from 'zod';
import { takeRows } from '../../../../engine/index.js';
import { AisfError } from '../../../../errors.js';
import { CORRUPTION_NAMES, findCorruption } from '../../corruptions/index.js';
import { createRng } from '../../image.js';
import { chooseRows, fitHardened, replaceRows } from '../loop.js';
import { defineHardeningMethod, makeOptimizer, TRAINING_OPTIONS } from '../method.js';

/** Options of corruption augmentation. */
export const AUGMENT_TRAINING_OPTIONS = z.object({
  ...TRAINING_OPTIONS,
  corruptions: z
    .string()
    .default('all')
    .describe(`corruptions to draw from: all, or a comma list of ${CORRUPTION_NAMES.join(', ')}`),
  severity: z
    .string()
    .regex(/^[1-5](-[1-5])?$/, 'must be a level 1…5 or a range like 1-3')
    .default('1-3')
    .describe('severities to draw from, e.g. 3 or 1-3'),
  ratio: z
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe('fraction of each batch replaced by corrupted versions'),
});

/** Resolves `all` / a comma list into corruption names (E_CONFIG naming unknown ones). */
function corruptionList(spec: string): string[] {
  if (spec.trim() === 'all') return [...CORRUPTION_NAMES];
  const names = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new AisfError('E_CONFIG', 'corruptions must name at least one');
  for (const n of names)
    if (!findCorruption(n))
      throw new AisfError(
        'E_CONFIG',
        `corruptions: unknown corruption "${n}" (known: all, ${CORRUPTION_NAMES.join(', ')})`,
      );
  return names;
}

/** Corruption data augmentation. */
export const augmentTraining = defineHardeningMethod({
  id: 'augment',
  title: 'corruption augmentation: batches partly replaced by natural corruptions',
  reference: 'Hendrycks & Dietterich 2019 (ImageNet-C constants); CAICT-AISF-2020 3(二)1',
  options: AUGMENT_TRAINING_OPTIONS,
  async run(model, data, o, progress) {
    const names = corruptionList(o.corruptions);
    const [a, b] = o.severity.split('-').map(Number) as [number, number | undefined];
    const lo = a;
    const hi = b ?? a;
    if (hi < lo) throw new AisfError('E_CONFIG', `severity range ${o.severity} is reversed`);
    if (data.x.shape.length !== 4)
      throw new AisfError(
        'E_INPUT',
        `augment needs NCHW images; the data has shape [${data.x.shape.join(', ')}]`,
      );
    const rng = createRng((o.seed ^ 0x5f3759df) >>> 0);
    const r = await fitHardened(model, data.x, data.y, {
      optimizer: makeOptimizer(o),
      epochs: o.epochs,
      batchSize: o.batchSize,
      seed: o.seed,
      gradReg: { lambda: o.gradReg, step: o.gradRegStep },
      ...(progress ? { onProgress: progress } : {}),
      async transformBatch(x) {
        const rows = chooseRows(x.shape[0] as number, o.ratio, rng);
        if (rows.length === 0) return { x, replaced: 0 };
        // One (corruption, severity) per row; rows sharing a pair are corrupted together.
        const groups = new Map<string, number[]>();
        for (let i = 0; i < rows.length; i++) {
          const name = names[Math.floor(rng.uniform() * names.length)] as string;
          const severity = lo + Math.floor(rng.uniform() * (hi - lo + 1));
          const key = `${name}:${severity}`;
          groups.set(key, [...(groups.get(key) ?? []), i]);
        }
        const sub = takeRows(x, rows);
        let corrupted = sub;
        for (const [key, members] of groups) {
          const [name, sev] = key.split(':') as [string, string];
          const c = findCorruption(name);
          if (!c) continue;
          const out = c.apply(takeRows(sub, members), Number(sev), {
            range: data.range,
            seed: Math.floor(rng.uniform() * 2 ** 32),
          });
          corrupted = replaceRows(corrupted, members, out);
        }
        return { x: replaceRows(x, rows, corrupted), replaced: rows.length };
      },
    });
    return {
      model,
      report: { ...r, details: { corruptions: names.join(','), severity: o.severity } },
    };
  },
});
