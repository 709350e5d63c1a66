import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from './catalog.js';
import { search, tokenize } from './search.js';
import { openCatalog } from './validate.js';

let catalog: Catalog;
beforeAll(() => {
  catalog = openCatalog();
});

describe('tokenize', () => {
  it('splits Chinese into character bigrams and English into stemmed words', () => {
    expect(tokenize('对抗样本')).toEqual(['对抗', '抗样', '样本']);
    expect(tokenize('Adversarial Examples')).toEqual(['adversarial', 'example']);
    expect(tokenize('数据 poisoning')).toEqual(['poison', '数据']);
    expect(tokenize('  ')).toEqual([]);
  });
});

describe('search', () => {
  it('finds the adversarial-attack risk first for its Chinese name', () => {
    const hits = search(catalog, '对抗攻击风险', { kind: 'risk' });
    expect(hits[0]?.item.id).toBe('risk.model.adversarial');
  });

  it('finds by English words, ranked by relevance', () => {
    const hits = search(catalog, 'data poisoning');
    expect(hits.slice(0, 3).map((h) => h.item.id)).toContain('risk.data.poisoning');
    for (let i = 1; i < hits.length; i++) {
      expect(hits[i - 1]?.score).toBeGreaterThanOrEqual(hits[i]?.score ?? 0);
    }
  });

  it('puts an exact id first', () => {
    expect(search(catalog, 'guideline.6-3-i')[0]?.item.id).toBe('guideline.6-3-i');
  });

  it('finds techniques in Chinese', () => {
    const ids = search(catalog, '差分隐私', { limit: 5 }).map((h) => h.item.id);
    expect(ids).toContain('tech.data.privacy-computing.differential-privacy');
  });

  it('returns nothing for text that is nowhere', () => {
    expect(search(catalog, 'zzqxv')).toEqual([]);
  });
});
