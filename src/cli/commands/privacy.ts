/**
 * @module `aisf test privacy`: membership-inference audit of an ONNX classifier — loss-threshold,
 * entropy and shadow-model attacks on its training set vs holdout data, reporting ROC AUC,
 * attacker advantage and TPR at FPR 1 % / 0.1 % (CAICT-AISF-2020 3(三)5 data-leakage evaluation).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  ATTACK_NAMES,
  type AttackName,
  auditMembership,
  DEFAULT_ATTACKS,
  type MembershipReport,
  OUTPUT_KINDS,
  type OutputKind,
} from '../../data/privacy/membership/index.js';
import { loadModel, readLabelledNpz } from '../../engine/index.js';
import { AisfError, EXIT } from '../../errors.js';
import { type CommandContext, defineCommand } from '../command.js';
import { renderJson, renderMarkdownTable, renderTable } from '../render.js';

function usage(message: string): AisfError {
  return new AisfError('E_USAGE', `${message}; see \`aisf test privacy --help\``);
}

function positiveInt(ctx: CommandContext, flag: string): number | undefined {
  const value = ctx.options[flag];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (String(value).trim() === '' || !Number.isSafeInteger(n) || n < 1)
    throw usage(`--${flag} must be a positive integer (got "${String(value)}")`);
  return n;
}

function positiveNumber(ctx: CommandContext, flag: string): number | undefined {
  const value = ctx.options[flag];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (String(value).trim() === '' || !Number.isFinite(n) || n <= 0)
    throw usage(`--${flag} must be a positive number (got "${String(value)}")`);
  return n;
}

/** Parses --attack: a comma-separated list of attack names, or `all`. */
export function parseAttacks(text: string): AttackName[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 1 && names[0] === 'all') return [...ATTACK_NAMES];
  if (names.length === 0) throw usage('--attack needs at least one attack');
  for (const n of names)
    if (!(ATTACK_NAMES as readonly string[]).includes(n))
      throw usage(`--attack: unknown attack "${n}" (known: ${ATTACK_NAMES.join(', ')}, all)`);
  return [...new Set(names)] as AttackName[];
}

/** A --fail-above limit: metric `auc`, `advantage` or `tpr@<fpr>`, at or above `limit` fails. */
export interface FailLimit {
  metric: string;
  limit: number;
}

/** Parses `--fail-above auc=0.6,advantage=0.2,tpr@0.01=0.05`. */
export function parseFailAbove(text: string): FailLimit[] {
  const out: FailLimit[] = [];
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    const metric = eq > 0 ? part.slice(0, eq) : '';
    const limit = Number(part.slice(eq + 1));
    if (eq <= 0 || part.slice(eq + 1).trim() === '' || !Number.isFinite(limit))
      throw usage(`--fail-above takes metric=limit[,metric=limit], e.g. auc=0.6 (got "${part}")`);
    if (!/^(auc|advantage|tpr@(0?\.\d+|\de-\d+))$/.test(metric))
      throw usage(
        `--fail-above: unknown metric "${metric}" (use auc, advantage or tpr@<fpr> such as tpr@0.01)`,
      );
    out.push({ metric, limit });
  }
  return out;
}

/** The FPRs to report: 1 % and 0.1 %, plus any named by a tpr@<fpr> limit. */
function fprsFor(limits: readonly FailLimit[]): number[] {
  const fprs = new Set([0.01, 0.001]);
  for (const l of limits) if (l.metric.startsWith('tpr@')) fprs.add(Number(l.metric.slice(4)));
  for (const f of fprs)
    if (!(f > 0 && f < 1)) throw usage(`--fail-above tpr@${f}: FPR must lie in (0, 1)`);
  return [...fprs].sort((a, b) => b - a);
}

/** The attacks whose metric reaches a limit (an unresolved TPR counts: it cannot be shown to hold). */
export function failures(report: MembershipReport, limits: readonly FailLimit[]): string[] {
  const out: string[] = [];
  for (const { metric, limit } of limits)
    for (const a of report.attacks) {
      const value =
        metric === 'auc'
          ? a.auc
          : metric === 'advantage'
            ? a.advantage
            : (a.tprAtFpr[String(Number(metric.slice(4)))] ?? null);
      if (value === null)
        out.push(
          `${a.name}: ${metric} is unresolved with ${a.nonMembers} non-members; cannot show it stays below ${limit}`,
        );
      else if (value >= limit) out.push(`${a.name}: ${metric} = ${value.toFixed(4)} ≥ ${limit}`);
    }
  return out;
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toFixed(4));

