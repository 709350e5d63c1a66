import { describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/index.js';
import type { Answer, VerifiedEvidence } from './answers.js';
import { assessApplicability } from './applicability.js';
import { deriveChecklist } from './checklist.js';
import type { Profile } from './project.js';
import {
  buildGaps,
  type CheckRecord,
  type CheckStatus,
  capabilityLevel,
  checkScore,
  combineChecks,
  processCheckStatus,
  scoreCapabilities,
  scoreGoals,
  scoreRisks,
} from './scoring.js';

const catalog = openCatalog();

const PROFILE: Profile = {
  name: 'hand-built',
  purpose: 'scoring tests',
  sector: 'finance',
  stage: 'stage.deployment',
  modelKind: 'classifier',
  personalInformation: true,
  sensitivePersonalInformation: false,
  servesPublic: false,
  generatesContent: false,
  thirdPartyModel: false,
  deployment: 'on-premise',
};

/** Every process check of the profile, each with the status `statusOf` gives it (default passed). */
function scoredChecks(
  statusOf: (id: string, level?: number) => CheckStatus = () => 'passed',
): CheckRecord[] {
  const risks = assessApplicability(catalog, PROFILE, ['developer', 'provider']);
  return deriveChecklist(catalog, risks, ['developer', 'provider']).map((c) => {
    const status = statusOf(c.id, c.level);
    return { ...c, status, score: checkScore(status), evidence: [] };
  });
}

function capabilitiesOf(checks: CheckRecord[]) {
  return scoreCapabilities(
    checks
      .filter((c) => c.kind === 'capability')
      .map((c) => ({ id: c.id, title: c.title, level: c.level ?? 0 })),
    checks,
  );
}

describe('check scores', () => {
  it('scores passed 1, partial 0.5, not applicable null, everything else 0', () => {
    expect(checkScore('passed')).toBe(1);
    expect(checkScore('partial')).toBe(0.5);
    expect(checkScore('not-applicable')).toBeNull();
    for (const s of ['failed', 'evidence-invalid', 'error', 'not-run'] as const)
      expect(checkScore(s)).toBe(0);
  });

  it('derives a process check status from the answer and its evidence', () => {
    const yes: Answer = { check: 'x', answer: 'yes', evidence: [{ file: 'a.md' }] };
    const ev = (state: VerifiedEvidence['state']): VerifiedEvidence[] => [
      { file: 'a.md', checkId: 'x', actualSha256: null, state, reason: `a.md ${state}` },
    ];
    expect(processCheckStatus(undefined, [], true)).toEqual({
      status: 'not-run',
      reason: 'not answered',
    });
    expect(processCheckStatus(yes, ev('valid'), true).status).toBe('passed');
    expect(processCheckStatus(yes, ev('unpinned'), true).status).toBe('passed');
    for (const bad of ['missing', 'changed', 'expired'] as const) {
      expect(processCheckStatus(yes, ev(bad), true)).toEqual({
        status: 'evidence-invalid',
        reason: `a.md ${bad}`,
      });
    }
    const bare: Answer = { check: 'x', answer: 'yes', evidence: [] };
    expect(processCheckStatus(bare, [], true)).toEqual({
      status: 'partial',
      reason: 'answered yes without an evidence file',
    });
    expect(processCheckStatus(bare, [], false).status).toBe('passed');
    expect(processCheckStatus({ ...bare, answer: 'no' }, [], true).status).toBe('failed');
    expect(processCheckStatus({ ...bare, answer: 'partial' }, [], true).status).toBe('partial');
    expect(
      processCheckStatus({ ...bare, answer: 'not-applicable', reason: 'no UI' }, [], true),
    ).toEqual({
      status: 'not-applicable',
      reason: 'no UI',
    });
  });
});

describe('capabilities and the level', () => {
  it('combines inputs: all passed → satisfied, some score → partial, none → not satisfied, all n/a → not applicable', () => {
    expect(combineChecks([{ score: 1 }, { score: 1 }])).toEqual({ status: 'satisfied', score: 1 });
    expect(combineChecks([{ score: 1 }, { score: 0 }])).toEqual({ status: 'partial', score: 0.5 });
    expect(combineChecks([{ score: 0 }, { score: null }])).toEqual({
      status: 'not-satisfied',
      score: 0,
    });
    expect(combineChecks([{ score: 1 }, { score: null }])).toEqual({
      status: 'satisfied',
      score: 1,
    });
    expect(combineChecks([{ score: null }, { score: null }])).toEqual({
      status: 'not-applicable',
      score: null,
    });
    expect(combineChecks([])).toEqual({ status: 'not-satisfied', score: null });
  });

  it('puts a system with levels 1 and 2 complete and a level-3 gap at exactly level 2', () => {
    // Level 1–2 capabilities and everything serving them pass; level 3 and above fail.
    const checks = scoredChecks((_id, level) =>
      level !== undefined && level >= 3 ? 'failed' : 'passed',
    );
    // management.enterprise.people serves only level-3 capabilities: make it fail too.
    const caps = capabilitiesOf(
      checks.map((c) =>
        c.id === 'management.enterprise.people' ? { ...c, status: 'failed', score: 0 } : c,
      ),
    );
    expect(caps.filter((c) => c.level <= 2).every((c) => c.status === 'satisfied')).toBe(true);
    expect(capabilityLevel(caps)).toBe(2);
  });

  it('caps the level at 0 when one level-1 capability fails, whatever is in place above', () => {
    const checks = scoredChecks((id) =>
      id === 'capability.architecture.data-security' ? 'failed' : 'passed',
    );
    const caps = capabilitiesOf(checks);
    expect(caps.find((c) => c.id === 'capability.architecture.data-security')?.status).toBe(
      'not-satisfied',
    );
    expect(caps.filter((c) => c.level >= 2).every((c) => c.status === 'satisfied')).toBe(true);
    expect(capabilityLevel(caps)).toBe(0);
  });

  it('counts a level-1 capability fed by a failing management element as partial (level 0)', () => {
    const checks = scoredChecks((id) => (id === 'management.industry.laws' ? 'failed' : 'passed'));
    const caps = capabilitiesOf(checks);
    const compliance = caps.find((c) => c.id === 'capability.architecture.compliance-assessment');
    expect(compliance?.status).toBe('partial');
    expect(compliance?.checks.map((c) => c.id)).toContain('management.industry.laws');
    expect(capabilityLevel(caps)).toBe(0);
  });

  it('treats not-applicable capabilities as no obstacle and a fully n/a one as not applicable', () => {
    const checks = scoredChecks((id) =>
      id === 'capability.counter-attack.legal-rights' ? 'not-applicable' : 'passed',
    );
    const caps = capabilitiesOf(checks);
    expect(caps.find((c) => c.id === 'capability.counter-attack.legal-rights')?.status).toBe(
      'not-applicable',
    );
    expect(capabilityLevel(caps)).toBe(5);
    // An n/a answer on a level-1 capability does not lower the level either.
    const na1 = capabilitiesOf(
      scoredChecks((id) =>
        id === 'capability.architecture.business-security' ? 'not-applicable' : 'passed',
      ),
    );
    expect(na1.find((c) => c.id === 'capability.architecture.business-security')?.status).toBe(
      'not-applicable',
    );
    expect(capabilityLevel(na1)).toBe(5);
  });

  it('lets a failing planned test pull its capability down (registry links)', () => {
    const checks = scoredChecks();
    checks.push({
      id: 'test.fake.metric',
      kind: 'test',
      title: { zh: 't', en: 't' },
      question: { zh: '', en: '' },
      source: 'aisf.yaml tests',
      capabilities: ['capability.architecture.algorithm-security'],
      goals: [],
      risks: ['risk.model.bias'],
      status: 'failed',
      score: 0,
      evidence: [],
    });
    const caps = capabilitiesOf(checks);
    expect(caps.find((c) => c.id === 'capability.architecture.algorithm-security')).toMatchObject({
      status: 'partial',
      score: 0.5,
    });
    expect(capabilityLevel(caps)).toBe(0);
  });

  it('never skips a level: level 2 complete but level 1 partial is level 0', () => {
    expect(
      capabilityLevel([
        { level: 1, status: 'partial' },
        { level: 2, status: 'satisfied' },
      ]),
    ).toBe(0);
    expect(
      capabilityLevel([
        { level: 1, status: 'satisfied' },
        { level: 3, status: 'satisfied' },
      ]),
    ).toBe(1);
  });
});

describe('goals', () => {
  it('averages the capabilities and management elements serving each goal, leaving n/a out', () => {
    const checks = scoredChecks((id) =>
      id === 'capability.architecture.algorithm-security'
        ? 'partial'
        : id === 'management.industry.ethics'
          ? 'not-applicable'
          : 'passed',
    );
    const caps = capabilitiesOf(checks);
    const goals = scoreGoals(
      catalog.ofKind('goal').map((g) => ({
        id: g.id,
        title: g.title,
        capabilityIds: catalog
          .sources(g.id, 'serves')
          .filter((s) => s.kind === 'capability')
          .map((s) => s.id),
      })),
      caps,
      checks,
    );
    const fairness = goals.find((g) => g.id === 'goal.decision-fairness');
    // decision-fairness ← algorithm-security (0.5) and management.industry.ethics (n/a).
    expect(fairness?.inputs.map((i) => [i.id, i.score])).toEqual([
      ['capability.architecture.algorithm-security', 0.5],
      ['management.industry.ethics', null],
    ]);
    expect(fairness?.score).toBe(50);
    expect(goals.find((g) => g.id === 'goal.data-trust')?.score).toBe(100);
  });
});

describe('risk coverage and gaps', () => {
  it('measures coverage against the mapping table and orders the gaps', () => {
    const checks = scoredChecks((id) =>
      id === 'measure.gov.5-6'
        ? 'failed'
        : id === 'capability.passive-defense.data-protection'
          ? 'not-run'
          : id === 'guideline.6-1-a'
            ? 'evidence-invalid'
            : 'passed',
    );
    const risks = scoreRisks(
      assessApplicability(catalog, PROFILE, ['developer', 'provider']),
      checks,
    );
    const bias = risks.find((r) => r.riskId === 'risk.model.bias');
    // risk.model.bias ← 4.1.1(b), 5.6, 5.4 (TC260-AISGF-2024 mapping table).
    expect(bias?.measures.map((m) => [m.id, m.status])).toEqual([
      ['measure.tech.4-1-1-b', 'passed'],
      ['measure.gov.5-6', 'failed'],
      ['measure.gov.5-4', 'passed'],
    ]);
    expect(bias?.coverage).toBeCloseTo(2 / 3, 12);
    expect(bias?.treatment).toBe('partial');
    expect(risks.find((r) => r.riskId === 'risk.data.leakage')?.treatment).toBe('treated');
    expect(risks.find((r) => r.riskId === 'risk.cyber.content-safety')?.treatment).toBe(
      'not-applicable',
    );

    const caps = capabilitiesOf(checks);
    const level = capabilityLevel(caps);
    expect(level).toBe(1);
    const gaps = buildGaps({
      dir: 'proj',
      level,
      capabilities: caps,
      checks,
      risks,
      registry: [],
      planned: [],
    });
    expect(gaps[0]).toMatchObject({
      priority: 1,
      kind: 'level',
      ref: 'capability.passive-defense.data-protection',
    });
    expect(gaps[0]?.action).toEqual({
      type: 'command',
      text: 'answer it: `aisf assess checklist proj --check capability.passive-defense.data-protection`',
    });
    const priorities = gaps.map((g) => g.priority);
    expect(priorities).toEqual([...priorities].sort((a, b) => a - b));
    expect(gaps.find((g) => g.ref === 'risk.model.bias')).toMatchObject({
      priority: 3,
      kind: 'risk',
    });
    expect(gaps.find((g) => g.ref === 'guideline.6-1-a')).toMatchObject({
      priority: 4,
      kind: 'evidence',
    });
    expect(gaps.some((g) => g.ref === 'risk.data.leakage')).toBe(false);
  });

  it('suggests registered tests that evidence a next-level capability and are not planned', () => {
    const checks = scoredChecks((_id, level) => (level === 2 ? 'failed' : 'passed'));
    const caps = capabilitiesOf(checks);
    const gaps = buildGaps({
      dir: '.',
      level: capabilityLevel(caps),
      capabilities: caps,
      checks,
      risks: [],
      registry: [
        {
          id: 'test.fake.protect',
          capabilityIds: ['capability.passive-defense.algorithm-protection'],
          riskIds: [],
        },
      ],
      planned: [],
    });
    const suggestion = gaps.find((g) => g.ref === 'test.fake.protect');
    expect(suggestion?.action.text).toMatch(/add `- id: test\.fake\.protect`/);
  });
});
