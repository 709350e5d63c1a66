/**
 * The HTML report in real headless Chromium (Debian's /usr/bin/chromium via playwright-core):
 * the capability ladder, a plot and the check table are visible, nothing is fetched from the
 * network, and the PDF renders. Skips with a message when Chromium is absent.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type AssessmentReport,
  assess,
  chromiumPath,
  DEFAULT_CHROMIUM,
  htmlToPdf,
  loadProject,
  renderHtml,
  withChromium,
} from '../../src/assess/index.js';
import { openCatalog } from '../../src/catalog/index.js';
import { defineTest, type TestPlugin } from '../../src/evidence/test-plugin.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/credit-hmda', import.meta.url));
const HAVE_CHROMIUM = existsSync(DEFAULT_CHROMIUM);
const HAVE_CJK_FONT = (() => {
  try {
    return execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false;
  }
})();
if (HAVE_CHROMIUM && !HAVE_CJK_FONT)
  console.warn(
    'skipped the Chinese PDF font check: no CJK font (Debian: apt-get install fonts-wqy-microhei; .ci/run installs it)',
  );
const dir = mkdtempSync(join(tmpdir(), 'aisf-browser-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake fairness plugin (tests only) so the report has technical results and plots. */
const fake = defineTest({
  id: 'test.fairness.group-metrics',
  title: { zh: '假公平性测试', en: 'Fake fairness test' },
  riskIds: ['risk.model.bias'],
  measureIds: [],
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
      metrics: { equalizedOddsDifference: 0.08, demographicParityDifference: 0.12 },
      findings: [{ id: 'fake.small-group', severity: 'medium', message: 'a small group' }],
      details: {
        groups: [
          { feature: 'afam', value: 'yes', selectionRate: 0.31 },
          { feature: 'afam', value: 'no', selectionRate: 0.19 },
        ],
        curve: [
          { threshold: 0.3, accuracy: 0.82 },
          { threshold: 0.5, accuracy: 0.88 },
          { threshold: 0.7, accuracy: 0.85 },
        ],
      },
    };
  },
});

async function exampleReport(): Promise<AssessmentReport> {
  return assess(loadProject(EXAMPLE), {
    catalog: openCatalog(),
    registry: [fake as unknown as TestPlugin<never>],
    toolVersion: '0.0.0',
    dirArg: 'examples/credit-hmda',
  });
}

describe('Chromium availability', () => {
  it('says how to get Chromium when it is absent (E_UNAVAILABLE)', () => {
    expect(() => chromiumPath({ AISF_CHROMIUM: '/nonexistent/chromium' })).toThrow(
      expect.objectContaining({
        code: 'E_UNAVAILABLE',
        message: expect.stringMatching(/apt-get install chromium/),
      }),
    );
  });
});

describe.skipIf(!HAVE_CHROMIUM)('the HTML report in headless Chromium', () => {
  it('shows the ladder, the plots and every check, and fetches nothing', async () => {
    const report = await exampleReport();
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtml(report, 'en'));
    const result = await withChromium(async (context) => {
      const page = await context.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(file).href);
      const visible = async (selector: string) => page.locator(selector).first().isVisible();
      const box = async (selector: string) =>
        (await page.locator(selector).first().boundingBox())?.height ?? 0;
      return {
        requests,
        ladder: await visible('[data-testid="capability-ladder"]'),
        ladderHeight: await box('[data-testid="capability-ladder"]'),
        pills: await page.locator('[data-testid="capability-ladder"] rect[rx="9"]').count(),
        criteria: await visible('[data-testid="criteria-chart"]'),
        groups: await visible('[data-testid="groups-chart"]'),
        curve: await visible('[data-testid="curve-chart"]'),
        heatmap: await visible('[data-testid="risk-heatmap"]'),
        table: await visible('#check-table'),
        rows: await page.locator('#check-table tbody tr').count(),
        firstRow: await page.locator('#check-table tbody tr').first().innerText(),
        level: await page.locator('[data-testid="level"]').innerText(),
      };
    });
    expect(result.requests).toEqual([pathToFileURL(file).href]);
    expect(result.ladder).toBe(true);
    expect(result.ladderHeight).toBeGreaterThan(200);
    expect(result.pills).toBe(17); // every capability is drawn, none cut off
    expect(result.criteria && result.groups && result.curve && result.heatmap).toBe(true);
    expect(result.table).toBe(true);
    expect(result.rows).toBe(report.checks.length);
    expect(result.firstRow).toMatch(/Compliance assessment/);
    expect(result.level).toBe(`${report.capabilityLevel} / 5`);
  });

  it('renders the report as a PDF', async () => {
    const report = await exampleReport();
    const pdf = await htmlToPdf(renderHtml(report, 'en'));
    expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    expect(pdf.byteLength).toBeGreaterThan(20_000);
  });

  // A Chinese report needs a CJK font on the machine, or Chromium prints empty boxes.
  it.skipIf(!HAVE_CJK_FONT)('embeds a CJK font in the Chinese PDF', async () => {
    const report = await exampleReport();
    const pdf = Buffer.from(await htmlToPdf(renderHtml(report, 'zh')));
    expect(pdf.toString('latin1')).toMatch(
      /\/BaseFont\s*\/[A-Z]{6}\+[^\s/]*(Hei|CJK|Song|Ming|Kai)/i,
    );
  });
});

if (!HAVE_CHROMIUM) {
  describe('the HTML report in headless Chromium', () => {
    it.skip(`skipped: ${DEFAULT_CHROMIUM} is absent (Debian: apt-get install chromium; .ci/run installs it)`, () => {});
  });
}
