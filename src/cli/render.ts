/** @module Terminal and Markdown tables that line up with Chinese text, and JSON output. */

/**
 * Display width of a string in a terminal: East Asian wide and fullwidth characters take two
 * columns (Unicode UAX #11), so tables with Chinese titles stay aligned.
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code < 0xa0)) continue;
    if (code >= 0x300 && code <= 0x36f) continue; // combining marks
    width += isWide(code) ? 2 : 1;
  }
  return width;
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0x303e) ||
    (code >= 0x3041 && code <= 0x33ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xa000 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** Truncates to a display width, adding an ellipsis. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const char of text) {
    const w = displayWidth(char);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return `${out}…`;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

export interface TableOptions {
  /** Maximum display width of any one column; longer cells are truncated. @default 60 */
  maxColumnWidth?: number;
}

/** A plain-text table for terminals. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  const max = options.maxColumnWidth ?? 60;
  const cells = rows.map((row) => row.map((cell) => truncate(cell.replace(/\s+/g, ' '), max)));
  const widths = headers.map((header, i) =>
    Math.max(displayWidth(header), ...cells.map((row) => displayWidth(row[i] ?? ''))),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => pad(cell, widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(headers), line(widths.map((w) => '─'.repeat(w))), ...cells.map(line)].join('\n')}\n`;
}

/** A GitHub-flavoured Markdown table. */
export function renderMarkdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const esc = (cell: string) => cell.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
  const line = (row: readonly string[]) => `| ${row.map(esc).join(' | ')} |`;
  return `${[line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n')}\n`;
}

/** Pretty JSON with a trailing newline. */
export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
