/** @module Writing a report in every format: report.html, report.json, report.md (and report.pdf). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AisfError } from '../../errors.js';
import type { AssessmentReport } from '../assessment.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { htmlToPdf } from './pdf.js';

export { detailPlots, renderHtml } from './html.js';
export { LABELS, label, statusLabel } from './labels.js';
export { renderMarkdown } from './markdown.js';
export { CHROMIUM_ARGS, chromiumPath, DEFAULT_CHROMIUM, htmlToPdf, withChromium } from './pdf.js';

/** The report as pretty JSON (what report.json holds). */
export function renderReportJson(report: AssessmentReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** Paths written by `writeReports`. */
export interface WrittenReports {
  html: string;
  json: string;
  md: string;
  pdf?: string;
}

/**
 * Writes report.html, report.json and report.md into `outDir` (created if needed), and
 * report.pdf when `pdf` is set (needs Chromium; E_UNAVAILABLE otherwise, after the others exist).
 *
 * @example
 * await writeReports(report, 'out/', { pdf: false });
 */
export async function writeReports(
  report: AssessmentReport,
  outDir: string,
  options: {
    pdf?: boolean;
    lang?: 'zh' | 'en';
    env?: Readonly<Record<string, string | undefined>>;
  } = {},
): Promise<WrittenReports> {
  const lang = options.lang ?? report.lang;
  const html = renderHtml(report, lang);
  const paths: WrittenReports = {
    html: join(outDir, 'report.html'),
    json: join(outDir, 'report.json'),
    md: join(outDir, 'report.md'),
  };
  try {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(paths.html, html);
    writeFileSync(paths.json, renderReportJson(report));
    writeFileSync(paths.md, renderMarkdown(report, lang));
  } catch (cause) {
    throw new AisfError(
      'E_FILE_READ',
      `cannot write the report into ${outDir}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  if (options.pdf) {
    const pdf = await htmlToPdf(html, options.env);
    paths.pdf = join(outDir, 'report.pdf');
    writeFileSync(paths.pdf, pdf);
  }
  return paths;
}
