/** @module `aisf init`, `aisf assess`, `aisf assess checklist`, `aisf report`: thin commands over src/assess and src/store. */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import {
  type AnswersFile,
  type AssessmentReport,
  answersBaseDir,
  answersToRows,
  assertReport,
  assess,
  assessApplicability,
  DEFAULT_PROFILE,
  DEPLOYMENTS,
  deriveChecklist,
  exportAnswers,
  formatAnswersYaml,
  formatCsv,
  type InitAnswers,
  loadAnswers,
  loadProject,
  MODEL_KINDS,
  PROJECT_FILE,
  type ProcessCheck,
  type Profile,
  type Project,
  parseProject,
  pinEvidence,
  processCheckStatus,
  promptAnswers,
  promptInit,
  renderProjectFile,
  SECTORS,
  STAGE_IDS,
  verifyEvidence,
  writeReports,
  writeXlsx,
} from '../../assess/index.js';
import { createLineAsker } from '../../assess/line-reader.js';
import { TESTS } from '../../assess/registry.js';
import { openCatalog } from '../../catalog/index.js';
import { AisfError, EXIT } from '../../errors.js';
import { openStore } from '../../store/index.js';
import { type CommandContext, type CommandDef, defineCommand } from '../command.js';
import { renderJson, renderMarkdownTable, renderTable } from '../render.js';

const DIR_ARG = {
  name: 'dir',
  description: `project folder holding ${PROJECT_FILE} (default: the current folder)`,
  required: false,
} as const;

const str = (ctx: CommandContext, name: string) => {
  const v = ctx.options[name];
  return typeof v === 'string' ? v : undefined;
};
const list = (value: string | undefined) =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

function table(ctx: CommandContext, headers: string[], rows: string[][]): void {
  ctx.out(ctx.format === 'md' ? renderMarkdownTable(headers, rows) : renderTable(headers, rows));
}

function writeFile(path: string, data: string | Uint8Array, shown: string): void {
  try {
    writeFileSync(path, data);
  } catch (cause) {
    throw new AisfError('E_FILE_READ', `cannot write ${shown}: ${(cause as Error).message}`, {
      cause,
    });
  }
}

// ------------------------------------------------------------------------------------- init

