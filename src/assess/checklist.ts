/**
 * @module The process checklist, derived from the catalogue: the 17 capabilities of the five
 * levels (CAICT-AISF-2020 2(三)2), the 7 management elements (2(三)4), the guidelines of the actor
 * roles in effect (TC260-AISGF-2024 §6) and the technical and governance measures that the
 * mapping table assigns to the applicable risks (§4, §5). A check's id is the id of the
 * catalogue item it asks about, so answers, reports and the catalogue share one vocabulary.
 */
import type { Catalog } from '../catalog/index.js';
import type { Item, Text } from '../catalog/schema.js';
import type { RiskApplicability } from './applicability.js';
import type { ActorRole } from './project.js';

/** What a process check asks about (the kind of the catalogue item). */
export const CHECK_KINDS = [
  'capability',
  'management',
  'guideline',
  'technical-measure',
  'governance-measure',
] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

/** One process check: a question about one catalogue item, answered yes/no/partial/n.a. */
export interface ProcessCheck {
  /** The catalogue id the check is about, e.g. `capability.architecture.compliance-assessment`. */
  id: string;
  kind: CheckKind;
  title: Text;
  /** What "yes" means: the item's summary, in both languages. */
  question: Text;
  /** Source document and clause, e.g. `TC260-AISGF-2024 6.1(g)`. */
  source: string;
  /** Capability level (1–5) for capability checks. */
  level?: number;
  /** Actor role for guideline checks. */
  actor?: ActorRole;
  /** Capabilities this check evidences: itself, or those a management element serves. */
  capabilities: string[];
  /** Goals the item serves directly (`serves` links). */
  goals: string[];
  /** Applicable risks the item treats (mapping table for measures, `addresses` for guidelines). */
  risks: string[];
}

const sourceOf = (item: Item) => `${item.source.doc} ${item.source.clause}`;

function servedIds(catalog: Catalog, id: string, kind: 'goal' | 'capability'): string[] {
  return catalog
    .targets(id, 'serves')
    .filter((t) => t.kind === kind)
    .map((t) => t.id);
}

/**
 * Derives the checklist for a profile's applicable risks and actor roles. Capabilities and
 * management elements are always asked (the level ladder needs all of them); guidelines for
 * the roles in effect; measures for the applicable risks.
 *
 * @example
 * const checks = deriveChecklist(catalog, risks, ['developer', 'provider']);
 * checks.filter((c) => c.kind === 'capability').length; // 17
 */
export function deriveChecklist(
  catalog: Catalog,
  risks: readonly RiskApplicability[],
  roles: readonly ActorRole[],
): ProcessCheck[] {
  const applicable = risks.filter((r) => r.applicable);
  const checks: ProcessCheck[] = [];
  const levelOf = new Map(catalog.ofKind('capability-level').map((l) => [l.id, l.level]));
  const capabilities = catalog.ofKind('capability').map((cap) => {
    const levelId = catalog.linksFrom(cap.id, 'part-of')[0]?.to ?? '';
    return { cap, level: levelOf.get(levelId) ?? 0 };
  });
  capabilities.sort((a, b) => a.level - b.level || (a.cap.order ?? 0) - (b.cap.order ?? 0));
  for (const { cap, level } of capabilities) {
    checks.push({
      id: cap.id,
      kind: 'capability',
      title: cap.title,
      question: cap.summary,
      source: sourceOf(cap),
      level,
      capabilities: [cap.id],
      goals: servedIds(catalog, cap.id, 'goal'),
      risks: [],
    });
  }
  for (const element of catalog.ofKind('management')) {
    if (element.tier !== 'element') continue;
    checks.push({
      id: element.id,
      kind: 'management',
      title: element.title,
      question: element.summary,
      source: sourceOf(element),
      capabilities: servedIds(catalog, element.id, 'capability'),
      goals: servedIds(catalog, element.id, 'goal'),
      risks: [],
    });
  }
  for (const guideline of catalog.ofKind('guideline')) {
    if (!(roles as readonly string[]).includes(guideline.actor)) continue;
    checks.push({
      id: guideline.id,
      kind: 'guideline',
      title: guideline.title,
      question: guideline.summary,
      source: sourceOf(guideline),
      actor: guideline.actor,
      capabilities: [],
      goals: [],
      risks: applicable.filter((r) => r.guidelines.includes(guideline.id)).map((r) => r.riskId),
    });
  }
  for (const kind of ['technical-measure', 'governance-measure'] as const) {
    for (const measure of catalog.ofKind(kind)) {
      const treats = applicable
        .filter((r) =>
          (kind === 'technical-measure' ? r.technicalMeasures : r.governanceMeasures).includes(
            measure.id,
          ),
        )
        .map((r) => r.riskId);
      if (treats.length === 0) continue;
      checks.push({
        id: measure.id,
        kind,
        title: measure.title,
        question: measure.summary,
        source: sourceOf(measure),
        capabilities: [],
        goals: [],
        risks: treats,
      });
    }
  }
  return checks;
}
