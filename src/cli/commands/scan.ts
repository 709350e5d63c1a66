/** @module `aisf scan`, `aisf sign`, `aisf verify`: model-file scanning (worker-isolated), signed manifests and their verification. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AisfError, EXIT, type ExitCode } from '../../errors.js';
import { SEVERITIES, type Severity } from '../../evidence/test-plugin.js';
// Only the light modules: the format parsers load inside the scan worker, not in this process,
// and SARIF and signing (node:crypto) load when used, so that the worker starts sooner.
import type { ScanReport } from '../../platform/scan/files.js';
import { scanPathsIsolated } from '../../platform/scan/isolate.js';
import { SEVERITY_RANK } from '../../platform/scan/types.js';
import { type ArgDef, type CommandContext, defineCommand } from '../command.js';
import { renderJson, renderMarkdownTable, renderTable } from '../render.js';
import { packageVersion } from '../version.js';

const PATH_ARGS: ArgDef[] = [
  {
    name: 'paths',
    description: 'model files or folders to scan (content is sniffed, not the extension)',
    required: true,
    variadic: true,
  },
];

function positiveInt(ctx: CommandContext, name: string): number | undefined {
  const raw = ctx.options[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new AisfError('E_USAGE', `--${name} must be a positive integer (got "${String(raw)}")`);
  return n;
}

/** Exit code of a scan: 1 if a finding reaches the threshold, else 2 on errors or nothing scanned, else 0. */
export function scanExitCode(report: ScanReport, failOn: Severity): ExitCode {
  const hit = report.results.some((r) =>
    r.findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn]),
  );
  if (hit) return EXIT.FINDINGS;
  const scanned = report.results.filter((r) => r.verdict !== 'unknown').length;
  if (report.summary.verdicts.error > 0 || scanned === 0) return EXIT.USAGE;
  return EXIT.OK;
}

function renderScanTable(ctx: CommandContext, report: ScanReport, md: boolean): string {
  const rows = report.results.map((r) => {
    const counts = SEVERITIES.slice()
      .reverse()
      .filter((s) => r.findings.some((f) => f.severity === s))
      .map((s) => `${r.findings.filter((f) => f.severity === s).length} ${s}`)
      .join(', ');
    return [r.verdict, r.format, counts || '-', r.path];
  });
  const table = md
    ? renderMarkdownTable(['verdict', 'format', 'findings', 'path'], rows)
    : renderTable(['verdict', 'format', 'findings', 'path'], rows, { maxColumnWidth: 80 });
  const details: string[] = [];
  for (const r of report.results) {
    for (const f of r.findings) {
      if (!ctx.verbose && SEVERITY_RANK[f.severity] < SEVERITY_RANK.medium) continue;
      details.push(
        `${f.severity.toUpperCase().padEnd(8)} ${f.id}  ${r.path}${f.location.member ? ` [${f.location.member}]` : ''}${f.location.offset !== undefined ? ` @${f.location.offset}` : ''}\n         ${f.message}`,
      );
    }
    for (const e of r.errors)
      details.push(
        `ERROR    scan incomplete  ${r.path}${e.location.member ? ` [${e.location.member}]` : ''}\n         ${e.message}`,
      );
  }
  const s = report.summary;
  const summary = `${s.files} file(s): ${s.verdicts.clean} clean, ${s.verdicts.findings} with findings, ${s.verdicts.error} error, ${s.verdicts.unknown} unknown`;
  return `${table}${details.length ? `\n${details.join('\n')}\n` : ''}\n${summary}\n`;
}

