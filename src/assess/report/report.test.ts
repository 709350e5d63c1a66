import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../catalog/index.js';
import { type AssessmentReport, assess } from '../assessment.js';
import { loadProject } from '../project.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { barsSvg, curveSvg, esc } from './svg.js';

const dir = mkdtempSync(join(tmpdir(), 'aisf-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOSTILE = '<script>alert(1)</script> & "quotes" | pipes';

async function hostileReport(): Promise<AssessmentReport> {
  writeFileSync(
    join(dir, 'aisf.yaml'),
    `version: 1
profile:
  name: ${JSON.stringify(HOSTILE)}
  purpose: "<img src=x onerror=alert(1)>"
  sector: media
  stage: stage.deployment
  modelKind: generative
  personalInformation: false
  servesPublic: true
  generatesContent: true
  deployment: cloud
tests:
  - id: test.absent.one
    criteria: [{ metric: m, op: "<=", value: 1 }]
`,
  );
  writeFileSync(
    join(dir, 'answers.yaml'),
    `version: 1
answers:
  - { check: capability.architecture.compliance-assessment, answer: "no", note: ${JSON.stringify(HOSTILE)} }
`,
  );
  return assess(loadProject(dir), {
    catalog: openCatalog(),
    registry: [],
    toolVersion: '0.0.0',
    dirArg: dir,
    now: () => new Date('2026-11-24T00:00:00Z'),
  });
}

describe('the HTML report', () => {
  it('escapes every user-supplied string and forbids scripts and network', async () => {
    const report = await hostileReport();
    const html = renderHtml(report, 'en');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    );
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/); // no URL but the SVG namespace
  });

  it('lists every check, with not-run and not-applicable shown as such', async () => {
    const report = await hostileReport();
    const html = renderHtml(report, 'en');
    for (const check of report.checks) expect(html).toContain(`<code>${esc(check.id)}</code>`);
    const rows =
      html.split('data-testid="check-table">')[1]?.split('</table>')[0]?.match(/<tr>/g)?.length ??
      0;
    expect(rows).toBe(report.checks.length + 1); // + header row
    expect(html).toMatch(/>not run<\/span>/);
    expect(html).toContain('no test &quot;test.absent.one&quot;');
    // Content risks apply to a public content generator and are on the heat map.
    expect(html).toContain('risk.cyber.content-safety @ stage.');
  });

  it('renders Chinese labels with --lang zh', async () => {
    const report = await hostileReport();
    const html = renderHtml(report, 'zh');
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('安全能力阶梯');
    expect(html).toContain('未执行');
  });
});

describe('the Markdown report', () => {
  it('has one table row per check and escapes pipes', async () => {
    const report = await hostileReport();
    const md = renderMarkdown(report, 'en');
    const section = md.split('## Every check')[1]?.split('\n## ')[0] ?? '';
    const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---'));
    expect(rows.length).toBe(report.checks.length + 1);
    expect(md).toContain('\\| pipes');
    writeFileSync(join(dir, 'r.md'), md);
    expect(readFileSync(join(dir, 'r.md'), 'utf8')).toMatch(/^# AI security assessment: /);
  });
});

describe('plots', () => {
  it('scales bars to the largest value and places curve points inside the frame', () => {
    const bars = barsSvg(
      't',
      [
        { label: 'a', value: 2 },
        { label: 'b', value: 1 },
      ],
      'x',
    );
    // Plot height 200, 60 reserved: the largest bar is 140 high, the other half of it.
    expect(bars).toContain('height="140"');
    expect(bars).toContain('height="70"');
    const curve = curveSvg(
      'c',
      [
        { x: 0, y: 0 },
        { x: 1, y: 1 },
      ],
      'x',
      'y',
    );
    // Frame: x from 50 to 740, y from 204 (bottom) to 14 (top).
    expect(curve).toContain('M50.0,204.0 L740.0,14.0');
  });
});