const init = defineCommand({
  name: 'init',
  summary: `write a commented ${PROJECT_FILE} (system profile, model, data, test plan)`,
  description:
    'Asks for each profile field when stdin is a terminal (flags become the defaults); otherwise, or with --yes, writes the file from the flags. The result is validated before it is written.',
  args: [DIR_ARG],
  options: {
    name: { type: 'string', valueName: '<text>', description: 'name of the AI system' },
    purpose: { type: 'string', valueName: '<text>', description: 'what the system is for' },
    sector: {
      type: 'string',
      choices: SECTORS,
      valueName: '<sector>',
      description: `sector: ${SECTORS.join(', ')}`,
    },
    stage: {
      type: 'string',
      choices: STAGE_IDS,
      valueName: '<stage-id>',
      description: `lifecycle stage: ${STAGE_IDS.join(', ')}`,
    },
    'model-kind': {
      type: 'string',
      choices: MODEL_KINDS,
      valueName: '<kind>',
      description: `model kind: ${MODEL_KINDS.join(', ')}`,
    },
    'personal-information': {
      type: 'boolean',
      description: 'the system processes personal information',
    },
    'sensitive-personal-information': {
      type: 'boolean',
      description: 'the system processes sensitive personal information',
    },
    'serves-public': { type: 'boolean', description: 'the system serves the public' },
    'generates-content': { type: 'boolean', description: 'the system generates content' },
    'third-party-model': {
      type: 'boolean',
      description: 'the system builds on a third-party model',
    },
    deployment: {
      type: 'string',
      choices: DEPLOYMENTS,
      valueName: '<where>',
      description: `deployment: ${DEPLOYMENTS.join(', ')}`,
    },
    roles: {
      type: 'string',
      valueName: '<a,b>',
      description: 'actor roles: developer, provider, key-sector-user, public',
    },
    model: {
      type: 'string',
      valueName: '<file>',
      description: 'model file, relative to the project folder',
    },
    data: {
      type: 'string',
      valueName: '<file>',
      description: 'evaluation data file, relative to the project folder',
    },
    'sensitive-attributes': {
      type: 'string',
      valueName: '<a,b>',
      description: 'protected attribute columns',
    },
    yes: { type: 'boolean', short: 'y', description: 'do not ask; use the flags and defaults' },
    interactive: {
      type: 'boolean',
      short: 'i',
      description: 'ask even when stdin is not a terminal (answers piped in)',
    },
    force: { type: 'boolean', description: `overwrite an existing ${PROJECT_FILE}` },
  },
  examples: [
    'aisf init my-system',
    'aisf init . --yes --name "Loan scoring" --purpose "rank loan applications" --sector finance --stage stage.deployment --model-kind classifier --personal-information --deployment api --sensitive-attributes gender,age',
  ],
  async run(ctx) {
    const dir = resolve(ctx.cwd, ctx.args[0] ?? '.');
    const file = join(dir, PROJECT_FILE);
    const shown = relative(ctx.cwd, file) || PROJECT_FILE;
    if (existsSync(file) && ctx.options.force !== true) {
      throw new AisfError('E_USAGE', `${shown} already exists; pass --force to overwrite it`);
    }
    const flag = (name: string) => ctx.options[name] === true;
    const roles = list(str(ctx, 'roles'));
    let answers: InitAnswers = {
      profile: {
        ...DEFAULT_PROFILE,
        ...(str(ctx, 'name') ? { name: str(ctx, 'name') as string } : {}),
        ...(str(ctx, 'purpose') ? { purpose: str(ctx, 'purpose') as string } : {}),
        ...(str(ctx, 'sector') ? { sector: str(ctx, 'sector') as Profile['sector'] } : {}),
        ...(str(ctx, 'stage') ? { stage: str(ctx, 'stage') as Profile['stage'] } : {}),
        ...(str(ctx, 'model-kind')
          ? { modelKind: str(ctx, 'model-kind') as Profile['modelKind'] }
          : {}),
        ...(str(ctx, 'deployment')
          ? { deployment: str(ctx, 'deployment') as Profile['deployment'] }
          : {}),
        personalInformation: flag('personal-information') || flag('sensitive-personal-information'),
        sensitivePersonalInformation: flag('sensitive-personal-information'),
        servesPublic: flag('serves-public'),
        generatesContent: flag('generates-content'),
        thirdPartyModel: flag('third-party-model'),
        ...(roles ? { roles: roles as NonNullable<Profile['roles']> } : {}),
      },
      ...(str(ctx, 'model') ? { model: str(ctx, 'model') as string } : {}),
      ...(str(ctx, 'data') ? { data: str(ctx, 'data') as string } : {}),
      sensitiveAttributes: list(str(ctx, 'sensitive-attributes')) ?? [],
    };
    if (
      ctx.options.interactive === true ||
      (process.stdin.isTTY === true && ctx.options.yes !== true)
    ) {
      const rl = createLineAsker(process.stdin, process.stderr);
      try {
        answers = await promptInit(rl, answers, (text) => process.stderr.write(text));
      } finally {
        rl.close();
      }
    }
    const text = renderProjectFile(answers, TESTS);
    parseProject(text, shown); // never write a file aisf would reject
    try {
      mkdirSync(dir, { recursive: true });
    } catch (cause) {
      throw new AisfError(
        'E_FILE_READ',
        `cannot create ${relative(ctx.cwd, dir)}: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
    writeFile(file, text, shown);
    const d = relative(ctx.cwd, dir) || '.';
    ctx.out(`wrote ${shown}\n`);
    ctx.info(
      `next: answer the process checks with \`aisf assess checklist ${d}\`, then run \`aisf assess ${d}\``,
    );
    return EXIT.OK;
  },
});

// ------------------------------------------------------------------------------------- assess

function reportFolder(report: AssessmentReport): string {
  return report.startedAt.replace(/[:.]/g, '-');
}

function printSummary(
  ctx: CommandContext,
  report: AssessmentReport,
  paths: Record<string, string | undefined>,
) {
  const lang = ctx.lang;
  if (ctx.format === 'json') {
    ctx.out(
      renderJson({
        id: report.id,
        capabilityLevel: report.capabilityLevel,
        ok: report.verdict.ok,
        reasons: report.verdict.reasons,
        summary: report.summary,
        goals: Object.fromEntries(Object.values(report.goals).map((g) => [g.id, g.score])),
        changes: report.changes,
        gaps: report.gaps.slice(0, 10),
        out: paths,
      }),
    );
    return;
  }
  const s = report.summary;
  ctx.out(
    `${report.project.name}: capability level ${report.capabilityLevel}/5${report.project.targetLevel !== null ? ` (target ${report.project.targetLevel})` : ''}; ` +
      `criteria ${s.criteria.holding}/${s.criteria.declared} hold; checks ${s.checks.passed} passed, ${s.checks.partial} partial, ${s.checks.failed} failed, ` +
      `${s.checks['evidence-invalid']} evidence invalid, ${s.checks.error} error, ${s.checks['not-run']} not run, ${s.checks['not-applicable']} not applicable\n`,
  );
  if (report.changes) {
    const c = report.changes;
    ctx.out(
      `since ${c.previousAt}: level ${c.level.from} → ${c.level.to}, ${c.checks.length} check${c.checks.length === 1 ? '' : 's'} changed, ${c.gapsClosed.length} gaps closed, ${c.gapsOpened.length} opened\n`,
    );
  }
  ctx.out('\n');
  table(
    ctx,
    ['goal', 'score'],
    Object.values(report.goals).map((g) => [
      g.title[lang],
      g.score === null ? 'n/a' : String(g.score),
    ]),
  );
  if (report.gaps.length) {
    ctx.out(`\n${report.gaps.length} gaps; the first:\n`);
    table(
      ctx,
      ['P', 'kind', 'ref', 'action'],
      report.gaps.slice(0, 8).map((g) => [String(g.priority), g.kind, g.ref, g.action.text]),
    );
  }
  for (const r of report.verdict.reasons) ctx.info(`not holding: ${r}`);
  ctx.out(`\nreport: ${Object.values(paths).filter(Boolean).join(', ')}\n`);
}

const assessCommand = defineCommand({
  name: 'assess',
  summary:
    'run the assessment: applicable risks, checks, test plan, capability level, gaps, report',
  description:
    'Reads aisf.yaml and the answers file, runs the planned tests that this aisf has (others are reported "not run"), scores the 17 capabilities, the level, the 6 goals and risk coverage, lists the gaps with the action that closes each, records the assessment in the store (SQLite in <dir>/.aisf/aisf.db, or PostgreSQL when AISF_DATABASE_URL is set) and writes report.html, report.json and report.md. Exit 0 when every declared criterion holds (and the target level, if set, is reached), 1 otherwise, 2 on bad input.',
  args: [DIR_ARG],
  options: {
    out: {
      type: 'string',
      valueName: '<dir>',
      description: 'where to write the reports (default: <dir>/.aisf/reports/<timestamp>/)',
    },
    pdf: { type: 'boolean', description: 'also write report.pdf (needs /usr/bin/chromium)' },
    'no-store': {
      type: 'boolean',
      description: 'do not record the assessment in the store (no history)',
    },
    'list-tests': {
      type: 'boolean',
      description: 'list the technical tests this aisf can run, with their metrics, and exit',
    },
  },
  examples: [
    'aisf assess examples/credit-hmda',
    'aisf assess . --out reports/latest --pdf',
    'aisf assess --list-tests',
  ],
  async run(ctx) {
    if (ctx.options['list-tests'] === true) {
      const rows = TESTS.map((t) => ({
        id: t.id,
        title: t.title,
        metrics: t.metrics,
        riskIds: t.riskIds,
        capabilityIds: t.capabilityIds,
      }));
      if (ctx.format === 'json') ctx.out(renderJson(rows));
      else if (rows.length === 0) ctx.out('no technical tests are registered in this aisf yet\n');
      else
        table(
          ctx,
          ['id', 'title', 'metrics'],
          rows.map((r) => [r.id, r.title[ctx.lang], Object.keys(r.metrics).join(', ')]),
        );
      return EXIT.OK;
    }
    const dirArg = ctx.args[0] ?? '.';
    const project = loadProject(dirArg, ctx.cwd);
    const catalog = openCatalog();
    const store =
      ctx.options['no-store'] === true ? null : await openStore(project.dir, process.env);
    try {
      const previous = store ? await store.latestAssessment(project.profile.name) : undefined;
      let lastLine = '';
      const report = await assess(project, {
        catalog,
        registry: TESTS,
        toolVersion: toolVersion(),
        dirArg,
        lang: ctx.lang,
        previous: previous ?? null,
        progress: (e) => {
          const line = `[${e.index + 1}/${e.count}] ${e.testId} ${Math.round(e.fraction * 100)}%${e.label ? ` ${e.label}` : ''}`;
          // Throttle: print on a new label or every 10 points, not on every batch.
          const key = `${e.index}:${e.label ?? ''}:${Math.floor(e.fraction * 10)}`;
          if (key !== lastLine) ctx.info(line);
          lastLine = key;
        },
      });
      const outDir = str(ctx, 'out')
        ? resolve(ctx.cwd, str(ctx, 'out') as string)
        : join(project.dir, '.aisf', 'reports', reportFolder(report));
      if (store) await store.saveAssessment(project.profile.name, report);
      const written = await writeReports(report, outDir, {
        pdf: ctx.options.pdf === true,
        lang: ctx.lang,
      });
      const paths = Object.fromEntries(
        Object.entries(written).map(([k, v]) => [k, relative(ctx.cwd, v as string)]),
      );
      printSummary(ctx, report, paths);
      if (store)
        ctx.info(
          `recorded in ${store.kind} store ${store.kind === 'sqlite' ? relative(ctx.cwd, store.location) : store.location}`,
        );
      for (const note of report.notes) ctx.warn(note);
      return report.verdict.ok ? EXIT.OK : EXIT.FINDINGS;
    } finally {
      await store?.close();
    }
  },
});

// ---------------------------------------------------------------------------- assess checklist

function saveAnswers(
  path: string,
  file: AnswersFile,
  checks: readonly ProcessCheck[],
  shown: string,
): void {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') writeFile(path, formatCsv(answersToRows(checks, file.answers)), shown);
  else if (ext === '.xlsx')
    writeFile(path, writeXlsx(answersToRows(checks, file.answers), 'checklist'), shown);
  else writeFile(path, formatAnswersYaml(file), shown);
}

function checklistFor(project: Project): ProcessCheck[] {
  const catalog = openCatalog();
  const risks = assessApplicability(
    catalog,
    project.profile,
    project.effectiveRoles,
    project.sensitiveAttributes,
  );
  return deriveChecklist(catalog, risks, project.effectiveRoles);
}

const checklistCommand = defineCommand({
  name: 'assess checklist',
  summary: 'list, answer (in the terminal), import, export or pin the process checks',
  description:
    'The checklist is derived from the catalogue for this profile: the 17 capabilities, the 7 management elements, the guidelines of the actor roles in effect and the measures the mapping table assigns to the applicable risks. Without an action it lists every check with its status. Answers are written to the answers file (default <dir>/answers.yaml).',
  args: [DIR_ARG],
  options: {
    answers: {
      type: 'string',
      valueName: '<file>',
      description:
        'answers file (.yaml, .csv or .xlsx); default: aisf.yaml `answers:` or <dir>/answers.yaml',
    },
    interactive: {
      type: 'boolean',
      short: 'i',
      description:
        'ask in the terminal (default when stdin is a terminal and no other action is given)',
    },
    check: {
      type: 'string',
      valueName: '<id>',
      description: 'only this check (asks it even if answered)',
    },
    all: { type: 'boolean', description: 'ask answered checks again too' },
    export: {
      type: 'string',
      valueName: '<file.csv|file.xlsx>',
      description: 'write the checklist with current answers for offline filling',
    },
    import: {
      type: 'string',
      valueName: '<file.csv|file.xlsx|file.yaml>',
      description: 'merge answers from a filled-in file into the answers file',
    },
    pin: {
      type: 'boolean',
      description: 'record the SHA-256 of evidence files that have none yet',
    },
  },
  examples: [
    'aisf assess checklist examples/credit-hmda',
    'aisf assess checklist . --export checklist.xlsx',
    'aisf assess checklist . --import checklist.xlsx',
    'aisf assess checklist . --check capability.architecture.compliance-assessment',
  ],
  async run(ctx) {
    const project = loadProject(ctx.args[0] ?? '.', ctx.cwd);
    const checks = checklistFor(project);
    const only = str(ctx, 'check');
    if (only && !checks.some((c) => c.id === only)) {
      throw new AisfError(
        'E_NOT_FOUND',
        `"${only}" is not in this profile's checklist; list the checks with \`aisf assess checklist ${ctx.args[0] ?? '.'}\``,
      );
    }
    const answersPath = str(ctx, 'answers')
      ? resolve(ctx.cwd, str(ctx, 'answers') as string)
      : (project.answersPath ?? join(project.dir, 'answers.yaml'));
    const shown = relative(ctx.cwd, answersPath);
    let file: AnswersFile = existsSync(answersPath)
      ? loadAnswers(answersPath, shown)
      : { version: 1, answers: [] };
    const now = new Date();
    const exportTo = str(ctx, 'export');
    const importFrom = str(ctx, 'import');
    if (exportTo) {
      const path = resolve(ctx.cwd, exportTo);
      writeFile(path, exportAnswers(path, checks, file.answers, ctx.lang), exportTo);
      ctx.out(`wrote ${exportTo} (${checks.length} checks)\n`);
      return EXIT.OK;
    }
    if (importFrom) {
      const path = resolve(ctx.cwd, importFrom);
      const imported = loadAnswers(path, importFrom);
      const merged = new Map(file.answers.map((a) => [a.check, a]));
      for (const a of imported.answers) merged.set(a.check, a);
      file = { version: 1, answers: [...merged.values()] };
      saveAnswers(answersPath, file, checks, shown);
      ctx.out(`imported ${imported.answers.length} answers from ${importFrom} into ${shown}\n`);
      return EXIT.OK;
    }
    if (ctx.options.pin === true) {
      const result = await pinEvidence(file, answersBaseDir(answersPath), now);
      saveAnswers(answersPath, result.file, checks, shown);
      ctx.out(
        `pinned ${result.pinned} evidence file${result.pinned === 1 ? '' : 's'} in ${shown}\n`,
      );
      return EXIT.OK;
    }
    const interactive =
      ctx.options.interactive === true || (process.stdin.isTTY === true && only !== undefined);
    if (interactive || (process.stdin.isTTY === true && ctx.format === 'table')) {
      const rl = createLineAsker(process.stdin, process.stderr);
      try {
        const result = await promptAnswers(
          rl,
          only ? checks.filter((c) => c.id === only) : checks,
          file,
          {
            baseDir: answersBaseDir(answersPath),
            lang: ctx.lang,
            all: ctx.options.all === true || only !== undefined,
            ...(process.env.USER ? { by: process.env.USER } : {}),
            now,
            say: (text) => process.stderr.write(text),
            save: (f) => saveAnswers(answersPath, f, checks, shown),
          },
        );
        ctx.out(`${result.answered} answer${result.answered === 1 ? '' : 's'} saved to ${shown}\n`);
      } finally {
        rl.close();
      }
      return EXIT.OK;
    }
    const verified = await verifyEvidence(file.answers, answersBaseDir(answersPath), now);
    const byCheck = new Map(file.answers.map((a) => [a.check, a]));
    const rows = (only ? checks.filter((c) => c.id === only) : checks).map((c) => {
      const status = processCheckStatus(
        byCheck.get(c.id),
        verified.filter((v) => v.checkId === c.id),
        project.requireEvidence,
      );
      return { id: c.id, kind: c.kind, source: c.source, title: c.title, ...status };
    });
    if (ctx.format === 'json') ctx.out(renderJson(rows));
    else
      table(
        ctx,
        ['id', 'kind', 'title', 'status', 'reason'],
        rows.map((r) => [r.id, r.kind, r.title[ctx.lang], r.status, r.reason ?? '']),
      );
    ctx.info(
      `${rows.length} checks; answers file ${existsSync(answersPath) ? shown : `${shown} (not yet created)`}`,
    );
    return EXIT.OK;
  },
});

// ------------------------------------------------------------------------------------- report

const reportCommand = defineCommand({
  name: 'report',
  summary:
    'write the HTML, JSON, Markdown (and PDF) report of a stored assessment or a report.json',
  description:
    'With a project folder, renders its latest stored assessment (or --id); with a report.json, renders that file. --history lists the stored assessments instead.',
  args: [
    {
      name: 'path',
      description: 'project folder or report.json (default: the current folder)',
      required: false,
    },
  ],
  options: {
    id: {
      type: 'string',
      valueName: '<assessment-id>',
      description: 'a stored assessment (default: the latest)',
    },
    out: {
      type: 'string',
      valueName: '<dir>',
      description:
        'where to write (default: the report.json folder, or <dir>/.aisf/reports/<timestamp>/)',
    },
    pdf: { type: 'boolean', description: 'also write report.pdf (needs /usr/bin/chromium)' },
    history: { type: 'boolean', description: 'list the stored assessments of the project' },
  },
  examples: [
    'aisf report examples/credit-hmda --pdf',
    'aisf report out/report.json --lang zh --out out-zh',
    'aisf report examples/credit-hmda --history',
  ],
  async run(ctx) {
    const target = resolve(ctx.cwd, ctx.args[0] ?? '.');
    let report: AssessmentReport;
    let outDir: string;
    if (existsSync(target) && statSync(target).isFile()) {
      const shown = relative(ctx.cwd, target);
      let value: unknown;
      try {
        value = JSON.parse(loadText(target));
      } catch (cause) {
        throw new AisfError('E_INPUT', `${shown} is not valid JSON: ${(cause as Error).message}`, {
          cause,
        });
      }
      report = assertReport(value, shown);
      outDir = str(ctx, 'out') ? resolve(ctx.cwd, str(ctx, 'out') as string) : dirname(target);
    } else {
      const project = loadProject(ctx.args[0] ?? '.', ctx.cwd);
      const store = await openStore(project.dir, process.env);
      try {
        if (ctx.options.history === true) {
          const rows = await store.listAssessments(project.profile.name);
          if (ctx.format === 'json') ctx.out(renderJson(rows));
          else
            table(
              ctx,
              ['id', 'started', 'level', 'ok', 'gaps'],
              rows.map((r) => [
                r.id,
                r.startedAt,
                String(r.capabilityLevel),
                r.ok ? 'yes' : 'no',
                String(r.gaps),
              ]),
            );
          return EXIT.OK;
        }
        const id = str(ctx, 'id');
        const found = id
          ? await store.getAssessment(id)
          : await store.latestAssessment(project.profile.name);
        if (!found) {
          throw new AisfError(
            'E_NOT_FOUND',
            id
              ? `no stored assessment with id ${id}; list them with \`aisf report ${ctx.args[0] ?? '.'} --history\``
              : `no stored assessment of "${project.profile.name}"; run \`aisf assess ${ctx.args[0] ?? '.'}\` first`,
          );
        }
        report = found;
      } finally {
        await store.close();
      }
      outDir = str(ctx, 'out')
        ? resolve(ctx.cwd, str(ctx, 'out') as string)
        : join(project.dir, '.aisf', 'reports', reportFolder(report));
    }
    const lang = typeof ctx.options.lang === 'string' ? ctx.lang : report.lang;
    const written = await writeReports(report, outDir, { pdf: ctx.options.pdf === true, lang });
    const paths = Object.values(written).map((p) => relative(ctx.cwd, p as string));
    if (ctx.format === 'json') ctx.out(renderJson({ id: report.id, out: paths }));
    else ctx.out(`wrote ${paths.join(', ')}\n`);
    return EXIT.OK;
  },
});

/** Reads a report.json; 64 MiB bounds a runaway input (reports with test details can be large). */
function loadText(path: string): string {
  const size = statSync(path).size;
  if (size > 64 * 1024 * 1024) {
    throw new AisfError('E_INPUT', `${path}: ${size} bytes is too large for an aisf report`);
  }
  return readFileSync(path, 'utf8');
}

/** The package version (package.json beside dist/ and src/). */
function toolVersion(): string {
  const pkg = JSON.parse(
    readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
  ) as {
    version: string;
  };
  return pkg.version;
}

/** The assessment commands, in help order. */
export const ASSESS_COMMANDS: readonly CommandDef[] = [
  init,
  assessCommand,
  checklistCommand,
  reportCommand,
];
