/** @module The aisf command line: the command registry, global options, exit codes. */
import { readFileSync } from 'node:fs';
import { AisfError, EXIT, type ExitCode, formatLocation, toAisfError } from '../errors.js';
import {
  type CommandContext,
  type CommandDef,
  commandHelp,
  type Format,
  type Lang,
  parseCommandLine,
  rootHelp,
} from './command.js';
import { ASSESS_COMMANDS } from './commands/assess.js';
import { AUDIT_COMMANDS } from './commands/audit.js';
import { CATALOG_COMMANDS } from './commands/catalog.js';
import { DP_COMMANDS } from './commands/dp.js';
import { FAIRNESS_COMMANDS } from './commands/fairness.js';
import { GUARD_COMMANDS } from './commands/guard.js';
import { MODEL_COMMANDS } from './commands/model.js';
import { PII_COMMANDS } from './commands/pii.js';
import { SCAN_COMMANDS } from './commands/scan.js';

/** Every command, in help order. One line per command group; duplicate names throw at start-up. */
export const COMMANDS: readonly CommandDef[] = [
  ...CATALOG_COMMANDS,
  ...SCAN_COMMANDS,
  ...ASSESS_COMMANDS,
  ...DP_COMMANDS,
  ...FAIRNESS_COMMANDS,
  ...MODEL_COMMANDS,
  ...GUARD_COMMANDS,
  ...AUDIT_COMMANDS,
  ...PII_COMMANDS,
];

function assertUniqueNames(commands: readonly CommandDef[]): void {
  const seen = new Set<string>();
  for (const command of commands) {
    if (seen.has(command.name))
      throw new Error(`duplicate command "${command.name}" in the registry`);
    seen.add(command.name);
  }
}
assertUniqueNames(COMMANDS);

/** The package version, read from package.json next to dist/ or src/. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Where the CLI writes and what it knows of its environment (injected in tests). */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal: decides the default --format. */
  isTTY: boolean;
  cwd: string;
}

/** The default language: zh if $LC_ALL/$LC_MESSAGES/$LANG says Chinese, else en. */
export function defaultLang(env: Readonly<Record<string, string | undefined>>): Lang {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return locale.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/** Finds the command whose words start argv (longest match), e.g. `catalog list`. */
function findCommand(argv: readonly string[]): { command: CommandDef; rest: string[] } | undefined {
  let best: { command: CommandDef; rest: string[] } | undefined;
  for (const command of COMMANDS) {
    const words = command.name.split(' ');
    if (words.every((word, i) => argv[i] === word)) {
      if (!best || words.length > best.command.name.split(' ').length) {
        best = { command, rest: argv.slice(words.length) };
      }
    }
  }
  return best;
}

/**
 * Runs the CLI and returns its exit code; never calls process.exit itself, so it can be tested
 * in-process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  const wantsJson = argv.some(
    (a, i) => a === '--format=json' || (a === '--format' && argv[i + 1] === 'json'),
  );
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      io.stdout(rootHelp(COMMANDS, packageVersion()));
      return argv.length === 0 ? EXIT.USAGE : EXIT.OK;
    }
    if (argv[0] === '--version') {
      io.stdout(`${packageVersion()}\n`);
      return EXIT.OK;
    }
    const found = findCommand(argv);
    if (!found) {
      const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
      if (group.length > 0 && (argv.length === 1 || argv[1]?.startsWith('-'))) {
        io.stdout(rootHelp(group, packageVersion()));
        return argv.includes('--help') || argv.includes('-h') ? EXIT.OK : EXIT.USAGE;
      }
      const words = argv
        .filter((a) => !a.startsWith('-'))
        .slice(0, 2)
        .join(' ');
      throw new AisfError(
        'E_USAGE',
        `unknown command "${words}"; run \`aisf --help\` for the list`,
      );
    }
    const { command, rest } = found;
    const parsed = parseCommandLine(command, rest);
    if (parsed.options.help) {
      io.stdout(commandHelp(command));
      return EXIT.OK;
    }
    const quiet = parsed.options.quiet === true;
    const format = (parsed.options.format as Format | undefined) ?? (io.isTTY ? 'table' : 'json');
    const ctx: CommandContext = {
      args: parsed.args,
      options: parsed.options,
      format,
      lang: (parsed.options.lang as Lang | undefined) ?? defaultLang(io.env),
      quiet,
      verbose,
      out: io.stdout,
      info: (text) => {
        if (!quiet) io.stderr(`${text}\n`);
      },
      warn: (text) => io.stderr(`warning: ${text}\n`),
      cwd: io.cwd,
    };
    return await command.run(ctx);
  } catch (thrown) {
    const error = toAisfError(thrown);
    if (wantsJson) {
      io.stdout(`${JSON.stringify({ error: error.toJSON() }, null, 2)}\n`);
    }
    const where = error.location ? `${formatLocation(error.location)}: ` : '';
    io.stderr(`aisf: ${error.code}: ${where}${error.message}\n`);
    if (verbose && error.cause instanceof Error && error.cause.stack) {
      io.stderr(`cause: ${error.cause.stack}\n`);
    } else if (error.code === 'E_INTERNAL' && thrown instanceof Error && thrown.stack) {
      io.stderr(
        `${thrown.stack}\nThis is a bug in aisf; please report it with the command you ran.\n`,
      );
    }
    return error.exitCode;
  }
}

/** Entry point used by bin/aisf.js. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const code = await runCli(argv, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    isTTY: process.stdout.isTTY === true,
    cwd: process.cwd(),
  });
  process.exitCode = code;
}
