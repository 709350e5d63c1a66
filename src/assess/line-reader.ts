/**
 * @module Terminal questions over a line stream. readline's `question()` drops lines that arrive
 * before it is called (all of them at once when answers are piped in), so lines are buffered
 * through the async iterator instead, and end of input is visible as `closed`.
 */

import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** Asks one question at a time; after end of input every answer is '' and `closed` is true. */
export interface LineAsker {
  question: (prompt: string) => Promise<string>;
  readonly closed: boolean;
  close: () => void;
}

/**
 * A LineAsker on `input`, writing prompts to `output` (stderr in the CLI: stdout is for results).
 *
 * @example
 * const ask = createLineAsker(process.stdin, process.stderr);
 * const name = await ask.question('name: ');
 */
export function createLineAsker(input: Readable, output: Writable): LineAsker {
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  let closed = false;
  return {
    async question(prompt: string) {
      output.write(prompt);
      if (closed) return '';
      const next = await lines.next();
      if (next.done) {
        closed = true;
        output.write('\n');
        return '';
      }
      return next.value;
    },
    get closed() {
      return closed;
    },
    close: () => rl.close(),
  };
}
