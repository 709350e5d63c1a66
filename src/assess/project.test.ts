import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AisfError } from '../errors.js';
import { DEFAULT_PROFILE, renderProjectFile } from './init.js';
import { effectiveRoles, parseProject } from './project.js';

const VALID = `version: 1
profile:
  name: demo
  purpose: test
  sector: finance
  stage: stage.deployment
  modelKind: classifier
  personalInformation: true
  servesPublic: false
  generatesContent: false
  deployment: api
tests:
  - id: test.fake.metric
    criteria:
      - { metric: score, op: ">=", value: 0.5 }
`;

function errorOf(text: string): AisfError {
  try {
    parseProject(text, 'aisf.yaml');
  } catch (error) {
    if (error instanceof AisfError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('aisf.yaml', () => {
  it('parses a valid file with defaults filled in', () => {
    const project = parseProject(VALID, 'aisf.yaml');
    expect(project.profile.sensitivePersonalInformation).toBe(false);
    expect(project.requireEvidence).toBe(true);
    expect(project.tests[0]?.config).toEqual({});
    expect(effectiveRoles(project.profile)).toEqual(['developer', 'provider', 'key-sector-user']);
    expect(effectiveRoles({ ...project.profile, sector: 'retail' })).toEqual([
      'developer',
      'provider',
    ]);
    expect(effectiveRoles({ ...project.profile, roles: ['provider', 'provider'] })).toEqual([
      'provider',
    ]);
  });

  it('names the field, its line and the fix for a bad enum value', () => {
    const error = errorOf(VALID.replace('sector: finance', 'sector: banking'));
    expect(error.code).toBe('E_CONFIG');
    expect(error.exitCode).toBe(2);
    expect(error.location).toMatchObject({ file: 'aisf.yaml', line: 5 });
    expect(error.message).toMatch(
      /aisf\.yaml:5: profile\.sector: must be one of "finance", .*e\.g\. `sector: finance`/,
    );
  });

  it('rejects a stage that is not one of the 8 stage ids, listing them', () => {
    const error = errorOf(VALID.replace('stage.deployment', 'production'));
    expect(error.message).toMatch(
      /profile\.stage: must be one of "stage\.inception", .*"stage\.retirement"/,
    );
  });

  it('lists every problem at once (missing, unknown, bad criterion, empty criteria), then duplicates', () => {
    const text =
      VALID.replace('  purpose: test\n', '  purpos: test\n').replace('op: ">="', 'op: "=>"') +
      '  - id: test.fake.metric\n    criteria: []\n';
    const error = errorOf(text);
    expect(error.message).toMatch(/profile\.purpose: is required/);
    expect(error.message).toMatch(
      /profile: unknown field "purpos"; remove it or check the spelling/,
    );
    expect(error.message).toMatch(
      /tests\[0\]\.criteria\[0\]\.op: must be one of "<=", "<", ">=", ">", "=="/,
    );
    expect(error.message).toMatch(/tests\[1\]\.criteria: declare at least one pass criterion/);
    expect((error.details as { issues: unknown[] }).issues.length).toBe(4);
    // Cross-field checks run once the fields themselves are valid.
    const twice = errorOf(
      `${VALID}  - id: test.fake.metric\n    criteria: [{ metric: score, op: "<", value: 1 }]\n`,
    );
    expect(twice.message).toMatch(
      /tests\[1\]\.id: "test\.fake\.metric" is planned twice; merge the two entries/,
    );
  });

  it('reports YAML syntax errors with line and column, and non-mappings with the fix', () => {
    const syntax = errorOf('version: 1\nprofile: [\n');
    expect(syntax.code).toBe('E_CONFIG');
    expect(syntax.message).toMatch(/invalid YAML/);
    expect(syntax.location?.line).toBeGreaterThanOrEqual(2);
    expect(errorOf('- a\n- b\n').message).toMatch(/must be a YAML mapping .* `aisf init`/);
    expect(errorOf('a: 1\na: 2\n').message).toMatch(/invalid YAML/);
  });

  it('never throws anything but AisfError on arbitrary text (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        try {
          parseProject(text, 'aisf.yaml');
        } catch (error) {
          expect(error).toBeInstanceOf(AisfError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('aisf init output parses back to the same profile (round trip)', () => {
    const profile = {
      ...DEFAULT_PROFILE,
      name: 'Loan: "scoring" #1',
      sector: 'medical' as const,
      roles: ['developer' as const],
    };
    const text = renderProjectFile(
      { profile, model: 'm.onnx', data: 'd.csv', sensitiveAttributes: ['gender', 'age band'] },
      [],
    );
    const parsed = parseProject(text, 'aisf.yaml');
    expect(parsed.profile).toEqual(profile);
    expect(parsed.model).toBe('m.onnx');
    expect(parsed.sensitiveAttributes).toEqual(['gender', 'age band']);
    expect(parsed.tests).toEqual([]);
    expect(text).toMatch(/# sector: finance \| medical/);
  });
});
