/**
 * @module Embedded executables and scripts (modelaudit S501–S507): ELF, PE, Mach-O and shebang
 * scripts have no business inside a model archive; a loader plugin or a victim may run them.
 */
import type { FormatScanner } from '../session.js';
import { latin1, startsWith } from '../source.js';

function kindOf(head: Uint8Array): string | undefined {
  if (startsWith(head, [0x7f, 0x45, 0x4c, 0x46])) return 'ELF executable';
  if (startsWith(head, 'MZ') && head.length >= 64) {
    const off = (head[60] as number) | ((head[61] as number) << 8) | ((head[62] as number) << 16);
    if (startsWith(head, 'PE\0\0', off)) return 'Windows PE executable';
  }
  for (const m of [
    [0xfe, 0xed, 0xfa, 0xce],
    [0xfe, 0xed, 0xfa, 0xcf],
    [0xce, 0xfa, 0xed, 0xfe],
    [0xcf, 0xfa, 0xed, 0xfe],
  ]) {
    if (startsWith(head, m)) return 'Mach-O executable';
  }
  if (startsWith(head, '#!'))
    return `script (${latin1(head.subarray(2, Math.min(head.length, 40)))
      .split('\n')[0]
      ?.trim()})`;
  return undefined;
}

/** The executable/script detector. */
export const executableScanner: FormatScanner = {
  id: 'executable',
  title: 'Executable or script',
  sniff: (probe) => kindOf(probe.head) !== undefined,
  scan(blob, session) {
    const kind = kindOf(blob.source.read(0, 4096)) ?? 'executable';
    session.report(
      'scan.embedded.executable',
      blob.depth > 0 ? 'critical' : 'high',
      blob.depth > 0 ? `archive member is an embedded ${kind}` : `file is a ${kind}, not a model`,
      blob.location,
    );
    return 'executable';
  },
};
