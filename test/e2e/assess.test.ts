/**
 * End to end: the assessment of the bundled example in-process (golden JSON, with an empty
 * registry so other areas' plugins cannot move it), and the real `aisf` binary: init, assess,
 * history, report, checklist import/export and interactive answers, bad input, evidence tampering,
 * and the PostgreSQL store when AISF_TEST_DATABASE_URL is set.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { type AssessmentReport, assess, loadProject } from '../../src/assess/index.js';
import { openCatalog } from '../../src/catalog/index.js';
import { runCli } from '../../src/cli/main.js';
import { defineTest, type TestPlugin } from '../../src/evidence/test-plugin.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/aisf.js', import.meta.url));
const EXAMPLE = join(ROOT, 'examples', 'credit-hmda');
const GOLDEN = fileURLToPath(new URL('./assess-golden/credit-hmda.report.json', import.meta.url));
const NOW = new Date('2026-11-24T00:00:00.000Z');

// In-process runs must use the embedded store of each temp project, whatever the developer's env.
const savedDatabaseUrl = process.env.AISF_DATABASE_URL;
delete process.env.AISF_DATABASE_URL;
const tmp: string[] = [];
afterAll(() => {
  if (savedDatabaseUrl !== undefined) process.env.AISF_DATABASE_URL = savedDatabaseUrl;
  for (const dir of tmp) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aisf-assess-e2e-'));
  tmp.push(dir);
  return dir;
}

/** A copy of the example without its local store, so runs do not share history. */
function exampleCopy(): string {
  const dir = tempDir();
  cpSync(EXAMPLE, dir, {
    recursive: true,
    filter: (src) => !src.includes(`${join('credit-hmda', '.aisf')}`),
  });
  return dir;
}

function aisf(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string } = {},
) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', ...options.env },
    input: options.input ?? '',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The CLI in-process (same code path as the binary minus process start-up, which costs seconds on
 * a loaded machine); the binary itself is exercised by the tests that need stdin or a fresh env.
 */
async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: { LANG: 'C.UTF-8' },
    isTTY: false,
    cwd: ROOT,
  });
  return { code, stdout, stderr };
}

/** Replaces what changes from run to run (ids, clocks, durations, versions, others' file hashes). */
function normalise(report: AssessmentReport): unknown {
  const text = JSON.stringify(report)
    .replaceAll(report.id, '<id>')
    .replace(/"(startedAt|finishedAt|previousAt)":"[^"]+"/g, '"$1":"<time>"')
    .replace(/"durationMs":\d+/g, '"durationMs":0')
    .replace(/"toolVersion":"aisf [^"]+"/g, '"toolVersion":"aisf <version>"')
    .replace(
      /"version":"\d+\.\d+\.\d+[^"]*","catalogVersion"/,
      '"version":"<version>","catalogVersion"',
    );
  const value = JSON.parse(text) as AssessmentReport;
  // The model and data files belong to the fairness area and may be regenerated.
  if (value.project.model) value.project.model.sha256 = '<sha256>';
  if (value.project.data) value.project.data.sha256 = '<sha256>';
  for (const ev of value.evidence) {
    if (ev.kind === 'test') {
      ev.modelSha256 = ev.modelSha256 && '<sha256>';
      ev.dataSha256 = ev.dataSha256 && '<sha256>';
    }
  }
  return value;
}

/** A fake plugin (tests only) standing in for a fairness test that passes or fails on demand. */
function fakeRegistry(value: number): TestPlugin<never>[] {
  const plugin = defineTest({
    id: 'test.fairness.group-metrics',
    title: { zh: '假公平性测试', en: 'Fake fairness test' },
    riskIds: ['risk.model.bias'],
    measureIds: ['measure.tech.4-2-4-a'],
    techniqueIds: [],
    capabilityIds: ['capability.architecture.algorithm-security'],
    metrics: {
      equalizedOddsDifference: { description: 'fake', better: 'lower' },
      demographicParityDifference: { description: 'fake', better: 'lower' },
    },
    configSchema: z.record(z.string(), z.unknown()),
    async run() {
      return {
        status: 'completed',
        metrics: { equalizedOddsDifference: value, demographicParityDifference: value },
        findings: [],
        details: {
          groups: [
            { feature: 'afam', value: 'yes', selectionRate: 0.3 },
            { feature: 'afam', value: 'no', selectionRate: 0.1 },
          ],
        },
      };
    },
  });
  return [plugin as unknown as TestPlugin<never>];
}

