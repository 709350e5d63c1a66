/**
 * @module PDF of the HTML report through headless Chromium (Debian's `chromium`), driven by
 * playwright-core. No browser is downloaded: when Chromium is absent the error says how to
 * install it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AisfError } from '../../errors.js';

/** Where Chromium is looked for, unless AISF_CHROMIUM names another binary. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for an isolated, quiet headless run: no sandbox (containers lack user namespaces), no
 * GPU, and nothing that phones home (background networking, component updates, sync).
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
] as const;

/** The Chromium binary to use, or throws E_UNAVAILABLE with the fix. */
export function chromiumPath(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const path = env.AISF_CHROMIUM || DEFAULT_CHROMIUM;
  if (!existsSync(path)) {
    throw new AisfError(
      'E_UNAVAILABLE',
      `Chromium not found at ${path}: PDF needs headless Chromium; install it (Debian: \`apt-get install chromium\`) or set AISF_CHROMIUM to its path. report.html prints to PDF from any browser too`,
    );
  }
  return path;
}

/**
 * Launches headless Chromium with a fresh profile directory (`--user-data-dir`, via Playwright's
 * persistent context) and gives the context to `use`; always closes it and removes the profile.
 */
export async function withChromium<T>(
  use: (context: import('playwright-core').BrowserContext) => Promise<T>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<T> {
  const executablePath = chromiumPath(env);
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'aisf-chromium-'));
  let browser: import('playwright-core').BrowserContext;
  try {
    browser = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
  } catch (cause) {
    rmSync(profile, { recursive: true, force: true });
    throw new AisfError(
      'E_UNAVAILABLE',
      `Chromium at ${executablePath} failed to start: ${(cause as Error).message.split('\n')[0]}`,
      {
        cause,
      },
    );
  }
  try {
    return await use(browser);
  } finally {
    await browser.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * Renders HTML to an A4 PDF (backgrounds kept, so status colours print).
 *
 * @example
 * writeFileSync('report.pdf', await htmlToPdf(renderHtml(report)));
 */
export async function htmlToPdf(
  html: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Uint8Array> {
  return withChromium(async (browser) => {
    const page = await browser.newPage();
    // The report has a CSP forbidding network; block requests anyway so nothing can leave.
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    return page.pdf({
      format: 'A4',
      printBackground: true,
      margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' },
    });
  }, env);
}
