/**
 * @module test.privacy.membership-inference: how much an ONNX classifier leaks whether a record
 * was in its training set (CAICT-AISF-2020 3(三)5 数据泄露安全性评测 by simulated membership
 * inference; TC260-AISGF-2024 3.1.2(d) data-leakage risk, 4.1.2(d) protect personal information in
 * training data). Reports the worst AUC, advantage and TPR at low FPR over the attacks run, and
 * findings when maximums are reached.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { loadModel, readLabelledNpz } from '../../../../engine/index.js';
import { AisfError } from '../../../../errors.js';
import { defineTest, type Finding, type TestResult } from '../../../../evidence/test-plugin.js';
import { ATTACK_NAMES, auditMembership, DEFAULT_ATTACKS } from '../audit.js';
import { OUTPUT_KINDS } from '../scores.js';

/** The plugin's configuration (validated with zod). */
export const membershipConfig = z.object({
  /** ONNX classifier, relative to the context's cwd. */
  model: z.string().min(1),
  /** .npz of records the model was trained on (members). */
  train: z.string().min(1),
  /** .npz of records from the same distribution it never saw (non-members). */
  holdout: z.string().min(1),
  /** The attacker's data for the shadow models. @default half of the holdout */
  shadowData: z.string().min(1).optional(),
  x: z.string().min(1).default('x'),
  y: z.string().min(1).default('y'),
  /** @default ['loss', 'shadow'] */
  attacks: z
    .array(z.enum(ATTACK_NAMES))
    .min(1)
    .default([...DEFAULT_ATTACKS]),
  output: z.enum(['auto', ...OUTPUT_KINDS]).default('auto'),
  /** At most n members and n non-members. */
  limit: z.number().int().positive().optional(),
  seed: z.number().int().default(0),
  shadow: z
    .object({
      models: z.number().int().positive().default(4),
      epochs: z.number().int().positive().default(20),
      batchSize: z.number().int().positive().default(32),
      lr: z.number().positive().default(1e-3),
    })
    .default({ models: 4, epochs: 20, batchSize: 32, lr: 1e-3 }),
  trusted: z.boolean().default(false),
  /** Maximums; reaching one (worst attack) is a finding (severity high). */
  maximums: z
    .object({
      auc: z.number().min(0).max(1).optional(),
      advantage: z.number().min(0).max(1).optional(),
    })
    .default({}),
});
/** The plugin's configuration as written by users (before defaults). */
export type MembershipConfig = z.input<typeof membershipConfig>;

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const worst = (values: (number | null | undefined)[]): number | null => {
  const v = values.filter((x): x is number => typeof x === 'number');
  return v.length ? Math.max(...v) : null;
};

/**
 * The membership-inference test plugin.
 *
 * @example
 * await membershipInferenceTest.run(membershipInferenceTest.configSchema.parse({ model: 'm.onnx', train: 'train.npz', holdout: 'test.npz', maximums: { auc: 0.6 } }), { cwd: '.' });
 */
export const membershipInferenceTest = defineTest({
  id: 'test.privacy.membership-inference',
  title: { zh: '成员推理攻击数据泄露评测', en: 'Membership-inference leakage audit' },
  riskIds: ['risk.data.leakage'],
  measureIds: ['measure.tech.4-1-2-d'],
  techniqueIds: ['tech.data.security-evaluation.leakage-evaluation'],
  capabilityIds: ['capability.passive-defense.data-protection'],
  metrics: {
    auc: {
      description:
        'highest ROC AUC over the attacks run (0.5 = no leakage; also per attack as auc@<attack>)',
      better: 'lower',
    },
    advantage: {
      description: 'highest attacker advantage max(TPR − FPR) over the attacks (Yeom et al. 2018)',
      better: 'lower',
    },
    tprAtFpr1pct: {
      description: 'highest TPR at FPR ≤ 1 % over the attacks (null when unresolvable)',
      better: 'lower',
    },
    tprAtFpr01pct: {
      description:
        'highest TPR at FPR ≤ 0.1 % over the attacks (null with fewer than 1,000 non-members)',
      better: 'lower',
    },
    generalizationGap: {
      description: 'accuracy on members minus accuracy on non-members',
      better: 'lower',
    },
  },
  configSchema: membershipConfig as unknown as z.ZodType<z.output<typeof membershipConfig>>,
  async run(config, ctx): Promise<TestResult> {
    const modelFile = resolve(ctx.cwd, config.model);
    try {
      if (!existsSync(modelFile))
        throw new AisfError('E_FILE_NOT_FOUND', `model: ${config.model} does not exist`);
      const keys = { x: config.x, y: config.y };
      const read = (file: string, field: string) =>
        readLabelledNpz(resolve(ctx.cwd, file), { ...keys, field, shown: file });
      const train = read(config.train, 'train');
      const holdout = read(config.holdout, 'holdout');
      const shadowData = config.shadowData ? read(config.shadowData, 'shadowData') : undefined;
      const model = await loadModel(modelFile, { trusted: config.trusted, source: config.model });
      let report: Awaited<ReturnType<typeof auditMembership>>;
      try {
        report = await auditMembership(model, train, holdout, {
          attacks: config.attacks,
          output: config.output,
          seed: config.seed,
          shadow: { ...config.shadow, trusted: config.trusted },
          ...(config.limit ? { limit: config.limit } : {}),
          ...(shadowData ? { shadowData } : {}),
          ...(ctx.progress ? { onProgress: (f: number, s: string) => ctx.progress?.(f, s) } : {}),
        });
      } finally {
        await model.release();
      }
      const metrics: Record<string, number | null> = {
        auc: worst(report.attacks.map((a) => a.auc)),
        advantage: worst(report.attacks.map((a) => a.advantage)),
        tprAtFpr1pct: worst(report.attacks.map((a) => a.tprAtFpr['0.01'])),
        tprAtFpr01pct: worst(report.attacks.map((a) => a.tprAtFpr['0.001'])),
        generalizationGap: report.memberAccuracy - report.nonMemberAccuracy,
      };
      for (const a of report.attacks) {
        metrics[`auc@${a.name}`] = a.auc;
        metrics[`advantage@${a.name}`] = a.advantage;
      }
      const findings: Finding[] = [];
      for (const [metric, max] of Object.entries(config.maximums)) {
        if (max === undefined) continue;
        const value = metrics[metric] as number;
        if (value >= max)
          findings.push({
            id: 'privacy.membership-above-maximum',
            severity: 'high',
            message: `${metric} = ${value.toFixed(4)} ≥ maximum ${max}: the model reveals which records it was trained on`,
            evidence: { metric, value, maximum: max },
          });
      }
      return {
        status: 'completed',
        metrics,
        findings,
        details: {
          ...report,
          data: {
            train: train.sha256,
            holdout: holdout.sha256,
            ...(shadowData ? { shadowData: shadowData.sha256 } : {}),
          },
        },
        modelSha256: await sha256(modelFile),
        // The training set: the data whose leakage the test measures (all hashes in details.data).
        dataSha256: train.sha256,
      };
    } catch (error) {
      if (error instanceof AisfError)
        return {
          status: 'error',
          reason: `${error.code}: ${error.message}`,
          metrics: {},
          findings: [],
          details: null,
        };
      throw error;
    }
  },
});
