/**
 * @module `import()` for the optional ES modules scanners load on first use (h5wasm). The built
 * scan worker runs as one script compiled from a V8 code cache (worker-loader.cts), and Node
 * gives such a script no dynamic-import callback (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so
 * the loader, an ordinary CommonJS module, registers its own `import` under KEY first.
 */

type Importer = (specifier: string) => Promise<unknown>;
const KEY = Symbol.for('aisf.scan.import');

/** Imports `specifier` (a package name) through the registered importer, else this module's `import()`. */
export function hostImport<T>(specifier: string): Promise<T> {
  const importer = (globalThis as Record<symbol, Importer | undefined>)[KEY];
  return (importer ? importer(specifier) : import(specifier)) as Promise<T>;
}
