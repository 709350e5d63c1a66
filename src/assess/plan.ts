/**
 * @module The test plan: validates it against the registry before anything runs, runs the tests
 * that exist (with progress), and turns each into a technical evidence object. A test named in
 * the plan but absent from the registry is "not run"; one that throws or reports an error is
 * "error"; a criterion on a metric the test did not compute does not hold. None is ever "passed".
 */
import { createHash } from 'node:crypto';
import type { Text } from '../catalog/schema.js';
import { AisfError } from '../errors.js';
import type { Finding, TestPlugin, TestStatus } from '../evidence/test-plugin.js';
import type { Criterion, PlannedTest } from './project.js';
import { type FieldIssue, formatFieldPath } from './yaml-input.js';

/** The verdict on one planned test. */
export const VERDICTS = ['passed', 'failed', 'not-run', 'error'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** A criterion with the value measured and whether it holds (null: could not be evaluated). */
export interface CriterionResult extends Criterion {
  actual: number | null;
  holds: boolean | null;
}

/** The catalogue items a test's result is evidence for (from its registry descriptor). */
export interface TestLinks {
  riskIds: string[];
  measureIds: string[];
  techniqueIds: string[];
  capabilityIds: string[];
}

/** One test run as evidence: what ran, on what, with which tool, what came out, the verdict. */
export interface TechnicalEvidence {
  kind: 'test';
  testId: string;
  title: Text | null;
  /** The config the test ran with (as declared in aisf.yaml). */
  params: Record<string, unknown>;
  modelSha256: string | null;
  dataSha256: string | null;
  /** `aisf <version>`. */
  toolVersion: string;
  catalogVersion: string;
  /** SHA-256 of the whole plan (ids, configs, criteria) as declared before the run. */
  planSha256: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** How the run ended; `absent` when no plugin with this id is registered. */
  status: TestStatus | 'absent';
  reason?: string;
  result: {
    metrics: Record<string, number | null>;
    findings: Finding[];
    details: unknown;
  } | null;
  criteria: CriterionResult[];
  verdict: Verdict;
  links: TestLinks;
  /** What each criterion's metric means and which direction is better (from the plugin). */
  metricInfo: Record<string, { description: string; better: 'higher' | 'lower' }>;
}

/** A registry as the plan sees it. */
export type TestRegistry = readonly TestPlugin<never>[];

/** Evaluates one criterion against reported metrics (exact comparison; no tolerance). */
export function evaluateCriterion(
  criterion: Criterion,
  metrics: Readonly<Record<string, number | null>>,
): CriterionResult {
  const actual = metrics[criterion.metric];
  if (actual === undefined || actual === null || !Number.isFinite(actual)) {
    return { ...criterion, actual: actual ?? null, holds: null };
  }
  const v = criterion.value;
  const holds =
    criterion.op === '<='
      ? actual <= v
      : criterion.op === '<'
        ? actual < v
        : criterion.op === '>='
          ? actual >= v
          : criterion.op === '>'
            ? actual > v
            : actual === v;
  return { ...criterion, actual, holds };
}

/**
 * The verdict from a run's status and its criteria: passed only when the run completed and every
 * criterion holds; a criterion that could not be evaluated makes it an error, never a pass.
 */
export function verdictOf(
  status: TechnicalEvidence['status'],
  criteria: readonly CriterionResult[],
): { verdict: Verdict; reason?: string } {
  if (status === 'absent' || status === 'skipped') return { verdict: 'not-run' };
  if (status === 'error') return { verdict: 'error' };
  const missing = criteria.filter((c) => c.holds === null);
  if (missing.length > 0) {
    return {
      verdict: 'error',
      reason: `metric${missing.length > 1 ? 's' : ''} ${missing.map((c) => c.metric).join(', ')} not computed, so the criteria cannot be evaluated`,
    };
  }
  return { verdict: criteria.every((c) => c.holds === true) ? 'passed' : 'failed' };
}

/** Canonical JSON (sorted keys) so equal plans hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** SHA-256 of the plan as declared: pins the pass bar before results are known. */
export function planSha256(tests: readonly PlannedTest[]): string {
  return createHash('sha256').update(canonicalJson(tests)).digest('hex');
}

/**
 * Checks the plan against the registry before anything runs: each present test's config must
 * match its schema and every criterion must name a metric the test reports. Absent tests are
 * allowed (they will be reported "not run"). Throws one E_CONFIG error listing every problem.
 */
export function validatePlan(
  tests: readonly PlannedTest[],
  registry: TestRegistry,
  shown: string,
): void {
  const byId = new Map(registry.map((p) => [p.id, p]));
  const issues: FieldIssue[] = [];
  tests.forEach((test, i) => {
    const plugin = byId.get(test.id);
    if (!plugin) return;
    const parsed = (plugin.configSchema as TestPlugin<unknown>['configSchema']).safeParse(
      test.config,
    );
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        issues.push({
          field: formatFieldPath(['tests', i, 'config', ...issue.path]),
          message: `${issue.message}; see \`aisf assess --list-tests\` for ${test.id}'s options`,
        });
      }
    }
    const known = Object.keys(plugin.metrics);
    test.criteria.forEach((c, j) => {
      if (!known.includes(c.metric)) {
        issues.push({
          field: formatFieldPath(['tests', i, 'criteria', j, 'metric']),
          message: `${test.id} does not report "${c.metric}"; it reports ${known.join(', ') || 'no metrics'}`,
        });
      }
    });
  });
  if (issues.length > 0) {
    throw new AisfError(
      'E_CONFIG',
      `${issues.length} problem${issues.length === 1 ? '' : 's'} in the test plan of ${shown}:\n${issues.map((i) => `  ${i.field}: ${i.message}`).join('\n')}`,
      { location: { file: shown }, details: { issues } },
    );
  }
}

