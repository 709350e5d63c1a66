/**
 * @module A cache of validated catalogues: full validation (YAML parse, zod schema, graph and
 * coverage checks) costs ~0.5 s per CLI call; a catalogue that validated once is stored as JSON
 * keyed by the SHA-256 of its YAML files and of the loader/validator code, so any edit to either
 * re-validates.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { LocatedItem } from './load.js';
import type { Manifest } from './schema.js';

/** Bumped when the cached JSON layout changes. */
const CACHE_FORMAT = 1;

/** The code whose behaviour decides whether a catalogue is valid (siblings of this module). */
const VALIDATOR_MODULES = ['load', 'schema', 'validate', 'expected', 'cache'];

/** What a cache entry holds: exactly what `new Catalog()` needs. */
export interface CachedCatalog {
  manifest: Manifest | undefined;
  items: LocatedItem[];
}

/**
 * The cache folder: `AISF_CACHE_DIR`, else `$XDG_CACHE_HOME/aisf`, else `~/.cache/aisf`;
 * `undefined` (no caching) when `AISF_NO_CACHE` is set.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.AISF_NO_CACHE) return undefined;
  if (env.AISF_CACHE_DIR) return env.AISF_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'aisf');
}

function moduleSource(name: string): string {
  // Works from src/ (tsx, vitest) and from dist/ (the published build).
  for (const ext of ['.js', '.ts']) {
    try {
      return readFileSync(new URL(`./${name}${ext}`, import.meta.url), 'utf8');
    } catch {
      // try the next extension
    }
  }
  return '';
}

/**
 * The cache key of a catalogue folder, or `undefined` when the folder cannot be read (then the
 * caller validates normally and reports the real error).
 */
export function catalogKey(dir: string, variant: string): string | undefined {
  const hash = createHash('sha256');
  hash.update(`aisf-catalog-cache/${CACHE_FORMAT}\0${variant}\0`);
  for (const name of VALIDATOR_MODULES) hash.update(`${name}\0${moduleSource(name)}\0`);
  try {
    for (const entry of readdirSync(dir).sort()) {
      if (!entry.endsWith('.yaml') && !entry.endsWith('.yml')) continue;
      hash.update(`${entry}\0`);
      hash.update(readFileSync(join(dir, entry)));
      hash.update('\0');
    }
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}

/** Reads a cache entry; any problem (missing, truncated, other layout) is a miss. */
export function readCachedCatalog(key: string, dir = cacheDir()): CachedCatalog | undefined {
  if (!dir) return undefined;
  try {
    const value = JSON.parse(readFileSync(join(dir, `catalog-${key}.json`), 'utf8')) as {
      key?: unknown;
      items?: unknown;
      manifest?: Manifest;
    };
    if (value.key !== key || !Array.isArray(value.items)) return undefined;
    return { manifest: value.manifest, items: value.items as LocatedItem[] };
  } catch {
    return undefined;
  }
}

/**
 * Stores a validated catalogue (atomically: temp file + rename, so a concurrent reader never sees
 * half a file). A read-only or full disk only costs the speed-up, never the command.
 */
export function writeCachedCatalog(key: string, value: CachedCatalog, dir = cacheDir()): void {
  if (!dir) return;
  try {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `catalog-${key}.json`);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ key, ...value }));
    renameSync(temp, file);
  } catch {
    // Caching is an optimisation; the validated catalogue is returned either way.
  }
}