function render(ctx: CommandContext, model: string, r: MembershipReport, failed: string[]): void {
  if (ctx.format === 'json') {
    ctx.out(renderJson({ model, ...r, ...(failed.length ? { failed } : {}) }));
    return;
  }
  const fprs = Object.keys(r.attacks[0]?.tprAtFpr ?? {});
  const headers = ['attack', 'AUC', '± SE', 'advantage', ...fprs.map((f) => `TPR@FPR ${f}`)];
  const rows = r.attacks.map((a) => [
    a.name,
    fmt(a.auc),
    fmt(a.aucStandardError),
    fmt(a.advantage),
    ...fprs.map((f) => fmt(a.tprAtFpr[f])),
  ]);
  ctx.out(
    `${model}: ${r.members} members, ${r.nonMembers} non-members; output ${r.output.kind} (${r.output.source}); accuracy members ${fmt(r.memberAccuracy)}, non-members ${fmt(r.nonMemberAccuracy)}; mean loss ${fmt(r.memberLoss)} vs ${fmt(r.nonMemberLoss)}\n\n`,
  );
  ctx.out(ctx.format === 'md' ? renderMarkdownTable(headers, rows) : renderTable(headers, rows));
  const unresolved = fprs.filter((f) => r.attacks.some((a) => a.tprAtFpr[f] === null));
  if (unresolved.length)
    ctx.out(
      `\n— : FPR ${unresolved.join(', ')} is below 1/${r.nonMembers} non-members and cannot be resolved; raise --limit or give more holdout data\n`,
    );
  if (r.shadow)
    ctx.out(
      `\nshadow attack: ${r.shadow.models} shadow models × ${r.shadow.epochs} epochs on ${r.shadow.poolSize} attacker samples (${r.shadow.pool}); shadow accuracy in/out ${r.shadow.perModel.map((s) => `${s.inAccuracy.toFixed(2)}/${s.outAccuracy.toFixed(2)}`).join(', ')}\n`,
    );
  for (const f of failed) ctx.out(`FAIL ${f}\n`);
}

