/** @module What changed between two assessments of the same project (history, shown in the report). */
import type { AssessmentReport } from './assessment.js';

/** One status change. */
export interface StatusChange {
  id: string;
  from: string | null;
  to: string | null;
}

/** The difference between a previous and the current assessment. */
export interface ReportDiff {
  previousId: string;
  previousAt: string;
  level: { from: number; to: number };
  capabilities: StatusChange[];
  checks: StatusChange[];
  goals: { id: string; from: number | null; to: number | null }[];
  metrics: { testId: string; metric: string; from: number | null; to: number | null }[];
  gapsOpened: string[];
  gapsClosed: string[];
}

const gapKey = (g: AssessmentReport['gaps'][number]) => `${g.kind}:${g.ref}`;

function statusChanges(
  before: readonly { id: string; status: string }[],
  after: readonly { id: string; status: string }[],
): StatusChange[] {
  const prev = new Map(before.map((x) => [x.id, x.status]));
  const next = new Map(after.map((x) => [x.id, x.status]));
  const ids = [...new Set([...next.keys(), ...prev.keys()])];
  return ids
    .filter((id) => prev.get(id) !== next.get(id))
    .map((id) => ({ id, from: prev.get(id) ?? null, to: next.get(id) ?? null }));
}

/**
 * Compares two reports: level, capability and check statuses, goal scores, test metrics, gaps.
 *
 * @example
 * diffReports(previous, current).level; // { from: 1, to: 2 }
 */
export function diffReports(previous: AssessmentReport, current: AssessmentReport): ReportDiff {
  const goalsBefore = new Map(Object.values(previous.goals).map((g) => [g.id, g.score]));
  const metricsOf = (r: AssessmentReport) => {
    const map = new Map<string, number | null>();
    for (const ev of r.evidence) {
      if (ev.kind !== 'test') continue;
      for (const [metric, value] of Object.entries(ev.result?.metrics ?? {})) {
        map.set(`${ev.testId}\u0000${metric}`, value);
      }
    }
    return map;
  };
  const before = metricsOf(previous);
  const after = metricsOf(current);
  const metrics = [...new Set([...after.keys(), ...before.keys()])]
    .filter((k) => before.get(k) !== after.get(k))
    .map((k) => {
      const [testId, metric] = k.split('\u0000') as [string, string];
      return { testId, metric, from: before.get(k) ?? null, to: after.get(k) ?? null };
    });
  const prevGaps = new Set(previous.gaps.map(gapKey));
  const nextGaps = new Set(current.gaps.map(gapKey));
  return {
    previousId: previous.id,
    previousAt: previous.startedAt,
    level: { from: previous.capabilityLevel, to: current.capabilityLevel },
    capabilities: statusChanges(previous.capabilities, current.capabilities),
    checks: statusChanges(previous.checks, current.checks),
    goals: Object.values(current.goals)
      .filter((g) => goalsBefore.get(g.id) !== g.score)
      .map((g) => ({ id: g.id, from: goalsBefore.get(g.id) ?? null, to: g.score })),
    metrics,
    gapsOpened: [...nextGaps].filter((k) => !prevGaps.has(k)),
    gapsClosed: [...prevGaps].filter((k) => !nextGaps.has(k)),
  };
}
