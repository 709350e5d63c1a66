/**
 * @module Where a worker thread's entry module lives: the compiled `.js` beside the caller in
 * `dist/`, or — when the sources run as TypeScript under tsx or vitest — the `.ts` file loaded
 * through tsx's scoped loader (a worker does not inherit the parent's loader hooks).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** The `Worker` constructor arguments (`url`, `eval`) for an entry file named without extension. */
export interface WorkerEntry {
  url: URL | string;
  eval: boolean;
}

/**
 * Resolves a worker entry `./name` relative to the calling module's `import.meta.url`.
 * @example const { url, eval: isEval } = workerEntry(import.meta.url, './parse-worker');
 */
export function workerEntry(callerUrl: string, relative: string): WorkerEntry {
  if (!callerUrl.endsWith('.ts')) return { url: new URL(`${relative}.js`, callerUrl), eval: false };
  const api = pathToFileURL(createRequire(callerUrl).resolve('tsx/esm/api')).href.replace(
    /\.cjs$/,
    '.mjs',
  );
  const entry = new URL(`${relative}.ts`, callerUrl).href;
  return {
    url: `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}));`,
    eval: true,
  };
}