const testPrivacy = defineCommand({
  name: 'test privacy',
  summary:
    'membership-inference audit: loss-threshold and shadow-model attacks, AUC, advantage, TPR at low FPR',
  description:
    'Samples equal numbers of members (--train, the model’s training data) and non-members (--holdout, data it never saw) with --seed, and runs the attacks: loss (Yeom et al. 2018: score −loss, every threshold), gap (correct vs wrong prediction, ART’s rule-based attack), entropy and modified-entropy (Song & Mittal 2021), shadow (Shokri et al. 2017: --shadow-models copies of the architecture re-initialised and trained on disjoint halves of --shadow-data, or of half the holdout, then a per-class logistic-regression attack model). Reports exact ROC AUC (Mann–Whitney, ties as ½), advantage max(TPR − FPR) and TPR at FPR 1 % / 0.1 % (highest TPR with FPR ≤ α, no interpolation; — when there are fewer than 1/α non-members). AUC 0.5 = no leakage. Exit 1 when a --fail-above limit is reached.',
  args: [],
  options: {
    model: {
      type: 'string',
      valueName: '<model.onnx>',
      description: 'the classifier (first output: logits, probabilities or log-probabilities)',
    },
    train: {
      type: 'string',
      valueName: '<train.npz>',
      description: 'records the model was trained on (members)',
    },
    holdout: {
      type: 'string',
      valueName: '<test.npz>',
      description: 'records from the same distribution it never saw (non-members)',
    },
    'shadow-data': {
      type: 'string',
      valueName: '<aux.npz>',
      description:
        'the attacker’s own data for the shadow models (default: half of --holdout, which then leaves the other half as non-members)',
    },
    x: {
      type: 'string',
      valueName: '<key>',
      description: 'array of inputs in the .npz files',
      default: 'x',
    },
    y: {
      type: 'string',
      valueName: '<key>',
      description: 'array of labels (class indices or one-hot)',
      default: 'y',
    },
    attack: {
      type: 'string',
      valueName: '<list|all>',
      description: `attacks: ${ATTACK_NAMES.join(', ')}, or all`,
      default: DEFAULT_ATTACKS.join(','),
    },
    output: {
      type: 'string',
      choices: ['auto', ...OUTPUT_KINDS],
      valueName: '<kind>',
      description:
        'what the model outputs: auto (final Softmax/LogSoftmax in the graph, else from the values), logits, probabilities, log-probabilities',
      default: 'auto',
    },
    limit: {
      type: 'string',
      valueName: '<n>',
      description: 'at most n members and n non-members (default: as many as balance allows)',
    },
    seed: {
      type: 'string',
      valueName: '<n>',
      description: 'seed of sampling and shadow training',
      default: '0',
    },
    'shadow-models': {
      type: 'string',
      valueName: '<k>',
      description: 'number of shadow models',
      default: '4',
    },
    'shadow-epochs': {
      type: 'string',
      valueName: '<n>',
      description: 'training epochs per shadow model (match the target’s recipe)',
      default: '20',
    },
    'shadow-batch-size': {
      type: 'string',
      valueName: '<n>',
      description: 'shadow training batch size',
      default: '32',
    },
    'shadow-lr': {
      type: 'string',
      valueName: '<lr>',
      description: 'shadow training Adam learning rate',
      default: '0.001',
    },
    'fail-above': {
      type: 'string',
      valueName: '<metric=limit,…>',
      description:
        'exit 1 when any attack reaches a limit: auc, advantage or tpr@<fpr>, e.g. auc=0.6,advantage=0.2',
    },
    'batch-size': { type: 'string', valueName: '<n>', description: 'samples per prediction call' },
    threads: {
      type: 'string',
      valueName: '<n>',
      description: 'ONNX Runtime intra-op threads (default: all cores)',
    },
    trusted: {
      type: 'boolean',
      description: 'load a model that failed the safety checks; only for models you trust',
    },
  },
  examples: [
    'aisf test privacy --model m.onnx --train train.npz --holdout test.npz',
    'aisf test privacy --model m.onnx --train train.npz --holdout test.npz --shadow-data aux.npz --attack all --shadow-models 4 --shadow-epochs 60 --format json',
    'aisf test privacy --model m.onnx --train train.npz --holdout test.npz --attack loss --limit 1000 --fail-above auc=0.6',
  ],
  async run(ctx) {
    const o = ctx.options;
    const file = (flag: string, example: string): string => {
      const v = o[flag];
      if (typeof v !== 'string' || v === '') throw usage(`missing --${flag} ${example}`);
      return v;
    };
    const modelFile = file('model', '<model.onnx>');
    const trainFile = file('train', '<train.npz>');
    const holdoutFile = file('holdout', '<test.npz>');
    const modelPath = resolve(ctx.cwd, modelFile);
    if (!existsSync(modelPath))
      throw new AisfError('E_FILE_NOT_FOUND', `--model file ${modelFile} does not exist`);
    const attacks = parseAttacks(String(o.attack));
    const limits = typeof o['fail-above'] === 'string' ? parseFailAbove(o['fail-above']) : [];
    const seed = Number(o.seed);
    if (String(o.seed).trim() === '' || !Number.isSafeInteger(seed))
      throw usage(`--seed must be an integer (got "${String(o.seed)}")`);
    const shadowFile = typeof o['shadow-data'] === 'string' ? o['shadow-data'] : undefined;
    if (shadowFile !== undefined && !attacks.includes('shadow'))
      throw usage('--shadow-data is used by the shadow attack only; add shadow to --attack');
    const limit = positiveInt(ctx, 'limit');
    const threads = positiveInt(ctx, 'threads');
    const batchSize = positiveInt(ctx, 'batch-size');
    const shadow = {
      models: positiveInt(ctx, 'shadow-models') ?? 4,
      epochs: positiveInt(ctx, 'shadow-epochs') ?? 20,
      batchSize: positiveInt(ctx, 'shadow-batch-size') ?? 32,
      lr: positiveNumber(ctx, 'shadow-lr') ?? 1e-3,
      trusted: o.trusted === true,
    };
    const keys = { x: String(o.x), y: String(o.y) };
    const read = (f: string, flag: string) =>
      readLabelledNpz(resolve(ctx.cwd, f), { ...keys, field: `--${flag}`, shown: f });
    const train = read(trainFile, 'train');
    const holdout = read(holdoutFile, 'holdout');
    const shadowData = shadowFile === undefined ? undefined : read(shadowFile, 'shadow-data');
    const model = await loadModel(modelPath, {
      trusted: o.trusted === true,
      source: modelFile,
      ...(threads ? { threads } : {}),
    });
    const showProgress = !ctx.quiet && process.stderr.isTTY === true;
    try {
      const report = await auditMembership(model, train, holdout, {
        attacks,
        output: o.output as OutputKind | 'auto',
        seed,
        fprs: fprsFor(limits),
        shadow,
        ...(limit ? { limit } : {}),
        ...(batchSize ? { batchSize } : {}),
        ...(shadowData ? { shadowData } : {}),
        ...(showProgress
          ? {
              onProgress: (f: number, stage: string) => {
                const w = 24;
                const k = Math.round(Math.min(1, f) * w);
                process.stderr.write(
                  `\r[${'='.repeat(k)}${' '.repeat(w - k)}] ${(f * 100).toFixed(0).padStart(3)}% ${stage.padEnd(32).slice(0, 32)}`,
                );
                if (f >= 1) process.stderr.write('\n');
              },
            }
          : {}),
      });
      const failed = failures(report, limits);
      render(ctx, modelFile, report, failed);
      return failed.length ? EXIT.FINDINGS : EXIT.OK;
    } finally {
      await model.release();
    }
  },
});

/** The privacy-audit commands (registered in src/cli/main.ts). */
export const PRIVACY_COMMANDS = [testPrivacy] as const;
