/**
 * @module Checks shared by archive formats (zip, tar): member-path safety (path traversal and
 * absolute paths, CVE-2007-4559 tarfile / modelaudit S405), member-count bounds, and what the
 * enclosing container tells a member (PyTorch, NumPy, Keras contexts).
 */
import type { ScanSession } from './session.js';
import type { ScanLocation } from './types.js';

/** Why a member path could escape the extraction folder, or undefined if it is safe. */
export function unsafePathReason(name: string): string | undefined {
  if (name.includes('\0')) return 'contains a NUL byte';
  if (/^[/\\]/.test(name)) return 'is absolute';
  if (/^[a-zA-Z]:/.test(name)) return 'starts with a drive letter';
  if (name.split(/[/\\]/).includes('..')) return 'contains a ".." segment';
  return undefined;
}

/** Reports unsafe member paths (critical: extraction writes outside the folder). */
export function checkMemberPath(session: ScanSession, name: string, location: ScanLocation): void {
  const reason = unsafePathReason(name);
  if (reason) {
    session.report(
      'scan.archive.path-traversal',
      'critical',
      `archive member path ${JSON.stringify(name.slice(0, 200))} ${reason} (extraction escapes the folder)`,
      location,
    );
  } else if (name.includes('\\')) {
    session.report(
      'scan.archive.backslash-path',
      'medium',
      `archive member path ${JSON.stringify(name.slice(0, 200))} uses backslashes (extractors on Windows treat them as separators)`,
      location,
    );
  }
}

/** A Unicode/control-character check for names that end up in logs and UIs. */
export function hasControlOrBidi(text: string): boolean {
  // C0/C1 controls and bidi overrides (Trojan Source, CVE-2021-42574)
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    if (
      c < 0x20 ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069)
    )
      return true;
  }
  return false;
}
