import { describe, expect, it } from 'vitest';
import { AisfError } from '../errors.js';
import { commandHelp, defineCommand, parseCommandLine, rootHelp } from './command.js';

const cmd = defineCommand({
  name: 'demo run',
  summary: 'a demo',
  args: [{ name: 'id', description: 'an id', required: true }],
  options: {
    kind: { type: 'string', choices: ['a', 'b'], valueName: '<kind>', description: 'the kind' },
    count: { type: 'string', description: 'how many', default: '3' },
  },
  examples: ['aisf demo run x'],
  run: () => 0,
});

function usageError(fn: () => unknown): AisfError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AisfError) return error;
  }
  throw new Error('expected an AisfError');
}

describe('parseCommandLine', () => {
  it('parses options, defaults and arguments', () => {
    expect(parseCommandLine(cmd, ['x', '--kind', 'a'])).toEqual({
      args: ['x'],
      options: { kind: 'a', count: '3' },
    });
  });

  it('rejects an unknown option, a bad choice, a missing or extra argument with exit 2', () => {
    expect(usageError(() => parseCommandLine(cmd, ['x', '--nope'])).message).toMatch(/--nope/);
    const bad = usageError(() => parseCommandLine(cmd, ['x', '--kind', 'c']));
    expect(bad.message).toBe('--kind must be one of a, b (got "c")');
    expect(bad.exitCode).toBe(2);
    expect(usageError(() => parseCommandLine(cmd, [])).message).toMatch(/missing argument <id>/);
    expect(usageError(() => parseCommandLine(cmd, ['x', 'y'])).message).toMatch(
      /unexpected argument "y"/,
    );
  });

  it('accepts --help without the required arguments', () => {
    expect(parseCommandLine(cmd, ['--help']).options.help).toBe(true);
  });
});

describe('help', () => {
  it('is generated from the definition', () => {
    const help = commandHelp(cmd);
    expect(help).toMatch(/^Usage: aisf demo run <id> \[options\]/);
    expect(help).toMatch(/--kind <kind>\s+the kind/);
    expect(help).toMatch(/--count <value>\s+how many \(default: 3\)/);
    expect(help).toMatch(/Global options:[\s\S]*--format <table\|json\|md>/);
    expect(help).toMatch(/Examples:\n {2}aisf demo run x/);
    expect(rootHelp([cmd], '9.9.9')).toMatch(/demo run {2}a demo/);
  });
});

describe('variadic arguments', () => {
  const many = defineCommand({
    name: 'demo many',
    summary: 'many',
    args: [{ name: 'paths', description: 'paths', required: true, variadic: true }],
    options: {},
    examples: [],
    run: () => 0,
  });

  it('takes any number of values for the last argument, at least one when required', () => {
    expect(parseCommandLine(many, ['a', 'b', 'c']).args).toEqual(['a', 'b', 'c']);
    expect(() => parseCommandLine(many, [])).toThrow(/missing argument <paths>/);
    expect(commandHelp(many)).toMatch(/^Usage: aisf demo many <paths\.\.\.> \[options\]/);
  });
});
