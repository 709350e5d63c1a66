/** @module The risk → measures → guidelines → technologies row (TC260-AISGF-2024 mapping table, extended). */
import { AisfError } from '../errors.js';
import { type Catalog, compareBySource } from './catalog.js';
import type { Item, ItemOf } from './schema.js';
import { search } from './search.js';

/** A linked item with whether the link is aisf's own analysis (`derived`). */
export interface MappedItem<T extends Item = Item> {
  item: T;
  derived: boolean;
}

/** One risk's row: the seed's mapping table plus the links aisf derived. */
export interface RiskMap {
  risk: ItemOf<'risk'>;
  /** Category path from the top, e.g. 内生安全风险 › 模型算法安全风险. */
  path: Item[];
  technicalMeasures: MappedItem<ItemOf<'technical-measure'>>[];
  governanceMeasures: MappedItem<ItemOf<'governance-measure'>>[];
  guidelines: MappedItem<ItemOf<'guideline'>>[];
  technologies: MappedItem<ItemOf<'technology'>>[];
  capabilities: MappedItem<ItemOf<'capability'>>[];
  stages: MappedItem<ItemOf<'lifecycle-stage'>>[];
}

function ofKind<K extends Item['kind']>(items: MappedItem[], kind: K): MappedItem<ItemOf<K>>[] {
  return items.filter((m): m is MappedItem<ItemOf<K>> => m.item.kind === kind);
}

/**
 * The full mapping for one risk: technical and governance measures (the seed's table, never
 * derived), then guidelines, seed-000 technologies, the capabilities they serve and the lifecycle
 * stages where the risk arises (aisf's analysis where marked `derived`).
 *
 * @example
 * mapRisk(catalog, 'risk.model.adversarial').technicalMeasures.map((m) => m.item.id);
 */
export function mapRisk(catalog: Catalog, riskId: string): RiskMap {
  const risk = catalog.get(riskId);
  if (risk?.kind !== 'risk') {
    const hint = search(catalog, riskId, { kind: 'risk', limit: 3 })
      .map((hit) => hit.item.id)
      .join(', ');
    throw new AisfError(
      'E_NOT_FOUND',
      `${risk ? `${riskId} is a ${risk.kind}, not a risk` : `no risk with id "${riskId}"`}; ` +
        `list them with \`aisf catalog list --kind risk\`${hint ? ` (did you mean ${hint}?)` : ''}`,
    );
  }
  const out: MappedItem[] = catalog.linksFrom(risk.id).flatMap((link) => {
    const item = catalog.get(link.to);
    return item && (link.rel === 'mitigated-by' || link.rel === 'governed-by')
      ? [{ item, derived: link.derived === true }]
      : [];
  });
  const incoming: MappedItem[] = catalog.linksTo(risk.id).flatMap((link) => {
    const item = catalog.get(link.from);
    return item ? [{ item, derived: link.derived }] : [];
  });
  const technologies = ofKind(incoming, 'technology');
  const capabilities = new Map<string, MappedItem<ItemOf<'capability'>>>();
  for (const tech of technologies) {
    // A technique serves what its family serves, too.
    const chain = catalog.pathOf(tech.item.id);
    for (const node of chain) {
      for (const link of catalog.linksFrom(node.id, 'serves')) {
        const target = catalog.get(link.to);
        if (target?.kind !== 'capability') continue;
        const derived = tech.derived || link.derived === true;
        const existing = capabilities.get(target.id);
        if (!existing || (existing.derived && !derived)) {
          capabilities.set(target.id, { item: target, derived });
        }
      }
    }
  }
  const byOrder = <T extends Item>(list: MappedItem<T>[]) =>
    [...list].sort((a, b) => compareBySource(a.item, b.item));
  return {
    risk,
    path: catalog.pathOf(risk.id),
    technicalMeasures: byOrder(ofKind(out, 'technical-measure')),
    governanceMeasures: byOrder(ofKind(out, 'governance-measure')),
    guidelines: byOrder(ofKind(incoming, 'guideline')),
    technologies,
    capabilities: [...capabilities.values()].sort((a, b) => a.item.id.localeCompare(b.item.id)),
    stages: byOrder(ofKind(incoming, 'lifecycle-stage')),
  };
}
