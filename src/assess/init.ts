/**
 * @module `aisf init`: writes a commented aisf.yaml from answers (flags or terminal prompts). The
 * comments come from FIELD_DOCS, the same text validation errors use as their fix.
 */
import { stringify } from 'yaml';
import type { LineAsker } from './line-reader.js';
import type { TestRegistry } from './plan.js';
import {
  ACTOR_ROLES,
  DEPLOYMENTS,
  FIELD_DOCS,
  MODEL_KINDS,
  type Profile,
  SECTORS,
  STAGE_IDS,
} from './project.js';

/** What `aisf init` needs to write a project file. */
export interface InitAnswers {
  profile: Profile;
  model?: string;
  data?: string;
  sensitiveAttributes: string[];
}

const scalar = (value: unknown) => stringify(value, { lineWidth: 0 }).trimEnd();

function line(key: string, path: string, value: unknown, indent = ''): string {
  const doc = FIELD_DOCS[path]?.doc;
  return `${doc ? `${indent}# ${doc}\n` : ''}${indent}${key}: ${scalar(value)}`;
}

/**
 * The commented project file text. Registered tests are listed (commented out) with the metrics
 * their criteria can use, so a plan is declared before anything runs.
 *
 * @example
 * writeFileSync('aisf.yaml', renderProjectFile(answers, TESTS));
 */
export function renderProjectFile(answers: InitAnswers, registry: TestRegistry = []): string {
  const p = answers.profile;
  const out: string[] = [
    '# aisf project file: the AI system under assessment and its test plan.',
    '# Check it and run the assessment with `aisf assess <this folder>`.',
    '# Process-check answers live in answers.yaml (`aisf assess checklist` writes it).',
    line('version', 'version', 1),
    '',
    `# ${FIELD_DOCS.profile?.doc}`,
    'profile:',
    line('name', 'profile.name', p.name, '  '),
    line('purpose', 'profile.purpose', p.purpose, '  '),
    line('sector', 'profile.sector', p.sector, '  '),
    line('stage', 'profile.stage', p.stage, '  '),
    line('modelKind', 'profile.modelKind', p.modelKind, '  '),
    line('personalInformation', 'profile.personalInformation', p.personalInformation, '  '),
    line(
      'sensitivePersonalInformation',
      'profile.sensitivePersonalInformation',
      p.sensitivePersonalInformation,
      '  ',
    ),
    line('servesPublic', 'profile.servesPublic', p.servesPublic, '  '),
    line('generatesContent', 'profile.generatesContent', p.generatesContent, '  '),
    line('thirdPartyModel', 'profile.thirdPartyModel', p.thirdPartyModel, '  '),
    line('deployment', 'profile.deployment', p.deployment, '  '),
  ];
  if (p.roles)
    out.push(`  # ${FIELD_DOCS['profile.roles']?.doc}\n  roles: [${p.roles.join(', ')}]`);
  else out.push(`  # ${FIELD_DOCS['profile.roles']?.doc}\n  # roles: [developer, provider]`);
  out.push('');
  out.push(
    answers.model
      ? line('model', 'model', answers.model)
      : `# ${FIELD_DOCS.model?.doc}\n# model: model.onnx`,
  );
  out.push(
    answers.data
      ? line('data', 'data', answers.data)
      : `# ${FIELD_DOCS.data?.doc}\n# data: test.csv`,
  );
  out.push(
    `# ${FIELD_DOCS.sensitiveAttributes?.doc}\nsensitiveAttributes: [${answers.sensitiveAttributes.map((a) => scalar(a)).join(', ')}]`,
  );
  out.push(line('requireEvidence', 'requireEvidence', true));
  out.push(`# ${FIELD_DOCS['target.level']?.doc}\n# target: { level: 1 }`);
  out.push('');
  out.push(
    `# ${FIELD_DOCS.tests?.doc}: pass criteria are declared here, before anything runs (TC260-AISGF-2024 6.1(g)).`,
    `# Each entry: id (${FIELD_DOCS['tests[].id']?.doc}), config, criteria [{ metric, op, value }].`,
  );
  if (registry.length === 0) {
    out.push(
      '# No technical tests are registered in this aisf yet; planned tests are reported "not run".',
    );
  }
  for (const test of registry) {
    const metrics = Object.entries(test.metrics)
      .map(([name, m]) => `${name} (${m.better} is better)`)
      .join(', ');
    out.push(`# - id: ${test.id}   # ${test.title.en}; metrics: ${metrics}`);
  }
  out.push(
    'tests: []',
    '# Example:',
    '# tests:',
    '#   - id: test.fairness.group-metrics',
    '#     config: { label: deny }',
    '#     criteria:',
    '#       - { metric: equalizedOddsDifference, op: "<=", value: 0.1 }',
  );
  return `${out.join('\n')}\n`;
}

