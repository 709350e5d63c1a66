/**
 * @module Scoring, as pure functions of the checks' outcomes (no I/O, no clock):
 *
 * - a check scores 1 (passed), 0.5 (partial) or 0 (failed, evidence invalid, error, not run);
 *   not-applicable checks are left out of every average;
 * - a capability (CAICT-AISF-2020 2(三)2) is fed by its own check, the management elements that
 *   serve it, and the planned tests whose registry entry names it: satisfied when every
 *   applicable input passed, partial when some scored, not satisfied otherwise, not applicable
 *   when every input is;
 * - the capability level is the highest k such that every capability of levels 1..k is
 *   satisfied or not applicable ("each level builds on the one before"); 0 when level 1 is not;
 * - a goal's score (0–100) is the mean of the capabilities that serve it and the management
 *   elements that serve it directly (catalogue `serves` links);
 * - a risk's coverage is the mean score of the measures the TC260-AISGF-2024 mapping table
 *   assigns it; it is treated when coverage is 1 and every planned test evidencing it passed;
 * - gaps are the next level's unmet inputs, the failing criteria, the untreated high risks, the
 *   invalid evidence and the untreated medium risks, in that order, each with the aisf command or
 *   management action that closes it.
 */
import type { Text } from '../catalog/schema.js';
import type { Answer, VerifiedEvidence } from './answers.js';
import type { Rating, RiskApplicability } from './applicability.js';
import type { CheckKind } from './checklist.js';
import type { CriterionResult, Verdict } from './plan.js';

/** The status of one check, process or technical. */
export const CHECK_STATUSES = [
  'passed',
  'partial',
  'failed',
  'evidence-invalid',
  'error',
  'not-run',
  'not-applicable',
] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** A scored check: a process check with its answer, or a planned technical test. */
export interface CheckRecord {
  id: string;
  kind: CheckKind | 'test';
  title: Text;
  question: Text;
  source: string;
  level?: number;
  actor?: string;
  capabilities: string[];
  goals: string[];
  risks: string[];
  status: CheckStatus;
  reason?: string;
  /** 1, 0.5 or 0; null when not applicable. */
  score: number | null;
  answer?: Omit<Answer, 'evidence' | 'check'>;
  evidence: { file: string; sha256: string | null; state: VerifiedEvidence['state'] }[];
  criteria?: CriterionResult[];
  /** For a test: the measures its registry entry says it evidences (what to apply when it fails). */
  measures?: string[];
}

/**
 * The score of a status: passed 1, partial 0.5, not applicable null (excluded), anything else 0.
 *
 * @example
 * checkScore('partial'); // 0.5
 */
export function checkScore(status: CheckStatus): number | null {
  if (status === 'not-applicable') return null;
  if (status === 'passed') return 1;
  if (status === 'partial') return 0.5;
  return 0;
}

/**
 * A process check's status from its answer and verified evidence. Invalid evidence (missing,
 * changed, expired) beats the answer; with `requireEvidence`, "yes" without a file is partial.
 */
export function processCheckStatus(
  answer: Answer | undefined,
  evidence: readonly VerifiedEvidence[],
  requireEvidence: boolean,
): { status: CheckStatus; reason?: string } {
  if (!answer) return { status: 'not-run', reason: 'not answered' };
  if (answer.answer === 'not-applicable') {
    return { status: 'not-applicable', reason: answer.reason ?? 'marked not applicable' };
  }
  if (answer.answer === 'no') {
    return { status: 'failed', reason: answer.note ?? 'answered no' };
  }
  const bad = evidence.filter((e) => !['valid', 'unpinned'].includes(e.state));
  if (bad.length > 0) {
    return { status: 'evidence-invalid', reason: bad.map((e) => e.reason).join('; ') };
  }
  if (answer.answer === 'partial')
    return { status: 'partial', reason: answer.note ?? 'partly in place' };
  if (requireEvidence && evidence.length === 0) {
    return { status: 'partial', reason: 'answered yes without an evidence file' };
  }
  return { status: 'passed' };
}

/** A technical test's check status from its verdict. */
export function testCheckStatus(verdict: Verdict): CheckStatus {
  return verdict;
}

/** The status of a capability (or any group of checks). */
export const CAPABILITY_STATUSES = [
  'satisfied',
  'partial',
  'not-satisfied',
  'not-applicable',
] as const;
export type CapabilityStatus = (typeof CAPABILITY_STATUSES)[number];