describe('the credit-hmda example, in-process', () => {
  const catalog = openCatalog();

  it('matches the golden report (empty registry: planned tests not run)', async () => {
    const project = loadProject(EXAMPLE);
    const report = await assess(project, {
      catalog,
      registry: [],
      toolVersion: '0.0.0',
      dirArg: 'examples/credit-hmda',
      now: () => NOW,
    });
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining([
        'capabilityLevel',
        'capabilities',
        'goals',
        'risks',
        'checks',
        'evidence',
        'gaps',
      ]),
    );
    // Hand-checked facts before the golden comparison, so a wrong golden cannot hide them.
    expect(report.capabilityLevel).toBe(1);
    expect(report.verdict.ok).toBe(false);
    expect(report.checks.filter((c) => c.kind === 'test').map((c) => c.status)).toEqual([
      'not-run',
    ]);
    expect(
      report.checks.find((c) => c.id === 'capability.active-defense.continuous-monitoring'),
    ).toMatchObject({
      status: 'evidence-invalid',
      reason: 'evidence file evidence/monitoring-runbook.md expired on 2026-09-30',
    });
    expect(report.checks.find((c) => c.id === 'measure.tech.4-1-2-f')?.status).toBe(
      'not-applicable',
    );
    expect(report.checks.length).toBe(79 + 1);
    const actual = normalise(report);
    if (process.env.AISF_UPDATE_GOLDEN === '1')
      writeFileSync(GOLDEN, `${JSON.stringify(actual, null, 2)}\n`);
    expect(actual).toEqual(JSON.parse(readFileSync(GOLDEN, 'utf8')));
  });

  it('a passing fairness test keeps level 1; a failing one pulls algorithm security down to level 0', async () => {
    const project = loadProject(EXAMPLE);
    const run = (value: number, previous?: AssessmentReport) =>
      assess(project, {
        catalog,
        registry: fakeRegistry(value),
        toolVersion: '0.0.0',
        dirArg: 'x',
        now: () => NOW,
        ...(previous ? { previous } : {}),
      });
    const passing = await run(0.05);
    expect(passing.checks.find((c) => c.id === 'test.fairness.group-metrics')?.status).toBe(
      'passed',
    );
    expect(passing.capabilityLevel).toBe(1);
    const failing = await run(0.2, passing);
    expect(
      failing.capabilities.find((c) => c.id === 'capability.architecture.algorithm-security')
        ?.status,
    ).toBe('partial');
    expect(failing.capabilityLevel).toBe(0);
    expect(failing.changes?.level).toEqual({ from: 1, to: 0 });
    expect(failing.changes?.checks).toContainEqual({
      id: 'test.fairness.group-metrics',
      from: 'passed',
      to: 'failed',
    });
    expect(failing.changes?.metrics).toContainEqual({
      testId: 'test.fairness.group-metrics',
      metric: 'equalizedOddsDifference',
      from: 0.05,
      to: 0.2,
    });
  });
});

