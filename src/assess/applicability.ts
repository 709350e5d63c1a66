/**
 * @module Applicability: which of the 26 risks (TC260-AISGF-2024 §3) a system profile exposes and
 * why, at which lifecycle stages, and the measures and guidelines that follow from the catalogue.
 *
 * The rules are data (APPLICABILITY_RULES): each names the profile condition, the risks it brings
 * in and at what rating, and why. The risk → measure / guideline / stage links are the catalogue's
 * (`mitigated-by`, `governed-by`, guideline `addresses`, stage `exposes`), never a parallel map.
 */
import type { Catalog } from '../catalog/index.js';
import type { Text } from '../catalog/schema.js';
import { type ActorRole, KEY_SECTORS, type Profile } from './project.js';

/** How serious an applicable risk is for this profile (the highest rating of its rules). */
export const RATINGS = ['low', 'medium', 'high'] as const;
export type Rating = (typeof RATINGS)[number];

/** One applicability rule. */
export interface ApplicabilityRule {
  id: string;
  /** The condition, in words (shown as the reason). */
  when: Text;
  /** The seed clause or reasoning the rule rests on. */
  basis: string;
  applies: (profile: Profile, sensitiveAttributes: readonly string[]) => boolean;
  risks: Readonly<Record<string, Rating>>;
}

const DECISION_KINDS = new Set(['classifier', 'regressor', 'recommender', 'detector']);

/**
 * The rules, in the order their reasons are shown. A risk applies when any rule naming it
 * applies; its rating is the highest among those rules.
 */
