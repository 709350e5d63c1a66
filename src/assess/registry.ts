/** @module The registry of technical tests: one line per test plugin; duplicate ids throw at start-up. */

import { groupMetrics } from '../algorithm/fairness/test-plugin/index.js';
import { robustnessTest } from '../algorithm/robustness/test-plugin/index.js';
import { guardConfigReview } from '../business/guard/config-review/index.js';
import { membershipInferenceTest } from '../data/privacy/membership/test-plugin/index.js';
import type { TestPlugin } from '../evidence/test-plugin.js';
import { modelScanTest } from '../platform/scan/test-plugin/index.js';

/** Every technical test aisf can run, in report order. Add one line per plugin. */
export const TESTS: readonly TestPlugin<never>[] = [
  guardConfigReview as unknown as TestPlugin<never>,
  groupMetrics as unknown as TestPlugin<never>,
  modelScanTest as unknown as TestPlugin<never>,
  robustnessTest as unknown as TestPlugin<never>,
  membershipInferenceTest as unknown as TestPlugin<never>,
] as const;

/** Throws if two plugins share an id (called at module load, so a bad registry never starts). */
export function assertUniqueIds(plugins: readonly { id: string }[], what: string): void {
  const seen = new Set<string>();
  for (const plugin of plugins) {
    if (seen.has(plugin.id)) throw new Error(`duplicate ${what} id "${plugin.id}" in the registry`);
    seen.add(plugin.id);
  }
}
assertUniqueIds(TESTS, 'test');