describe('aisf init / assess / report (real binary)', () => {
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js')))
      throw new Error('dist/ is missing: run `npm run build` first');
  });

  it('init writes a valid commented aisf.yaml, refuses to overwrite, and assess runs on it', () => {
    const dir = join(tempDir(), 'new-project'); // init creates the folder
    const init = aisf([
      'init',
      dir,
      '--yes',
      '--name',
      'Chat helper',
      '--purpose',
      'answer customer questions',
      '--sector',
      'retail',
      '--stage',
      'stage.deployment',
      '--model-kind',
      'generative',
      '--generates-content',
      '--serves-public',
      '--deployment',
      'cloud',
    ]);
    expect(init.code, init.stderr).toBe(0);
    const text = readFileSync(join(dir, 'aisf.yaml'), 'utf8');
    expect(text).toMatch(/# sector: finance \| medical/);
    expect(parse(text)).toMatchObject({
      profile: { name: 'Chat helper', modelKind: 'generative', generatesContent: true },
    });
    expect(aisf(['init', dir, '--yes']).code).toBe(2);

    const out = join(dir, 'out');
    const run = aisf(['assess', dir, '--out', out, '--format', 'json']);
    expect(run.code, run.stderr).toBe(0); // no criteria declared, no target: nothing fails
    const summary = JSON.parse(run.stdout) as { capabilityLevel: number; ok: boolean };
    expect(summary).toMatchObject({ capabilityLevel: 0, ok: true });
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as AssessmentReport;
    expect(report.checks.every((c) => c.status === 'not-run')).toBe(true);
    expect(report.risks.find((r) => r.riskId === 'risk.cyber.content-safety')?.applicable).toBe(
      true,
    );
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(
      /^# AI security assessment: Chat helper/,
    );
    expect(existsSync(join(dir, '.aisf', 'aisf.db'))).toBe(true);
  });

  it('exits 2 naming the field and the fix for a bad project file', async () => {
    const dir = exampleCopy();
    const file = join(dir, 'aisf.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('modelKind: classifier', 'modelKind: classifer'),
    );
    const run = await cli(['assess', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/E_CONFIG: .*aisf\.yaml:\d+:\d+: 1 problem/);
    expect(run.stderr).toMatch(
      /profile\.modelKind: must be one of "classifier", .*e\.g\. `modelKind: classifier`/,
    );
    const missing = await cli(['assess', tempDir()]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /E_FILE_NOT_FOUND: .*aisf\.yaml: no such file; create it with `aisf init/,
    );
  });

  it('assesses the example, records history, shows what changed, and flags tampered evidence', async () => {
    const dir = exampleCopy();
    const first = aisf(['assess', dir, '--format', 'json', '--out', join(dir, 'r1')]);
    expect(first.code, first.stderr).toBe(1); // declared criteria do not all hold (or tests not run)
    expect(JSON.parse(first.stdout).changes).toBeNull();
    expect(first.stderr).toMatch(/\[1\/1\] test\.fairness\.group-metrics/);

    // Edit a pinned evidence file: the checks citing it become "evidence invalid".
    writeFileSync(join(dir, 'evidence', 'model-card.md'), 'rewritten after the review\n');
    const second = aisf(['assess', dir, '--format', 'json', '--out', join(dir, 'r2')]);
    expect(second.code).toBe(1);
    const changes = JSON.parse(second.stdout).changes as { checks: { id: string; to: string }[] };
    expect(changes.checks).toContainEqual(
      expect.objectContaining({ id: 'guideline.6-2-a', to: 'evidence-invalid' }),
    );
    const report = JSON.parse(
      readFileSync(join(dir, 'r2', 'report.json'), 'utf8'),
    ) as AssessmentReport;
    const card = report.checks.find((c) => c.id === 'guideline.6-2-a');
    expect(card?.status).toBe('evidence-invalid');
    expect(card?.reason).toMatch(/evidence\/model-card\.md changed since it was pinned/);
    expect(report.checks.filter((c) => c.status === 'passed').map((c) => c.id)).not.toContain(
      'guideline.6-2-a',
    );

    const history = await cli(['report', dir, '--history', '--format', 'json']);
    expect(history.code).toBe(0);
    expect((JSON.parse(history.stdout) as { id: string }[]).map((h) => h.id)).toEqual([
      report.id,
      expect.any(String),
    ]);
    const rendered = await cli([
      'report',
      join(dir, 'r2', 'report.json'),
      '--lang',
      'zh',
      '--out',
      join(dir, 'zh'),
    ]);
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(readFileSync(join(dir, 'zh', 'report.md'), 'utf8')).toMatch(/^# 人工智能安全评估报告/);
    const latest = await cli(['report', dir, '--out', join(dir, 'latest')]);
    expect(latest.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'latest', 'report.json'), 'utf8')).id).toBe(report.id);
  });

  it('exports the checklist to XLSX and imports it back without losing a field', async () => {
    const dir = exampleCopy();
    // Exports list checks in checklist order: compare answers by check id.
    const byCheck = (file: string) =>
      Object.fromEntries(
        (parse(readFileSync(file, 'utf8')) as { answers: { check: string }[] }).answers.map((a) => [
          a.check,
          a,
        ]),
      );
    const before = byCheck(join(dir, 'answers.yaml'));
    expect(Object.keys(before)).toHaveLength(79);
    // CSV and XLSX round trips of every field are unit-tested (answers.test.ts); here the CLI's xlsx path.
    for (const ext of ['xlsx']) {
      const file = join(dir, `checklist.${ext}`);
      expect((await cli(['assess', 'checklist', dir, '--export', file])).code).toBe(0);
      writeFileSync(join(dir, 'answers.yaml'), 'version: 1\nanswers: []\n');
      const imported = await cli(['assess', 'checklist', dir, '--import', file]);
      expect(imported.code, imported.stderr).toBe(0);
      expect(byCheck(join(dir, 'answers.yaml'))).toEqual(before);
    }
    const listed = await cli(['assess', 'checklist', dir, '--format', 'json']);
    const rows = JSON.parse(listed.stdout) as { id: string; status: string }[];
    expect(rows).toHaveLength(79);
    expect(rows.find((r) => r.id === 'measure.gov.5-10')?.status).toBe('not-applicable');
  });

  it('answers a check interactively, hashing the evidence file', () => {
    const dir = exampleCopy();
    const id = 'capability.active-defense.incident-analysis';
    const run = aisf(['assess', 'checklist', dir, '--interactive', '--check', id], {
      input: 'y\ntester\nevidence/monitoring-runbook.md\n2027-12-31\n\nplaybook adopted\n',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^1 answer saved to .*answers\.yaml\n$/);
    const answers = parse(readFileSync(join(dir, 'answers.yaml'), 'utf8')) as {
      answers: { check: string }[];
    };
    const answer = answers.answers.find((a) => a.check === id);
    expect(answer).toMatchObject({
      answer: 'yes',
      by: 'tester',
      note: 'playbook adopted',
      evidence: [
        {
          file: 'evidence/monitoring-runbook.md',
          by: 'tester',
          expires: '2027-12-31',
          sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        },
      ],
    });
  });

  it('init asks for the profile when answers are piped with --interactive', () => {
    const dir = tempDir();
    // name, purpose, sector, stage, kind, PI, SPI, public, content, third-party, deployment, roles, model, data, attrs
    const input = [
      'Triage',
      'route patients',
      'medical',
      'operation-monitoring',
      'classifier',
      'y',
      'y',
      'n',
      'n',
      'n',
      'on-premise',
      '',
      'm.onnx',
      '',
      'age,sex',
    ].join('\n');
    const run = aisf(['init', dir, '--interactive'], { input: `${input}\n` });
    expect(run.code, run.stderr).toBe(0);
    expect(parse(readFileSync(join(dir, 'aisf.yaml'), 'utf8'))).toMatchObject({
      profile: {
        name: 'Triage',
        sector: 'medical',
        stage: 'stage.operation-monitoring',
        sensitivePersonalInformation: true,
        deployment: 'on-premise',
      },
      model: 'm.onnx',
      sensitiveAttributes: ['age', 'sex'],
    });
  });

  it('lists the registered tests', async () => {
    const run = await cli(['assess', '--list-tests', '--format', 'json']);
    expect(run.code).toBe(0);
    for (const t of JSON.parse(run.stdout) as { id: string; metrics: object }[]) {
      expect(t.id).toMatch(/^test\./);
      expect(Object.keys(t.metrics).length).toBeGreaterThan(0);
    }
  });
});

const PG_URL = process.env.AISF_TEST_DATABASE_URL;
describe('aisf assess with PostgreSQL (AISF_DATABASE_URL)', () => {
  it.skipIf(!PG_URL)(
    'records history in PostgreSQL and reads it back (skipped without AISF_TEST_DATABASE_URL)',
    async () => {
      const schema = `aisf_e2e_${randomBytes(6).toString('hex')}`;
      const env = { AISF_DATABASE_URL: PG_URL as string, AISF_DATABASE_SCHEMA: schema };
      try {
        const dir = exampleCopy();
        const run = aisf(['assess', dir, '--out', join(dir, 'out')], { env });
        expect(run.code, run.stderr).toBe(1);
        expect(run.stderr).toMatch(
          /recorded in postgres store postgres:\/\/127\.0\.0\.1:5432\/test \(schema aisf_e2e_/,
        );
        expect(existsSync(join(dir, '.aisf', 'aisf.db'))).toBe(false);
        const history = aisf(['report', dir, '--history', '--format', 'json'], { env });
        expect(JSON.parse(history.stdout)).toHaveLength(1);
      } finally {
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      }
    },
  );
});
