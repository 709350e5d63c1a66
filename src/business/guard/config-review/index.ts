/**
 * @module test.business.guard-config-review: reviews a guard.yaml against the framework's business
 * security mechanisms (CAICT-AISF-2020 3(一)3; TC260-AISGF-2024 4.1.3(a), 4.2.1(b), 4.2.2): which of
 * access control, rate limits, redundancy, circuit breaker, monitoring, PII guardrail, labeling and
 * the decision log are enabled on each route, with the catalogue ids each missing one leaves open.
 */
import { z } from 'zod';
import { AisfError } from '../../../errors.js';
import { defineTest, type Finding, type Severity } from '../../../evidence/test-plugin.js';
import { type GuardConfig, loadGuardConfig } from '../config.js';

/** The mechanisms reviewed, with the catalogue ids they implement and the severity when absent. */
export const MECHANISMS = [
  {
    id: 'access-control',
    title: { zh: '访问控制', en: 'Access control' },
    techniqueId: 'tech.business.security-mechanism.access-control',
    measureIds: ['measure.tech.4-2-2-a'],
    riskIds: ['risk.model.theft-tampering'],
    severity: 'high',
  },
  {
    id: 'rate-limits',
    title: { zh: '调用次数与频率限制', en: 'Quotas and rate limits' },
    techniqueId: 'tech.business.security-mechanism.access-control',
    measureIds: ['measure.tech.4-2-2-a'],
    riskIds: ['risk.model.theft-tampering'],
    severity: 'medium',
  },
  {
    id: 'redundancy',
    title: { zh: '冗余（多模型共同决策）', en: 'Redundancy (several models vote)' },
    techniqueId: 'tech.business.security-mechanism.redundancy',
    measureIds: ['measure.tech.4-2-3-a'],
    riskIds: ['risk.model.unreliable-output'],
    severity: 'low',
  },
  {
    id: 'circuit-breaker',
    title: { zh: '置信度熔断', en: 'Confidence circuit breaker' },
    techniqueId: 'tech.business.security-mechanism.circuit-breaker',
    measureIds: ['measure.tech.4-2-3-a'],
    riskIds: ['risk.model.unreliable-output'],
    severity: 'medium',
  },
  {
    id: 'monitoring',
    title: { zh: '实时监控与告警', en: 'Monitoring and alerts' },
    techniqueId: 'tech.business.security-mechanism.monitoring',
    measureIds: ['measure.tech.4-2-1-a'],
    riskIds: ['risk.cyber.improper-use-leakage'],
    severity: 'low',
  },
  {
    id: 'pii-guardrail',
    title: { zh: '输出数据护栏', en: 'Output PII guardrail' },
    techniqueId: 'tech.data.security-evaluation.leakage-evaluation',
    measureIds: ['measure.tech.4-2-1-b'],
    riskIds: ['risk.data.leakage'],
    severity: 'high',
  },
  {
    id: 'labeling',
    title: { zh: '生成合成内容标识', en: 'AIGC labeling' },
    techniqueId: 'tech.data.provenance.security-label',
    measureIds: ['measure.tech.4-1-3-a'],
    riskIds: ['risk.cyber.deception'],
    severity: 'high',
  },
  {
    id: 'audit-log',
    title: { zh: '关键决策记录（黑匣子）', en: 'Tamper-evident decision log' },
    techniqueId: 'tech.business.security-mechanism.monitoring',
    measureIds: ['measure.tech.4-2-2-b'],
    riskIds: ['risk.model.unreliable-output'],
    severity: 'high',
  },
] as const;
export type MechanismId = (typeof MECHANISMS)[number]['id'];

/** Per route: which mechanisms are on. Labeling applies to chat routes only. */
export function reviewGuardConfig(config: GuardConfig): {
  routes: { path: string; kind: string; enabled: Record<MechanismId, boolean | 'n/a'> }[];
} {
  return {
    routes: config.routes.map((route) => {
      const steps = new Set(route.pipeline.map((s) => s.step));
      const enabled: Record<MechanismId, boolean | 'n/a'> = {
        'access-control': steps.has('guard.access.api-key'),
        'rate-limits': steps.has('guard.access.quota'),
        redundancy:
          route.kind === 'chat'
            ? 'n/a'
            : route.upstreams.length > 1 && route.redundancy !== undefined,
        'circuit-breaker': route.kind === 'chat' ? 'n/a' : steps.has('guard.decision.confidence'),
        // Metrics are always on; alerts need a webhook.
        monitoring: config.monitoring.webhooks.length > 0,
        'pii-guardrail': steps.has('guard.output.pii'),
        labeling:
          route.kind === 'model'
            ? 'n/a'
            : steps.has('guard.output.label') && config.label !== undefined,
        'audit-log': config.audit !== undefined,
      };
      return { path: route.path, kind: route.kind, enabled };
    }),
  };
}

const ConfigSchema = z.object({ config: z.string().min(1) }).strict();

/**
 * The review test.
 *
 * @example
 * await guardConfigReview.run({ config: 'examples/guard/guard.yaml' }, { cwd: process.cwd() });
 */
export const guardConfigReview = defineTest({
  id: 'test.business.guard-config-review',
  title: { zh: '运行时防护配置审查', en: 'Runtime guard configuration review' },
  riskIds: [...new Set(MECHANISMS.flatMap((m) => m.riskIds))],
  measureIds: [...new Set(MECHANISMS.flatMap((m) => m.measureIds))],
  techniqueIds: [...new Set(MECHANISMS.map((m) => m.techniqueId))],
  capabilityIds: [
    'capability.architecture.business-security',
    'capability.active-defense.continuous-monitoring',
  ],
  metrics: {
    coverage: {
      description: 'share of applicable (route, mechanism) pairs enabled',
      better: 'higher',
    },
    'mechanisms.missing': {
      description: 'applicable (route, mechanism) pairs not enabled',
      better: 'lower',
    },
  },
  configSchema: ConfigSchema,
  async run(input, ctx) {
    let config: GuardConfig;
    try {
      const { resolve } = await import('node:path');
      config = loadGuardConfig(resolve(ctx.cwd, input.config));
    } catch (error) {
      return {
        status: 'error',
        reason: error instanceof AisfError ? error.message : 'the guard config could not be read',
        metrics: { coverage: null, 'mechanisms.missing': null },
        findings: [],
        details: null,
      };
    }
    const review = reviewGuardConfig(config);
    const findings: Finding[] = [];
    let applicable = 0;
    let enabled = 0;
    for (const route of review.routes) {
      for (const mechanism of MECHANISMS) {
        const on = route.enabled[mechanism.id];
        if (on === 'n/a') continue;
        applicable++;
        if (on) {
          enabled++;
          continue;
        }
        findings.push({
          id: `guard-review.missing.${mechanism.id}`,
          severity: mechanism.severity as Severity,
          message: `${route.path}: ${mechanism.title.en} is not enabled (${mechanism.techniqueId}; ${mechanism.measureIds.join(', ')})`,
          location: { file: input.config },
          evidence: { route: route.path, mechanism: mechanism.id, riskIds: mechanism.riskIds },
        });
      }
    }
    return {
      status: 'completed',
      metrics: {
        coverage: applicable === 0 ? null : enabled / applicable,
        'mechanisms.missing': applicable - enabled,
      },
      findings,
      details: review,
    };
  },
});
