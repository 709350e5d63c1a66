/** @module CLI commands as typed data: definitions, argument parsing and generated help. */
import { parseArgs } from 'node:util';
import { AisfError, type ExitCode } from '../errors.js';

export const FORMATS = ['table', 'json', 'md'] as const;
export type Format = (typeof FORMATS)[number];
export const LANGS = ['zh', 'en'] as const;
export type Lang = (typeof LANGS)[number];

/** One option of a command. Help, parsing and validation are all generated from this. */
export interface OptionDef {
  type: 'string' | 'boolean';
  description: string;
  short?: string;
  /** Allowed values of a string option; anything else is a usage error naming them. */
  choices?: readonly string[];
  /** Placeholder shown in help, e.g. `<kind>`. */
  valueName?: string;
  default?: string | boolean;
}

export interface ArgDef {
  name: string;
  description: string;
  required: boolean;
  /** The last argument may take any number of values (`<paths...>`). */
  variadic?: boolean;
}

/** What a command's `run` receives. */
export interface CommandContext {
  args: string[];
  options: Record<string, string | boolean | undefined>;
  format: Format;
  lang: Lang;
  quiet: boolean;
  verbose: boolean;
  /** Writes command output (stdout). */
  out: (text: string) => void;
  /** Writes progress and notes (stderr); silent under --quiet. */
  info: (text: string) => void;
  /** Writes warnings (stderr), shown even under --quiet. */
  warn: (text: string) => void;
  cwd: string;
}

/** A command: its words (`catalog list`), help text and handler. */
export interface CommandDef {
  name: string;
  summary: string;
  description?: string;
  args: readonly ArgDef[];
  options: Readonly<Record<string, OptionDef>>;
  examples: readonly string[];
  /** Returns the exit code (0 ok, 1 findings at/above threshold); errors are thrown as AisfError. */
  run: (ctx: CommandContext) => Promise<ExitCode> | ExitCode;
}

/** Options every command accepts (STYLE.md: vitest-style typed options). */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionDef>> = {
  format: {
    type: 'string',
    choices: FORMATS,
    valueName: '<table|json|md>',
    description: 'output format (default: table on a terminal, json when piped)',
  },
  lang: {
    type: 'string',
    choices: LANGS,
    valueName: '<zh|en>',
    description: 'language of titles and text (default: zh if $LANG starts with zh, else en)',
  },
  quiet: {
    type: 'boolean',
    short: 'q',
    description: 'print only the result, no progress or notes',
  },
  verbose: { type: 'boolean', short: 'v', description: 'more detail, and error causes' },
  help: { type: 'boolean', short: 'h', description: 'show help for the command' },
};

/** Defines a command (identity function for type inference, like vitest's defineConfig). */
export function defineCommand(def: CommandDef): CommandDef {
  return def;
}

export interface ParsedCommandLine {
  args: string[];
  options: Record<string, string | boolean | undefined>;
}

/** Parses argv for one command strictly: unknown options and bad choices are usage errors. */
export function parseCommandLine(def: CommandDef, argv: readonly string[]): ParsedCommandLine {
  const all = { ...GLOBAL_OPTIONS, ...def.options };
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, option] of Object.entries(all)) {
    config[name] = { type: option.type, ...(option.short ? { short: option.short } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: config, allowPositionals: true, strict: true });
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new AisfError(
      'E_USAGE',
      `${message.replace(/\. To specify a positional.*$/s, '')}; see \`aisf ${def.name} --help\``,
      { cause },
    );
  }
  const options: Record<string, string | boolean | undefined> = {};
  for (const [name, option] of Object.entries(all)) {
    const value = parsed.values[name];
    const single = Array.isArray(value) ? value[value.length - 1] : value;
    if (single === undefined) {
      if (option.default !== undefined) options[name] = option.default;
      continue;
    }
    if (option.choices && typeof single === 'string' && !option.choices.includes(single)) {
      throw new AisfError(
        'E_USAGE',
        `--${name} must be one of ${option.choices.join(', ')} (got "${single}")`,
      );
    }
    options[name] = single;
  }
  if (options.help) return { args: parsed.positionals, options };
  const required = def.args.filter((arg) => arg.required);
  if (parsed.positionals.length < required.length) {
    const missing = required[parsed.positionals.length];
    throw new AisfError(
      'E_USAGE',
      `missing argument <${missing?.name}>: ${missing?.description}; see \`aisf ${def.name} --help\``,
    );
  }
  const variadic = def.args[def.args.length - 1]?.variadic === true;
  if (!variadic && parsed.positionals.length > def.args.length) {
    throw new AisfError(
      'E_USAGE',
      `unexpected argument "${parsed.positionals[def.args.length]}"; \`aisf ${def.name}\` takes ${def.args.length === 0 ? 'no arguments' : def.args.map((a) => `<${a.name}>`).join(' ')}`,
    );
  }
  return { args: parsed.positionals, options };
}

function optionLines(options: Readonly<Record<string, OptionDef>>): string[] {
  const rows = Object.entries(options).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : '    '}--${name}${option.type === 'string' ? ` ${option.valueName ?? '<value>'}` : ''}`;
    const dflt = option.default !== undefined ? ` (default: ${String(option.default)})` : '';
    return [flag, `${option.description}${dflt}`] as const;
  });
  const width = Math.max(0, ...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
}

/** `aisf <cmd> --help`, generated from the definition. */
export function commandHelp(def: CommandDef): string {
  const usageArgs = def.args.map((arg) => {
    const name = `${arg.name}${arg.variadic ? '...' : ''}`;
    return arg.required ? `<${name}>` : `[${name}]`;
  });
  const lines = [
    `Usage: aisf ${def.name}${usageArgs.length ? ` ${usageArgs.join(' ')}` : ''} [options]`,
    '',
  ];
  lines.push(def.summary);
  if (def.description) lines.push('', def.description);
  if (def.args.length) {
    lines.push('', 'Arguments:');
    const width = Math.max(...def.args.map((a) => a.name.length + 2));
    for (const arg of def.args)
      lines.push(`  ${`<${arg.name}>`.padEnd(width)}  ${arg.description}`);
  }
  if (Object.keys(def.options).length) lines.push('', 'Options:', ...optionLines(def.options));
  lines.push('', 'Global options:', ...optionLines(GLOBAL_OPTIONS));
  if (def.examples.length) lines.push('', 'Examples:', ...def.examples.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}

/** `aisf --help`: every command with its summary, generated from the registry. */
export function rootHelp(commands: readonly CommandDef[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = [
    `aisf ${version} — the AI security framework, executable`,
    '',
    'Usage: aisf <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '      --version           print the version',
    '',
    'Exit codes: 0 ok, 1 findings at or above the threshold, 2 usage/config/input error, 3 internal error.',
    'Run `aisf <command> --help` for a command’s options and examples.',
  ];
  return `${lines.join('\n')}\n`;
}
