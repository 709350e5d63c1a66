/**
 * @module The contract every technical test implements (robustness, fairness, privacy, scan, guard
 * review …): one descriptor with its catalogue links and config schema, and a result the
 * assessment turns into evidence. Lives below the areas so they can import it; the registry of
 * all tests lives in src/assess/ (it imports the areas).
 */
import type { z } from 'zod';

/** How a run ended. A check that errored or was skipped is never "passed" (STYLE.md). */
export type TestStatus = 'completed' | 'error' | 'skipped';

/** Severity scale shared by findings of every area (scan, guard review, …). */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One finding of a test (e.g. a pickle import outside the allow-list). */
export interface Finding {
  /** Stable, namespaced id of the rule, e.g. `scan.pickle.global-not-allowed`. */
  id: string;
  severity: Severity;
  message: string;
  location?: { file?: string; member?: string; offset?: number; line?: number };
  evidence?: unknown;
}

/**
 * What a test returns. `metrics` are the named numbers pass criteria are written against
 * (`equalizedOddsDifference`, `adversarialAccuracy@pgd:0.1`, `epsilon`, `findings.high` …);
 * `details` is the full area-specific result (also what `--format json` prints).
 */
export interface TestResult {
  status: TestStatus;
  /** Why it errored or was skipped (user-safe text). */
  reason?: string;
  metrics: Record<string, number | null>;
  findings: Finding[];
  details: unknown;
  /** SHA-256 (hex) of the model and data the test ran on, when it had them. */
  modelSha256?: string;
  dataSha256?: string;
}

/** Context passed to `run`: progress reporting and cancellation. */
export interface TestContext {
  /** Called with 0..1 as work progresses (drives the CLI progress bar). */
  progress?: (fraction: number, label?: string) => void;
  signal?: AbortSignal;
  cwd: string;
}

/**
 * A technical test's descriptor: all its metadata in one place (STYLE.md: no parallel maps).
 * The catalogue ids say which framework items its result is evidence for; the assessment and
 * the docs are generated from them.
 */
export interface TestPlugin<C = unknown> {
  /** Stable id, e.g. `test.fairness.group-metrics`. */
  id: string;
  title: { zh: string; en: string };
  /** Catalogue ids (validated against the catalogue by the registry's tests). */
  riskIds: readonly string[];
  measureIds: readonly string[];
  techniqueIds: readonly string[];
  capabilityIds: readonly string[];
  /** The metric names `run` reports, with what "better" means, for criteria and reports. */
  metrics: Readonly<Record<string, { description: string; better: 'higher' | 'lower' }>>;
  configSchema: z.ZodType<C>;
  run: (config: C, ctx: TestContext) => Promise<TestResult>;
}

/** Defines a test plugin (identity, for type inference). */
export function defineTest<C>(plugin: TestPlugin<C>): TestPlugin<C> {
  return plugin;
}