const scan = defineCommand({
  name: 'scan',
  summary:
    'scan model files for code execution, traversal and malformed structure (pickle, PyTorch, NumPy, joblib, Keras, TF, ONNX, safetensors, TF.js, GGUF)',
  description:
    'Content is sniffed (never the extension alone); archives are walked with size, depth and ratio bounds; pickle imports are default-deny. Files are parsed in a worker with memory and time limits. Verdicts: clean | findings | error (not fully scanned — never clean) | unknown. Exit 0 clean, 1 a finding at or above --fail-on, 2 an error or nothing scanned.',
  args: PATH_ARGS,
  options: {
    format: {
      type: 'string',
      choices: ['table', 'json', 'sarif', 'md'],
      valueName: '<table|json|sarif|md>',
      description: 'output format (default: table on a terminal, json when piped)',
    },
    'fail-on': {
      type: 'string',
      choices: SEVERITIES,
      valueName: '<severity>',
      default: 'medium',
      description: 'exit 1 if a finding is at least this severe (unknown formats are low)',
    },
    recursive: { type: 'boolean', short: 'r', description: 'descend into sub-folders' },
    output: {
      type: 'string',
      valueName: '<file>',
      description: 'write the report to a file instead of stdout',
    },
    'allow-import': {
      type: 'string',
      valueName: '<mod.name,…>',
      description:
        'extra pickle imports to allow (comma-separated), e.g. sklearn classes you trust',
    },
    timeout: {
      type: 'string',
      valueName: '<ms>',
      default: '120000',
      description: 'time limit per file',
    },
    'max-memory': {
      type: 'string',
      valueName: '<MiB>',
      default: '1024',
      description: 'heap limit of the scan worker',
    },
    'max-bytes': {
      type: 'string',
      valueName: '<bytes>',
      description: 'largest file or member parsed in memory (default 1 GiB files, 512 MiB members)',
    },
    workers: {
      type: 'string',
      valueName: '<n>',
      description: 'scan workers in parallel (default: 1 below 2000 files, else min(CPUs, 4))',
    },
    'in-process': {
      type: 'boolean',
      description: 'scan in this process, without the worker (trusted input, debugging)',
    },
  },
  examples: [
    'aisf scan model.pt',
    'aisf scan models/ --recursive --format json',
    'aisf scan models/ -r --format sarif --output scan.sarif --fail-on high',
  ],
  async run(ctx) {
    const maxBytes = positiveInt(ctx, 'max-bytes');
    const allow =
      typeof ctx.options['allow-import'] === 'string'
        ? ctx.options['allow-import']
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [];
    const options = {
      recursive: ctx.options.recursive === true,
      ...(allow.length ? { allowImports: allow } : {}),
      ...(maxBytes ? { limits: { maxInMemoryBytes: maxBytes, maxMemberBytes: maxBytes } } : {}),
    };
    const paths = ctx.args.map((p) => resolve(ctx.cwd, p));
    const workers = positiveInt(ctx, 'workers');
    const report = ctx.options['in-process']
      ? await (await import('../../platform/scan/scan.js')).scanPaths(paths, options)
      : await scanPathsIsolated(paths, options, {
          timeoutMs: positiveInt(ctx, 'timeout') ?? 120_000,
          memoryMb: positiveInt(ctx, 'max-memory') ?? 1024,
          ...(workers !== undefined ? { workers } : {}),
        });
    // Report paths as given (relative to the working directory), so SARIF URIs are repository-relative.
    // The scanned paths are absolute and normalised (resolved above, then joined by the folder
    // walk): only the working-directory prefix is cut, without re-resolving each of them.
    const prefix = `${resolve(ctx.cwd)}/`;
    for (const r of report.results) {
      if (r.path.startsWith(prefix)) r.path = r.path.slice(prefix.length);
      for (const f of r.findings) f.location.file = r.path;
      for (const e of r.errors) e.location.file = r.path;
    }
    const format = String(ctx.options.format ?? ctx.format);
    const text =
      format === 'sarif'
        ? renderJson(
            (await import('../../platform/scan/sarif.js')).toSarif(report, packageVersion()),
          )
        : format === 'json'
          ? renderJson(report)
          : renderScanTable(ctx, report, format === 'md');
    if (typeof ctx.options.output === 'string') {
      writeFileSync(resolve(ctx.cwd, ctx.options.output), text);
      ctx.info(`wrote ${ctx.options.output}`);
    } else ctx.out(text);
    return scanExitCode(report, ctx.options['fail-on'] as Severity);
  },
});

