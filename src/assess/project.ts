/**
 * @module The project file `aisf.yaml`: the system profile, model and data, sensitive attributes,
 * the process-check answers file and the test plan with pass criteria declared before anything
 * runs (TC260-AISGF-2024 6.1(g): goals, scope and methods settled in advance).
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { AisfError } from '../errors.js';
import { parseYamlText, readTextFile, validateInput } from './yaml-input.js';

/** The project file's name inside a project folder. */
export const PROJECT_FILE = 'aisf.yaml';

/** Sectors a profile may name. TC260-AISGF-2024 6.3 calls out key sectors (see KEY_SECTORS). */
export const SECTORS = [
  'finance',
  'medical',
  'transport',
  'government',
  'public-service',
  'energy',
  'telecom',
  'education',
  'manufacturing',
  'retail',
  'media',
  'internet',
  'other',
] as const;
export type Sector = (typeof SECTORS)[number];

/**
 * Key sectors in the sense of TC260-AISGF-2024 6.3 (government, critical information
 * infrastructure, and fields that directly affect public safety or people's life and health):
 * a profile in one of them takes the `key-sector-user` role and the 6.3 guidelines.
 */
export const KEY_SECTORS: readonly Sector[] = [
  'finance',
  'medical',
  'transport',
  'government',
  'public-service',
  'energy',
  'telecom',
];

/** What the model does. */
export const MODEL_KINDS = [
  'classifier',
  'regressor',
  'generative',
  'recommender',
  'detector',
  'other',
] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** Where the system runs. */
export const DEPLOYMENTS = ['on-premise', 'cloud', 'api', 'edge', 'embedded'] as const;
export type Deployment = (typeof DEPLOYMENTS)[number];

/** The actor roles of TC260-AISGF-2024 §6 (the `actor` of the guidelines in the catalogue). */
export const ACTOR_ROLES = ['developer', 'provider', 'key-sector-user', 'public'] as const;
export type ActorRole = (typeof ACTOR_ROLES)[number];

/** The 8 lifecycle-stage ids of the catalogue (CAICT-AISF-2020 1(二)). */
export const STAGE_IDS = [
  'stage.inception',
  'stage.design-development',
  'stage.verification-validation',
  'stage.deployment',
  'stage.operation-monitoring',
  'stage.continuous-validation',
  'stage.re-evaluation',
  'stage.retirement',
] as const;
export type StageId = (typeof STAGE_IDS)[number];

/** Comparison operators a pass criterion may use. */
export const CRITERION_OPS = ['<=', '<', '>=', '>', '=='] as const;
export type CriterionOp = (typeof CRITERION_OPS)[number];

/**
 * Every field of aisf.yaml with what it means and an example: the one source for `aisf init`'s
 * comments and for the fix in validation errors.
 */
