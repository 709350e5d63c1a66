/**
 * @module Checks the catalogue beyond its schema: unique ids, every link resolves and is typed,
 * counts and clause coverage match the source documents, no orphans.
 */
import { AisfError } from '../errors.js';
import { catalogKey, readCachedCatalog, writeCachedCatalog } from './cache.js';
import { Catalog } from './catalog.js';
import {
  CAICT_2020_CAPABILITIES_PER_LEVEL,
  CAICT_2020_FAMILIES_PER_AREA,
  CAICT_2020_MANAGEMENT,
  CAICT_2020_TECHNIQUES,
  EXPECTED_COUNTS,
  TC260_2023_STANDARDS_PER_TABLE,
  TC260_2024_GOVERNANCE_MEASURE_CLAUSES,
  TC260_2024_GUIDELINE_CLAUSES,
  TC260_2024_PRINCIPLE_CLAUSES,
  TC260_2024_RISK_CLAUSES,
  TC260_2024_TECHNICAL_MEASURE_CLAUSES,
} from './expected.js';
import { DEFAULT_CATALOG_DIR, type LoadResult, loadCatalogFiles, type Problem } from './load.js';
import { type DocumentId, type Kind, RELATION_RULES } from './schema.js';

/** Normalises clause spelling so `3.1.1（a）` and `3.1.1(a)` compare equal. */
export function normalizeClause(clause: string): string {
  return clause.replace(/（/g, '(').replace(/）/g, ')').replace(/\s+/g, '');
}

export interface CheckOptions {
  /**
   * Require the counts and clause coverage of the three source documents. On by default; a
   * custom catalogue (`--catalog` with a subset) can turn it off and keep the structural checks.
   * @default true
   */
  coverage?: boolean;
}

/** Structural checks on loaded items: ids, links, relation typing, orphans, hierarchy. */
function checkGraph(result: LoadResult, catalog: Catalog): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  for (const { item, location } of result.items) {
    const first = seen.get(item.id);
    if (first !== undefined) {
      problems.push({
        code: 'E_CATALOG_INVALID',
        message: `duplicate id ${item.id} (first defined at ${first}); ids must be unique`,
        location,
        itemId: item.id,
      });
    } else {
      seen.set(item.id, `${location.file}:${location.line ?? 1}`);
    }
  }

  for (const item of catalog.items) {
    const location = catalog.locationOf(item.id);
    const at = location ? { location } : {};
    const linkKeys = new Set<string>();
    for (const link of item.links) {
      const key = `${link.rel} ${link.to}`;
      if (linkKeys.has(key)) {
        problems.push({
          code: 'E_CATALOG_INVALID',
          message: `item ${item.id}: link ${link.rel} → ${link.to} is listed twice`,
          ...at,
          itemId: item.id,
        });
      }
      linkKeys.add(key);
      if (link.to === item.id) {
        problems.push({
          code: 'E_CATALOG_INVALID',
          message: `item ${item.id}: link ${link.rel} points at the item itself`,
          ...at,
          itemId: item.id,
        });
        continue;
      }
      const target = catalog.get(link.to);
      if (!target) {
        problems.push({
          code: 'E_CATALOG_INVALID',
          message: `item ${item.id}: link ${link.rel} → ${link.to} does not resolve (no item has id ${link.to}); fix the id or add the item`,
          ...at,
          itemId: item.id,
        });
        continue;
      }
      const rule = RELATION_RULES[link.rel];
      if (rule !== 'any' && !rule.some(([from, to]) => from === item.kind && to === target.kind)) {
        const allowed = rule.map(([from, to]) => `${from} → ${to}`).join(', ');
        problems.push({
          code: 'E_CATALOG_INVALID',
          message: `item ${item.id}: relation ${link.rel} cannot link a ${item.kind} to a ${target.kind} (${link.to}); ${link.rel} allows ${allowed}`,
          ...at,
          itemId: item.id,
        });
      }
    }
    const parents = item.links.filter((link) => link.rel === 'part-of');
    if (parents.length > 1) {
      problems.push({
        code: 'E_CATALOG_INVALID',
        message: `item ${item.id}: has ${parents.length} part-of links; an item sits in one place in the framework`,
        ...at,
        itemId: item.id,
      });
    }
    if (item.links.length === 0 && catalog.linksTo(item.id).length === 0) {
      problems.push({
        code: 'E_CATALOG_INVALID',
        message: `item ${item.id}: orphan (no links to or from it); link it to the items it belongs to or serves`,
        ...at,
        itemId: item.id,
      });
    }
  }

  // part-of must form a forest: a cycle would make "where it sits" undefined.
  for (const item of catalog.items) {
    const seenIds = new Set<string>();
    let current: string | undefined = item.id;
    while (current) {
      if (seenIds.has(current)) {
        const location = catalog.locationOf(item.id);
        problems.push({
          code: 'E_CATALOG_INVALID',
          message: `item ${item.id}: part-of links form a cycle through ${current}`,
          ...(location ? { location } : {}),
          itemId: item.id,
        });
        break;
      }
      seenIds.add(current);
      current = catalog.linksFrom(current, 'part-of')[0]?.to;
    }
  }
  return problems;
}