function relativeTo(cwd: string, path: string): string {
  const abs = resolve(path);
  const base = resolve(cwd);
  return abs.startsWith(`${base}/`) ? abs.slice(base.length + 1) : abs;
}

const signCmd = defineCommand({
  name: 'sign',
  summary:
    'write a signed SHA-256 manifest of a model folder (OpenSSF model-signing v1.0 layout, Ed25519)',
  args: [{ name: 'dir', description: 'model folder to sign', required: true }],
  options: {
    key: {
      type: 'string',
      valueName: '<k.pem>',
      description: 'PEM private key (Ed25519 or ECDSA); required',
    },
    output: {
      type: 'string',
      valueName: '<file>',
      description: 'signature file (default: <dir>/model.sig)',
    },
  },
  examples: [
    'openssl genpkey -algorithm ed25519 -out k.pem && aisf sign models/resnet --key k.pem',
  ],
  async run(ctx) {
    if (typeof ctx.options.key !== 'string')
      throw new AisfError(
        'E_USAGE',
        '--key <k.pem> is required; create one with `openssl genpkey -algorithm ed25519 -out k.pem`',
      );
    const dir = resolve(ctx.cwd, ctx.args[0] as string);
    const out =
      typeof ctx.options.output === 'string' ? resolve(ctx.cwd, ctx.options.output) : undefined;
    const { signModel } = await import('../../platform/sign/index.js');
    const { path, statement } = await signModel(dir, resolve(ctx.cwd, ctx.options.key), out);
    const files = statement.predicate.resources.length;
    if (ctx.format === 'json')
      ctx.out(
        renderJson({ signature: relativeTo(ctx.cwd, path), files, subject: statement.subject[0] }),
      );
    else
      ctx.out(
        `signed ${files} file(s); subject sha256 ${statement.subject[0]?.digest.sha256}\nwrote ${relativeTo(ctx.cwd, path)}\n`,
      );
    return EXIT.OK;
  },
});

const verifyCmd = defineCommand({
  name: 'verify',
  summary:
    'verify a model folder against its signed manifest (signature, then every file’s SHA-256)',
  args: [{ name: 'dir', description: 'model folder to verify', required: true }],
  options: {
    pub: { type: 'string', valueName: '<k.pub>', description: 'PEM public key; required' },
    signature: {
      type: 'string',
      valueName: '<file>',
      description: 'signature file (default: <dir>/model.sig)',
    },
  },
  examples: ['openssl pkey -in k.pem -pubout -out k.pub && aisf verify models/resnet --pub k.pub'],
  async run(ctx) {
    if (typeof ctx.options.pub !== 'string')
      throw new AisfError(
        'E_USAGE',
        '--pub <k.pub> is required (export it with `openssl pkey -in k.pem -pubout -out k.pub`)',
      );
    const dir = resolve(ctx.cwd, ctx.args[0] as string);
    const sig =
      typeof ctx.options.signature === 'string'
        ? resolve(ctx.cwd, ctx.options.signature)
        : undefined;
    const { verifyModel } = await import('../../platform/sign/index.js');
    const result = await verifyModel(dir, resolve(ctx.cwd, ctx.options.pub), sig);
    if (ctx.format === 'json') ctx.out(renderJson(result));
    else if (result.ok)
      ctx.out(`OK: signature valid, ${result.files} file(s) match the signed manifest\n`);
    else
      ctx.out(
        `FAILED:\n${result.problems.map((p) => `  ${p.problem.padEnd(9)} ${p.path}: ${p.message}`).join('\n')}\n`,
      );
    return result.ok ? EXIT.OK : EXIT.FINDINGS;
  },
});

/** The scan/sign/verify commands, registered in src/cli/main.ts. */
export const SCAN_COMMANDS = [scan, signCmd, verifyCmd] as const;
