/**
 * @module The assessment: project file → applicable risks → checklist + answers + evidence →
 * test plan run → scores (capabilities, level, goals, risk coverage) → ordered gaps, as one
 * JSON-ready report `{ capabilityLevel, capabilities, goals, risks, checks, evidence, gaps }`.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Catalog } from '../catalog/index.js';
import type { Text } from '../catalog/schema.js';
import { AisfError } from '../errors.js';
import {
  type Answer,
  answersBaseDir,
  loadAnswers,
  sha256File,
  type VerifiedEvidence,
  verifyEvidence,
} from './answers.js';
import { assessApplicability } from './applicability.js';
import { deriveChecklist } from './checklist.js';
import { diffReports, type ReportDiff } from './diff.js';
import {
  planSha256,
  type RunPlanOptions,
  runPlan,
  type TechnicalEvidence,
  type TestRegistry,
  validatePlan,
} from './plan.js';
import type { ActorRole, Profile, Project } from './project.js';
import {
  buildGaps,
  type CapabilityResult,
  type CheckRecord,
  type CheckStatus,
  capabilityLevel,
  checkScore,
  type Gap,
  type GoalResult,
  processCheckStatus,
  type RiskResult,
  scoreCapabilities,
  scoreGoals,
  scoreRisks,
  testCheckStatus,
} from './scoring.js';

/** The report schema id (bump on breaking changes to the JSON). */
export const REPORT_SCHEMA = 'aisf.assessment/1';

/** An evidence file in the appendix. */
export interface FileEvidence extends VerifiedEvidence {
  kind: 'file';
}

/** The full assessment, as written to report.json. */
export interface AssessmentReport {
  schema: typeof REPORT_SCHEMA;
  id: string;
  startedAt: string;
  finishedAt: string;
  lang: 'zh' | 'en';
  tool: { name: 'aisf'; version: string; catalogVersion: string };
  project: {
    name: string;
    purpose: string;
    /** The folder as given on the command line. */
    dir: string;
    profile: Profile;
    roles: ActorRole[];
    model: { path: string; sha256: string | null } | null;
    data: { path: string; sha256: string | null } | null;
    sensitiveAttributes: string[];
    answersFile: string | null;
    planSha256: string;
    targetLevel: number | null;
  };
  /** Whether every declared criterion holds (exit 0) and, if not, why (exit 1). */
  verdict: { ok: boolean; reasons: string[] };
  summary: {
    checks: Record<CheckStatus, number>;
    risks: {
      applicable: number;
      treated: number;
      partial: number;
      untreated: number;
      high: number;
    };
    criteria: { declared: number; holding: number };
  };
  capabilityLevel: number;
  levels: { id: string; level: number; title: Text; reached: boolean; capabilities: string[] }[];
  capabilities: CapabilityResult[];
  goals: Record<string, GoalResult>;
  stages: { id: string; order: number; title: Text }[];
  risks: RiskResult[];
  checks: CheckRecord[];
  evidence: (TechnicalEvidence | FileEvidence)[];
  gaps: Gap[];
  /** Notes on the inputs (e.g. a model file not found). */
  notes: string[];
  /** What changed since the previous assessment of this project, when there is one. */
  changes: ReportDiff | null;
}

/** Options of `assess`. */
export interface AssessOptions {
  catalog: Catalog;
  registry: TestRegistry;
  toolVersion: string;
  /** The project folder as typed by the user (used in suggested commands). */
  dirArg: string;
  lang?: 'zh' | 'en';
  /** The previous report of this project (from the store), for history and unpinned hashes. */
  previous?: AssessmentReport | null;
  progress?: RunPlanOptions['progress'];
  signal?: AbortSignal;
  /** Clock, injectable for reproducible tests. @default () => new Date() */
  now?: () => Date;
}

async function hashIfPresent(
  dir: string,
  path: string | undefined,
  what: string,
  notes: string[],
): Promise<{ path: string; sha256: string | null } | null> {
  if (!path) return null;
  const abs = resolve(dir, path);
  if (existsSync(abs) && statSync(abs).isFile()) return { path, sha256: await sha256File(abs) };
  notes.push(
    `${what} file ${path} not found; its hash is not recorded and tests that need it will error`,
  );
  return { path, sha256: null };
}

/**
 * Runs a whole assessment of a loaded project. Throws AisfError (exit 2) on bad input before any
 * test runs; test failures and errors are data in the report.
 *
 * @example
 * const report = await assess(loadProject('examples/credit-hmda'), {
 *   catalog: openCatalog(), registry: TESTS, toolVersion: '0.1.0', dirArg: 'examples/credit-hmda',
 * });
 * report.capabilityLevel;
 */
