import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheDir, catalogKey } from './cache.js';
import { DEFAULT_CATALOG_DIR } from './load.js';
import { openCatalog } from './validate.js';

describe('validated catalogue cache', () => {
  const saved = { ...process.env };
  let cache: string;
  let catalog: string;
  beforeEach(() => {
    const root = mkdtempSync(join(tmpdir(), 'aisf-catalog-cache-'));
    cache = join(root, 'cache');
    catalog = join(root, 'catalog');
    cpSync(DEFAULT_CATALOG_DIR, catalog, { recursive: true });
    process.env.AISF_CACHE_DIR = cache;
    delete process.env.AISF_NO_CACHE;
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('stores a validated catalogue and serves the same items from the cache', () => {
    const first = openCatalog(catalog);
    expect(readdirSync(cache)).toHaveLength(1);
    const second = openCatalog(catalog);
    expect(second.items).toEqual(first.items);
    expect(second.version).toBe(first.version);
    expect(second.locationOf('risk.model.adversarial')).toEqual(
      first.locationOf('risk.model.adversarial'),
    );
  });

  it('re-validates when a YAML file changes: a broken edit is never served from the cache', () => {
    openCatalog(catalog);
    const file = join(catalog, 'risks.yaml');
    const text = readFileSync(file, 'utf8');
    const broken = text.replace(/\bto: measure\.[a-z0-9.-]+/, 'to: measure.does-not-exist');
    expect(broken).not.toBe(text);
    writeFileSync(file, broken);
    expect(() => openCatalog(catalog)).toThrow(/measure\.does-not-exist/);
  });

  it('treats a corrupt cache entry as a miss', () => {
    openCatalog(catalog);
    const [entry] = readdirSync(cache);
    writeFileSync(join(cache, entry as string), '{"key":');
    expect(openCatalog(catalog).items.length).toBeGreaterThan(200);
  });

  it('is off with AISF_NO_CACHE and keys differ by variant', () => {
    expect(cacheDir({ AISF_NO_CACHE: '1' })).toBeUndefined();
    expect(cacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/aisf');
    expect(catalogKey(catalog, 'a')).not.toBe(catalogKey(catalog, 'b'));
    expect(catalogKey(join(catalog, 'missing'), 'a')).toBeUndefined();
  });
});