/** Combines the inputs of a capability: see the module comment. Score is the mean, or null. */
export function combineChecks(inputs: readonly { score: number | null }[]): {
  status: CapabilityStatus;
  score: number | null;
} {
  const scores = inputs.map((i) => i.score).filter((s): s is number => s !== null);
  if (scores.length === 0) {
    return { status: inputs.length > 0 ? 'not-applicable' : 'not-satisfied', score: null };
  }
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const status = scores.every((s) => s === 1)
    ? 'satisfied'
    : mean > 0
      ? 'partial'
      : 'not-satisfied';
  return { status, score: mean };
}

/** A scored capability. */
export interface CapabilityResult {
  id: string;
  title: Text;
  level: number;
  status: CapabilityStatus;
  score: number | null;
  /** The checks that fed it, with their status. */
  checks: { id: string; kind: CheckRecord['kind']; status: CheckStatus }[];
}

/** Scores each capability from the checks that name it in `capabilities`. */
export function scoreCapabilities(
  capabilities: readonly { id: string; title: Text; level: number }[],
  checks: readonly CheckRecord[],
): CapabilityResult[] {
  return capabilities.map((cap) => {
    const inputs = checks.filter((c) => c.capabilities.includes(cap.id));
    return {
      ...cap,
      ...combineChecks(inputs),
      checks: inputs.map((c) => ({ id: c.id, kind: c.kind, status: c.status })),
    };
  });
}

/**
 * The capability level: the highest k (0–5) such that every capability of levels 1..k is
 * satisfied or not applicable. Levels build on each other, so a gap at level 1 caps it at 0
 * whatever is in place above.
 *
 * @example
 * capabilityLevel([{ level: 1, status: 'satisfied' }, { level: 2, status: 'partial' }]); // 1
 */
export function capabilityLevel(
  capabilities: readonly { level: number; status: CapabilityStatus }[],
): number {
  const levels = [...new Set(capabilities.map((c) => c.level))].sort((a, b) => a - b);
  let reached = 0;
  for (const level of levels) {
    if (level !== reached + 1) break;
    const ok = capabilities
      .filter((c) => c.level === level)
      .every((c) => c.status === 'satisfied' || c.status === 'not-applicable');
    if (!ok) break;
    reached = level;
  }
  return reached;
}

/** One goal's score with what it rests on. */
export interface GoalResult {
  id: string;
  title: Text;
  /** 0–100, one decimal; null when nothing applicable feeds it. */
  score: number | null;
  inputs: { id: string; kind: 'capability' | 'management'; score: number | null }[];
}

/** Scores each goal from the capabilities and management checks serving it. */
export function scoreGoals(
  goals: readonly { id: string; title: Text; capabilityIds: readonly string[] }[],
  capabilities: readonly CapabilityResult[],
  checks: readonly CheckRecord[],
): GoalResult[] {
  return goals.map((goal) => {
    const inputs: GoalResult['inputs'] = [
      ...capabilities
        .filter((c) => goal.capabilityIds.includes(c.id))
        .map((c) => ({ id: c.id, kind: 'capability' as const, score: c.score })),
      ...checks
        .filter((c) => c.kind === 'management' && c.goals.includes(goal.id))
        .map((c) => ({ id: c.id, kind: 'management' as const, score: c.score })),
    ];
    const scores = inputs.map((i) => i.score).filter((s): s is number => s !== null);
    const score =
      scores.length === 0
        ? null
        : Math.round((1000 * scores.reduce((a, b) => a + b, 0)) / scores.length) / 10;
    return { id: goal.id, title: goal.title, score, inputs };
  });
}

/** How well an applicable risk is treated. */
export const TREATMENTS = ['treated', 'partial', 'untreated', 'not-applicable'] as const;
export type Treatment = (typeof TREATMENTS)[number];

/** A risk with its coverage. */
export interface RiskResult extends RiskApplicability {
  /** Mean score of the mapped measures (0–1); null when not applicable or all measures n/a. */
  coverage: number | null;
  treatment: Treatment;
  measures: { id: string; status: CheckStatus }[];
  tests: { id: string; status: CheckStatus }[];
}

