/** @module Test helper: a writable copy of the built-in catalogue to break on purpose. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CATALOG_DIR } from '../../src/catalog/index.js';

export interface CatalogCopy {
  dir: string;
  read: (file: string) => string;
  write: (file: string, text: string) => void;
  /** Replaces the first occurrence of `from` in `file`; throws if it is not there. */
  replace: (file: string, from: string, to: string) => void;
  remove: () => void;
}

export function copyCatalog(): CatalogCopy {
  const dir = mkdtempSync(join(tmpdir(), 'aisf-catalog-'));
  cpSync(DEFAULT_CATALOG_DIR, dir, { recursive: true });
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  const write = (file: string, text: string) => writeFileSync(join(dir, file), text);
  return {
    dir,
    read,
    write,
    replace(file, from, to) {
      const text = read(file);
      if (!text.includes(from)) throw new Error(`${file} does not contain ${from}`);
      write(file, text.replace(from, to));
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
