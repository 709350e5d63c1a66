/** @module The registry of guard steps: one line per step plugin; duplicate ids throw at start-up. */
import { apiKeyStep } from './access-api-key/index.js';
import { quotaStep } from './access-quota/index.js';
import { confidenceStep } from './decision-confidence/index.js';
import { bannedTopicsStep } from './input-banned-topics/index.js';
import { promptInjectionStep } from './input-prompt-injection/index.js';
import { validateStep } from './input-validate/index.js';
import { labelStep } from './output-label/index.js';
import { outputPiiStep } from './output-pii/index.js';
import type { StepPlugin } from './step.js';

/** Every guard step, in the order a typical pipeline uses them. */
export const GUARD_STEPS = [
  apiKeyStep,
  quotaStep,
  validateStep,
  promptInjectionStep,
  bannedTopicsStep,
  confidenceStep,
  outputPiiStep,
  labelStep,
] as const;

const seen = new Set<string>();
for (const step of GUARD_STEPS) {
  if (seen.has(step.id)) throw new Error(`duplicate guard step id "${step.id}" in the registry`);
  seen.add(step.id);
}

/** Looks a step up by id. */
export function findStep(id: string): StepPlugin<{ step: string }> | undefined {
  return (GUARD_STEPS as unknown as readonly StepPlugin<{ step: string }>[]).find(
    (s) => s.id === id,
  ) as StepPlugin<{ step: string }> | undefined;
}