/** Scores risk coverage against the mapping table's measures and the tests evidencing it. */
export function scoreRisks(
  risks: readonly RiskApplicability[],
  checks: readonly CheckRecord[],
): RiskResult[] {
  const byId = new Map(checks.map((c) => [c.id, c]));
  return risks.map((risk) => {
    const measureIds = [...risk.technicalMeasures, ...risk.governanceMeasures];
    const measures = measureIds.flatMap((id) => {
      const c = byId.get(id);
      return c ? [{ id, status: c.status, score: c.score }] : [];
    });
    const tests = checks
      .filter((c) => c.kind === 'test' && c.risks.includes(risk.riskId))
      .map((c) => ({ id: c.id, status: c.status }));
    if (!risk.applicable) {
      return { ...risk, coverage: null, treatment: 'not-applicable' as const, measures: [], tests };
    }
    const { score } = combineChecks(measures);
    const testsOk = tests.every((t) => t.status === 'passed' || t.status === 'not-applicable');
    const anyTestPassed = tests.some((t) => t.status === 'passed');
    const treatment: Treatment =
      score === 1 && testsOk
        ? 'treated'
        : (score ?? 0) > 0 || anyTestPassed
          ? 'partial'
          : 'untreated';
    return {
      ...risk,
      coverage: score,
      treatment,
      measures: measures.map(({ id, status }) => ({ id, status })),
      tests,
    };
  });
}

/** What kind of gap. */
export const GAP_KINDS = ['level', 'criterion', 'risk', 'evidence'] as const;
export type GapKind = (typeof GAP_KINDS)[number];

/** One gap with the action that closes it. */
export interface Gap {
  /** 1 next-level requirement, 2 failing criterion, 3 high risk, 4 invalid evidence, 5 medium risk. */
  priority: number;
  kind: GapKind;
  /** The check, test or risk id the gap is about. */
  ref: string;
  title: Text;
  detail: string;
  action: { type: 'command' | 'management'; text: string };
}

/** What gap building needs to know besides the scores. */
export interface GapContext {
  /** The project folder as the user typed it, for copy-paste commands. */
  dir: string;
  level: number;
  capabilities: readonly CapabilityResult[];
  checks: readonly CheckRecord[];
  risks: readonly RiskResult[];
  /** Registered tests with their catalogue links, to suggest plan additions. */
  registry: readonly { id: string; capabilityIds: readonly string[]; riskIds: readonly string[] }[];
  /** Test ids already in the plan. */
  planned: readonly string[];
}

const q = (dir: string) => (/^[\w./-]+$/.test(dir) ? dir : JSON.stringify(dir));

/** The action that would close a check's gap. */
export function actionFor(check: CheckRecord, dir: string): Gap['action'] {
  const answerCmd = `aisf assess checklist ${q(dir)} --check ${check.id}`;
  if (check.kind === 'test') {
    if (check.status === 'not-run') {
      return {
        type: 'management',
        text: `${check.reason ?? 'the test did not run'}: use an aisf version that has ${check.id}, or remove it from the plan in aisf.yaml`,
      };
    }
    if (check.status === 'error') {
      return {
        type: 'command',
        text: `fix the cause (${check.reason ?? 'see the report'}) and re-run \`aisf assess ${q(dir)}\``,
      };
    }
    const failing = (check.criteria ?? [])
      .filter((c) => c.holds === false)
      .map((c) => `${c.metric} ${c.op} ${c.value}`);
    const measures = (check.measures ?? []).map((m) => `\`aisf catalog show ${m}\``);
    const risks = check.risks.slice(0, 2).map((r) => `\`aisf catalog map ${r}\``);
    return {
      type: 'management',
      text: `${failing.join(', ') || 'the declared criteria'} ${failing.length === 1 ? 'does' : 'do'} not hold: apply ${measures.length ? `the measures it evidences (${measures.join(', ')})` : `the measures for ${risks.join(', ') || 'the risks it evidences'}`}, then re-run \`aisf assess ${q(dir)}\``,
    };
  }
  if (check.status === 'evidence-invalid') {
    return {
      type: 'command',
      text: `${check.reason ?? 'evidence invalid'}: restore or renew the file, then \`${answerCmd}\` (or \`aisf assess checklist ${q(dir)} --pin\` after a deliberate change)`,
    };
  }
  if (check.status === 'not-run') {
    return { type: 'command', text: `answer it: \`${answerCmd}\`` };
  }
  if (check.status === 'partial' && check.reason === 'answered yes without an evidence file') {
    return { type: 'command', text: `attach evidence: \`${answerCmd}\`` };
  }
  return {
    type: 'management',
    text: `put in place "${check.title.en}" (${check.source}), then record it with evidence: \`${answerCmd}\``,
  };
}

