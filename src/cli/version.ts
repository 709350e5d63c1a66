/** @module The package version, read once from package.json (beside dist/ or src/). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The aisf package version, e.g. `0.1.0`. */
export function packageVersion(): string {
  cached ??= (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
  return cached;
}