/** Defaults for a new profile (overridden by flags and prompts). */
export const DEFAULT_PROFILE: Profile = {
  name: 'my-ai-system',
  purpose: 'describe what the system is for',
  sector: 'other',
  stage: 'stage.design-development',
  modelKind: 'classifier',
  personalInformation: false,
  sensitivePersonalInformation: false,
  servesPublic: false,
  generatesContent: false,
  thirdPartyModel: false,
  deployment: 'api',
};

async function ask(
  rl: LineAsker,
  question: string,
  fallback: string,
  choices?: readonly string[],
  say: (text: string) => void = () => undefined,
): Promise<string> {
  for (;;) {
    const hint = choices ? ` (${choices.join(' | ')})` : '';
    const raw = (await rl.question(`${question}${hint} [${fallback}]: `)).trim();
    const value = raw === '' ? fallback : raw;
    if (!choices || choices.includes(value) || rl.closed) return value;
    say(`  "${value}" is not one of ${choices.join(', ')}\n`);
  }
}

async function askBool(rl: LineAsker, question: string, fallback: boolean): Promise<boolean> {
  for (;;) {
    const raw = (await rl.question(`${question} (y/n) [${fallback ? 'y' : 'n'}]: `))
      .trim()
      .toLowerCase();
    if (raw === '' || rl.closed) return fallback;
    if (['y', 'yes', 'true'].includes(raw)) return true;
    if (['n', 'no', 'false'].includes(raw)) return false;
  }
}

/**
 * Asks for each profile field in the terminal, offering `defaults` (from flags) as the default.
 */
export async function promptInit(
  rl: LineAsker,
  defaults: InitAnswers,
  say: (text: string) => void = () => undefined,
): Promise<InitAnswers> {
  const d = defaults.profile;
  const name = await ask(rl, 'System name', d.name);
  const purpose = await ask(rl, 'Purpose', d.purpose);
  const sector = (await ask(rl, 'Sector', d.sector, SECTORS, say)) as Profile['sector'];
  const stage = await ask(
    rl,
    'Lifecycle stage',
    d.stage.replace(/^stage\./, ''),
    STAGE_IDS.map((s) => s.replace(/^stage\./, '')),
    say,
  );
  const profile: Profile = {
    name,
    purpose,
    sector,
    stage: `stage.${stage}` as Profile['stage'],
    modelKind: (await ask(rl, 'Model kind', d.modelKind, MODEL_KINDS, say)) as Profile['modelKind'],
    personalInformation: await askBool(
      rl,
      'Processes personal information?',
      d.personalInformation,
    ),
    sensitivePersonalInformation: await askBool(
      rl,
      'Processes sensitive personal information?',
      d.sensitivePersonalInformation,
    ),
    servesPublic: await askBool(rl, 'Serves the public?', d.servesPublic),
    generatesContent: await askBool(rl, 'Generates content?', d.generatesContent),
    thirdPartyModel: await askBool(
      rl,
      'Builds on a third-party / pre-trained model?',
      d.thirdPartyModel,
    ),
    deployment: (await ask(
      rl,
      'Deployment',
      d.deployment,
      DEPLOYMENTS,
      say,
    )) as Profile['deployment'],
  };
  const roles = (
    await ask(
      rl,
      `Actor roles, comma-separated (${ACTOR_ROLES.join(', ')}; empty = default)`,
      (d.roles ?? []).join(','),
    )
  ).trim();
  if (roles) profile.roles = roles.split(',').map((r) => r.trim()) as NonNullable<Profile['roles']>;
  const model = await ask(rl, 'Model file (relative; empty for none)', defaults.model ?? '');
  const data = await ask(rl, 'Data file (relative; empty for none)', defaults.data ?? '');
  const attrs = await ask(
    rl,
    'Sensitive attributes, comma-separated',
    defaults.sensitiveAttributes.join(','),
  );
  return {
    profile,
    ...(model ? { model } : {}),
    ...(data ? { data } : {}),
    sensitiveAttributes: attrs
      ? attrs
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean)
      : [],
  };
}
