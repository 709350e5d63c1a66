import { describe, expect, it } from 'vitest';
import { mapRisk, openCatalog } from '../catalog/index.js';
import { APPLICABILITY_RULES, assessApplicability } from './applicability.js';
import { deriveChecklist } from './checklist.js';
import type { ActorRole, Profile } from './project.js';

const catalog = openCatalog();
const CREDIT: Profile = {
  name: 'credit',
  purpose: 'loan decisions',
  sector: 'finance',
  stage: 'stage.verification-validation',
  modelKind: 'classifier',
  personalInformation: true,
  sensitivePersonalInformation: true,
  servesPublic: true,
  generatesContent: false,
  thirdPartyModel: false,
  deployment: 'api',
};
const CHATBOT: Profile = {
  ...CREDIT,
  name: 'chat',
  sector: 'internet',
  modelKind: 'generative',
  personalInformation: false,
  sensitivePersonalInformation: false,
  generatesContent: true,
  thirdPartyModel: true,
  stage: 'stage.operation-monitoring',
};

const byId = (
  profile: Profile,
  roles: readonly ActorRole[] = ['developer', 'provider'],
  attrs: string[] = [],
) => new Map(assessApplicability(catalog, profile, roles, attrs).map((r) => [r.riskId, r]));

describe('applicability', () => {
  it('covers all 26 risks and only names catalogue risks in its rules', () => {
    expect(assessApplicability(catalog, CREDIT, ['developer']).length).toBe(26);
    for (const rule of APPLICABILITY_RULES) {
      for (const id of Object.keys(rule.risks))
        expect(catalog.get(id)?.kind, `${rule.id} → ${id}`).toBe('risk');
    }
    const named = new Set(APPLICABILITY_RULES.flatMap((r) => Object.keys(r.risks)));
    expect(named.size).toBe(26); // every risk can be brought in by some profile
  });

  it('a credit model: bias and leakage high, content risks not applicable with the condition that would apply them', () => {
    const risks = byId(CREDIT, ['developer', 'provider'], ['afam']);
    expect(risks.get('risk.model.bias')).toMatchObject({ applicable: true, rating: 'high' });
    expect(risks.get('risk.data.leakage')).toMatchObject({ applicable: true, rating: 'high' });
    expect(risks.get('risk.real-world.socioeconomic')).toMatchObject({
      applicable: true,
      rating: 'high',
    });
    const content = risks.get('risk.cyber.content-safety');
    expect(content).toMatchObject({ applicable: false, rating: null });
    expect(content?.reasons.map((r) => r.ruleId)).toEqual(['rule.generates-content']);
    expect(risks.get('risk.cognitive.echo-chamber')?.applicable).toBe(false);
  });

  it('a public chatbot on a third-party model: content, deception and model reuse apply, bias does not', () => {
    const risks = byId(CHATBOT);
    for (const id of [
      'risk.cyber.content-safety',
      'risk.cyber.deception',
      'risk.cyber.model-reuse',
    ]) {
      expect(risks.get(id), id).toMatchObject({ applicable: true, rating: 'high' });
    }
    expect(risks.get('risk.model.bias')?.applicable).toBe(false);
    // Declaring a sensitive attribute brings bias in.
    expect(byId(CHATBOT, ['developer'], ['gender']).get('risk.model.bias')?.applicable).toBe(true);
  });

  it('takes stages, measures and guidelines from the catalogue links', () => {
    const risks = byId(CREDIT, ['provider']);
    const bias = risks.get('risk.model.bias');
    const row = mapRisk(catalog, 'risk.model.bias');
    expect(bias?.technicalMeasures).toEqual(
      row.technicalMeasures
        .map((m) => m.item.id)
        .sort(
          (a, b) =>
            (bias?.technicalMeasures.indexOf(a) ?? 0) - (bias?.technicalMeasures.indexOf(b) ?? 0),
        ),
    );
    expect(new Set(bias?.governanceMeasures)).toEqual(
      new Set(row.governanceMeasures.map((m) => m.item.id)),
    );
    expect(new Set(bias?.stages)).toEqual(new Set(row.stages.map((s) => s.item.id)));
    expect(bias?.inCurrentStage).toBe(true); // V&V exposes bias (left undetected)
    // Only the provider's guidelines (6.2) for the provider role.
    const allGuidelines = row.guidelines.map((g) => g.item.id);
    expect(bias?.guidelines.every((g) => g.startsWith('guideline.6-2-'))).toBe(true);
    expect(bias?.guidelines.every((g) => allGuidelines.includes(g))).toBe(true);
  });
});

describe('the derived checklist', () => {
  it('asks all 17 capabilities and 7 management elements, the guidelines of the roles, the mapped measures', () => {
    const risks = assessApplicability(catalog, CREDIT, ['developer', 'key-sector-user']);
    const checks = deriveChecklist(catalog, risks, ['developer', 'key-sector-user']);
    const count = (kind: string) => checks.filter((c) => c.kind === kind).length;
    expect(count('capability')).toBe(17);
    expect(count('management')).toBe(7);
    expect(count('guideline')).toBe(10 + 9); // 6.1(a)–(j) and 6.3(a)–(i)
    expect(checks.some((c) => c.id.startsWith('guideline.6-2-'))).toBe(false);
    const expected = new Set(
      risks
        .filter((r) => r.applicable)
        .flatMap((r) => [...r.technicalMeasures, ...r.governanceMeasures]),
    );
    expect(new Set(checks.filter((c) => c.kind.endsWith('measure')).map((c) => c.id))).toEqual(
      expected,
    );
    // Capability checks come in level order; management checks carry the capabilities they serve.
    const levels = checks.filter((c) => c.kind === 'capability').map((c) => c.level);
    expect(levels).toEqual([...(levels as number[])].sort((a, b) => a - b));
    expect(checks.find((c) => c.id === 'management.enterprise.people')?.capabilities).toContain(
      'capability.active-defense.continuous-monitoring',
    );
    // A measure lists the applicable risks it treats.
    expect(checks.find((c) => c.id === 'measure.tech.4-2-4-a')?.risks).toContain(
      'risk.ethical.discrimination-divide',
    );
  });

  it('asks no content measures for a credit model, and asks them for a chatbot', () => {
    const ids = (p: Profile) =>
      deriveChecklist(catalog, assessApplicability(catalog, p, ['provider']), ['provider']).map(
        (c) => c.id,
      );
    expect(ids(CREDIT)).not.toContain('measure.tech.4-2-1-a');
    expect(ids(CHATBOT)).toContain('measure.tech.4-2-1-a');
  });
});