const RATING_PRIORITY: Record<Rating, number> = { high: 3, medium: 5, low: 6 };

/**
 * Builds the ordered gap list: see the module comment for the order. Ties keep checklist order.
 *
 * @example
 * buildGaps(ctx).filter((g) => g.priority === 1); // what the next level still needs
 */
export function buildGaps(ctx: GapContext): Gap[] {
  const gaps: Gap[] = [];
  const byId = new Map(ctx.checks.map((c) => [c.id, c]));
  const next = ctx.level + 1;
  for (const cap of ctx.capabilities.filter((c) => c.level === next)) {
    if (cap.status === 'satisfied' || cap.status === 'not-applicable') continue;
    for (const input of cap.checks) {
      const check = byId.get(input.id);
      if (!check || check.score === null || check.score === 1) continue;
      gaps.push({
        priority: 1,
        kind: 'level',
        ref: check.id,
        title: check.title,
        detail: `level ${next} needs ${cap.id} (${cap.title.en}); ${check.id} is ${check.status}${check.reason ? `: ${check.reason}` : ''}`,
        action: actionFor(check, ctx.dir),
      });
    }
    for (const test of ctx.registry) {
      if (test.capabilityIds.includes(cap.id) && !ctx.planned.includes(test.id)) {
        gaps.push({
          priority: 1,
          kind: 'level',
          ref: test.id,
          title: { zh: test.id, en: test.id },
          detail: `${test.id} evidences ${cap.id} but is not in the plan`,
          action: {
            type: 'command',
            text: `add \`- id: ${test.id}\` with pass criteria to tests: in aisf.yaml, then \`aisf assess ${q(ctx.dir)}\``,
          },
        });
      }
    }
  }
  const atNextLevel = new Set(gaps.map((g) => g.ref));
  for (const check of ctx.checks) {
    if (check.kind === 'test' && check.status !== 'passed' && !atNextLevel.has(check.id)) {
      gaps.push({
        priority: 2,
        kind: 'criterion',
        ref: check.id,
        title: check.title,
        detail: `${check.id} is ${check.status}${check.reason ? `: ${check.reason}` : ''}`,
        action: actionFor(check, ctx.dir),
      });
    }
  }
  for (const risk of ctx.risks) {
    if (!risk.applicable || risk.treatment === 'treated' || !risk.rating) continue;
    const missing = risk.measures.filter((m) => !['passed', 'not-applicable'].includes(m.status));
    const suggest = ctx.registry
      .filter((t) => t.riskIds.includes(risk.riskId) && !ctx.planned.includes(t.id))
      .map((t) => t.id);
    const steps = [
      ...missing.map((m) => `\`aisf assess checklist ${q(ctx.dir)} --check ${m.id}\``),
      ...suggest.map((t) => `add ${t} to the plan`),
    ];
    gaps.push({
      priority: RATING_PRIORITY[risk.rating],
      kind: 'risk',
      ref: risk.riskId,
      title: risk.title,
      detail: `${risk.rating} risk, ${risk.treatment}: ${missing.length} of ${risk.measures.length} mapped measures not in place${risk.tests.some((t) => t.status !== 'passed') ? '; technical evidence not passing' : ''}`,
      action: {
        type: missing.length > 0 ? 'management' : 'command',
        text: `see \`aisf catalog map ${risk.riskId}\`; then ${steps.join(', ') || `re-run \`aisf assess ${q(ctx.dir)}\``}`,
      },
    });
  }
  const listed = new Set(gaps.filter((g) => g.priority === 1).map((g) => g.ref));
  for (const check of ctx.checks) {
    if (check.status === 'evidence-invalid' && !listed.has(check.id)) {
      gaps.push({
        priority: 4,
        kind: 'evidence',
        ref: check.id,
        title: check.title,
        detail: check.reason ?? 'evidence invalid',
        action: actionFor(check, ctx.dir),
      });
    }
  }
  const order = new Map(ctx.checks.map((c, i) => [c.id, i]));
  const riskOrder = new Map(ctx.risks.map((r, i) => [r.riskId, i]));
  const pos = (g: Gap) => order.get(g.ref) ?? riskOrder.get(g.ref) ?? Number.MAX_SAFE_INTEGER;
  return gaps
    .map((g, i) => ({ g, i }))
    .sort((a, b) => a.g.priority - b.g.priority || pos(a.g) - pos(b.g) || a.i - b.i)
    .map(({ g }) => g);
}