export async function assess(project: Project, options: AssessOptions): Promise<AssessmentReport> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const { catalog } = options;
  const notes: string[] = [];
  // Everything declared is validated before anything runs (pass criteria fixed in advance).
  validatePlan(project.tests, options.registry, project.file);
  let answers: Answer[] = [];
  let answersShown: string | null = null;
  if (project.answersPath) {
    answersShown = relative(project.dir, project.answersPath) || project.answersPath;
    answers = loadAnswers(
      project.answersPath,
      relative(process.cwd(), project.answersPath),
    ).answers;
  } else {
    notes.push(
      'no answers file: every process check is "not run"; answer them with `aisf assess checklist`',
    );
  }

  const risks = assessApplicability(
    catalog,
    project.profile,
    project.effectiveRoles,
    project.sensitiveAttributes,
  );
  const processChecks = deriveChecklist(catalog, risks, project.effectiveRoles);
  const known = new Set(processChecks.map((c) => c.id));
  for (const a of answers) {
    if (!known.has(a.check)) {
      notes.push(
        catalog.has(a.check)
          ? `answer to ${a.check} not used: it is not in this profile's checklist`
          : `answer to "${a.check}" not used: no catalogue item has that id`,
      );
    }
  }
  const previousHashes = new Map<string, string>();
  for (const ev of options.previous?.evidence ?? []) {
    if (ev.kind === 'file' && ev.actualSha256)
      previousHashes.set(`${ev.checkId}\u0000${ev.file}`, ev.actualSha256);
  }
  const verified = project.answersPath
    ? await verifyEvidence(
        answers.filter((a) => known.has(a.check)),
        answersBaseDir(project.answersPath),
        started,
        previousHashes,
      )
    : [];

  const model = await hashIfPresent(project.dir, project.model, 'model', notes);
  const data = await hashIfPresent(project.dir, project.data, 'data', notes);
  const tests = await runPlan(project.tests, options.registry, {
    toolVersion: options.toolVersion,
    catalogVersion: catalog.version,
    cwd: project.dir,
    modelSha256: model?.sha256 ?? null,
    dataSha256: data?.sha256 ?? null,
    ...(options.progress ? { progress: options.progress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    now,
  });

  const absent = tests.filter((t) => t.status === 'absent').map((t) => t.testId);
  if (absent.length > 0) {
    notes.push(
      `${absent.join(', ')} ${absent.length === 1 ? 'is' : 'are'} not in this aisf's registry: reported "not run" and, until ${absent.length === 1 ? 'it runs' : 'they run'}, counted towards no capability, goal or risk (the registry entry carries those links)`,
    );
  }
  const byCheck = new Map(answers.map((a) => [a.check, a]));
  const checks: CheckRecord[] = processChecks.map((check) => {
    const answer = byCheck.get(check.id);
    const evidence = verified.filter((v) => v.checkId === check.id);
    const { status, reason } = processCheckStatus(answer, evidence, project.requireEvidence);
    const { check: _id, evidence: _ev, ...answerFields } = answer ?? { check: '', evidence: [] };
    return {
      ...check,
      status,
      ...(reason ? { reason } : {}),
      score: checkScore(status),
      ...(answer ? { answer: answerFields as CheckRecord['answer'] } : {}),
      evidence: evidence.map((e) => ({ file: e.file, sha256: e.actualSha256, state: e.state })),
    } as CheckRecord;
  });
  const applicableRiskIds = new Set(risks.filter((r) => r.applicable).map((r) => r.riskId));
  for (const ev of tests) {
    const status = testCheckStatus(ev.verdict);
    checks.push({
      id: ev.testId,
      kind: 'test',
      title: ev.title ?? { zh: ev.testId, en: ev.testId },
      question: {
        zh: ev.criteria.map((c) => `${c.metric} ${c.op} ${c.value}`).join('；'),
        en: ev.criteria.map((c) => `${c.metric} ${c.op} ${c.value}`).join('; '),
      },
      source: 'aisf.yaml tests',
      capabilities: ev.links.capabilityIds,
      goals: [],
      risks: ev.links.riskIds.filter((r) => applicableRiskIds.has(r)),
      status,
      ...(ev.reason ? { reason: ev.reason } : {}),
      score: checkScore(status),
      evidence: [],
      criteria: ev.criteria,
      measures: ev.links.measureIds,
    });
  }

  const levelItems = catalog.ofKind('capability-level').sort((a, b) => a.level - b.level);
  const levelOf = new Map(levelItems.map((l) => [l.id, l.level]));
  const capabilityItems = checks
    .filter((c) => c.kind === 'capability')
    .map((c) => ({
      id: c.id,
      title: c.title,
      level: c.level ?? levelOf.get(catalog.linksFrom(c.id, 'part-of')[0]?.to ?? '') ?? 0,
    }));
  const capabilities = scoreCapabilities(capabilityItems, checks);
  const level = capabilityLevel(capabilities);
  const goals = scoreGoals(
    catalog.ofKind('goal').map((g) => ({
      id: g.id,
      title: g.title,
      capabilityIds: catalog
        .sources(g.id, 'serves')
        .filter((s) => s.kind === 'capability')
        .map((s) => s.id),
    })),
    capabilities,
    checks,
  );
  const riskResults = scoreRisks(risks, checks);
  const gaps = buildGaps({
    dir: options.dirArg,
    level,
    capabilities,
    checks,
    risks: riskResults,
    registry: options.registry,
    planned: project.tests.map((t) => t.id),
  });

  const reasons: string[] = [];
  for (const ev of tests) {
    if (ev.verdict !== 'passed') {
      const failing = ev.criteria
        .filter((c) => c.holds !== true)
        // Measured values only for a completed run: an errored run's numbers mean nothing.
        .map(
          (c) =>
            `${c.metric} ${c.op} ${c.value}${ev.verdict === 'failed' && c.actual !== null ? ` (got ${c.actual})` : ''}`,
        );
      reasons.push(
        `${ev.testId} ${ev.verdict}${failing.length ? `: ${failing.join(', ')}` : ''}${ev.reason ? ` — ${ev.reason}` : ''}`,
      );
    }
  }
  if (project.target && level < project.target.level) {
    reasons.push(`capability level ${level} is below the target level ${project.target.level}`);
  }
  const counts = Object.fromEntries(
    (
      [
        'passed',
        'partial',
        'failed',
        'evidence-invalid',
        'error',
        'not-run',
        'not-applicable',
      ] as const
    ).map((s) => [s, checks.filter((c) => c.status === s).length]),
  ) as Record<CheckStatus, number>;
  const applicable = riskResults.filter((r) => r.applicable);
  const finished = now();
  const report: AssessmentReport = {
    schema: 'aisf.assessment/1',
    id: randomUUID(),
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    lang: options.lang ?? 'en',
    tool: { name: 'aisf', version: options.toolVersion, catalogVersion: catalog.version },
    project: {
      name: project.profile.name,
      purpose: project.profile.purpose,
      dir: options.dirArg,
      profile: project.profile,
      roles: project.effectiveRoles,
      model,
      data,
      sensitiveAttributes: project.sensitiveAttributes,
      answersFile: answersShown,
      planSha256: planSha256(project.tests),
      targetLevel: project.target?.level ?? null,
    },
    verdict: { ok: reasons.length === 0, reasons },
    summary: {
      checks: counts,
      risks: {
        applicable: applicable.length,
        treated: applicable.filter((r) => r.treatment === 'treated').length,
        partial: applicable.filter((r) => r.treatment === 'partial').length,
        untreated: applicable.filter((r) => r.treatment === 'untreated').length,
        high: applicable.filter((r) => r.rating === 'high').length,
      },
      criteria: {
        declared: tests.reduce((n, t) => n + t.criteria.length, 0),
        holding: tests.reduce((n, t) => n + t.criteria.filter((c) => c.holds === true).length, 0),
      },
    },
    capabilityLevel: level,
    levels: levelItems.map((l) => ({
      id: l.id,
      level: l.level,
      title: l.title,
      reached: l.level <= level,
      capabilities: capabilities.filter((c) => c.level === l.level).map((c) => c.id),
    })),
    capabilities,
    goals: Object.fromEntries(goals.map((g) => [g.id, g])),
    stages: catalog
      .ofKind('lifecycle-stage')
      .sort((a, b) => a.order - b.order)
      .map((s) => ({ id: s.id, order: s.order, title: s.title })),
    risks: riskResults,
    checks,
    evidence: [...tests, ...verified.map((v) => ({ kind: 'file' as const, ...v }))],
    gaps,
    notes,
    changes: null,
  };
  if (options.previous) report.changes = diffReports(options.previous, report);
  return report;
}

/** Throws unless `report` looks like an aisf assessment report (for `aisf report <file>`). */
export function assertReport(value: unknown, shown: string): AssessmentReport {
  if (
    value === null ||
    typeof value !== 'object' ||
    (value as { schema?: unknown }).schema !== REPORT_SCHEMA
  ) {
    throw new AisfError(
      'E_INPUT',
      `${shown} is not an aisf assessment report (schema "${REPORT_SCHEMA}"); produce one with \`aisf assess\``,
    );
  }
  return value as AssessmentReport;
}
