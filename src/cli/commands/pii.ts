/** @module `aisf pii …`: scan text for Chinese PII, or redact it. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createPiiDetector } from '../../data/pii/index.js';
import { AisfError, EXIT } from '../../errors.js';
import { type CommandContext, defineCommand } from '../command.js';
import { renderJson, renderTable } from '../render.js';

function readInput(ctx: CommandContext): string {
  const arg = ctx.args[0] ?? '-';
  try {
    return readFileSync(arg === '-' ? 0 : resolve(ctx.cwd, arg), 'utf8');
  } catch (cause) {
    throw new AisfError('E_FILE_NOT_FOUND', `cannot read ${arg === '-' ? 'stdin' : arg}`, {
      cause,
    });
  }
}

const FILE_ARG = [
  { name: 'file', description: 'a UTF-8 text file, or - for stdin', required: true },
] as const;

const scan = defineCommand({
  name: 'pii scan',
  summary: 'find Chinese PII (ID, mobile, bank card, USCC, passport, plate, e-mail, IP) in text',
  description:
    'Check digits are verified (ID MOD 11-2, USCC GB 32100, Luhn), so order numbers, timestamps and landlines are not reported. Offsets are UTF-16 code units. Exit 1 when anything is found.',
  args: FILE_ARG,
  options: {},
  examples: ['aisf pii scan notes.txt --format json', 'echo 手机13812345678 | aisf pii scan -'],
  run(ctx) {
    const findings = createPiiDetector().scan(readInput(ctx));
    if (ctx.format === 'json') ctx.out(renderJson({ findings }));
    else {
      ctx.out(
        renderTable(
          ['type', 'start', 'end', 'masked'],
          findings.map((f) => [f.type, String(f.start), String(f.end), f.masked]),
        ),
      );
    }
    return findings.length > 0 ? EXIT.FINDINGS : EXIT.OK;
  },
});

const redact = defineCommand({
  name: 'pii redact',
  summary: 'print the text with PII replaced by [TYPE] (or masked with --mode mask)',
  args: FILE_ARG,
  options: {
    mode: {
      type: 'string',
      choices: ['redact', 'mask'],
      valueName: '<redact|mask>',
      description: 'replacement style',
      default: 'redact',
    },
  },
  examples: [
    'aisf pii redact notes.txt > notes.redacted.txt',
    'aisf pii redact - --mode mask < chat.log',
  ],
  run(ctx) {
    const result = createPiiDetector().redact(
      readInput(ctx),
      ctx.options.mode === 'mask' ? 'mask' : 'redact',
    );
    if (ctx.format === 'json' && ctx.options.format === 'json') ctx.out(renderJson(result));
    else ctx.out(result.text);
    return EXIT.OK;
  },
});

/** The pii command group. */
export const PII_COMMANDS = [scan, redact] as const;
