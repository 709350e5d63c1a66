/** @module Ranked full-text search over the catalogue, in Chinese and English. */
import type { Catalog } from './catalog.js';
import { type Item, KINDS } from './schema.js';

/** One search hit. */
export interface SearchHit {
  item: Item;
  score: number;
  /** Which fields matched (id, title, summary, other). */
  fields: string[];
}

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

/**
 * Splits text into search tokens: lowercase Latin words (with a light English stemmer for plural
 * and -ing/-ed forms), and overlapping character bigrams for Chinese, which has no spaces (the
 * standard approach of CJK full-text engines, e.g. Lucene's CJKAnalyzer).
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const lower = text.toLowerCase().normalize('NFKC');
  for (const word of lower.match(/[a-z0-9]+/g) ?? []) tokens.push(stem(word));
  for (const run of lower.match(/[\u3400-\u9fff\uf900-\ufaff]+/g) ?? []) {
    const chars = [...run];
    if (chars.length === 1) tokens.push(run);
    for (let i = 0; i + 1 < chars.length; i++) tokens.push(`${chars[i]}${chars[i + 1]}`);
  }
  return tokens;
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

interface Indexed {
  item: Item;
  fields: { name: string; weight: number; tokens: Set<string>; text: string }[];
}

const FIELD_WEIGHTS = { id: 3, title: 5, summary: 1, other: 1 } as const;

function fieldsOf(item: Item): { name: keyof typeof FIELD_WEIGHTS; text: string }[] {
  const other: string[] = [item.source.clause];
  if (item.kind === 'lifecycle-stage') {
    for (const risk of item.stageRisks) other.push(risk.zh, risk.en);
  }
  if (item.kind === 'standard') other.push(item.number, item.body.zh, item.body.en);
  return [
    { name: 'id', text: item.id.replace(/[.-]/g, ' ') },
    { name: 'title', text: `${item.title.zh} ${item.title.en}` },
    { name: 'summary', text: `${item.summary.zh} ${item.summary.en}` },
    { name: 'other', text: other.join(' ') },
  ];
}

const indexCache = new WeakMap<Catalog, { docs: Indexed[]; df: Map<string, number> }>();

function indexOf(catalog: Catalog): { docs: Indexed[]; df: Map<string, number> } {
  const cached = indexCache.get(catalog);
  if (cached) return cached;
  const df = new Map<string, number>();
  const docs = catalog.items.map((item) => {
    const fields = fieldsOf(item).map(({ name, text }) => ({
      name,
      weight: FIELD_WEIGHTS[name],
      tokens: new Set(tokenize(text)),
      text: text.toLowerCase(),
    }));
    const all = new Set(fields.flatMap((field) => [...field.tokens]));
    for (const token of all) df.set(token, (df.get(token) ?? 0) + 1);
    return { item, fields };
  });
  const index = { docs, df };
  indexCache.set(catalog, index);
  return index;
}

export interface SearchOptions {
  /** Only items of this kind. */
  kind?: Item['kind'];
  /**
   * Maximum hits returned.
   * @default 20
   */
  limit?: number;
}

/**
 * Ranks items by how well they match `query`: each query token scores its inverse document
 * frequency times the weight of the best field it occurs in (title > id > summary); a verbatim
 * phrase in the title adds a bonus, an exact id match wins outright.
 *
 * @example
 * search(catalog, '成员推理')[0]?.item.id;
 */
export function search(catalog: Catalog, query: string, options: SearchOptions = {}): SearchHit[] {
  const { docs, df } = indexOf(catalog);
  const queryTokens = [...new Set(tokenize(query))];
  const phrase = query.trim().toLowerCase();
  if (queryTokens.length === 0 && phrase === '') return [];
  const total = docs.length;
  const hits: SearchHit[] = [];
  for (const doc of docs) {
    if (options.kind && doc.item.kind !== options.kind) continue;
    let score = 0;
    let matched = 0;
    const fields = new Set<string>();
    for (const token of queryTokens) {
      let best = 0;
      let bestField = '';
      for (const field of doc.fields) {
        if (field.tokens.has(token) && field.weight > best) {
          best = field.weight;
          bestField = field.name;
        }
      }
      if (best > 0) {
        matched++;
        fields.add(bestField);
        const idf = Math.log(1 + total / (df.get(token) ?? 1));
        score += best * idf;
      }
    }
    if (matched === 0 && doc.item.id !== phrase) continue;
    // Coverage: an item matching every query token outranks one matching many times a few.
    score *= matched / Math.max(1, queryTokens.length);
    const title = doc.fields.find((field) => field.name === 'title');
    if (phrase.length > 1 && title?.text.includes(phrase)) score += 10;
    if (doc.item.id === phrase) score += 100;
    hits.push({ item: doc.item, score, fields: [...fields] });
  }
  const kindOrder = (item: Item) => KINDS.indexOf(item.kind);
  hits.sort(
    (a, b) =>
      b.score - a.score ||
      kindOrder(a.item) - kindOrder(b.item) ||
      a.item.id.localeCompare(b.item.id),
  );
  return hits.slice(0, options.limit ?? 20);
}

/** True if the text contains Chinese characters (used to pick the display language). */
export function hasChinese(text: string): boolean {
  return CJK.test(text);
}
