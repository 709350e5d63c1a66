/**
 * @module `aisf test robustness`: clean accuracy, white-box (FGSM/PGD) and black-box
 * (Square/HopSkipJump) robustness curves, natural-corruption accuracy and randomized-smoothing
 * certification of an ONNX classifier or a remote HTTP endpoint on labelled data
 * (CAICT-AISF-2020 3(二)5 robustness evaluation).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  ATTACK_NAMES,
  ATTACKS,
  type AttackName,
  type AttackSpec,
  CERTIFY_DEFAULTS,
  CORRUPTION_NAMES,
  DEEPFOOL_PRESET_NAMES,
  evaluateRobustness,
  findAttack,
  NORMS,
  type Norm,
  PGD_PRESET_NAMES,
  type PgdPreset,
  REMOTE_DEFAULTS,
  type RemoteModel,
  type RobustnessReport,
  remoteModel,
  type ValueRange,
} from '../../algorithm/robustness/index.js';
import { loadModel, readLabelledNpz, type Tensor, writeNpy, writeNpz } from '../../engine/index.js';
import { AisfError, EXIT } from '../../errors.js';
import { type CommandContext, defineCommand } from '../command.js';
import { renderJson, renderMarkdownTable, renderTable } from '../render.js';
import { RUNTIME_OPTIONS, readRuntimeOptions } from '../runtime-options.js';

function usage(message: string): AisfError {
  return new AisfError('E_USAGE', `${message}; see \`aisf test robustness --help\``);
}

/** Parses a comma-separated list of finite numbers for --flag. */
export function parseNumberList(value: string, flag: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const out = parts.map(Number);
  if (parts.some((p) => p === '') || out.some((v) => !Number.isFinite(v)))
    throw usage(`--${flag} must be comma-separated numbers (got "${value}")`);
  return out;
}

/** Parses --range lo,hi. */
export function parseRange(value: string): ValueRange {
  const v = parseNumberList(value, 'range');
  if (v.length !== 2 || !((v[0] as number) < (v[1] as number)))
    throw usage(`--range must be two numbers lo,hi with lo < hi (got "${value}")`);
  return { lo: v[0] as number, hi: v[1] as number };
}

