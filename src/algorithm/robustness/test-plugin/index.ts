/**
 * @module test.robustness.adversarial: natural and adversarial robustness of an ONNX classifier
 * (CAICT-AISF-2020 3(二)5 鲁棒性评测; TC260-AISGF-2024 3.1.1 weak robustness / adversarial attack
 * risks, 4.1.1(b) make models more robust). Reports clean, worst-case adversarial and mean
 * corruption accuracy under stable names, and findings when minimums are not met.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { loadModel, readNpz, type Tensor } from '../../../engine/index.js';
import { AisfError } from '../../../errors.js';
import { defineTest, type Finding, type TestResult } from '../../../evidence/test-plugin.js';
import { NORMS } from '../attacks/common.js';
import { PGD_PRESET_NAMES } from '../attacks/pgd/index.js';
import { ATTACK_IDS } from '../attacks/registry.js';
import { remoteModel } from '../remote/index.js';
import { evaluateRobustness } from '../runner.js';

const attackSchema = z.object({
  name: z.enum(ATTACK_IDS as [string, ...string[]]),
  /** @default [0.3] (ART) */
  eps: z.array(z.number().min(0)).min(1).optional(),
  norm: z.enum(NORMS).default('inf'),
  preset: z.enum(PGD_PRESET_NAMES as [string, ...string[]]).optional(),
  epsStep: z.number().positive().optional(),
  maxIter: z.number().int().positive().optional(),
  randomStart: z.boolean().optional(),
  /** Black-box attacks (square, hopskipjump): per-sample query budget. @default 10000 */
  maxQueries: z.number().int().positive().optional(),
});

/** Randomized-smoothing certification (Cohen et al.): defaults n0 100, n 1000, α 0.001. */
const certifySchema = z.object({
  sigma: z.number().positive(),
  n0: z.number().int().positive().optional(),
  n: z.number().int().positive().optional(),
  alpha: z.number().gt(0).lt(1).optional(),
  radii: z.array(z.number().min(0)).min(1).optional(),
});

/**
 * A remote classifier instead of a local ONNX file: the same JSON mapping, timeouts, retries and
 * query budget as `aisf test robustness --endpoint` (defaults: REMOTE_DEFAULTS). Only
 * prediction-based work runs against it: black-box attacks, corruptions, certification.
 */
const endpointSchema = z.object({
  url: z.string().url(),
  inputKey: z.string().min(1).optional(),
  outputKey: z.string().min(1).optional(),
  layout: z.enum(['nested', 'flat']).optional(),
  batchSize: z.number().int().positive().optional(),
  timeoutMs: z.number().int().positive().optional(),
  retries: z.number().int().min(0).optional(),
  maxQueries: z.number().int().positive().optional(),
  /** Name of an environment variable holding the Authorization header (kept out of the config). */
  authorizationEnv: z.string().min(1).optional(),
});

/** The plugin's configuration (validated with zod). */
const robustnessFields = z.object({
  /** ONNX classifier, relative to the context's cwd (or `endpoint`). */
  model: z.string().min(1).optional(),
  endpoint: endpointSchema.optional(),
  /** .npz with inputs and integer labels. */
  data: z.string().min(1),
  x: z.string().min(1).default('x'),
  y: z.string().min(1).default('y'),
  /** Value range [lo, hi] of the inputs (uint8 data is mapped onto it). @default [0, 1] */
  range: z.tuple([z.number(), z.number()]).default([0, 1]),
  /** @default FGSM and PGD (ART preset) at ε = 0.3 */
  attacks: z.array(attackSchema).default([
    { name: 'fgsm', norm: 'inf' },
    { name: 'pgd', norm: 'inf' },
  ]),
  /** Corruption names or 'all'. @default [] */
  corruptions: z.union([z.literal('all'), z.array(z.string().min(1))]).default([]),
  severities: z.array(z.number().int().min(1).max(5)).min(1).default([1, 2, 3, 4, 5]),
  /** Certify the smoothed classifier too; reports certifiedAccuracy@<radius>. */
  certify: certifySchema.optional(),
  /** Use only the first n samples. */
  limit: z.number().int().positive().optional(),
  seed: z.number().int().default(0),
  batchSize: z.number().int().positive().default(128),
  trusted: z.boolean().default(false),
  /** Minimum accuracies; falling below one is a finding (severity high). */
  minimums: z
    .object({
      cleanAccuracy: z.number().min(0).max(1).optional(),
      adversarialAccuracy: z.number().min(0).max(1).optional(),
      corruptionAccuracy: z.number().min(0).max(1).optional(),
    })
    .default({}),
});
/** The plugin's configuration (validated with zod): exactly one of `model` and `endpoint`. */
export const robustnessConfig = robustnessFields.refine(
  (c) => (c.model === undefined) !== (c.endpoint === undefined),
  { message: 'give exactly one of model (an ONNX file) or endpoint (a remote classifier)' },
);
/** The plugin's configuration as written by users (before defaults). */
export type RobustnessConfig = z.input<typeof robustnessConfig>;

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function authorization(env: string | undefined): { headers?: Record<string, string> } {
  if (env === undefined) return {};
  const value = process.env[env];
  if (!value)
    throw new AisfError(
      'E_CONFIG',
      `endpoint.authorizationEnv: the environment variable ${env} is not set`,
    );
  return { headers: { authorization: value } };
}

