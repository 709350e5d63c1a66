/**
 * @module What the source documents contain, counted by hand from the seeds: the validator checks
 * the catalogue against these so an item lost in an edit is caught.
 */
import type { Kind } from './schema.js';

/** Letters a…z, for clause lists like 6.1(a)…6.1(j). */
const letters = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}(${String.fromCharCode(97 + i)})`);

/** TC260-AISGF-2024 §3: the 26 risks, by clause. */
export const TC260_2024_RISK_CLAUSES = [
  ...letters('3.1.1', 6),
  ...letters('3.1.2', 4),
  ...letters('3.1.3', 3),
  ...letters('3.2.1', 5),
  ...letters('3.2.2', 3),
  ...letters('3.2.3', 2),
  ...letters('3.2.4', 3),
];

/** TC260-AISGF-2024 §4: technical measures 4.1.1(a) … 4.2.4(b). */
export const TC260_2024_TECHNICAL_MEASURE_CLAUSES = [
  ...letters('4.1.1', 2),
  ...letters('4.1.2', 6),
  ...letters('4.1.3', 4),
  ...letters('4.2.1', 2),
  ...letters('4.2.2', 2),
  ...letters('4.2.3', 3),
  ...letters('4.2.4', 2),
];

/** TC260-AISGF-2024 §5: governance measures 5.1 … 5.10. */
export const TC260_2024_GOVERNANCE_MEASURE_CLAUSES = Array.from(
  { length: 10 },
  (_, i) => `5.${i + 1}`,
);

/** TC260-AISGF-2024 §6: guidelines per actor. */
export const TC260_2024_GUIDELINE_CLAUSES = [
  ...letters('6.1', 10),
  ...letters('6.2', 10),
  ...letters('6.3', 9),
  ...letters('6.4', 6),
];

/** TC260-AISGF-2024 §1: principles 1.1 … 1.4. */
export const TC260_2024_PRINCIPLE_CLAUSES = ['1.1', '1.2', '1.3', '1.4'];

/** CAICT-AISF-2020 2(三)2: sub-capabilities per level (5 + 3 + 4 + 3 + 2). */
export const CAICT_2020_CAPABILITIES_PER_LEVEL = [5, 3, 4, 3, 2] as const;

/** CAICT-AISF-2020 2(三)3: technology families per area (business 4, algorithm 5, data 5, platform 3). */
export const CAICT_2020_FAMILIES_PER_AREA: Record<string, number> = {
  'tech.business': 4,
  'tech.algorithm': 5,
  'tech.data': 5,
  'tech.platform': 3,
};

/** TC260-AISSWP-2023 appendix A: rows per table. */
export const TC260_2023_STANDARDS_PER_TABLE: Record<string, number> = {
  'A.1.1': 4,
  'A.1.2': 29,
  'A.2': 31,
};

/**
 * Exact item counts per kind. `technology` and `management` are checked per tier instead, and
 * `standard` per table.
 */
export const EXPECTED_COUNTS: Partial<Record<Kind, number>> = {
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
};

/** Management: 2 levels (industry, enterprise) with 4 + 3 elements (CAICT-AISF-2020 2(三)4). */
export const CAICT_2020_MANAGEMENT = { levels: 2, elements: 7 } as const;

/**
 * The techniques CAICT-AISF-2020 §3 names, which other parts of aisf refer to by these ids.
 * The validator requires each to exist (more may be added).
 */
export const CAICT_2020_TECHNIQUES = [
  'tech.business.compliance-assessment.self-assessment',
  'tech.business.compliance-assessment.third-party-assessment',
  'tech.business.attack-detection.adversarial-example-detection',
  'tech.business.attack-detection.backdoor-detection',
  'tech.business.security-mechanism.access-control',
  'tech.business.security-mechanism.isolation',
  'tech.business.security-mechanism.redundancy',
  'tech.business.security-mechanism.circuit-breaker',
  'tech.business.security-mechanism.monitoring',
  'tech.business.malicious-use-detection.deepfake-detection',
  'tech.algorithm.robustness-enhancement.data-augmentation',
  'tech.algorithm.robustness-enhancement.robust-feature-learning',
  'tech.algorithm.robustness-enhancement.randomization',
  'tech.algorithm.robustness-enhancement.regularization',
  'tech.algorithm.robustness-enhancement.training-data-sampling',
  'tech.algorithm.fairness-assurance.fairness-constraints',
  'tech.algorithm.fairness-assurance.bias-post-processing',
  'tech.algorithm.explainability.self-explaining',
  'tech.algorithm.explainability.global-explanation',
  'tech.algorithm.explainability.local-explanation',
  'tech.algorithm.ip-protection.model-watermark',
  'tech.algorithm.security-evaluation.robustness-evaluation',
  'tech.algorithm.security-evaluation.fairness-evaluation',
  'tech.algorithm.security-evaluation.explainability-evaluation',
  'tech.data.privacy-computing.mpc',
  'tech.data.privacy-computing.homomorphic-encryption',
  'tech.data.privacy-computing.zero-knowledge-proof',
  'tech.data.privacy-computing.differential-privacy',
  'tech.data.privacy-computing.trusted-execution-environment',
  'tech.data.privacy-computing.federated-learning',
  'tech.data.provenance.security-label',
  'tech.data.provenance.blockchain-provenance',
  'tech.data.cleaning.anomaly-removal',
  'tech.data.cleaning.reconstruction',
  'tech.data.cleaning.repair',
  'tech.data.fairness-enhancement.distribution-correction',
  'tech.data.security-evaluation.compliance-evaluation',
  'tech.data.security-evaluation.leakage-evaluation',
  'tech.platform.vulnerability-discovery.code-audit',
  'tech.platform.vulnerability-discovery.fuzzing',
  'tech.platform.vulnerability-discovery.security-response',
  'tech.platform.model-file-validation.model-file-validation',
  'tech.platform.secure-deployment.trusted-deployment',
];