function expectClauses(
  catalog: Catalog,
  kind: Kind,
  doc: DocumentId,
  clauses: readonly string[],
): Problem[] {
  const problems: Problem[] = [];
  const have = new Map<string, string>();
  for (const item of catalog.ofKind(kind)) {
    if (item.source.doc !== doc) continue;
    const clause = normalizeClause(item.source.clause);
    const other = have.get(clause);
    if (other) {
      problems.push({
        code: 'E_CATALOG_INVALID',
        message: `${kind} ${item.id} and ${other} both claim ${doc} clause ${clause}`,
        itemId: item.id,
      });
    }
    have.set(clause, item.id);
  }
  for (const clause of clauses) {
    if (!have.has(clause)) {
      problems.push({
        code: 'E_CATALOG_INVALID',
        message: `missing ${kind} for ${doc} clause ${clause}; every clause of the document must be in the catalogue`,
      });
    }
  }
  for (const [clause, id] of have) {
    if (!clauses.includes(clause)) {
      problems.push({
        code: 'E_CATALOG_INVALID',
        message: `${kind} ${id} cites ${doc} clause ${clause}, which is not a ${kind} clause of that document`,
        itemId: id,
      });
    }
  }
  return problems;
}

/** Counts and clause coverage against the three source documents. */
function checkCoverage(catalog: Catalog): Problem[] {
  const problems: Problem[] = [];
  const counts = catalog.counts();
  for (const [kind, expected] of Object.entries(EXPECTED_COUNTS) as [Kind, number][]) {
    if (counts[kind] !== expected) {
      problems.push({
        code: 'E_CATALOG_INVALID',
        message: `expected ${expected} items of kind ${kind}, found ${counts[kind]}`,
      });
    }
  }
  problems.push(...expectClauses(catalog, 'risk', 'TC260-AISGF-2024', TC260_2024_RISK_CLAUSES));
  problems.push(
    ...expectClauses(
      catalog,
      'technical-measure',
      'TC260-AISGF-2024',
      TC260_2024_TECHNICAL_MEASURE_CLAUSES,
    ),
  );
  problems.push(
    ...expectClauses(
      catalog,
      'governance-measure',
      'TC260-AISGF-2024',
      TC260_2024_GOVERNANCE_MEASURE_CLAUSES,
    ),
  );
  problems.push(
    ...expectClauses(catalog, 'guideline', 'TC260-AISGF-2024', TC260_2024_GUIDELINE_CLAUSES),
  );
  problems.push(
    ...expectClauses(catalog, 'principle', 'TC260-AISGF-2024', TC260_2024_PRINCIPLE_CLAUSES),
  );

  // Every risk sits in a sub-category and carries the mapping-table row.
  for (const risk of catalog.ofKind('risk')) {
    for (const rel of ['part-of', 'mitigated-by', 'governed-by'] as const) {
      if (catalog.linksFrom(risk.id, rel).length === 0) {
        problems.push({
          code: 'E_CATALOG_INVALID',
          message: `risk ${risk.id}: no ${rel} link; every risk has its category and its row of the TC260-AISGF-2024 mapping table`,
          itemId: risk.id,
        });
      }
    }
  }

  // Guideline actor must agree with its section (6.1 developer … 6.4 public).
  const actorBySection: Record<string, string> = {
    '6.1': 'developer',
    '6.2': 'provider',
    '6.3': 'key-sector-user',
    '6.4': 'public',
  };
  for (const guideline of catalog.ofKind('guideline')) {
    const section = normalizeClause(guideline.source.clause).slice(0, 3);
    const expected = actorBySection[section];
    if (expected && guideline.actor !== expected) {
      problems.push({
        code: 'E_CATALOG_INVALID',
        message: `guideline ${guideline.id}: actor is ${guideline.actor} but clause ${section} is for ${expected}`,
        itemId: guideline.id,
      });
    }
  }

  // Capability levels 1–5, each with its sub-capabilities, each level building on the one before.
  const levels = catalog.ofKind('capability-level').sort((a, b) => a.level - b.level);
  levels.forEach((level, index) => {
    if (level.level !== index + 1) {
      problems.push({
        code: 'E_CATALOG_INVALID',
        message: `capability levels must be numbered 1–5 without gaps; ${level.id} has level ${level.level}`,
        itemId: level.id,
      });
    }
    const children = catalog.sources(level.id, 'part-of').filter((i) => i.kind === 'capability');
    const expected = CAICT_2020_CAPABILITIES_PER_LEVEL[index];
    if (expected !== undefined && children.length !== expected) {
      problems.push({
        code: 'E_CATALOG_INVALID',
        message: `capability level ${level.id} has ${children.length} capabilities, CAICT-AISF-2020 2(三)2 lists ${expected}`,
        itemId: level.id,
      });
    }
    const previous = levels[index - 1];
    const buildsOn = catalog.linksFrom(level.id, 'builds-on').map((link) => link.to);
    const want = previous ? [previous.id] : [];
    if (buildsOn.join() !== want.join()) {
      problems.push({
        code: 'E_CATALOG_INVALID',
        message: `capability level ${level.id}: levels are cumulative, so it must build on ${want.join() || 'nothing'} (found ${buildsOn.join() || 'nothing'})`,
        itemId: level.id,
      });
    }
  });

  // Technologies: 4 areas, their families, the named techniques, tiers consistent with parents.
  const tierOfParent = { area: undefined, family: 'area', technique: 'family' } as const;
  for (const tech of catalog.ofKind('technology')) {
    const parent = catalog.targets(tech.id, 'part-of')[0];
    const want = tierOfParent[tech.tier];
    const parentTier = parent?.kind === 'technology' ? parent.tier : undefined;
    if (parentTier !== want) {
      problems.push({
        code: 'E_CATALOG_INVALID',
        message: `technology ${tech.id} (${tech.tier}) must be part of a ${want ?? 'nothing (areas are roots)'}, found ${parent?.id ?? 'none'}`,
        itemId: tech.id,
      });
    }
  }
  const areas = catalog.ofKind('technology').filter((t) => t.tier === 'area');
  for (const [area, expected] of Object.entries(CAICT_2020_FAMILIES_PER_AREA)) {
    if (!areas.some((a) => a.id === area)) {
      problems.push({ code: 'E_CATALOG_INVALID', message: `missing technology area ${area}` });
      continue;
    }
    const families = catalog.sources(area, 'part-of').length;
    if (families !== expected) {
      problems.push({
        code: 'E_CATALOG_INVALID',
        message: `technology area ${area} has ${families} families, CAICT-AISF-2020 2(三)3 lists ${expected}`,
        itemId: area,
      });
    }
  }
  if (areas.length !== Object.keys(CAICT_2020_FAMILIES_PER_AREA).length) {
    problems.push({
      code: 'E_CATALOG_INVALID',
      message: `expected 4 technology areas (business, algorithm, data, platform), found ${areas.length}`,
    });
  }
  for (const id of CAICT_2020_TECHNIQUES) {
    if (!catalog.has(id)) {
      problems.push({
        code: 'E_CATALOG_INVALID',
        message: `missing technique ${id} (named in CAICT-AISF-2020 §3)`,
      });
    }
  }
  for (const tech of catalog.ofKind('technology').filter((t) => t.tier !== 'area')) {
    const servesGoal = catalog.targets(tech.id, 'serves').some((t) => t.kind === 'goal');
    const servesCapability = catalog
      .targets(tech.id, 'serves')
      .some((t) => t.kind === 'capability');
    if (tech.tier === 'technique' && !servesGoal) {
      problems.push({
        code: 'E_CATALOG_INVALID',
        message: `technique ${tech.id}: serves no goal; link it to the security goals it supports`,
        itemId: tech.id,
      });
    }
    if (!servesCapability && tech.tier === 'family') {
      problems.push({
        code: 'E_CATALOG_INVALID',
        message: `technology family ${tech.id}: serves no capability; link it to the capabilities it supports`,
        itemId: tech.id,
      });
    }
  }

  const management = catalog.ofKind('management');
  const mLevels = management.filter((m) => m.tier === 'level').length;
  const mElements = management.filter((m) => m.tier === 'element').length;
  if (mLevels !== CAICT_2020_MANAGEMENT.levels || mElements !== CAICT_2020_MANAGEMENT.elements) {
    problems.push({
      code: 'E_CATALOG_INVALID',
      message: `management: expected ${CAICT_2020_MANAGEMENT.levels} levels and ${CAICT_2020_MANAGEMENT.elements} elements (CAICT-AISF-2020 2(三)4), found ${mLevels} and ${mElements}`,
    });
  }

  const stageOrders = catalog
    .ofKind('lifecycle-stage')
    .map((s) => s.order)
    .sort((a, b) => a - b);
  if (stageOrders.join() !== '1,2,3,4,5,6,7,8') {
    problems.push({
      code: 'E_CATALOG_INVALID',
      message: `lifecycle stages must have orders 1–8 exactly once (found ${stageOrders.join(',')})`,
    });
  }

  const perTable = new Map<string, number>();
  for (const standard of catalog.ofKind('standard')) {
    const table = normalizeClause(standard.source.clause);
    perTable.set(table, (perTable.get(table) ?? 0) + 1);
  }
  for (const [table, expected] of Object.entries(TC260_2023_STANDARDS_PER_TABLE)) {
    if ((perTable.get(table) ?? 0) !== expected) {
      problems.push({
        code: 'E_CATALOG_INVALID',
        message: `standards: TC260-AISSWP-2023 appendix ${table} has ${expected} rows, catalogue has ${perTable.get(table) ?? 0}`,
      });
    }
  }
  return problems;
}

