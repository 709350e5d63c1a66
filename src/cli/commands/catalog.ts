/** @module `aisf catalog …`: list, show, search, map, export and check the framework catalogue. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  type Catalog,
  checkCatalog,
  DEFAULT_CATALOG_DIR,
  exportJson,
  exportMarkdown,
  type Item,
  KIND_LABELS,
  KINDS,
  type Kind,
  mapRisk,
  openCatalog,
  orderedItems,
  search,
  toListedItem,
} from '../../catalog/index.js';
import { AisfError, EXIT, formatLocation } from '../../errors.js';
import { type CommandContext, type CommandDef, defineCommand, type Lang } from '../command.js';
import { renderJson, renderMarkdownTable, renderTable } from '../render.js';

const CATALOG_OPTION = {
  catalog: {
    type: 'string',
    valueName: '<dir>',
    description: 'catalogue folder to use instead of the built-in one (must hold catalog.yaml)',
  },
} as const;

function catalogDir(ctx: CommandContext): string {
  const dir = ctx.options.catalog;
  return typeof dir === 'string' ? resolve(ctx.cwd, dir) : DEFAULT_CATALOG_DIR;
}

function load(ctx: CommandContext): Catalog {
  // A custom folder may hold a subset of the framework: keep the structural checks only.
  return openCatalog(catalogDir(ctx), { coverage: typeof ctx.options.catalog !== 'string' });
}

const t = (text: { zh: string; en: string }, lang: Lang) => text[lang];

/** Writes a table in the chosen format (json is handled by each command). */
function table(ctx: CommandContext, headers: string[], rows: string[][]): void {
  ctx.out(ctx.format === 'md' ? renderMarkdownTable(headers, rows) : renderTable(headers, rows));
}

function getItem(catalog: Catalog, id: string): Item {
  const item = catalog.get(id);
  if (item) return item;
  const hints = search(catalog, id, { limit: 3 }).map((hit) => hit.item.id);
  throw new AisfError(
    'E_NOT_FOUND',
    `no catalogue item with id "${id}"${hints.length ? `; did you mean ${hints.join(', ')}?` : ''} (search with \`aisf catalog search <text>\`)`,
  );
}

const list = defineCommand({
  name: 'catalog list',
  summary: 'list catalogue items, optionally of one kind',
  args: [],
  options: {
    kind: {
      type: 'string',
      choices: KINDS,
      valueName: '<kind>',
      description: `only items of this kind: ${KINDS.join(', ')}`,
    },
    ...CATALOG_OPTION,
  },
  examples: ['aisf catalog list --kind risk', 'aisf catalog list --kind risk --format json'],
  run(ctx) {
    const catalog = load(ctx);
    const items = orderedItems(catalog, ctx.options.kind as Kind | undefined);
    if (ctx.format === 'json') {
      ctx.out(renderJson(items.map(toListedItem)));
      return EXIT.OK;
    }
    table(
      ctx,
      ['id', 'kind', ctx.lang === 'zh' ? '标题' : 'title', 'source'],
      items.map((item) => [
        item.id,
        item.kind,
        t(item.title, ctx.lang),
        `${item.source.doc} ${item.source.clause}`,
      ]),
    );
    ctx.info(`${items.length} item${items.length === 1 ? '' : 's'}`);
    return EXIT.OK;
  },
});

function describeLinks(catalog: Catalog, item: Item) {
  const outgoing = item.links.map((link) => ({
    direction: 'out' as const,
    rel: link.rel,
    id: link.to,
    title: catalog.get(link.to)?.title ?? null,
    kind: catalog.get(link.to)?.kind ?? null,
    derived: link.derived === true,
    ...(link.note ? { note: link.note } : {}),
  }));
  const incoming = catalog.linksTo(item.id).map((link) => ({
    direction: 'in' as const,
    rel: link.inverse,
    id: link.from,
    title: catalog.get(link.from)?.title ?? null,
    kind: catalog.get(link.from)?.kind ?? null,
    derived: link.derived,
    ...(link.note ? { note: link.note } : {}),
  }));
  return [...outgoing, ...incoming];
}