export const FIELD_DOCS: Readonly<Record<string, { doc: string; example: string }>> = {
  version: { doc: 'project-file format version', example: 'version: 1' },
  profile: { doc: 'the system under assessment', example: 'profile: { name: …, sector: … }' },
  'profile.name': { doc: 'name of the AI system', example: 'name: HMDA credit decisions' },
  'profile.purpose': {
    doc: 'what the system is for, one sentence',
    example: 'purpose: decide mortgage applications',
  },
  'profile.sector': { doc: `sector: ${SECTORS.join(' | ')}`, example: 'sector: finance' },
  'profile.stage': {
    doc: `current lifecycle stage: ${STAGE_IDS.join(' | ')}`,
    example: 'stage: stage.verification-validation',
  },
  'profile.modelKind': {
    doc: `model kind: ${MODEL_KINDS.join(' | ')}`,
    example: 'modelKind: classifier',
  },
  'profile.personalInformation': {
    doc: 'processes personal information',
    example: 'personalInformation: true',
  },
  'profile.sensitivePersonalInformation': {
    doc: 'processes sensitive personal information (PIPL art. 28: health, finance, biometrics …)',
    example: 'sensitivePersonalInformation: true',
  },
  'profile.servesPublic': { doc: 'serves the general public', example: 'servesPublic: true' },
  'profile.generatesContent': {
    doc: 'generates text, images, audio or video',
    example: 'generatesContent: false',
  },
  'profile.thirdPartyModel': {
    doc: 'builds on a third-party or pre-trained model',
    example: 'thirdPartyModel: false',
  },
  'profile.deployment': {
    doc: `deployment: ${DEPLOYMENTS.join(' | ')}`,
    example: 'deployment: api',
  },
  'profile.roles': {
    doc: `actor roles the organisation plays (TC260-AISGF-2024 §6): ${ACTOR_ROLES.join(' | ')}; default developer + provider, plus key-sector-user in a key sector`,
    example: 'roles: [developer, provider]',
  },
  model: { doc: 'model file, relative to this folder', example: 'model: model.onnx' },
  data: { doc: 'evaluation data file, relative to this folder', example: 'data: test.csv' },
  sensitiveAttributes: {
    doc: 'columns holding protected attributes (fairness tests group by them)',
    example: 'sensitiveAttributes: [afam, single]',
  },
  answers: {
    doc: 'process-check answers (YAML or CSV); default answers.yaml or answers.csv if present',
    example: 'answers: answers.yaml',
  },
  requireEvidence: {
    doc: 'a "yes" without an evidence file counts as partial',
    example: 'requireEvidence: true',
  },
  target: { doc: 'what this assessment must reach', example: 'target: { level: 2 }' },
  'target.level': {
    doc: 'capability level (0–5) below which `aisf assess` exits 1',
    example: 'level: 2',
  },
  tests: { doc: 'the test plan', example: 'tests: [{ id: test.…, criteria: […] }]' },
  'tests[].id': {
    doc: 'test id from the registry (`aisf assess --list-tests`)',
    example: 'id: test.fairness.group-metrics',
  },
  'tests[].config': { doc: "the test's configuration", example: 'config: { label: deny }' },
  'tests[].criteria': {
    doc: 'pass criteria on the metrics the test reports; at least one',
    example: 'criteria: [{ metric: equalizedOddsDifference, op: "<=", value: 0.1 }]',
  },
  'tests[].criteria[].metric': {
    doc: 'a metric name the test reports',
    example: 'metric: equalizedOddsDifference',
  },
  'tests[].criteria[].op': { doc: `one of ${CRITERION_OPS.join(' ')}`, example: 'op: "<="' },
  'tests[].criteria[].value': { doc: 'the threshold, a number', example: 'value: 0.1' },
};

/** Fix text for a field: its meaning and an example, from FIELD_DOCS. */
export function fieldHint(field: string): string | undefined {
  const docs = FIELD_DOCS[field];
  return docs ? `${docs.doc}, e.g. \`${docs.example}\`` : undefined;
}

const nonEmpty = z.string().trim().min(1);

/** The system profile: what drives applicability. */
export const ProfileSchema = z.strictObject({
  name: nonEmpty,
  purpose: nonEmpty,
  sector: z.enum(SECTORS),
  stage: z.enum(STAGE_IDS),
  modelKind: z.enum(MODEL_KINDS),
  personalInformation: z.boolean(),
  sensitivePersonalInformation: z.boolean().default(false),
  servesPublic: z.boolean(),
  generatesContent: z.boolean(),
  thirdPartyModel: z.boolean().default(false),
  deployment: z.enum(DEPLOYMENTS),
  roles: z.array(z.enum(ACTOR_ROLES)).min(1).optional(),
});
export type Profile = z.infer<typeof ProfileSchema>;

/** One pass criterion: `metric op value`, e.g. `equalizedOddsDifference <= 0.1`. */
export const CriterionSchema = z.strictObject({
  metric: nonEmpty,
  op: z.enum(CRITERION_OPS),
  value: z.number().refine(Number.isFinite, 'must be a finite number'),
});
export type Criterion = z.infer<typeof CriterionSchema>;