/** The outcome of `checkCatalog`: every problem, and the catalogue as far as it loaded. */
export interface CheckResult {
  ok: boolean;
  problems: Problem[];
  catalog: Catalog;
  load: LoadResult;
}

/**
 * Loads and validates a catalogue folder, returning all problems (never throwing for bad data).
 *
 * @example
 * const { ok, problems } = checkCatalog();
 */
export function checkCatalog(
  dir: string = DEFAULT_CATALOG_DIR,
  options: CheckOptions = {},
): CheckResult {
  const load = loadCatalogFiles(dir);
  const catalog = new Catalog(load.items, load.manifest);
  const problems = [...load.problems, ...checkGraph(load, catalog)];
  // Coverage only makes sense once every item parsed; otherwise it repeats the same loss.
  const parsedAll = !load.problems.some((p) => p.code !== 'E_CATALOG_INVALID');
  if (options.coverage !== false && parsedAll) {
    problems.push(...checkCoverage(catalog));
  }
  return { ok: problems.length === 0, problems, catalog, load };
}

/**
 * Loads a catalogue and throws if it is invalid: what every consumer of the catalogue calls.
 * The error lists the first problems with file:line and item id.
 */
export function openCatalog(
  dir: string = DEFAULT_CATALOG_DIR,
  options: CheckOptions = {},
): Catalog {
  // A catalogue that validated before with the same files and validator code is read from the
  // cache (see cache.ts); anything else is validated in full.
  const key = catalogKey(dir, `coverage=${options.coverage !== false}`);
  const cached = key ? readCachedCatalog(key) : undefined;
  if (cached) return new Catalog(cached.items, cached.manifest);
  const result = checkCatalog(dir, options);
  if (result.ok && key)
    writeCachedCatalog(key, { manifest: result.load.manifest, items: result.load.items });
  if (!result.ok) {
    const first = result.problems[0];
    const code = first?.code ?? 'E_CATALOG_INVALID';
    const shown = result.problems
      .slice(0, 5)
      .map(
        (p) => `  ${p.location ? `${p.location.file}:${p.location.line ?? 1}: ` : ''}${p.message}`,
      )
      .join('\n');
    const more = result.problems.length > 5 ? `\n  … and ${result.problems.length - 5} more` : '';
    throw new AisfError(
      code,
      `the catalogue is invalid (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}; run \`aisf catalog check\`):\n${shown}${more}`,
      { ...(first?.location ? { location: first.location } : {}), details: result.problems },
    );
  }
  return result.catalog;
}
