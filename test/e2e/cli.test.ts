/**
 * End to end: the real `aisf` binary (bin/aisf.js → dist/, built by `npm test` before vitest),
 * run as a user would, plus the docs drift check.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exportJson, exportMarkdown, openCatalog } from '../../src/catalog/index.js';
import { type CatalogCopy, copyCatalog } from '../helpers/catalog-copy.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/aisf.js', import.meta.url));

function aisf(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', ...env },
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let copy: CatalogCopy | undefined;
afterEach(() => {
  copy?.remove();
  copy = undefined;
});

beforeAll(() => {
  if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url))) {
    throw new Error(
      'dist/ is missing: run `npm run build` (npm test does it) before the e2e tests',
    );
  }
});

describe('aisf catalog (real binary)', () => {
  it('lists the 26 risks as JSON', () => {
    const { code, stdout } = aisf(['catalog', 'list', '--kind', 'risk', '--format', 'json']);
    expect(code).toBe(0);
    const items = JSON.parse(stdout) as {
      id: string;
      kind: string;
      title: { zh: string; en: string };
      source: unknown;
      links: unknown[];
    }[];
    expect(items).toHaveLength(26);
    for (const item of items) {
      expect(item.kind).toBe('risk');
      expect(Object.keys(item)).toEqual(['id', 'kind', 'title', 'source', 'links']);
    }
  });

  it('defaults to JSON when piped, and to a table with --format table', () => {
    const piped = aisf(['catalog', 'list', '--kind', 'goal']);
    expect(JSON.parse(piped.stdout)).toHaveLength(6);
    const table = aisf(['catalog', 'list', '--kind', 'goal', '--format', 'table', '--lang', 'zh']);
    expect(table.stdout).toMatch(/goal\.decision-fairness\s+goal\s+决策公平公正/);
    expect(table.stderr).toBe('6 items\n');
    const quiet = aisf(['catalog', 'list', '--kind', 'goal', '--format', 'table', '--quiet']);
    expect(quiet.stderr).toBe('');
  });

  it('takes the language from LANG', () => {
    const zh = aisf(['catalog', 'list', '--kind', 'capability-level', '--format', 'md'], {
      LANG: 'zh_CN.UTF-8',
    });
    expect(zh.stdout).toMatch(/\| level\.architecture \| capability-level \| 架构安全 \|/);
    const en = aisf(['catalog', 'list', '--kind', 'capability-level', '--format', 'md']);
    expect(en.stdout).toMatch(/\| level\.architecture \| capability-level \| Architecture/);
  });

  it('check exits 0 on the built-in catalogue', () => {
    const { code, stdout } = aisf(['catalog', 'check', '--format', 'table']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/is valid: \d+ items \(goal 6, capability-level 5, capability 17/);
  });

  it('check exits 2 on bad YAML and names file and line', () => {
    copy = copyCatalog();
    const text = copy.read('principles.yaml');
    const lines = text.split('\n');
    lines.splice(3, 0, '  - id: [broken');
    copy.write('principles.yaml', lines.join('\n'));
    const { code, stdout } = aisf(['catalog', 'check', '--catalog', copy.dir, '--format', 'table']);
    expect(code).toBe(2);
    expect(stdout).toMatch(/principles\.yaml:\d+:\d+: E_CATALOG_YAML: invalid YAML/);
  });

  it('other commands refuse an invalid catalogue with exit 2 and the file and line', () => {
    copy = copyCatalog();
    copy.write(
      'goals.yaml',
      'part: goals\nitems:\n  - id: goal.x\n    kind: goal\n    title: { zh: 目标 }\n',
    );
    const { code, stderr } = aisf(['catalog', 'list', '--catalog', copy.dir]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/goals\.yaml:\d+/);
    expect(stderr).toMatch(/E_CATALOG_SCHEMA/);
  });

  it('shows an item with its links both ways and its place in the framework', () => {
    const { code, stdout } = aisf([
      'catalog',
      'show',
      'risk.model.adversarial',
      '--format',
      'json',
    ]);
    expect(code).toBe(0);
    const shown = JSON.parse(stdout) as {
      item: { id: string };
      path: { id: string }[];
      links: { direction: string; rel: string; id: string }[];
    };
    expect(shown.path.map((p) => p.id)).toEqual([
      'risk-category.endogenous',
      'risk-category.endogenous.model',
      'risk.model.adversarial',
    ]);
    expect(shown.links).toContainEqual(
      expect.objectContaining({
        direction: 'out',
        rel: 'mitigated-by',
        id: 'measure.tech.4-1-1-b',
      }),
    );
    expect(shown.links).toContainEqual(
      expect.objectContaining({
        direction: 'in',
        rel: 'addressed-by',
        id: 'tech.business.attack-detection.adversarial-example-detection',
      }),
    );
  });

  it('maps a risk to its seed row', () => {
    const { code, stdout } = aisf([
      'catalog',
      'map',
      'risk.cognitive.cognitive-warfare',
      '--format',
      'json',
    ]);
    expect(code).toBe(0);
    const row = JSON.parse(stdout) as {
      technicalMeasures: { id: string; derived: boolean }[];
      governanceMeasures: { id: string }[];
    };
    expect(row.technicalMeasures.map((m) => m.id)).toEqual([
      'measure.tech.4-2-3-a',
      'measure.tech.4-2-3-b',
      'measure.tech.4-2-3-c',
    ]);
    expect(row.governanceMeasures.map((m) => m.id)).toEqual([
      'measure.gov.5-1',
      'measure.gov.5-2',
      'measure.gov.5-8',
      'measure.gov.5-9',
      'measure.gov.5-10',
    ]);
  });

  it('searches in Chinese', () => {
    const { code, stdout } = aisf(['catalog', 'search', '成员推理', '--format', 'json']);
    expect(code).toBe(0);
    const hits = JSON.parse(stdout) as { id: string; score: number }[];
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]?.score).toBeGreaterThan(0);
  });

  it('usage errors exit 2 with a message naming the fix', () => {
    expect(aisf(['catalog', 'show', 'risk.nope']).code).toBe(2);
    const bad = aisf(['catalog', 'list', '--kind', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--kind must be one of goal, capability-level/);
    expect(aisf(['frobnicate']).stderr).toMatch(/unknown command "frobnicate"/);
    expect(aisf(['catalog', 'export', '--format', 'table']).code).toBe(2);
  });

  it('generates help from the command definitions', () => {
    const root = aisf(['--help']);
    expect(root.code).toBe(0);
    for (const cmd of [
      'catalog list',
      'catalog show',
      'catalog search',
      'catalog export',
      'catalog map',
      'catalog check',
    ]) {
      expect(root.stdout).toContain(cmd);
    }
    const sub = aisf(['catalog', 'map', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/^Usage: aisf catalog map <risk-id>/);
    expect(aisf(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('generated docs', () => {
  it('docs/catalog.md and docs/catalog.json match the catalogue (run `npm run catalog:export`)', () => {
    const catalog = openCatalog();
    const md = readFileSync(new URL('../../docs/catalog.md', import.meta.url), 'utf8');
    expect(
      md === exportMarkdown(catalog),
      'docs/catalog.md is stale: run `npm run catalog:export`',
    ).toBe(true);
    const json = readFileSync(new URL('../../docs/catalog.json', import.meta.url), 'utf8');
    expect(
      json === `${JSON.stringify(exportJson(catalog), null, 2)}\n`,
      'docs/catalog.json is stale: run `npm run catalog:export`',
    ).toBe(true);
  });
});
