/** @module Reads catalogue YAML files into schema-checked items, with file:line for every problem. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { AisfError, type SourceLocation } from '../errors.js';
import { type Item, ItemSchema, type Manifest, ManifestSchema, PartFileSchema } from './schema.js';

/** The catalogue shipped with aisf (`catalog/` at the package root). */
export const DEFAULT_CATALOG_DIR = fileURLToPath(new URL('../../catalog/', import.meta.url));

/** Bound on a catalogue file: the whole framework is well under 1 MiB; refuse runaway input. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** One problem found while loading or validating, located as precisely as we can. */
export interface Problem {
  code: 'E_CATALOG_YAML' | 'E_CATALOG_SCHEMA' | 'E_CATALOG_INVALID';
  message: string;
  location?: SourceLocation;
  /** The item the problem is about, when there is one. */
  itemId?: string;
}

/** An item with the place it was read from. */
export interface LocatedItem {
  item: Item;
  location: SourceLocation;
}

export interface LoadResult {
  dir: string;
  manifest: Manifest | undefined;
  items: LocatedItem[];
  problems: Problem[];
}

interface ParsedYaml {
  value: unknown;
  locate: (path: ReadonlyArray<PropertyKey>) => SourceLocation;
}

function readBounded(file: string, shown: string): string {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (cause) {
    throw new AisfError('E_FILE_NOT_FOUND', `${shown}: no such file`, {
      cause,
      location: { file: shown },
    });
  }
  if (size > MAX_FILE_BYTES) {
    throw new AisfError(
      'E_CATALOG_YAML',
      `${shown}: ${size} bytes is over the ${MAX_FILE_BYTES}-byte limit for a catalogue file`,
      { location: { file: shown } },
    );
  }
  return readFileSync(file, 'utf8');
}

/** Parses YAML, collecting syntax errors as problems with line and column. */
function parseYaml(text: string, shown: string, problems: Problem[]): ParsedYaml | undefined {
  const lineCounter = new LineCounter();
  // uniqueKeys: a duplicated key silently overwriting a title is exactly the error we must catch.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const pos = lineCounter.linePos(error.pos[0]);
      problems.push({
        code: 'E_CATALOG_YAML',
        message: `invalid YAML: ${error.message.split('\n')[0]}`,
        location: { file: shown, line: pos.line, column: pos.col },
      });
    }
    return undefined;
  }
  const locate = (path: ReadonlyArray<PropertyKey>): SourceLocation => {
    // Walk down as far as the path exists, so a missing field points at its parent item.
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth) as unknown[], true);
      if (isNode(node) && node.range) {
        const pos = lineCounter.linePos(node.range[0]);
        return { file: shown, line: pos.line, column: pos.col };
      }
    }
    return { file: shown, line: 1, column: 1 };
  };
  let value: unknown;
  try {
    // maxAliasCount bounds alias expansion (the "billion laughs" attack on YAML parsers).
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    problems.push({
      code: 'E_CATALOG_YAML',
      message: `invalid YAML: ${cause instanceof Error ? cause.message : String(cause)}`,
      location: { file: shown, line: 1, column: 1 },
    });
    return undefined;
  }
  return { value, locate };
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((key, i) =>
      typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`,
    )
    .join('');
}

function schemaProblems(
  error: z.ZodError,
  prefix: ReadonlyArray<PropertyKey>,
  parsed: ParsedYaml,
  itemId: string | undefined,
): Problem[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...issue.path];
    const field = formatPath(issue.path);
    const where = itemId ? `item ${itemId}` : `items[${String(prefix[1])}]`;
    return {
      code: 'E_CATALOG_SCHEMA' as const,
      message: `${where}: ${field ? `field "${field}": ` : ''}${issue.message}`,
      location: parsed.locate(path),
      ...(itemId ? { itemId } : {}),
    };
  });
}

/**
 * Loads the manifest (`catalog.yaml`) and every part file it lists. Never throws for bad data:
 * syntax and schema problems are returned with file and line so `aisf catalog check` can list
 * them all at once. Throws only when the folder itself cannot be read.
 */
export function loadCatalogFiles(dir: string = DEFAULT_CATALOG_DIR): LoadResult {
  const problems: Problem[] = [];
  const items: LocatedItem[] = [];
  const shownBase = process.cwd();
  const show = (file: string) => {
    const rel = relative(shownBase, file);
    return rel.startsWith('..') ? file : rel;
  };

  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (cause) {
    throw new AisfError(
      'E_FILE_NOT_FOUND',
      `catalogue folder ${dir} cannot be read; pass --catalog with a folder that has catalog.yaml`,
      { cause },
    );
  }

  const manifestFile = join(dir, 'catalog.yaml');
  const manifestShown = show(manifestFile);
  if (!entries.includes('catalog.yaml')) {
    throw new AisfError(
      'E_FILE_NOT_FOUND',
      `${manifestShown}: missing; a catalogue folder needs a catalog.yaml manifest listing its parts`,
      { location: { file: manifestShown } },
    );
  }
  const parsedManifest = parseYaml(
    readBounded(manifestFile, manifestShown),
    manifestShown,
    problems,
  );
  let manifest: Manifest | undefined;
  if (parsedManifest) {
    const result = ManifestSchema.safeParse(parsedManifest.value);
    if (result.success) manifest = result.data;
    else {
      for (const issue of result.error.issues) {
        problems.push({
          code: 'E_CATALOG_SCHEMA',
          message: `manifest: field "${formatPath(issue.path)}": ${issue.message}`,
          location: parsedManifest.locate(issue.path),
        });
      }
    }
  }
  if (!manifest) return { dir, manifest, items, problems };

  const listed = new Set(manifest.parts.map((part) => `${part}.yaml`));
  for (const entry of entries.sort()) {
    if ((entry.endsWith('.yaml') || entry.endsWith('.yml')) && entry !== 'catalog.yaml') {
      if (!listed.has(entry)) {
        problems.push({
          code: 'E_CATALOG_INVALID',
          message: `${entry} is not listed under "parts" in catalog.yaml, so it would be ignored; add it or remove the file`,
          location: { file: show(join(dir, entry)) },
        });
      }
    }
  }

  for (const part of manifest.parts) {
    const file = join(dir, `${part}.yaml`);
    const shown = show(file);
    if (!entries.includes(`${part}.yaml`)) {
      problems.push({
        code: 'E_CATALOG_INVALID',
        message: `part "${part}" is listed in catalog.yaml but ${part}.yaml does not exist`,
        location: { file: manifestShown },
      });
      continue;
    }
    const parsed = parseYaml(readBounded(file, shown), shown, problems);
    if (!parsed) continue;
    const partResult = PartFileSchema.safeParse(parsed.value);
    if (!partResult.success) {
      problems.push(...schemaProblems(partResult.error, [], parsed, undefined));
      continue;
    }
    if (partResult.data.part !== part) {
      problems.push({
        code: 'E_CATALOG_SCHEMA',
        message: `field "part" is "${partResult.data.part}" but the file is ${part}.yaml; they must match`,
        location: parsed.locate(['part']),
      });
    }
    partResult.data.items.forEach((raw, index) => {
      const id =
        raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string'
          ? (raw as { id: string }).id
          : undefined;
      const result = ItemSchema.safeParse(raw);
      if (!result.success) {
        problems.push(...schemaProblems(result.error, ['items', index], parsed, id));
        return;
      }
      items.push({ item: result.data, location: parsed.locate(['items', index]) });
    });
  }
  return { dir, manifest, items, problems };
}
