/** @module The aisf command line: the command registry, global options, exit codes. */
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

/**
 * The command registry: one line per command module, keyed by the first words of its commands.
 * Modules load only when their words are typed (`aisf catalog …` never loads ONNX Runtime or
 * the HTTP server), which keeps every CLI call's start-up short; help loads them all.
 */
export const COMMAND_MODULES: readonly {
  words: readonly string[];
  load: () => Promise<readonly CommandDef[]>;
}[] = [
  {
    words: ['catalog'],
    load: async () => (await import('./commands/catalog.js')).CATALOG_COMMANDS,
  },
  {
    words: ['scan', 'sign', 'verify'],
    load: async () => (await import('./commands/scan.js')).SCAN_COMMANDS,
  },
  {
    words: ['init', 'assess', 'report'],
    load: async () => (await import('./commands/assess.js')).ASSESS_COMMANDS,
  },
  { words: ['dp'], load: async () => (await import('./commands/dp.js')).DP_COMMANDS },
  {
    words: ['test', 'mitigate'],
    load: async () => (await import('./commands/fairness.js')).FAIRNESS_COMMANDS,
  },
  { words: ['model'], load: async () => (await import('./commands/model.js')).MODEL_COMMANDS },
  { words: ['guard'], load: async () => (await import('./commands/guard.js')).GUARD_COMMANDS },
  { words: ['audit'], load: async () => (await import('./commands/audit.js')).AUDIT_COMMANDS },
  { words: ['pii'], load: async () => (await import('./commands/pii.js')).PII_COMMANDS },
  { words: ['harden'], load: async () => (await import('./commands/harden.js')).HARDEN_COMMANDS },
  {
    words: ['test'],
    load: async () => (await import('./commands/robustness.js')).ROBUSTNESS_COMMANDS,
  },
  {
    words: ['test'],
    load: async () => (await import('./commands/privacy.js')).PRIVACY_COMMANDS,
  },
];

/**
 * Loads the commands of the modules whose words include `first` (all modules when undefined),
 * in registry order; duplicate command names throw.
 */
export async function loadCommands(first?: string): Promise<CommandDef[]> {
  const modules = COMMAND_MODULES.filter((m) => first === undefined || m.words.includes(first));
  const loaded = await Promise.all(modules.map(async (m) => ({ m, commands: await m.load() })));
  for (const { m, commands } of loaded) {
    for (const command of commands) {
      const word = command.name.split(' ')[0] ?? '';
      if (!m.words.includes(word)) {
        throw new Error(
          `command "${command.name}" is unreachable: add "${word}" to its module's words`,
        );
      }
    }
  }
  const commands = loaded.flatMap(({ commands }) => commands);
  assertUniqueNames(commands);
  return commands;
}

function assertUniqueNames(commands: readonly CommandDef[]): void {
  const seen = new Set<string>();
  for (const command of commands) {
    if (seen.has(command.name)) {
      throw new Error(`duplicate command "${command.name}" in the registry`);
    }
    seen.add(command.name);
  }
}

import { packageVersion } from './version.js';

export { packageVersion };

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
function findCommand(
  commands: readonly CommandDef[],
  argv: readonly string[],
): { command: CommandDef; rest: string[] } | undefined {
  let best: { command: CommandDef; rest: string[] } | undefined;
  for (const command of commands) {
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
      io.stdout(rootHelp(await loadCommands(), packageVersion()));
      return argv.length === 0 ? EXIT.USAGE : EXIT.OK;
    }
    if (argv[0] === '--version') {
      io.stdout(`${packageVersion()}\n`);
      return EXIT.OK;
    }
    const commands = await loadCommands(argv[0]?.startsWith('-') ? undefined : argv[0]);
    const found = findCommand(commands, argv);
    if (!found) {
      const group = commands.filter((c) => c.name.startsWith(`${argv[0]} `));
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
  // `aisf … | head` closes the pipe early: stop writing quietly, as Unix tools do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  const code = await runCli(argv, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    isTTY: process.stdout.isTTY === true,
    cwd: process.cwd(),
  });
  process.exitCode = code;
}
