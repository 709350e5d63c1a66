import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from './catalog.js';
import { mapRisk } from './map.js';
import { checkCatalog, normalizeClause, openCatalog } from './validate.js';

interface MappingFixture {
  groups: {
    category: string;
    governance: string[];
    rows: { risk: string; clause: string; technical: string[] }[];
  }[];
}

// Transcribed by hand from the seed's last page, independently of catalog/*.yaml.
const mapping = JSON.parse(
  readFileSync(
    new URL('../../test/fixtures/tc260-2024-mapping-table.json', import.meta.url),
    'utf8',
  ),
) as MappingFixture;

/** Ignores spacing and quote style, which the PDF extraction varies. */
const normalizeTitle = (text: string) => text.replace(/[\s"“”「」]/g, '');

let catalog: Catalog;
beforeAll(() => {
  catalog = openCatalog();
});

describe('the built-in catalogue', () => {
  it('passes every check', () => {
    const result = checkCatalog();
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('has the counts of the source documents', () => {
    // Counted by hand from the seeds (see the issue): 6 goals, 5 levels with 5+3+4+3+2
    // capabilities, 8 stages, 4 principles, 26 risks, 21 technical and 10 governance measures,
    // 35 guidelines, 8 properties, 64 standards.
    expect(catalog.counts()).toMatchObject({
      goal: 6,
      'capability-level': 5,
      capability: 17,
      'lifecycle-stage': 8,
      principle: 4,
      'risk-category': 9,
      risk: 26,
      'technical-measure': 21,
      'governance-measure': 10,
      guideline: 35,
      property: 8,
      standard: 64,
    });
    const perLevel = catalog
      .ofKind('capability-level')
      .sort((a, b) => a.level - b.level)
      .map((level) => catalog.childrenOf(level.id).length);
    expect(perLevel).toEqual([5, 3, 4, 3, 2]);
    const areas = catalog.ofKind('technology').filter((t) => t.tier === 'area');
    expect(areas.map((a) => a.id).sort()).toEqual([
      'tech.algorithm',
      'tech.business',
      'tech.data',
      'tech.platform',
    ]);
    expect(areas.map((a) => catalog.childrenOf(a.id).length).sort()).toEqual([3, 4, 5, 5]);
  });

  it('reproduces every row of the TC260-AISGF-2024 mapping table exactly', () => {
    const risks = catalog.ofKind('risk');
    let rows = 0;
    for (const group of mapping.groups) {
      for (const row of group.rows) {
        rows++;
        const risk = risks.find((r) => normalizeTitle(r.title.zh) === normalizeTitle(row.risk));
        expect(risk, `risk "${row.risk}"`).toBeDefined();
        if (!risk) continue;
        expect(normalizeClause(risk.source.clause)).toBe(row.clause);
        const technical = catalog
          .targets(risk.id, 'mitigated-by')
          .map((m) => normalizeClause(m.source.clause))
          .sort();
        expect(technical, risk.id).toEqual([...row.technical].sort());
        const governance = catalog
          .targets(risk.id, 'governed-by')
          .map((m) => normalizeClause(m.source.clause))
          .sort();
        expect(governance, risk.id).toEqual([...group.governance].sort());
        // The table is the seed's own mapping, never our analysis.
        for (const link of catalog.linksFrom(risk.id)) {
          if (link.rel === 'mitigated-by' || link.rel === 'governed-by') {
            expect(link.derived ?? false).toBe(false);
          }
        }
      }
    }
    expect(rows).toBe(26);
  });

  it('has both languages on every item and a source clause', () => {
    for (const item of catalog.items) {
      expect(item.title.zh, item.id).toMatch(/[\u4e00-\u9fff]/);
      expect(item.title.en, item.id).toMatch(/[A-Za-z]/);
      expect(item.summary.zh, item.id).toMatch(/[\u4e00-\u9fff]/);
      expect(item.summary.en, item.id).toMatch(/[A-Za-z]/);
      expect(item.source.clause.length, item.id).toBeGreaterThan(0);
    }
  });

  it('places each risk in its category path', () => {
    const path = catalog.pathOf('risk.cyber.content-safety').map((item) => item.id);
    expect(path).toEqual([
      'risk-category.application',
      'risk-category.application.cyber',
      'risk.cyber.content-safety',
    ]);
    const byCategory = new Map<string, number>();
    for (const risk of catalog.ofKind('risk')) {
      const parent = catalog.linksFrom(risk.id, 'part-of')[0]?.to ?? 'none';
      byCategory.set(parent, (byCategory.get(parent) ?? 0) + 1);
    }
    expect(Object.fromEntries(byCategory)).toEqual({
      'risk-category.endogenous.model': 6,
      'risk-category.endogenous.data': 4,
      'risk-category.endogenous.system': 3,
      'risk-category.application.cyber': 5,
      'risk-category.application.real-world': 3,
      'risk-category.application.cognitive': 2,
      'risk-category.application.ethical': 3,
    });
  });

  it('makes capability levels cumulative', () => {
    expect(catalog.linksFrom('level.architecture', 'builds-on')).toEqual([]);
    expect(catalog.targets('level.counter-attack', 'builds-on').map((l) => l.id)).toEqual([
      'level.threat-intelligence',
    ]);
  });

  it('assigns guideline actors by section', () => {
    const actors = new Map<string, number>();
    for (const g of catalog.ofKind('guideline'))
      actors.set(g.actor, (actors.get(g.actor) ?? 0) + 1);
    expect(Object.fromEntries(actors)).toEqual({
      developer: 10,
      provider: 10,
      'key-sector-user': 9,
      public: 6,
    });
  });

  it('marks technology → risk links as derived (our analysis, not the seeds)', () => {
    for (const tech of catalog.ofKind('technology')) {
      for (const link of catalog.linksFrom(tech.id, 'addresses')) {
        expect(link.derived, `${tech.id} → ${link.to}`).toBe(true);
      }
    }
    const addressed = new Set(
      catalog
        .ofKind('technology')
        .flatMap((t) => catalog.linksFrom(t.id, 'addresses').map((l) => l.to)),
    );
    // The endogenous risks are what CAICT 2020's technologies are for: each has one.
    for (const risk of catalog
      .ofKind('risk')
      .filter((r) => r.id.match(/^risk\.(model|data|system)\./))) {
      expect(addressed.has(risk.id), risk.id).toBe(true);
    }
  });
});

describe('mapRisk', () => {
  it('returns the seed row and the derived technologies', () => {
    const row = mapRisk(catalog, 'risk.data.poisoning');
    expect(row.technicalMeasures.map((m) => m.item.source.clause)).toEqual([
      '4.1.2(b)',
      '4.1.2(c)',
      '4.1.2(d)',
      '4.1.2(e)',
      '4.1.2(f)',
    ]);
    expect(row.governanceMeasures.map((m) => m.item.id)).toEqual(['measure.gov.5-3']);
    expect(row.technologies.length).toBeGreaterThan(0);
    expect(row.technologies.every((m) => m.derived)).toBe(true);
    expect(row.capabilities.length).toBeGreaterThan(0);
  });

  it('rejects an id that is not a risk, with a hint', () => {
    expect(() => mapRisk(catalog, 'goal.data-trust')).toThrow(/is a goal, not a risk/);
    expect(() => mapRisk(catalog, 'risk.nope')).toThrow(/no risk with id "risk.nope"/);
  });
});
