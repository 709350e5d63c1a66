/** @module The loaded catalogue: lookup by id and kind, links both ways, the item's place in the framework. */
import type { SourceLocation } from '../errors.js';
import type { LocatedItem } from './load.js';
import {
  INVERSE_RELATION,
  type Item,
  type ItemOf,
  KINDS,
  type Kind,
  type Link,
  type Manifest,
} from './schema.js';

/** A link seen from the other end: `from` holds a link of `rel` pointing at this item. */
export interface Backlink {
  from: string;
  rel: Link['rel'];
  /** The inverse relation's name, e.g. `mitigates` for `mitigated-by`. */
  inverse: string;
  derived: boolean;
  note?: string;
}

/**
 * The framework as an indexed, read-only graph. Build it with `openCatalog()` (load + validate);
 * the constructor itself does no validation so the validator can use it on broken data.
 */
export class Catalog {
  readonly items: readonly Item[];
  readonly manifest: Manifest | undefined;
  private readonly byId = new Map<string, Item>();
  private readonly locations = new Map<string, SourceLocation>();
  private readonly backlinks = new Map<string, Backlink[]>();

  constructor(located: readonly LocatedItem[], manifest?: Manifest) {
    this.manifest = manifest;
    const items: Item[] = [];
    for (const { item, location } of located) {
      if (this.byId.has(item.id)) continue; // duplicates are reported by the validator
      this.byId.set(item.id, item);
      this.locations.set(item.id, location);
      items.push(item);
    }
    this.items = items;
    for (const item of items) {
      for (const link of item.links) {
        const list = this.backlinks.get(link.to) ?? [];
        list.push({
          from: item.id,
          rel: link.rel,
          inverse: INVERSE_RELATION[link.rel],
          derived: link.derived === true,
          ...(link.note === undefined ? {} : { note: link.note }),
        });
        this.backlinks.set(link.to, list);
      }
    }
  }

  /** The catalogue's version (from catalog.yaml). */
  get version(): string {
    return this.manifest?.version ?? '0.0.0';
  }

  get(id: string): Item | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Where an item was defined (file and line). */
  locationOf(id: string): SourceLocation | undefined {
    return this.locations.get(id);
  }

  /** Items of one kind, in framework order (source clause, then `order`). */
  ofKind<K extends Kind>(kind: K): ItemOf<K>[] {
    return this.items.filter((item): item is ItemOf<K> => item.kind === kind);
  }

  /** Outgoing links, optionally of one relation. */
  linksFrom(id: string, rel?: Link['rel']): Link[] {
    const links = this.byId.get(id)?.links ?? [];
    return rel ? links.filter((link) => link.rel === rel) : [...links];
  }

  /** Incoming links, optionally of one relation. */
  linksTo(id: string, rel?: Link['rel']): Backlink[] {
    const links = this.backlinks.get(id) ?? [];
    return rel ? links.filter((link) => link.rel === rel) : [...links];
  }

  /** Targets of outgoing links of `rel` that resolve, in link order. */
  targets(id: string, rel: Link['rel']): Item[] {
    return this.linksFrom(id, rel)
      .map((link) => this.byId.get(link.to))
      .filter((item): item is Item => item !== undefined);
  }

  /** Sources of incoming links of `rel`. */
  sources(id: string, rel: Link['rel']): Item[] {
    return this.linksTo(id, rel)
      .map((link) => this.byId.get(link.from))
      .filter((item): item is Item => item !== undefined);
  }

  /**
   * The chain of `part-of` parents from the top down, ending with the item itself: where it sits
   * in the framework (e.g. 应用安全风险 › 网络域 › 信息内容安全风险).
   */
  pathOf(id: string): Item[] {
    const path: Item[] = [];
    const seen = new Set<string>();
    let current = this.byId.get(id);
    while (current && !seen.has(current.id)) {
      seen.add(current.id);
      path.unshift(current);
      const parent = current.links.find((link) => link.rel === 'part-of');
      current = parent ? this.byId.get(parent.to) : undefined;
    }
    return path;
  }

  /** Direct children (`part-of` this item), in `order`. */
  childrenOf(id: string): Item[] {
    return sortItems(this.sources(id, 'part-of'));
  }

  /** Counts per kind, in KINDS order. */
  counts(): Record<Kind, number> {
    const counts = Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<Kind, number>;
    for (const item of this.items) counts[item.kind]++;
    return counts;
  }
}

/** Sorts items by `order` where both have one, keeping file order otherwise. */
export function sortItems<T extends Item>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
}

const CHINESE_NUMERALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

/**
 * Natural order of clause numbers: `4.1.2(b)` < `4.1.10(a)`, `5.2` < `5.10`, and document
 * order before clause order.
 */
export function compareBySource(a: Item, b: Item): number {
  if (a.source.doc !== b.source.doc) return a.source.doc.localeCompare(b.source.doc);
  // CAICT clauses number sections 一、二、三…; compare those as numbers too.
  const split = (clause: string) =>
    clause
      .split(/[^0-9a-z\u4e00-\u9fff]+/i)
      .filter(Boolean)
      .map((part) =>
        CHINESE_NUMERALS.includes(part) ? String(CHINESE_NUMERALS.indexOf(part) + 1) : part,
      );
  const x = split(a.source.clause);
  const y = split(b.source.clause);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i] as string;
    const q = y[i] as string;
    const cmp = /^\d+$/.test(p) && /^\d+$/.test(q) ? Number(p) - Number(q) : p.localeCompare(q);
    if (cmp !== 0) return cmp;
  }
  return x.length - y.length || (a.order ?? 0) - (b.order ?? 0);
}