/** Parses --severity: "3", "1-5" or "1,3,5" → sorted unique severities in 1…5. */
export function parseSeverities(value: string): number[] {
  const out = new Set<number>();
  for (const part of value.split(',')) {
    const m = /^\s*([1-5])\s*(?:-\s*([1-5])\s*)?$/.exec(part);
    if (!m) throw usage(`--severity must be levels 1…5 like 3, 1-5 or 1,3,5 (got "${value}")`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw usage(`--severity range ${part} is reversed`);
    for (let s = a; s <= b; s++) out.add(s);
  }
  return [...out].sort((x, y) => x - y);
}

function positiveInt(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw usage(`--${flag} must be a positive integer (got "${String(value)}")`);
  return n;
}

function nonNegativeInt(value: unknown, flag: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw usage(`--${flag} must be an integer ≥ 0 (got "${String(value)}")`);
  return n;
}

/** Reads --data (inputs + labels) through the engine's labelled-.npz reader, first --limit rows. */
function loadData(ctx: CommandContext, range: ValueRange, limit: number | undefined) {
  const file = ctx.options.data;
  if (typeof file !== 'string' || file === '') throw usage('missing --data <test.npz>');
  return readLabelledNpz(resolve(ctx.cwd, file), {
    field: '--data',
    shown: file,
    x: (ctx.options.x as string | undefined) ?? 'x',
    y: (ctx.options.y as string | undefined) ?? 'y',
    range,
    limit,
  });
}

const fmt = (v: number | null) => (v === null ? '—' : v.toFixed(4));

/** Where predictions came from, for the report. */
type SourceInfo =
  | { kind: 'onnx'; model: string }
  | { kind: 'endpoint'; endpoint: string; queries: number; requests: number; retried: number };

function render(ctx: CommandContext, r: RobustnessReport, source: SourceInfo): void {
  const json = {
    source,
    clean: r.clean,
    // Black-box rows carry queries: {budget, mean, max, total, perSample}.
    attacks: r.attacks,
    corruptions: r.corruptions,
    ...(r.certification ? { certification: r.certification } : {}),
  };
  if (ctx.format === 'json') {
    ctx.out(renderJson(json));
    return;
  }
  const table = (h: string[], rows: string[][]) =>
    ctx.format === 'md' ? renderMarkdownTable(h, rows) : renderTable(h, rows);
  ctx.out(`clean accuracy ${fmt(r.clean.accuracy)} on ${r.clean.n} samples\n\n`);
  if (source.kind === 'endpoint')
    ctx.out(
      `endpoint ${source.endpoint}: ${source.queries} queries in ${source.requests} requests (${source.retried} retried)\n\n`,
    );
  const blackBox = r.attacks.some((a) => a.queries);
  if (r.attacks.length)
    ctx.out(
      `${table(
        [
          'attack',
          'norm',
          'eps',
          'accuracy',
          'success rate',
          'mean L∞',
          'mean L2',
          ...(blackBox ? ['queries mean/max'] : []),
        ],
        r.attacks.map((a) => [
          a.name,
          a.norm,
          a.eps === Number.POSITIVE_INFINITY ? '∞ (no budget)' : String(a.eps),
          fmt(a.accuracy),
          fmt(a.successRate),
          a.meanLinf.toFixed(4),
          a.meanL2.toFixed(4),
          ...(blackBox ? [a.queries ? `${a.queries.mean.toFixed(1)}/${a.queries.max}` : '—'] : []),
        ]),
      )}\n`,
    );
  if (r.corruptions.length)
    ctx.out(
      `${table(
        ['corruption', 'severity', 'accuracy'],
        r.corruptions.map((c) => [c.name, String(c.severity), fmt(c.accuracy)]),
      )}\n`,
    );
  const c = r.certification;
  if (c) {
    ctx.out(
      `randomized smoothing σ=${c.sigma} (n0=${c.n0}, n=${c.n}, α=${c.alpha}): abstain ${fmt(c.abstain)}, mean certified radius ${c.meanRadius.toFixed(4)}\n`,
    );
    ctx.out(
      table(
        ['L2 radius', 'certified accuracy'],
        c.certifiedAccuracy.map((p) => [String(p.radius), fmt(p.accuracy)]),
      ),
    );
  }
}

function saveAdversarial(ctx: CommandContext, r: RobustnessReport, file: string): string {
  const adv = r.adversarial ?? new Map<string, Tensor<Float32Array>>();
  const path = resolve(ctx.cwd, file);
  mkdirSync(dirname(path), { recursive: true });
  if (file.endsWith('.npz')) {
    writeFileSync(
      path,
      writeNpz(new Map([...adv].map(([k, t]) => [k.replace(/:/g, '_'), t as Tensor]))),
    );
  } else {
    const only = [...adv.values()];
    if (only.length !== 1)
      throw usage(
        `--save-adv ${file}: ${only.length} attack × eps results; use one attack and one --eps, or a .npz file (one array per attack_norm_eps)`,
      );
    writeFileSync(path, writeNpy(only[0] as Tensor));
  }
  return path;
}

const testRobustness = defineCommand({
  name: 'test robustness',
  summary:
    'robustness of an ONNX classifier or HTTP endpoint: attack robustness curves, natural corruptions, smoothing certificates',
  description: `Runs the attacks at every --eps (a robustness curve) and the corruptions at every --severity on labelled data (.npz), and reports clean accuracy, adversarial accuracy, attack success rate (among correctly classified samples), mean L∞/L2 perturbation, queries (black-box) and corruption accuracy; --certify adds randomized-smoothing certified accuracy (Cohen et al.). Attacks: ${ATTACKS.map((a) => `${a.id} (${a.kind}, ${a.norms.map((n) => `L${n === 'inf' ? '∞' : n}`).join('/')})`).join(', ')}. Defaults follow ART (FGSM/PGD eps 0.3, PGD eps_step 0.1, 100 iterations, no random start; Square max_iter 100, p_init 0.8; HopSkipJump max_iter 50, init_eval 100, max_eval 10000). With --endpoint URL only black-box attacks and certification run: the inputs are POSTed as {"<input-key>": [rows]} and the score rows read from the response's <output-key> path; an Authorization header can be passed in $AISF_ENDPOINT_AUTHORIZATION.`,
  args: [],
  options: {
    model: {
      type: 'string',
      valueName: '<model.onnx>',
      description: 'the classifier (logits or probabilities as first output)',
    },
    endpoint: {
      type: 'string',
      valueName: '<url>',
      description: 'instead of --model: an HTTP JSON endpoint returning scores (black-box only)',
    },
    'endpoint-input-key': {
      type: 'string',
      valueName: '<key>',
      description: 'request field holding the input rows (TF Serving: instances)',
      default: REMOTE_DEFAULTS.inputKey,
    },
    'endpoint-output-key': {
      type: 'string',
      valueName: '<path>',
      description: 'dot path of the score rows in the response (TF Serving: predictions)',
      default: REMOTE_DEFAULTS.outputKey,
    },
    'endpoint-layout': {
      type: 'string',
      choices: ['nested', 'flat'],
      valueName: '<nested|flat>',
      description: 'send each row nested in the sample shape or as a flat vector',
      default: REMOTE_DEFAULTS.layout,
    },
    'endpoint-batch': {
      type: 'string',
      valueName: '<n>',
      description: 'most rows per request',
      default: String(REMOTE_DEFAULTS.batchSize),
    },
    'endpoint-timeout': {
      type: 'string',
      valueName: '<ms>',
      description: 'per-request timeout',
      default: String(REMOTE_DEFAULTS.timeoutMs),
    },
    'endpoint-retries': {
      type: 'string',
      valueName: '<n>',
      description: 'retries after network errors, timeouts, 429 and 5xx (exponential backoff)',
      default: String(REMOTE_DEFAULTS.retries),
    },
    'endpoint-max-queries': {
      type: 'string',
      valueName: '<n>',
      description: 'total rows the endpoint may be sent; more is an error',
      default: String(REMOTE_DEFAULTS.maxQueries),
    },
    data: {
      type: 'string',
      valueName: '<test.npz>',
      description: 'labelled data: images (NCHW or batch-first) and labels',
    },
    x: {
      type: 'string',
      valueName: '<key>',
      description: 'array of inputs in --data',
      default: 'x',
    },
    y: {
      type: 'string',
      valueName: '<key>',
      description: 'array of labels in --data (class indices or one-hot)',
      default: 'y',
    },
    range: {
      type: 'string',
      valueName: '<lo,hi>',
      description: 'value range of the inputs; uint8 data is mapped onto it',
      default: '0,1',
    },
    attack: {
      type: 'string',
      valueName: '<list>',
      description: `attacks: ${ATTACK_NAMES.join(', ')}, or none (default: fgsm,pgd; square with --endpoint)`,
    },
    eps: {
      type: 'string',
      valueName: '<list>',
      description: 'perturbation budgets in input units (default: 0.3, ART)',
    },
    norm: {
      type: 'string',
      choices: NORMS,
      valueName: '<inf|2>',
      description: 'perturbation norm',
      default: 'inf',
    },
    preset: {
      type: 'string',
      choices: PGD_PRESET_NAMES,
      valueName: `<${PGD_PRESET_NAMES.join('|')}>`,
      description:
        'PGD defaults: art (0.1 step, 100 iter, no random start), madry (0.01, 40, random), …',
      default: 'art',
    },
    'eps-step': {
      type: 'string',
      valueName: '<x>',
      description: 'PGD step size (default: from --preset)',
    },
    'max-iter': {
      type: 'string',
      valueName: '<n>',
      description:
        'iterations of the iterative attacks (default: --preset for PGD, ART for the others)',
    },
    overshoot: {
      type: 'string',
      valueName: '<η>',
      description: 'DeepFool: overshoot η (default 0.02 as in the paper; ART 1.20 uses 1e-6)',
    },
    'nb-grads': {
      type: 'string',
      valueName: '<k>',
      description: 'DeepFool: classes considered per step, the k most likely (default 10, ART)',
    },
    'deepfool-preset': {
      type: 'string',
      choices: DEEPFOOL_PRESET_NAMES,
      valueName: `<${DEEPFOOL_PRESET_NAMES.join('|')}>`,
      description:
        'DeepFool defaults: paper (overshoot 0.02, 100 iter, 10 grads) or art (ART 1.20: overshoot 1e-6)',
      default: 'paper',
    },
    'max-queries': {
      type: 'string',
      valueName: '<n>',
      description: 'black-box attacks: per-sample query budget, never exceeded',
      default: '10000',
    },
    'target-class': {
      type: 'string',
      valueName: '<k>',
      description: 'targeted attacks: push every sample towards class k',
    },
    certify: {
      type: 'boolean',
      description: 'randomized-smoothing certification (Cohen et al.); needs --sigma',
    },
    sigma: {
      type: 'string',
      valueName: '<σ>',
      description: 'smoothing noise level in input units, e.g. 0.25',
    },
    n0: {
      type: 'string',
      valueName: '<n>',
      description: 'certification: noisy draws to select the class',
      default: String(CERTIFY_DEFAULTS.n0),
    },
    n: {
      type: 'string',
      valueName: '<n>',
      description: 'certification: noisy draws to estimate its probability (Cohen: 100000)',
      default: String(CERTIFY_DEFAULTS.n),
    },
    alpha: {
      type: 'string',
      valueName: '<α>',
      description: 'certification: failure probability of each certificate',
      default: String(CERTIFY_DEFAULTS.alpha),
    },
    radii: {
      type: 'string',
      valueName: '<list>',
      description: 'L2 radii of the certified-accuracy curve',
      default: CERTIFY_DEFAULTS.radii.join(','),
    },
    'random-start': {
      type: 'boolean',
      description: 'PGD: start from a random point of the ε-ball (default: from --preset)',
    },
    corruptions: {
      type: 'string',
      valueName: '<all|list>',
      description: `natural corruptions: all, or some of ${CORRUPTION_NAMES.join(', ')}`,
    },
    severity: {
      type: 'string',
      valueName: '<1-5>',
      description: 'corruption severities, e.g. 3, 1-5, 1,3,5',
      default: '1-5',
    },
    limit: { type: 'string', valueName: '<n>', description: 'use only the first n samples' },
    seed: {
      type: 'string',
      valueName: '<n>',
      description: 'seed of random starts, black-box attacks, corruptions and smoothing noise',
      default: '0',
    },
    'save-adv': {
      type: 'string',
      valueName: '<adv.npy|adv.npz>',
      description: 'write the adversarial examples (.npz: one array per attack_norm_eps)',
    },
    'batch-size': {
      type: 'string',
      valueName: '<n>',
      description: 'samples per gradient/prediction call',
      default: '128',
    },
    ...RUNTIME_OPTIONS,
    trusted: {
      type: 'boolean',
      description: 'load a model that failed the safety checks; only for models you trust',
    },
  },
  examples: [
    'aisf test robustness --model cnn.onnx --data test.npz --attack fgsm,pgd --eps 0.05,0.1 --limit 200',
    'aisf test robustness --model cnn.onnx --data test.npz --attack none --corruptions all --severity 1,3,5',
    'aisf test robustness --model cnn.onnx --data test.npz --attack pgd --preset madry --norm 2 --eps 1.5 --save-adv adv.npy --format json',
    'aisf test robustness --endpoint http://127.0.0.1:8080/predict --data test.npz --attack square,hopskipjump --eps 0.1 --max-queries 1000 --limit 50',
    'aisf test robustness --model cnn.onnx --data test.npz --attack none --certify --sigma 0.25 --n 1000',
  ],
  async run(ctx) {
    const o = ctx.options;
    const modelFile = typeof o.model === 'string' && o.model !== '' ? o.model : undefined;
    const endpoint = typeof o.endpoint === 'string' && o.endpoint !== '' ? o.endpoint : undefined;
    if (modelFile && endpoint) throw usage('pass either --model or --endpoint, not both');
    if (!modelFile && !endpoint)
      throw usage('missing --model <model.onnx> (or --endpoint <url> for a remote model)');
    const modelPath = modelFile ? resolve(ctx.cwd, modelFile) : undefined;
    if (modelPath && !existsSync(modelPath))
      throw new AisfError('E_FILE_NOT_FOUND', `--model file ${modelFile} does not exist`);
    const range = parseRange(String(o.range));
    const names = String(o.attack ?? (endpoint ? 'square' : 'fgsm,pgd'))
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '' && s !== 'none');
    for (const a of names) {
      const attack = findAttack(a);
      if (!attack)
        throw usage(`--attack: unknown attack "${a}" (known: ${ATTACK_NAMES.join(', ')}, none)`);
      if (endpoint && attack.kind === 'white-box')
        throw usage(
          `--attack ${a} is white-box (needs input gradients) and cannot run against --endpoint; use ${ATTACKS.filter(
            (x) => x.kind === 'black-box',
          )
            .map((x) => x.id)
            .join(' or ')}`,
        );
      if (!attack.norms.includes(o.norm as Norm))
        throw usage(`--attack ${a} supports --norm ${attack.norms.join(' or ')} (got ${o.norm})`);
    }
    const eps = o.eps === undefined ? undefined : parseNumberList(String(o.eps), 'eps');
    if (eps?.some((e) => e < 0)) throw usage('--eps values must be ≥ 0');
    const epsStep =
      o['eps-step'] === undefined ? undefined : parseNumberList(String(o['eps-step']), 'eps-step');
    if (epsStep && (epsStep.length !== 1 || (epsStep[0] as number) <= 0))
      throw usage('--eps-step must be one positive number');
    const maxIter = positiveInt(o['max-iter'], 'max-iter');
    const maxQueries = positiveInt(o['max-queries'], 'max-queries') ?? 10_000;
    let targetClass: number | undefined;
    if (o['target-class'] !== undefined) {
      targetClass = Number(o['target-class']);
      if (!Number.isSafeInteger(targetClass) || targetClass < 0)
        throw usage(
          `--target-class must be a class index ≥ 0 (got "${String(o['target-class'])}")`,
        );
    }
    let deepFoolParams: Record<string, number> | undefined;
    if (o.overshoot !== undefined || o['nb-grads'] !== undefined) {
      deepFoolParams = {};
      if (o.overshoot !== undefined) {
        const v = Number(o.overshoot);
        if (!(v >= 0 && Number.isFinite(v)))
          throw usage(`--overshoot must be a number ≥ 0 (got "${String(o.overshoot)}")`);
        deepFoolParams.overshoot = v;
      }
      const k = positiveInt(o['nb-grads'], 'nb-grads');
      if (k !== undefined) deepFoolParams.nbGrads = k;
      if (!names.includes('deepfool'))
        throw usage('--overshoot and --nb-grads apply to --attack deepfool only');
    }
    const attackSpecs = (n: number): AttackSpec[] =>
      names.map((name) => {
        const kind = findAttack(name)?.kind;
        return {
          name: name as AttackName,
          norm: o.norm as Norm,
          ...(eps ? { eps } : {}),
          ...(targetClass !== undefined ? { targets: new Array<number>(n).fill(targetClass) } : {}),
          ...(name === 'pgd'
            ? {
                preset: o.preset as PgdPreset,
                ...(epsStep ? { epsStep: epsStep[0] as number } : {}),
                ...(o['random-start'] === true ? { randomStart: true } : {}),
              }
            : {}),
          ...(name === 'deepfool'
            ? {
                preset: o['deepfool-preset'] as string,
                ...(deepFoolParams ? { params: deepFoolParams } : {}),
              }
            : {}),
          // Every iterative attack reads maxIter from its spec; FGSM ignores it.
          ...(maxIter ? { maxIter } : {}),
          ...(kind === 'black-box' ? { maxQueries } : {}),
        };
      });
    let certify:
      | { sigma: number; n0: number; n: number; alpha: number; radii: number[] }
      | undefined;
    if (o.certify === true) {
      if (o.sigma === undefined) throw usage('--certify needs --sigma <σ>, e.g. --sigma 0.25');
      const sigma = Number(o.sigma);
      if (!(sigma > 0 && Number.isFinite(sigma)))
        throw usage(`--sigma must be a number > 0 (got "${String(o.sigma)}")`);
      const alpha = Number(o.alpha);
      if (!(alpha > 0 && alpha < 1))
        throw usage(`--alpha must lie in (0, 1) (got "${String(o.alpha)}")`);
      const radii = parseNumberList(String(o.radii), 'radii');
      if (radii.some((r) => r < 0)) throw usage('--radii values must be ≥ 0');
      certify = {
        sigma,
        alpha,
        radii,
        n0: positiveInt(o.n0, 'n0') ?? CERTIFY_DEFAULTS.n0,
        n: positiveInt(o.n, 'n') ?? CERTIFY_DEFAULTS.n,
      };
    } else if (o.sigma !== undefined) throw usage('--sigma only applies with --certify');
    let corruptions: string[] | 'all' = [];
    if (typeof o.corruptions === 'string') {
      if (o.corruptions === 'all') corruptions = 'all';
      else {
        corruptions = o.corruptions
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        for (const c of corruptions)
          if (!CORRUPTION_NAMES.includes(c))
            throw usage(
              `--corruptions: unknown corruption "${c}" (known: all, ${CORRUPTION_NAMES.join(', ')})`,
            );
      }
    }
    const severities = parseSeverities(String(o.severity));
    const limit = positiveInt(o.limit, 'limit');
    const seedN = Number(o.seed);
    if (!Number.isSafeInteger(seedN))
      throw usage(`--seed must be an integer (got "${String(o.seed)}")`);
    const batchSize = positiveInt(o['batch-size'], 'batch-size') ?? 128;
    const runtime = readRuntimeOptions(o, usage);
    const saveAdv = typeof o['save-adv'] === 'string' ? o['save-adv'] : undefined;
    if (saveAdv !== undefined && names.length === 0)
      throw usage('--save-adv needs at least one --attack');
    if (
      saveAdv !== undefined &&
      !saveAdv.endsWith('.npz') &&
      names.length * (eps?.length ?? 1) !== 1
    )
      throw usage(`--save-adv ${saveAdv}: several attack × eps results need a .npz file`);

    const { x, y } = loadData(ctx, range, limit);
    if (targetClass !== undefined && names.length === 0)
      throw usage('--target-class needs at least one --attack');
    const attacks = attackSpecs(y.length);
    let remote: RemoteModel | undefined;
    let model: RemoteModel | Awaited<ReturnType<typeof loadModel>>;
    if (endpoint) {
      const auth = process.env.AISF_ENDPOINT_AUTHORIZATION;
      remote = remoteModel({
        url: endpoint,
        inputKey: String(o['endpoint-input-key']),
        outputKey: String(o['endpoint-output-key']),
        layout: o['endpoint-layout'] as 'nested' | 'flat',
        batchSize: positiveInt(o['endpoint-batch'], 'endpoint-batch') ?? REMOTE_DEFAULTS.batchSize,
        timeoutMs:
          positiveInt(o['endpoint-timeout'], 'endpoint-timeout') ?? REMOTE_DEFAULTS.timeoutMs,
        retries: nonNegativeInt(o['endpoint-retries'], 'endpoint-retries'),
        maxQueries:
          positiveInt(o['endpoint-max-queries'], 'endpoint-max-queries') ??
          REMOTE_DEFAULTS.maxQueries,
        ...(auth ? { headers: { authorization: auth } } : {}),
      });
      model = remote;
    } else {
      model = await loadModel(modelPath as string, {
        trusted: o.trusted === true,
        source: modelFile as string,
        ...runtime,
      });
    }
    // A progress line on stderr only for a human watching a terminal.
    const showProgress = !ctx.quiet && process.stderr.isTTY === true;
    try {
      const report = await evaluateRobustness(model, x, y, {
        range,
        attacks,
        corruptions,
        severities,
        seed: seedN,
        batchSize,
        keepAdversarial: saveAdv !== undefined,
        ...(certify ? { certify } : {}),
        ...(showProgress
          ? {
              onProgress: (f: number, stage: string) => {
                const w = 24;
                const k = Math.round(f * w);
                process.stderr.write(
                  `\r[${'='.repeat(k)}${' '.repeat(w - k)}] ${(f * 100).toFixed(0).padStart(3)}% ${stage.padEnd(32).slice(0, 32)}`,
                );
                if (f >= 1) process.stderr.write('\n');
              },
            }
          : {}),
      });
      render(
        ctx,
        report,
        remote
          ? {
              kind: 'endpoint',
              endpoint: remote.endpoint,
              queries: remote.queries,
              requests: remote.requests,
              retried: remote.retried,
            }
          : { kind: 'onnx', model: modelFile as string },
      );
      if (saveAdv !== undefined) {
        const written = saveAdversarial(ctx, report, saveAdv);
        ctx.info(`adversarial examples written to ${written}`);
      }
      return EXIT.OK;
    } finally {
      await model.release();
    }
  },
});

/** The robustness commands (registered in src/cli/main.ts). */
export const ROBUSTNESS_COMMANDS = [testRobustness] as const;
