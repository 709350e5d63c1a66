/** @module The framework catalogue: load, validate, query, map and export (see catalog/README.md). */
export { type Backlink, Catalog, compareBySource, sortItems } from './catalog.js';
export { EXPECTED_COUNTS } from './expected.js';
export {
  exportJson,
  exportMarkdown,
  KIND_LABELS,
  type ListedItem,
  orderedItems,
  toListedItem,
} from './export.js';
export { DEFAULT_CATALOG_DIR, type LoadResult, loadCatalogFiles, type Problem } from './load.js';
export { type MappedItem, mapRisk, type RiskMap } from './map.js';
export * from './schema.js';
export { type SearchHit, search, tokenize } from './search.js';
export { type CheckResult, checkCatalog, normalizeClause, openCatalog } from './validate.js';
