/**
 * @module The store's Repository interface: assessment history with per-check results and
 * evidence records, implemented by sqlite/ (embedded default) and postgres/ (shared, scale-out),
 * both held to one conformance suite (store.test.ts).
 */
import type { AssessmentReport } from '../assess/assessment.js';

/** One row of the history list. */
export interface AssessmentSummary {
  id: string;
  projectKey: string;
  projectName: string;
  startedAt: string;
  finishedAt: string;
  capabilityLevel: number;
  ok: boolean;
  gaps: number;
  toolVersion: string;
  catalogVersion: string;
  planSha256: string;
}

/** An evidence record as stored: technical (a test run) or a file attached to a check. */
export interface StoredEvidence {
  assessmentId: string;
  seq: number;
  kind: 'test' | 'file';
  /** The test id or the check id. */
  subject: string;
  /** Model hash for a test, file hash for a file (null when unknown or missing). */
  sha256: string | null;
  /** Verdict of a test, state of a file. */
  outcome: string;
  createdAt: string;
  payload: unknown;
}

/** One check's status in one assessment (for history of a check). */
export interface CheckHistoryEntry {
  assessmentId: string;
  startedAt: string;
  status: string;
  score: number | null;
}

/**
 * Where assessments are kept. All methods are async so SQLite and PostgreSQL share the interface.
 *
 * @example
 * const store = await openStore('examples/credit-hmda', process.env);
 * await store.saveAssessment(report.project.name, report);
 * const previous = await store.latestAssessment(report.project.name);
 */
export interface AssessmentStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Human-readable location without secrets (file path, or host/database). */
  readonly location: string;
  /** Applies pending migrations; returns the schema version now in place. */
  migrate(): Promise<number>;
  /** Saves a report with its check results and evidence (one transaction). Ids are unique. */
  saveAssessment(projectKey: string, report: AssessmentReport): Promise<void>;
  getAssessment(id: string): Promise<AssessmentReport | undefined>;
  /** The newest assessment of a project, optionally strictly before a start time. */
  latestAssessment(projectKey: string, before?: string): Promise<AssessmentReport | undefined>;
  /** Newest first. */
  listAssessments(projectKey?: string, limit?: number): Promise<AssessmentSummary[]>;
  listEvidence(assessmentId: string): Promise<StoredEvidence[]>;
  /** Every evidence record with this hash (which assessments used this model or file). */
  findEvidenceBySha256(sha256: string): Promise<StoredEvidence[]>;
  /** A check's status across a project's assessments, oldest first. */
  checkHistory(projectKey: string, checkId: string): Promise<CheckHistoryEntry[]>;
  close(): Promise<void>;
}

/** Rows derived from a report, shared by both implementations. */
export function reportRows(projectKey: string, report: AssessmentReport) {
  return {
    assessment: {
      id: report.id,
      projectKey,
      projectName: report.project.name,
      startedAt: report.startedAt,
      finishedAt: report.finishedAt,
      capabilityLevel: report.capabilityLevel,
      ok: report.verdict.ok,
      gaps: report.gaps.length,
      toolVersion: report.tool.version,
      catalogVersion: report.tool.catalogVersion,
      planSha256: report.project.planSha256,
      report: JSON.stringify(report),
    },
    checks: report.checks.map((c) => ({
      checkId: c.id,
      kind: c.kind,
      status: c.status,
      score: c.score,
    })),
    evidence: report.evidence.map((e, seq) => ({
      seq,
      kind: e.kind,
      subject: e.kind === 'test' ? e.testId : e.checkId,
      sha256: e.kind === 'test' ? e.modelSha256 : e.actualSha256,
      outcome: e.kind === 'test' ? e.verdict : e.state,
      createdAt: e.kind === 'test' ? e.startedAt : report.startedAt,
      payload: JSON.stringify(e),
    })),
  };
}