/** One planned test: which plugin, its config, and the criteria it must meet. */
export const PlannedTestSchema = z.strictObject({
  id: z
    .string()
    .regex(
      /^test\.[a-z0-9-]+(\.[a-z0-9-]+)*$/,
      'must be a test id like test.fairness.group-metrics',
    ),
  config: z.record(z.string(), z.unknown()).default({}),
  criteria: z.array(CriterionSchema).min(1, 'declare at least one pass criterion'),
});
export type PlannedTest = z.infer<typeof PlannedTestSchema>;

/** The whole aisf.yaml; unknown fields are errors (a misspelt field must not be ignored). */
export const ProjectSchema = z
  .strictObject({
    version: z.literal(1),
    profile: ProfileSchema,
    model: nonEmpty.optional(),
    data: nonEmpty.optional(),
    sensitiveAttributes: z.array(nonEmpty).default([]),
    answers: nonEmpty.optional(),
    requireEvidence: z.boolean().default(true),
    target: z.strictObject({ level: z.number().int().min(0).max(5) }).optional(),
    tests: z.array(PlannedTestSchema).default([]),
  })
  .superRefine((project, ctx) => {
    const seen = new Set<string>();
    project.tests.forEach((test, i) => {
      if (seen.has(test.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['tests', i, 'id'],
          message: `"${test.id}" is planned twice; merge the two entries`,
        });
      }
      seen.add(test.id);
    });
  });
export type ProjectFile = z.infer<typeof ProjectSchema>;

/** A loaded project: the validated file plus where it lives. */
export interface Project extends ProjectFile {
  /** Absolute project folder. */
  dir: string;
  /** The project file as shown in messages (relative to the cwd). */
  file: string;
  /** Actor roles in effect: declared, or the default (see `effectiveRoles`). */
  effectiveRoles: ActorRole[];
  /** Resolved answers file, if one is named or found. */
  answersPath: string | undefined;
}

/**
 * The roles whose guidelines apply: the declared `roles`, or by default developer and provider
 * (an organisation assessing its own system builds and offers it), plus key-sector-user in a
 * key sector (TC260-AISGF-2024 6.3).
 */
export function effectiveRoles(profile: Profile): ActorRole[] {
  if (profile.roles) return [...new Set(profile.roles)];
  const roles: ActorRole[] = ['developer', 'provider'];
  if (KEY_SECTORS.includes(profile.sector)) roles.push('key-sector-user');
  return roles;
}

/** Parses and validates project-file text (no file system access besides none). */
export function parseProject(text: string, shown: string): ProjectFile {
  const parsed = parseYamlText(text, shown, 'E_CONFIG');
  if (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
    throw new AisfError(
      'E_CONFIG',
      `${shown} must be a YAML mapping with version, profile and tests; create one with \`aisf init\``,
      { location: { file: shown, line: 1 } },
    );
  }
  return validateInput(ProjectSchema, parsed, shown, 'E_CONFIG', fieldHint);
}

/**
 * Loads `<dir>/aisf.yaml`. A missing file or bad field is an E_CONFIG/E_FILE_NOT_FOUND error that
 * names the field, its line and the fix.
 *
 * @example
 * const project = loadProject('examples/credit-hmda');
 * project.profile.sector; // 'finance'
 */
export function loadProject(dir: string, cwd: string = process.cwd()): Project {
  const abs = resolve(cwd, dir);
  const path = join(abs, PROJECT_FILE);
  const shown = relative(cwd, path) || PROJECT_FILE;
  const text = readTextFile(
    path,
    shown,
    `create it with \`aisf init ${relative(cwd, abs) || '.'}\``,
  );
  const file = parseProject(text, shown);
  let answersPath: string | undefined;
  if (file.answers) {
    answersPath = resolve(abs, file.answers);
  } else {
    answersPath = ['answers.yaml', 'answers.yml', 'answers.csv']
      .map((name) => join(abs, name))
      .find((candidate) => existsSync(candidate));
  }
  return {
    ...file,
    dir: abs,
    file: shown,
    effectiveRoles: effectiveRoles(file.profile),
    answersPath,
  };
}