export const APPLICABILITY_RULES: readonly ApplicabilityRule[] = [
  {
    id: 'rule.every-ai-system',
    when: {
      zh: '所有人工智能系统：模型、数据和系统的内生风险',
      en: 'every AI system: the endogenous risks of its model, data and system',
    },
    basis: 'TC260-AISGF-2024 3.1.1–3.1.3 (endogenous risks apply to any model, data and system)',
    applies: () => true,
    risks: {
      'risk.model.explainability': 'low',
      'risk.model.robustness': 'medium',
      'risk.model.adversarial': 'medium',
      'risk.model.theft-tampering': 'medium',
      'risk.model.unreliable-output': 'medium',
      'risk.data.poisoning': 'medium',
      'risk.system.vulnerability-backdoor': 'medium',
      'risk.system.supply-chain': 'medium',
      'risk.system.compute': 'low',
    },
  },
  {
    id: 'rule.supervised-learning',
    when: {
      zh: '监督学习模型（分类、回归、推荐、检测）依赖标注数据',
      en: 'a supervised model (classifier, regressor, recommender, detector) depends on labelled data',
    },
    basis: 'TC260-AISGF-2024 3.1.2(c)',
    applies: (p) => DECISION_KINDS.has(p.modelKind),
    risks: { 'risk.data.annotation': 'medium' },
  },
  {
    id: 'rule.decides-about-people',
    when: {
      zh: '系统对个人作出或辅助作出决策，或声明了敏感属性',
      en: 'the system makes or supports decisions about people, or sensitive attributes are declared',
    },
    basis:
      'TC260-AISGF-2024 3.1.1(a)(b), 3.2.4(a); CAICT-AISF-2020 2(三)1 决策公平公正 (credit, hiring)',
    applies: (p, attrs) =>
      attrs.length > 0 || (p.personalInformation && DECISION_KINDS.has(p.modelKind)),
    risks: {
      'risk.model.bias': 'high',
      'risk.ethical.discrimination-divide': 'medium',
      'risk.model.explainability': 'medium',
    },
  },
  {
    id: 'rule.key-sector',
    when: {
      zh: '重点领域（政府、关键信息基础设施、公共安全与生命健康相关领域）',
      en: 'a key sector (government, critical information infrastructure, public safety, life and health)',
    },
    basis: 'TC260-AISGF-2024 3.2.2(a), 4.2.4(b), 6.3',
    applies: (p) => KEY_SECTORS.includes(p.sector),
    risks: {
      'risk.real-world.socioeconomic': 'high',
      'risk.model.robustness': 'high',
      'risk.model.unreliable-output': 'high',
      'risk.ethical.loss-of-control': 'medium',
    },
  },
  {
    id: 'rule.personal-information',
    when: { zh: '处理个人信息', en: 'the system processes personal information' },
    basis: 'TC260-AISGF-2024 3.1.2(a)(d), 3.2.1(c); PIPL',
    applies: (p) => p.personalInformation || p.sensitivePersonalInformation,
    risks: {
      'risk.data.illegal-collection': 'medium',
      'risk.data.leakage': 'medium',
      'risk.cyber.improper-use-leakage': 'medium',
    },
  },
  {
    id: 'rule.sensitive-personal-information',
    when: { zh: '处理敏感个人信息', en: 'the system processes sensitive personal information' },
    basis: 'TC260-AISGF-2024 4.1.2(c)(d); PIPL art. 28',
    applies: (p) => p.sensitivePersonalInformation,
    risks: { 'risk.data.illegal-collection': 'high', 'risk.data.leakage': 'high' },
  },
  {
    id: 'rule.generates-content',
    when: { zh: '生成文本、图像、音视频等内容', en: 'the system generates content' },
    basis: 'TC260-AISGF-2024 3.2.1(a)(b)(d), 3.2.2(b)(c), 3.2.3(b), 3.2.4(b)(c)',
    applies: (p) => p.generatesContent || p.modelKind === 'generative',
    risks: {
      'risk.cyber.content-safety': 'high',
      'risk.cyber.deception': 'high',
      'risk.model.unreliable-output': 'high',
      'risk.cyber.cyberattack-abuse': 'medium',
      'risk.real-world.crime': 'medium',
      'risk.real-world.dual-use': 'medium',
      'risk.cognitive.cognitive-warfare': 'medium',
      'risk.cyber.model-reuse': 'medium',
      'risk.ethical.social-order': 'low',
      'risk.ethical.loss-of-control': 'low',
    },
  },
  {
    id: 'rule.recommender',
    when: { zh: '推荐系统（用户画像与内容推送）', en: 'a recommender (user profiling and feeds)' },
    basis: 'TC260-AISGF-2024 3.2.3(a), 4.2.3(b)',
    applies: (p) => p.modelKind === 'recommender',
    risks: { 'risk.cognitive.echo-chamber': 'medium' },
  },
  {
    id: 'rule.recommender-public',
    when: { zh: '面向公众的推荐系统', en: 'a recommender that serves the public' },
    basis: 'TC260-AISGF-2024 3.2.3(a)',
    applies: (p) => p.modelKind === 'recommender' && p.servesPublic,
    risks: { 'risk.cognitive.echo-chamber': 'high' },
  },
  {
    id: 'rule.serves-public',
    when: { zh: '面向公众提供服务', en: 'the system serves the public' },
    basis: 'TC260-AISGF-2024 3.2.1(c), 3.2.2(a), 3.2.4(a) (the AI divide)',
    applies: (p) => p.servesPublic,
    risks: {
      'risk.cyber.improper-use-leakage': 'medium',
      'risk.ethical.discrimination-divide': 'medium',
      'risk.real-world.socioeconomic': 'medium',
    },
  },
  {
    id: 'rule.third-party-model',
    when: {
      zh: '基于第三方或预训练模型构建',
      en: 'the system builds on a third-party or pre-trained model',
    },
    basis: 'TC260-AISGF-2024 3.1.3(c), 3.2.1(e)',
    applies: (p) => p.thirdPartyModel,
    risks: { 'risk.cyber.model-reuse': 'high', 'risk.system.supply-chain': 'high' },
  },
  {
    id: 'rule.exposed-model',
    when: {
      zh: '模型通过 API 或云服务开放，或部署在终端设备上',
      en: 'the model is exposed through an API or cloud service, or ships on devices',
    },
    basis: 'TC260-AISGF-2024 3.1.1(d) (extraction through queries; theft from devices)',
    applies: (p) => p.deployment !== 'on-premise',
    risks: { 'risk.model.theft-tampering': 'high' },
  },
  {
    id: 'rule.public-order-sector',
    when: {
      zh: '政府、公共服务、教育或媒体领域',
      en: 'government, public service, education or media',
    },
    basis: 'TC260-AISGF-2024 3.2.4(b)',
    applies: (p) => ['government', 'public-service', 'education', 'media'].includes(p.sector),
    risks: { 'risk.ethical.social-order': 'medium' },
  },
];

