/**
 * @module The ONNX Runtime options shared by the commands that run models (--threads,
 * --parallelism): one definition, so help text, defaults and validation cannot drift apart.
 */
import type { AisfError } from '../errors.js';
import type { OptionDef } from './command.js';

/** --threads and --parallelism, for a command's `options`. */
export const RUNTIME_OPTIONS: Readonly<Record<string, OptionDef>> = {
  threads: {
    type: 'string',
    valueName: '<n>',
    description: 'ONNX Runtime threads (default: all cores)',
  },
  parallelism: {
    type: 'string',
    choices: ['data', 'intra-op'],
    valueName: '<data|intra-op>',
    description:
      'data: one worker thread per thread, each batch split between them (fastest for small CNNs: 1.3-1.6x on the bench CNN); intra-op: one session whose kernels use every thread',
    default: 'data',
  },
};

/** The loadModel options of --threads / --parallelism; `usage` builds the command's usage error. */
export function readRuntimeOptions(
  options: Readonly<Record<string, unknown>>,
  usage: (message: string) => AisfError,
): { threads?: number; parallelism: 'data' | 'intra-op' } {
  const parallelism = options.parallelism === 'intra-op' ? 'intra-op' : 'data';
  if (options.threads === undefined) return { parallelism };
  const threads = Number(options.threads);
  if (!Number.isSafeInteger(threads) || threads < 1)
    throw usage(`--threads must be a positive integer (got "${String(options.threads)}")`);
  return { threads, parallelism };
}
