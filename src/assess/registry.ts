/** @module The registry of technical tests: one line per test plugin; duplicate ids throw at start-up. */
import type { TestPlugin } from '../evidence/test-plugin.js';

/** Every technical test aisf can run, in report order. Add one line per plugin. */
export const TESTS: readonly TestPlugin<never>[] = [] as const;

/** Throws if two plugins share an id (called at module load, so a bad registry never starts). */
export function assertUniqueIds(plugins: readonly { id: string }[], what: string): void {
  const seen = new Set<string>();
  for (const plugin of plugins) {
    if (seen.has(plugin.id)) throw new Error(`duplicate ${what} id "${plugin.id}" in the registry`);
    seen.add(plugin.id);
  }
}
assertUniqueIds(TESTS, 'test');
