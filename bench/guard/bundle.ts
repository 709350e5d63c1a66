/**
 * @module Builds the bench's server processes as plain JS bundles (esbuild, already installed with
 * tsx), as the compiled CLI runs them: under tsx every closure created per request also goes
 * through esbuild's keep-names helper (`__name` → Object.defineProperty), a cost the shipped
 * build does not have. Bundles sit in node_modules/.cache so their package imports resolve.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Node arguments that run `serveTs`: the bundle, or tsx on the source when esbuild is missing. */
export function bundle(serveTs: string, name: string): string[] {
  const out = join(ROOT, 'node_modules', '.cache', 'aisf-bench-guard', `${name}.mjs`);
  const r = spawnSync(
    join(ROOT, 'node_modules', '.bin', 'esbuild'),
    [
      serveTs,
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--packages=external',
      '--target=node20',
      '--log-level=warning',
      `--outfile=${out}`,
    ],
    { encoding: 'utf8' },
  );
  return r.status === 0 ? [out] : ['--import', 'tsx', serveTs];
}
