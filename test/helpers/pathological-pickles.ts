/**
 * @module Pickles that exhaust a parser, for the isolation tests of the scan worker (isolate.test.ts
 * on the sources, worker-bundle.test.ts on the built bundle). Built opcode by opcode, never loaded.
 */

/** PROTO 4, MARK, n × NONE, LIST, STOP: n live values on the symbolic stack (heap limit). */
export function stackExpansionPickle(n = 6_000_000): Uint8Array {
  const bytes = new Uint8Array(n + 5);
  bytes.set([0x80, 4, 0x28]);
  bytes.fill(0x4e, 3, 3 + n);
  bytes.set([0x6c, 0x2e], 3 + n);
  return bytes;
}

/** PROTO 4, n × (NONE, POP), NONE, STOP: 2n cheap opcodes that take long (time limit). */
export function slowPickle(n = 5_000_000): Uint8Array {
  const bytes = new Uint8Array(2 * n + 4);
  bytes.set([0x80, 4]);
  for (let i = 0; i < n; i++) {
    bytes[2 + 2 * i] = 0x4e; // NONE
    bytes[3 + 2 * i] = 0x30; // POP
  }
  bytes.set([0x4e, 0x2e], 2 + 2 * n);
  return bytes;
}