function need(file: string, field: string): void {
  if (!existsSync(file))
    throw new AisfError('E_FILE_NOT_FOUND', `${field}: ${file} does not exist`);
}

/**
 * The robustness test plugin.
 *
 * @example
 * await robustnessTest.run(robustnessTest.configSchema.parse({ model: 'cnn.onnx', data: 'test.npz', attacks: [{ name: 'pgd', eps: [0.1] }], corruptions: 'all', minimums: { adversarialAccuracy: 0.5 } }), { cwd: '.' });
 */
export const robustnessTest = defineTest({
  id: 'test.robustness.adversarial',
  title: { zh: '对抗与自然扰动鲁棒性评测', en: 'Adversarial and natural-corruption robustness' },
  riskIds: ['risk.model.robustness', 'risk.model.adversarial'],
  measureIds: ['measure.tech.4-1-1-b'],
  techniqueIds: ['tech.algorithm.security-evaluation.robustness-evaluation'],
  capabilityIds: ['capability.architecture.algorithm-security'],
  metrics: {
    cleanAccuracy: { description: 'accuracy on the unmodified inputs', better: 'higher' },
    adversarialAccuracy: {
      description:
        'worst accuracy over all attacks and ε (also per point as adversarialAccuracy@<attack>:<norm>:<eps>)',
      better: 'higher',
    },
    attackSuccessRate: {
      description:
        'highest attack success rate (share of correctly classified samples the attack flips)',
      better: 'lower',
    },
    corruptionAccuracy: {
      description: 'mean accuracy over the corruptions and severities run (null when none ran)',
      better: 'higher',
    },
  },
  configSchema: robustnessConfig as unknown as z.ZodType<z.output<typeof robustnessConfig>>,
  async run(config, ctx): Promise<TestResult> {
    const modelFile = config.model === undefined ? undefined : resolve(ctx.cwd, config.model);
    const dataFile = resolve(ctx.cwd, config.data);
    try {
      if (modelFile) need(modelFile, 'model');
      need(dataFile, 'data');
      const [lo, hi] = config.range;
      const range = { lo, hi };
      const arrays = readNpz(readFileSync(dataFile), { source: config.data });
      const xt = arrays.get(config.x);
      const yt = arrays.get(config.y);
      if (!xt || !yt)
        throw new AisfError(
          'E_CONFIG',
          `data: ${config.data} lacks array "${xt ? config.y : config.x}" (arrays: ${[...arrays.keys()].join(', ')})`,
        );
      let x: Tensor<Float32Array>;
      if (xt.data instanceof Float32Array) x = xt as Tensor<Float32Array>;
      else if (xt.data instanceof Float64Array)
        x = { data: Float32Array.from(xt.data), shape: xt.shape };
      else if (xt.data instanceof Uint8Array)
        x = {
          data: Float32Array.from(xt.data, (v) => lo + (v / 255) * (hi - lo)),
          shape: xt.shape,
        };
      else
        throw new AisfError('E_CONFIG', `x: array "${config.x}" must be float32, float64 or uint8`);
      let y = Int32Array.from(yt.data as ArrayLike<number>, (v) => Number(v));
      const n = Math.min(x.shape[0] as number, config.limit ?? Number.POSITIVE_INFINITY);
      if (n < (x.shape[0] as number)) {
        const inner = x.data.length / (x.shape[0] as number);
        x = { data: x.data.slice(0, n * inner), shape: [n, ...x.shape.slice(1)] };
        y = y.slice(0, n);
      }
      const endpoint = config.endpoint;
      const model = endpoint
        ? remoteModel({
            url: endpoint.url,
            ...(endpoint.inputKey ? { inputKey: endpoint.inputKey } : {}),
            ...(endpoint.outputKey ? { outputKey: endpoint.outputKey } : {}),
            ...(endpoint.layout ? { layout: endpoint.layout } : {}),
            ...(endpoint.batchSize ? { batchSize: endpoint.batchSize } : {}),
            ...(endpoint.timeoutMs ? { timeoutMs: endpoint.timeoutMs } : {}),
            ...(endpoint.retries !== undefined ? { retries: endpoint.retries } : {}),
            ...(endpoint.maxQueries ? { maxQueries: endpoint.maxQueries } : {}),
            ...authorization(endpoint.authorizationEnv),
          })
        : await loadModel(modelFile as string, {
            trusted: config.trusted,
            source: config.model as string,
          });
      let report: Awaited<ReturnType<typeof evaluateRobustness>>;
      try {
        report = await evaluateRobustness(model, x, y, {
          range,
          attacks: config.attacks.map((a) => ({
            name: a.name,
            norm: a.norm,
            ...(a.eps ? { eps: a.eps } : {}),
            ...(a.preset ? { preset: a.preset } : {}),
            ...(a.epsStep !== undefined ? { epsStep: a.epsStep } : {}),
            ...(a.maxIter !== undefined ? { maxIter: a.maxIter } : {}),
            ...(a.randomStart !== undefined ? { randomStart: a.randomStart } : {}),
            ...(a.maxQueries !== undefined ? { maxQueries: a.maxQueries } : {}),
          })),
          ...(config.certify
            ? {
                certify: {
                  sigma: config.certify.sigma,
                  ...(config.certify.n0 !== undefined ? { n0: config.certify.n0 } : {}),
                  ...(config.certify.n !== undefined ? { n: config.certify.n } : {}),
                  ...(config.certify.alpha !== undefined ? { alpha: config.certify.alpha } : {}),
                  ...(config.certify.radii ? { radii: config.certify.radii } : {}),
                },
              }
            : {}),
          corruptions: config.corruptions,
          severities: config.severities,
          seed: config.seed,
          batchSize: config.batchSize,
          ...(ctx.progress
            ? { onProgress: (f: number, stage: string) => ctx.progress?.(f, stage) }
            : {}),
        });
      } finally {
        await model.release();
      }
      const accs = report.attacks.map((a) => a.accuracy).filter((v): v is number => v !== null);
      const rates = report.attacks.map((a) => a.successRate).filter((v): v is number => v !== null);
      const corr = report.corruptions.map((c) => c.accuracy).filter((v): v is number => v !== null);
      const metrics: Record<string, number | null> = {
        cleanAccuracy: report.clean.accuracy,
        adversarialAccuracy: accs.length ? Math.min(...accs) : null,
        attackSuccessRate: rates.length ? Math.max(...rates) : null,
        corruptionAccuracy: corr.length ? corr.reduce((a, b) => a + b, 0) / corr.length : null,
      };
      for (const a of report.attacks)
        metrics[`adversarialAccuracy@${a.name}:${a.norm}:${a.eps}`] = a.accuracy;
      for (const c of report.certification?.certifiedAccuracy ?? [])
        metrics[`certifiedAccuracy@${c.radius}`] = c.accuracy;
      const findings: Finding[] = [];
      for (const [metric, min] of Object.entries(config.minimums)) {
        if (min === undefined) continue;
        const value = metrics[metric];
        if (value === null || value === undefined)
          findings.push({
            id: 'robustness.metric-undefined',
            severity: 'medium',
            message: `${metric} was not measured (no ${metric === 'corruptionAccuracy' ? 'corruptions' : 'attacks or samples'}); the minimum ${min} cannot be shown to hold`,
          });
        else if (value < min)
          findings.push({
            id: 'robustness.below-minimum',
            severity: 'high',
            message: `${metric} = ${value.toFixed(4)} < minimum ${min}`,
            evidence: { metric, value, minimum: min },
          });
      }
      return {
        status: 'completed',
        metrics,
        findings,
        details: {
          clean: report.clean,
          attacks: report.attacks,
          corruptions: report.corruptions,
          ...(report.certification ? { certification: report.certification } : {}),
          ...('endpoint' in model
            ? {
                source: {
                  kind: 'endpoint',
                  url: model.endpoint,
                  queries: model.queries,
                  requests: model.requests,
                },
              }
            : {}),
        },
        ...(modelFile ? { modelSha256: await sha256(modelFile) } : {}),
        dataSha256: await sha256(dataFile),
      };
    } catch (error) {
      if (error instanceof AisfError)
        return {
          status: 'error',
          reason: `${error.code}: ${error.message}`,
          metrics: {},
          findings: [],
          details: null,
        };
      throw error;
    }
  },
});
