/** @module The assessment: project file, applicability, process checks, test plan, scoring, gaps, reports. */
export * from './answers.js';
export * from './applicability.js';
export * from './assessment.js';
export * from './checklist.js';
export { type PromptAnswersOptions, promptAnswers } from './checklist-prompt.js';
export { formatCsv, parseCsv } from './csv.js';
export { diffReports, type ReportDiff, type StatusChange } from './diff.js';
export { DEFAULT_PROFILE, type InitAnswers, promptInit, renderProjectFile } from './init.js';
export * from './plan.js';
export * from './project.js';
export { assertUniqueIds, TESTS } from './registry.js';
export * from './report/index.js';
export * from './scoring.js';
export { readXlsxRows, writeXlsx } from './xlsx.js';