const show = defineCommand({
  name: 'catalog show',
  summary: 'show one item, its links both ways, and where it sits in the framework',
  args: [{ name: 'id', description: 'item id, e.g. risk.model.adversarial', required: true }],
  options: { ...CATALOG_OPTION },
  examples: [
    'aisf catalog show risk.model.adversarial',
    'aisf catalog show level.active-defense --lang zh',
  ],
  run(ctx) {
    const catalog = load(ctx);
    const item = getItem(catalog, ctx.args[0] as string);
    const path = catalog.pathOf(item.id);
    const links = describeLinks(catalog, item);
    if (ctx.format === 'json') {
      ctx.out(
        renderJson({
          item,
          path: path.map((p) => ({ id: p.id, kind: p.kind, title: p.title })),
          links,
        }),
      );
      return EXIT.OK;
    }
    const other: Lang = ctx.lang === 'zh' ? 'en' : 'zh';
    const md = ctx.format === 'md';
    const lines: string[] = [];
    lines.push(md ? `# ${item.id}` : item.id);
    lines.push(`${t(item.title, ctx.lang)} (${t(item.title, other)})`);
    lines.push('');
    lines.push(
      `${ctx.lang === 'zh' ? '类别' : 'kind'}: ${item.kind} (${KIND_LABELS[item.kind][ctx.lang]})`,
    );
    lines.push(
      `${ctx.lang === 'zh' ? '出处' : 'source'}: ${item.source.doc} ${item.source.clause}`,
    );
    lines.push(
      `${ctx.lang === 'zh' ? '位置' : 'in framework'}: ${[KIND_LABELS[item.kind][ctx.lang], ...path.map((p) => t(p.title, ctx.lang))].join(' › ')}`,
    );
    const extra = extraLines(item, ctx.lang);
    lines.push(...extra);
    lines.push('');
    lines.push(t(item.summary, ctx.lang));
    lines.push('');
    ctx.out(`${lines.join('\n')}\n`);
    if (links.length) {
      table(
        ctx,
        ['direction', 'relation', 'id', ctx.lang === 'zh' ? '标题' : 'title', 'derived'],
        links.map((l) => [
          l.direction === 'out' ? '→' : '←',
          l.rel,
          l.id,
          l.title ? t(l.title, ctx.lang) : '(unresolved)',
          l.derived ? 'derived' : '',
        ]),
      );
    }
    return EXIT.OK;
  },
});

function extraLines(item: Item, lang: Lang): string[] {
  switch (item.kind) {
    case 'capability-level':
      return [`level: ${item.level}`];
    case 'technology':
    case 'management':
      return [`tier: ${item.tier}`];
    case 'guideline':
      return [`actor: ${item.actor}`];
    case 'lifecycle-stage':
      return [
        `stage: ${item.order}`,
        `${lang === 'zh' ? '阶段风险' : 'stage risks'}: ${item.stageRisks.map((r) => r[lang]).join('; ')}`,
      ];
    case 'standard':
      return [
        `number: ${item.number}`,
        `body: ${item.body[lang]}`,
        `type: ${item.type[lang]}`,
        `stage: ${item.stage[lang]}`,
      ];
    default:
      return [];
  }
}

const searchCommand = defineCommand({
  name: 'catalog search',
  summary: 'search the catalogue in Chinese or English, best match first',
  args: [
    {
      name: 'text',
      description: 'words to look for, e.g. 成员推理 or "membership inference"',
      required: true,
    },
  ],
  options: {
    kind: {
      type: 'string',
      choices: KINDS,
      valueName: '<kind>',
      description: 'only items of this kind',
    },
    limit: { type: 'string', valueName: '<n>', description: 'at most n results', default: '20' },
    ...CATALOG_OPTION,
  },
  examples: ['aisf catalog search 对抗样本', 'aisf catalog search "data poisoning" --kind risk'],
  run(ctx) {
    const limit = Number(ctx.options.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new AisfError(
        'E_USAGE',
        `--limit must be a whole number from 1 to 1000 (got "${String(ctx.options.limit)}")`,
      );
    }
    const catalog = load(ctx);
    const kind = ctx.options.kind as Kind | undefined;
    const hits = search(catalog, ctx.args[0] as string, { limit, ...(kind ? { kind } : {}) });
    if (ctx.format === 'json') {
      ctx.out(
        renderJson(
          hits.map((hit) => ({
            ...toListedItem(hit.item),
            score: Number(hit.score.toFixed(3)),
            matched: hit.fields,
          })),
        ),
      );
      return EXIT.OK;
    }
    if (hits.length === 0) {
      ctx.info('no matches');
      return EXIT.OK;
    }
    table(
      ctx,
      ['score', 'id', 'kind', ctx.lang === 'zh' ? '标题' : 'title'],
      hits.map((hit) => [
        hit.score.toFixed(1),
        hit.item.id,
        hit.item.kind,
        t(hit.item.title, ctx.lang),
      ]),
    );
    return EXIT.OK;
  },
});

