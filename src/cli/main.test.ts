import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES, defaultLang, loadCommands, runCli } from './main.js';

function capture() {
  let stdout = '';
  let stderr = '';
  return {
    io: {
      stdout: (t: string) => {
        stdout += t;
      },
      stderr: (t: string) => {
        stderr += t;
      },
      env: {},
      isTTY: false,
      cwd: process.cwd(),
    },
    out: () => stdout,
    err: () => stderr,
  };
}

describe('the command registry', () => {
  it('loads every module, with unique names each reachable by its first word', async () => {
    const commands = await loadCommands();
    expect(new Set(commands.map((c) => c.name)).size).toBe(commands.length);
    for (const command of commands) {
      const word = command.name.split(' ')[0];
      expect(COMMAND_MODULES.some((m) => m.words.includes(word ?? ''))).toBe(true);
    }
    expect(commands.map((c) => c.name)).toContain('catalog check');
  });

  it('loads only the modules a command needs', async () => {
    const commands = await loadCommands('catalog');
    expect(commands.every((c) => c.name.startsWith('catalog '))).toBe(true);
  });
});

describe('runCli', () => {
  it('reports an unknown command with exit 2', async () => {
    const c = capture();
    expect(await runCli(['frobnicate'], c.io)).toBe(2);
    expect(c.err()).toMatch(/unknown command "frobnicate"/);
  });

  it('prints the JSON error on stdout with --format json', async () => {
    const c = capture();
    expect(await runCli(['catalog', 'show', 'risk.nope', '--format', 'json'], c.io)).toBe(2);
    expect(JSON.parse(c.out())).toMatchObject({ error: { code: 'E_NOT_FOUND' } });
  });

  it('takes the language from the locale', () => {
    expect(defaultLang({ LANG: 'zh_CN.UTF-8' })).toBe('zh');
    expect(defaultLang({ LC_ALL: 'en_US.UTF-8', LANG: 'zh_CN' })).toBe('en');
    expect(defaultLang({})).toBe('en');
  });
});
