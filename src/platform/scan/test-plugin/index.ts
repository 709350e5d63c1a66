/**
 * @module The `test.platform.model-scan` test: scans model files (worker-isolated) and turns the
 * findings into evidence for model-file validation (CAICT 2020 3(四)2) and supply-chain security
 * (TC260 AISGF 2024 4.1.3(d)).
 */
import { z } from 'zod';
import { defineTest, SEVERITIES } from '../../../evidence/test-plugin.js';
import { scanPathsIsolated } from '../isolate.js';
import { scanPaths } from '../scan.js';

const configSchema = z.object({
  /** Model files or folders, relative to the project folder. */
  paths: z.array(z.string().min(1)).min(1),
  /** @default true */
  recursive: z.boolean().default(true),
  /** Extra pickle imports to allow (`module.name`). @default [] */
  allowImports: z.array(z.string()).default([]),
  /** Parse in a worker with memory/time limits. @default true */
  isolate: z.boolean().default(true),
  /** @default 120000 */
  timeoutMs: z.number().int().positive().default(120_000),
});

/** Config of test.platform.model-scan. */
export type ModelScanConfig = z.input<typeof configSchema>;

/**
 * Scans model files for code execution, path traversal and malformed structure.
 * @example await modelScanTest.run({ paths: ['models/'] }, { cwd: process.cwd() });
 */
export const modelScanTest = defineTest({
  id: 'test.platform.model-scan',
  title: { zh: '模型文件安全扫描', en: 'Model-file security scan' },
  riskIds: [
    'risk.system.vulnerability-backdoor',
    'risk.system.supply-chain',
    'risk.model.theft-tampering',
  ],
  measureIds: ['measure.tech.4-1-3-d', 'measure.tech.4-1-3-b'],
  techniqueIds: [
    'tech.platform.model-file-validation.model-file-validation',
    'tech.platform.secure-deployment.trusted-deployment',
  ],
  capabilityIds: ['capability.architecture.platform-detection-repair'],
  metrics: {
    'findings.critical': {
      description: 'critical findings (code execution on load)',
      better: 'lower',
    },
    'findings.high': {
      description: 'high findings (default-deny imports, traversal, malformed structure)',
      better: 'lower',
    },
    'findings.medium': { description: 'medium findings', better: 'lower' },
    errors: {
      description: 'files that could not be scanned to the end (never counted clean)',
      better: 'lower',
    },
    unknown: { description: 'files of a format aisf does not know', better: 'lower' },
    files: { description: 'files scanned', better: 'higher' },
  },
  configSchema: configSchema as unknown as z.ZodType<ModelScanConfig>,
  async run(input, ctx) {
    const config = configSchema.parse(input);
    const paths = config.paths.map((p) => (p.startsWith('/') ? p : `${ctx.cwd}/${p}`));
    const options = { recursive: config.recursive, allowImports: config.allowImports };
    ctx.progress?.(0, 'scanning model files');
    const report = config.isolate
      ? await scanPathsIsolated(paths, options, { timeoutMs: config.timeoutMs })
      : await scanPaths(paths, options);
    ctx.progress?.(1);
    const s = report.summary;
    const metrics: Record<string, number | null> = {
      errors: s.verdicts.error,
      unknown: s.verdicts.unknown,
      files: s.files,
    };
    for (const sev of SEVERITIES) metrics[`findings.${sev}`] = s.findings[sev];
    const scanned = s.files - s.verdicts.unknown;
    const only = report.results.length === 1 ? report.results[0]?.sha256 : undefined;
    return {
      status: scanned === 0 || s.verdicts.error === s.files ? 'error' : 'completed',
      ...(scanned === 0
        ? { reason: 'no model file was scanned (nothing found, or every format unknown)' }
        : s.verdicts.error === s.files
          ? { reason: 'no file could be scanned to the end' }
          : {}),
      metrics,
      findings: report.results.flatMap((r) =>
        r.findings.map((f) => ({ ...f, location: { ...f.location, file: r.path } })),
      ),
      details: report,
      ...(only ? { modelSha256: only } : {}),
    };
  },
});