const map = defineCommand({
  name: 'catalog map',
  summary:
    'a risk’s row: technical and governance measures, guidelines, technologies, capabilities',
  description:
    'Technical and governance measures are the TC260-AISGF-2024 mapping table exactly; guidelines, CAICT-AISF-2020 technologies, the capabilities they serve and lifecycle stages are aisf’s analysis where marked derived.',
  args: [{ name: 'risk-id', description: 'a risk id, e.g. risk.data.poisoning', required: true }],
  options: { ...CATALOG_OPTION },
  examples: [
    'aisf catalog map risk.model.adversarial',
    'aisf catalog map risk.data.leakage --format json',
  ],
  run(ctx) {
    const catalog = load(ctx);
    const row = mapRisk(catalog, ctx.args[0] as string);
    const brief = (m: { item: Item; derived: boolean }) => ({
      id: m.item.id,
      title: m.item.title,
      source: m.item.source,
      derived: m.derived,
    });
    if (ctx.format === 'json') {
      ctx.out(
        renderJson({
          risk: toListedItem(row.risk),
          path: row.path.map((p) => ({ id: p.id, title: p.title })),
          technicalMeasures: row.technicalMeasures.map(brief),
          governanceMeasures: row.governanceMeasures.map(brief),
          guidelines: row.guidelines.map(brief),
          technologies: row.technologies.map(brief),
          capabilities: row.capabilities.map(brief),
          stages: row.stages.map(brief),
        }),
      );
      return EXIT.OK;
    }
    ctx.out(
      `${row.risk.id} — ${t(row.risk.title, ctx.lang)}\n${row.path.map((p) => t(p.title, ctx.lang)).join(' › ')}\n\n`,
    );
    const sections: [string, { item: Item; derived: boolean }[]][] = [
      [ctx.lang === 'zh' ? '技术应对措施' : 'technical measures', row.technicalMeasures],
      [ctx.lang === 'zh' ? '综合治理措施' : 'governance measures', row.governanceMeasures],
      [ctx.lang === 'zh' ? '安全开发应用指引' : 'guidelines', row.guidelines],
      [ctx.lang === 'zh' ? '安全技术' : 'technologies', row.technologies],
      [ctx.lang === 'zh' ? '安全能力' : 'capabilities', row.capabilities],
      [ctx.lang === 'zh' ? '生命周期阶段' : 'lifecycle stages', row.stages],
    ];
    const rows = sections.flatMap(([section, items]) =>
      items.map((m) => [
        section,
        m.item.id,
        t(m.item.title, ctx.lang),
        `${m.item.source.doc} ${m.item.source.clause}`,
        m.derived ? 'derived' : 'seed',
      ]),
    );
    table(ctx, ['section', 'id', ctx.lang === 'zh' ? '标题' : 'title', 'source', 'basis'], rows);
    return EXIT.OK;
  },
});

const exportCommand = defineCommand({
  name: 'catalog export',
  summary: 'export the whole catalogue as one JSON document or as Markdown',
  args: [],
  options: {
    out: {
      type: 'string',
      valueName: '<file>',
      description: 'write to this file instead of stdout',
    },
    ...CATALOG_OPTION,
  },
  examples: [
    'aisf catalog export --format json > catalog.json',
    'aisf catalog export --format md --out docs/catalog.md',
  ],
  run(ctx) {
    if (ctx.format === 'table') {
      throw new AisfError('E_USAGE', 'catalog export needs --format json or --format md');
    }
    const catalog = load(ctx);
    const text = ctx.format === 'json' ? renderJson(exportJson(catalog)) : exportMarkdown(catalog);
    const out = ctx.options.out;
    if (typeof out === 'string') {
      const file = resolve(ctx.cwd, out);
      try {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, text);
      } catch (cause) {
        throw new AisfError('E_FILE_READ', `cannot write ${out}: ${(cause as Error).message}`, {
          cause,
        });
      }
      ctx.info(`wrote ${out} (${catalog.items.length} items, catalogue ${catalog.version})`);
    } else {
      ctx.out(text);
    }
    return EXIT.OK;
  },
});

const check = defineCommand({
  name: 'catalog check',
  summary: 'validate the catalogue: schema, unique ids, links, counts, coverage, orphans',
  description:
    'Exits 0 when valid; otherwise lists every problem with file:line and exits 2. The counts and clause coverage of the three source documents are checked for the built-in catalogue (use --no-coverage with --catalog for a partial one).',
  args: [],
  options: {
    ...CATALOG_OPTION,
    'no-coverage': {
      type: 'boolean',
      description: 'skip the counts and clause coverage checks (structural checks only)',
    },
  },
  examples: ['aisf catalog check', 'aisf catalog check --catalog ./my-catalog --no-coverage'],
  run(ctx) {
    const result = checkCatalog(catalogDir(ctx), { coverage: ctx.options['no-coverage'] !== true });
    const counts = result.catalog.counts();
    if (ctx.format === 'json') {
      ctx.out(
        renderJson({
          ok: result.ok,
          version: result.catalog.version,
          counts,
          problems: result.problems,
        }),
      );
    } else if (result.ok) {
      const summary = KINDS.map((kind) => `${kind} ${counts[kind]}`).join(', ');
      ctx.out(
        `catalogue ${result.catalog.version} is valid: ${result.catalog.items.length} items (${summary})\n`,
      );
    } else {
      for (const problem of result.problems) {
        const where = problem.location ? `${formatLocation(problem.location)}: ` : '';
        ctx.out(`${where}${problem.code}: ${problem.message}\n`);
      }
      ctx.out(`\n${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}\n`);
    }
    return result.ok ? EXIT.OK : EXIT.USAGE;
  },
});

/** The catalogue commands, in help order. */
export const CATALOG_COMMANDS: readonly CommandDef[] = [
  list,
  show,
  searchCommand,
  map,
  exportCommand,
  check,
];
