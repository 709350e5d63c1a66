/** @module `aisf guard …`: run the runtime guard, check its config, hash an API key. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { hashApiKey } from '../../business/guard/access-api-key/index.js';
import { loadGuardConfig } from '../../business/guard/config.js';
import { MECHANISMS, reviewGuardConfig } from '../../business/guard/config-review/index.js';
import { serveGuard } from '../../business/guard/server.js';
import { AisfError, EXIT } from '../../errors.js';
import { type CommandContext, defineCommand } from '../command.js';
import { renderJson, renderTable } from '../render.js';

const CONFIG_OPTION = {
  config: {
    type: 'string',
    valueName: '<guard.yaml>',
    description: 'the guard configuration file (see examples/guard/guard.yaml)',
  },
} as const;

function configPath(ctx: CommandContext): string {
  const path = ctx.options.config;
  if (typeof path !== 'string') {
    throw new AisfError('E_USAGE', 'missing --config <guard.yaml>; see examples/guard/guard.yaml');
  }
  return resolve(ctx.cwd, path);
}

const run = defineCommand({
  name: 'guard',
  summary: 'run the runtime guard (reverse proxy) in front of model and chat endpoints',
  description:
    'Serves every route of the config: access control, quotas, validation, input scanners, redundancy, circuit breakers, PII guardrail, AIGC labels, /metrics, the admin API, and the decision log. Stops on SIGINT/SIGTERM after sealing the log.',
  args: [],
  options: {
    ...CONFIG_OPTION,
    port: {
      type: 'string',
      valueName: '<port>',
      description: 'listen on this port instead of server.port',
    },
    host: {
      type: 'string',
      valueName: '<host>',
      description: 'listen on this address instead of server.host',
    },
  },
  examples: [
    'aisf guard --config examples/guard/guard.yaml',
    'aisf guard --config guard.yaml --port 0',
  ],
  async run(ctx) {
    const config = loadGuardConfig(configPath(ctx));
    const port = ctx.options.port === undefined ? undefined : Number(ctx.options.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
      throw new AisfError(
        'E_USAGE',
        `--port must be an integer 0–65535 (got "${String(ctx.options.port)}")`,
      );
    }
    const running = await serveGuard(config, {
      ...(port !== undefined ? { port } : {}),
      ...(typeof ctx.options.host === 'string' ? { host: ctx.options.host } : {}),
    });
    ctx.info(
      `aisf guard listening on ${running.url} (${config.routes.map((r) => r.path).join(', ')})`,
    );
    ctx.out(`${JSON.stringify({ listening: running.url })}\n`);
    await new Promise<void>((resolveStop) => {
      const stop = () => resolveStop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await running.close();
    ctx.info('aisf guard stopped; decision log sealed');
    return EXIT.OK;
  },
});

const check = defineCommand({
  name: 'guard check-config',
  summary: 'validate a guard config and show which security mechanisms each route enables',
  args: [],
  options: { ...CONFIG_OPTION },
  examples: ['aisf guard check-config --config examples/guard/guard.yaml'],
  run(ctx) {
    const path = configPath(ctx);
    const config = loadGuardConfig(path);
    const review = reviewGuardConfig(config);
    if (ctx.format === 'json') {
      ctx.out(renderJson({ valid: true, file: path, ...review }));
      return EXIT.OK;
    }
    const mark = (v: boolean | 'n/a') => (v === 'n/a' ? '–' : v ? 'yes' : 'NO');
    ctx.out(
      renderTable(
        ['route', 'kind', ...MECHANISMS.map((m) => m.id)],
        review.routes.map((r) => [r.path, r.kind, ...MECHANISMS.map((m) => mark(r.enabled[m.id]))]),
      ),
    );
    if (!config.audit)
      ctx.warn('no audit: section — decisions are not recorded in a tamper-evident log');
    ctx.info(`${path}: valid`);
    return EXIT.OK;
  },
});

const hashKey = defineCommand({
  name: 'guard hash-key',
  summary: 'print the SHA-256 of an API key read from stdin, for keys[].sha256 in guard.yaml',
  args: [],
  options: {},
  examples: ['printf %s "$KEY" | aisf guard hash-key'],
  run(ctx) {
    const key = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
    if (key.length < 16)
      throw new AisfError('E_INPUT', 'stdin: an API key needs at least 16 characters');
    ctx.out(`${hashApiKey(key)}\n`);
    return EXIT.OK;
  },
});

/** The guard command group. */
export const GUARD_COMMANDS = [run, check, hashKey] as const;