/** One risk's applicability for a profile, with the catalogue items that follow from it. */
export interface RiskApplicability {
  riskId: string;
  title: Text;
  applicable: boolean;
  /** The highest rating of the rules that apply; null when not applicable. */
  rating: Rating | null;
  /** Why it applies (the rules that fired) or, when it does not, the rules that would make it. */
  reasons: { ruleId: string; when: Text; basis: string; rating: Rating }[];
  /** Lifecycle stages where the risk arises (stage `exposes` links), in stage order. */
  stages: string[];
  /** Whether it arises in the profile's current stage. */
  inCurrentStage: boolean;
  /** TC260-AISGF-2024 mapping table (seed): technical and governance measures. */
  technicalMeasures: string[];
  governanceMeasures: string[];
  /** Guidelines addressing the risk, for the actor roles in effect. */
  guidelines: string[];
}

/**
 * Evaluates the rules for a profile over all 26 risks of the catalogue.
 *
 * @example
 * const risks = assessApplicability(catalog, project.profile, ['developer'], ['afam']);
 * risks.filter((r) => r.applicable).map((r) => r.riskId);
 */
export function assessApplicability(
  catalog: Catalog,
  profile: Profile,
  roles: readonly ActorRole[],
  sensitiveAttributes: readonly string[] = [],
  rules: readonly ApplicabilityRule[] = APPLICABILITY_RULES,
): RiskApplicability[] {
  const stageOrder = new Map(catalog.ofKind('lifecycle-stage').map((s) => [s.id, s.order]));
  return catalog.ofKind('risk').map((risk) => {
    const naming = rules.filter((rule) => rule.risks[risk.id] !== undefined);
    const firing = naming.filter((rule) => rule.applies(profile, sensitiveAttributes));
    const shown = firing.length > 0 ? firing : naming;
    const reasons = shown.map((rule) => ({
      ruleId: rule.id,
      when: rule.when,
      basis: rule.basis,
      rating: rule.risks[risk.id] as Rating,
    }));
    const rating =
      firing.length === 0
        ? null
        : reasons.reduce<Rating>(
            (best, r) => (RATINGS.indexOf(r.rating) > RATINGS.indexOf(best) ? r.rating : best),
            'low',
          );
    const stages = catalog
      .sources(risk.id, 'exposes')
      .filter((item) => item.kind === 'lifecycle-stage')
      .map((item) => item.id)
      .sort((a, b) => (stageOrder.get(a) ?? 0) - (stageOrder.get(b) ?? 0));
    const guidelines = catalog
      .sources(risk.id, 'addresses')
      .filter(
        (item) => item.kind === 'guideline' && (roles as readonly string[]).includes(item.actor),
      )
      .map((item) => item.id)
      .sort();
    return {
      riskId: risk.id,
      title: risk.title,
      applicable: firing.length > 0,
      rating,
      reasons,
      stages,
      inCurrentStage: stages.includes(profile.stage),
      technicalMeasures: catalog.targets(risk.id, 'mitigated-by').map((m) => m.id),
      governanceMeasures: catalog.targets(risk.id, 'governed-by').map((m) => m.id),
      guidelines,
    };
  });
}