/** Options for running the plan. */
export interface RunPlanOptions {
  toolVersion: string;
  catalogVersion: string;
  /** Project folder: relative paths in configs resolve against it. */
  cwd: string;
  modelSha256: string | null;
  dataSha256: string | null;
  /** Progress per test: index, count, test id, fraction 0..1, label. */
  progress?: (event: {
    index: number;
    count: number;
    testId: string;
    fraction: number;
    label?: string;
  }) => void;
  signal?: AbortSignal;
  /** Clock, injectable for reproducible tests. @default () => new Date() */
  now?: () => Date;
}

const NO_LINKS: TestLinks = { riskIds: [], measureIds: [], techniqueIds: [], capabilityIds: [] };

/**
 * Runs every planned test in order and returns one evidence object per test. Never throws for a
 * failing test: errors become `status: 'error'` evidence with the reason.
 *
 * @example
 * validatePlan(project.tests, TESTS, project.file);
 * const evidence = await runPlan(project.tests, TESTS, { toolVersion: '0.1.0', … });
 */
export async function runPlan(
  tests: readonly PlannedTest[],
  registry: TestRegistry,
  options: RunPlanOptions,
): Promise<TechnicalEvidence[]> {
  const now = options.now ?? (() => new Date());
  const byId = new Map(registry.map((p) => [p.id, p as unknown as TestPlugin<unknown>]));
  const planHash = planSha256(tests);
  const out: TechnicalEvidence[] = [];
  for (const [index, test] of tests.entries()) {
    const plugin = byId.get(test.id);
    const started = now();
    const base = {
      kind: 'test' as const,
      testId: test.id,
      title: plugin?.title ?? null,
      params: test.config,
      toolVersion: `aisf ${options.toolVersion}`,
      catalogVersion: options.catalogVersion,
      planSha256: planHash,
      startedAt: started.toISOString(),
      links: plugin
        ? {
            riskIds: [...plugin.riskIds],
            measureIds: [...plugin.measureIds],
            techniqueIds: [...plugin.techniqueIds],
            capabilityIds: [...plugin.capabilityIds],
          }
        : NO_LINKS,
      metricInfo: plugin
        ? Object.fromEntries(
            test.criteria.flatMap((c) => {
              const info = plugin.metrics[c.metric];
              return info ? [[c.metric, { ...info }]] : [];
            }),
          )
        : {},
    };
    const progress = (fraction: number, label?: string) =>
      options.progress?.({
        index,
        count: tests.length,
        testId: test.id,
        fraction: Math.min(1, Math.max(0, fraction)),
        ...(label === undefined ? {} : { label }),
      });
    if (!plugin) {
      const finished = now();
      const criteria = test.criteria.map((c) => ({ ...c, actual: null, holds: null }));
      out.push({
        ...base,
        modelSha256: options.modelSha256,
        dataSha256: options.dataSha256,
        finishedAt: finished.toISOString(),
        durationMs: finished.getTime() - started.getTime(),
        status: 'absent',
        reason: `no test "${test.id}" in this aisf's registry${registry.length ? ` (available: ${registry.map((p) => p.id).join(', ')})` : ' (no technical tests are registered yet)'}`,
        result: null,
        criteria,
        verdict: 'not-run',
      });
      progress(1, 'not run');
      continue;
    }
    progress(0, 'starting');
    let status: TestStatus;
    let reason: string | undefined;
    let result: TechnicalEvidence['result'] = null;
    let modelSha = options.modelSha256;
    let dataSha = options.dataSha256;
    try {
      const config = plugin.configSchema.parse(test.config);
      const run = await plugin.run(config, {
        cwd: options.cwd,
        progress,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      status = run.status;
      reason = run.reason;
      result = { metrics: { ...run.metrics }, findings: run.findings, details: run.details };
      modelSha = run.modelSha256 ?? modelSha;
      dataSha = run.dataSha256 ?? dataSha;
    } catch (error) {
      status = 'error';
      // User-safe text only: the error's message (AisfError messages are written for users).
      reason = `the test threw: ${error instanceof Error ? error.message : String(error)}`;
    }
    const criteria = test.criteria.map((c) =>
      status === 'completed' && result
        ? evaluateCriterion(c, result.metrics)
        : { ...c, actual: result?.metrics[c.metric] ?? null, holds: null },
    );
    const judged = verdictOf(status, criteria);
    const finished = now();
    out.push({
      ...base,
      modelSha256: modelSha,
      dataSha256: dataSha,
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      status,
      ...((reason ?? judged.reason) ? { reason: reason ?? judged.reason } : {}),
      result,
      criteria,
      verdict: judged.verdict,
    });
    progress(1, judged.verdict);
  }
  return out;
}
