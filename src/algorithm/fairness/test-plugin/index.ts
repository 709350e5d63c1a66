/**
 * @module test.fairness.group-metrics: group fairness of a model's predictions (CAICT-AISF-2020
 * 3(二)5 fairness evaluation; TC260-AISGF-2024 3.1.1(b) bias and discrimination, 4.2.4(a) prevent
 * discriminatory outcomes). Reports the Fairlearn- and AIF360-convention metrics under stable names
 * for pass criteria, findings for limits reached, small groups and undefined metrics.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { AisfError } from '../../../errors.js';
import { defineTest, type Finding, type TestResult } from '../../../evidence/test-plugin.js';
import { loadPredictions } from '../data.js';
import { FAIRNESS_METRICS, METRIC_CONVENTIONS } from '../metrics/index.js';
import { evaluateFairness } from '../report.js';

/** The plugin's configuration (validated with zod). */
export const groupMetricsConfig = z.object({
  /** Predictions CSV, relative to the context's cwd. */
  data: z.string().min(1),
  label: z.string().min(1),
  pred: z.string().min(1),
  score: z.string().min(1).optional(),
  sensitive: z.array(z.string().min(1)).min(1),
  privileged: z.record(z.string(), z.string()).optional(),
  intersectional: z.boolean().default(false),
  posLabel: z.string().optional(),
  /** Keep only rows where `column` equals `value`, e.g. `{ column: split, value: test }`. */
  where: z.object({ column: z.string().min(1), value: z.string() }).optional(),
  /** @default 0 (no intervals) */
  bootstrap: z.number().int().min(0).max(100_000).default(0),
  seed: z.number().int().default(0),
  /** metric → limit on |value|: reaching it is a finding (severity high). */
  limits: z.record(z.string(), z.number()).default({}),
});
export type GroupMetricsConfig = z.input<typeof groupMetricsConfig>;

const DESCRIPTIONS: Record<string, string> = {
  demographicParityDifference: 'max − min selection rate over groups (Fairlearn)',
  demographicParityRatio: 'min / max selection rate over groups (Fairlearn)',
  equalizedOddsDifference: 'worst of the TPR and FPR max − min differences (Fairlearn)',
  equalizedOddsRatio: 'worst of the TPR and FPR min / max ratios (Fairlearn)',
  equalOpportunityDifference: 'max − min TPR over groups (Fairlearn)',
  equalOpportunityRatio: 'min / max TPR over groups (Fairlearn)',
  statisticalParityDifference: 'selection rate unprivileged − privileged (AIF360)',
  disparateImpact: 'selection rate unprivileged / privileged (AIF360; four-fifths rule ≥ 0.8)',
  truePositiveRateDifference: 'TPR unprivileged − privileged (AIF360 equal_opportunity_difference)',
  falsePositiveRateDifference: 'FPR unprivileged − privileged (AIF360)',
  averageOddsDifference: '½(ΔFPR + ΔTPR), unprivileged − privileged (AIF360)',
  averageAbsOddsDifference: '½(|ΔFPR| + |ΔTPR|) (AIF360)',
  theilIndex: 'Theil index of benefits ŷ − y + 1 (AIF360)',
  betweenGroupGeneralizedEntropyIndex: 'GEI (α = 2) of the group mean benefits (AIF360)',
  generalizedEntropyIndex: 'generalized entropy index, α = 2 (AIF360)',
};

const HIGHER_IS_BETTER = new Set([
  'demographicParityRatio',
  'equalizedOddsRatio',
  'equalOpportunityRatio',
  'disparateImpact',
  'accuracy',
]);

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The fairness test plugin.
 *
 * @example
 * await groupMetrics.run(groupMetrics.configSchema.parse({ data: 'preds.csv', label: 'y', pred: 'p', sensitive: ['sex'], limits: { demographicParityDifference: 0.1 } }), { cwd: '.' });
 */
export const groupMetrics = defineTest({
  id: 'test.fairness.group-metrics',
  title: { zh: '群体公平性指标', en: 'Group fairness metrics' },
  riskIds: ['risk.model.bias'],
  measureIds: ['measure.tech.4-2-4-a', 'measure.tech.4-1-2-e'],
  techniqueIds: [
    'tech.algorithm.security-evaluation.fairness-evaluation',
    'tech.algorithm.fairness-assurance',
  ],
  capabilityIds: ['capability.architecture.algorithm-security'],
  metrics: {
    ...Object.fromEntries(
      FAIRNESS_METRICS.map((m) => [
        m,
        {
          description: `${DESCRIPTIONS[m] ?? m} [${METRIC_CONVENTIONS[m]}]`,
          better: HIGHER_IS_BETTER.has(m) ? ('higher' as const) : ('lower' as const),
        },
      ]),
    ),
    accuracy: { description: 'overall accuracy of the predictions', better: 'higher' },
    smallGroups: {
      description: 'groups flagged as small or without positives/negatives',
      better: 'lower',
    },
  },
  configSchema: groupMetricsConfig as unknown as z.ZodType<z.output<typeof groupMetricsConfig>>,
  async run(config, ctx): Promise<TestResult> {
    const file = resolve(ctx.cwd, config.data);
    try {
      ctx.progress?.(0, 'reading predictions');
      const { table } = await loadPredictions(file, {
        label: config.label,
        pred: config.pred,
        sensitive: config.sensitive,
        ...(config.score ? { score: config.score } : {}),
        ...(config.posLabel !== undefined ? { posLabel: config.posLabel } : {}),
        ...(config.where ? { where: config.where } : {}),
      });
      const report = evaluateFairness(table, {
        ...(config.privileged ? { privileged: config.privileged } : {}),
        intersectional: config.intersectional,
        bootstrap: config.bootstrap,
        seed: config.seed,
      });
      const findings: Finding[] = [];
      for (const [metric, limit] of Object.entries(config.limits)) {
        if (!(FAIRNESS_METRICS as string[]).includes(metric))
          throw new AisfError(
            'E_CONFIG',
            `limits: unknown metric "${metric}"; one of ${FAIRNESS_METRICS.join(', ')}`,
          );
        const value = report.metrics[metric as keyof typeof report.metrics];
        const ratio = HIGHER_IS_BETTER.has(metric);
        if (value === null) {
          findings.push({
            id: 'fairness.metric-undefined',
            severity: 'medium',
            message: `${metric} is undefined (${report.undefined[metric as keyof typeof report.undefined]}); the limit ${limit} cannot be shown to hold`,
          });
        } else if (ratio ? value <= limit : Math.abs(value) >= limit) {
          findings.push({
            id: 'fairness.limit-reached',
            severity: 'high',
            message: `${metric} = ${value.toFixed(4)} ${ratio ? '≤' : '≥'} limit ${limit}`,
            evidence: { metric, value, limit, metricsFrom: report.metricsFrom },
          });
        }
      }
      for (const s of report.smallGroups)
        findings.push({
          id: 'fairness.small-group',
          severity: 'info',
          message: `${s.feature}=${s.value}: ${s.reason}`,
        });
      ctx.progress?.(1);
      return {
        status: 'completed',
        metrics: {
          ...report.metrics,
          accuracy: report.overall.accuracy ?? null,
          smallGroups: report.smallGroups.length,
        },
        findings,
        details: report,
        dataSha256: await sha256(file),
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
