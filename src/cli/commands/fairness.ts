/** @module `aisf test fairness` and `aisf mitigate fairness`: thin commands over src/algorithm/fairness. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadPredictions } from '../../algorithm/fairness/data.js';
import { FAIRNESS_METRICS } from '../../algorithm/fairness/metrics/index.js';
import {
  MITIGATION_METHODS,
  type MitigationConfig,
  type MitigationMethod,
  type MitigationResult,
  runMitigation,
  type Scorecard,
} from '../../algorithm/fairness/mitigate.js';
import { evaluateFairness, type FairnessReport } from '../../algorithm/fairness/report.js';
import { loadTable, toCsvText } from '../../algorithm/fairness/table.js';
import { AisfError, EXIT, type ExitCode } from '../../errors.js';
import { type CommandContext, type CommandDef, defineCommand } from '../command.js';
import { renderJson, renderMarkdownTable, renderTable } from '../render.js';

function str(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.options[name];
  return typeof v === 'string' ? v : undefined;
}

function need(ctx: CommandContext, name: string, what: string): string {
  const v = str(ctx, name);
  if (v === undefined || v === '')
    throw new AisfError('E_USAGE', `--${name} is required: ${what}; see --help for an example`);
  return v;
}

function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Parses `a=x,b=y` (used by --privileged and --where). */
export function parseAssignments(text: string, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of list(text)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1)
      throw new AisfError('E_USAGE', `--${flag} takes column=value[,column=value] (got "${part}")`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

function num(
  ctx: CommandContext,
  name: string,
  fallback: number,
  check: (v: number) => boolean,
  rule: string,
): number {
  const text = str(ctx, name);
  if (text === undefined) return fallback;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || !check(v))
    throw new AisfError('E_USAGE', `--${name} must be ${rule} (got "${text}")`);
  return v;
}

function table(ctx: CommandContext, headers: string[], rows: string[][]): void {
  ctx.out(
    ctx.format === 'md'
      ? renderMarkdownTable(headers, rows)
      : renderTable(headers, rows, { maxColumnWidth: 90 }),
  );
}

const fmt = (v: unknown): string =>
  typeof v === 'number'
    ? Number.isInteger(v)
      ? String(v)
      : v.toFixed(4)
    : v === null
      ? 'undefined'
      : String(v ?? '');

function writeOut(ctx: CommandContext, file: string, text: string): string {
  const path = resolve(ctx.cwd, file);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (cause) {
    throw new AisfError('E_FILE_READ', `cannot write ${file}: ${(cause as Error).message}`, {
      cause,
    });
  }
  return file;
}

/** `--fail-above metric=value`: exit 1 when a metric's |value| is at or above the limit. */
const RATIOS = new Set([
  'demographicParityRatio',
  'equalizedOddsRatio',
  'equalOpportunityRatio',
  'disparateImpact',
]);

/**
 * `--fail-above metric=limit`: exit 1 when a difference's |value| is at or above the limit, a
 * ratio (or disparate impact, e.g. the four-fifths rule 0.8) is at or below it, or the metric is
 * undefined (it cannot be shown to hold).
 */
function failures(report: FairnessReport, text: string | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  for (const [metric, limitText] of Object.entries(parseAssignments(text, 'fail-above'))) {
    if (!(FAIRNESS_METRICS as string[]).includes(metric))
      throw new AisfError(
        'E_USAGE',
        `--fail-above: unknown metric "${metric}"; one of ${FAIRNESS_METRICS.join(', ')}`,
      );
    const limit = Number(limitText);
    if (!Number.isFinite(limit))
      throw new AisfError('E_USAGE', `--fail-above ${metric}= needs a number`);
    const value = report.metrics[metric as keyof FairnessReport['metrics']];
    if (value === null)
      out.push(
        `${metric} is undefined (${report.undefined[metric as keyof FairnessReport['metrics']]}): cannot show it meets ${limit}`,
      );
    else if (RATIOS.has(metric) ? value <= limit : Math.abs(value) >= limit)
      out.push(`${metric} = ${value.toFixed(4)} ${RATIOS.has(metric) ? '≤' : '≥'} ${limit}`);
  }
  return out;
}

const testFairness = defineCommand({
  name: 'test fairness',
  summary:
    'group fairness metrics of predictions (Fairlearn and AIF360 conventions), with bootstrap CIs',
  description:
    'Streams a CSV of labels, predictions, optional scores and sensitive columns; reports per-group rates (selection rate, accuracy, TPR, FPR, FNR, precision, calibration) and between-group metrics in both named conventions: Fairlearn (unsigned max − min, min / max over groups) and AIF360 (signed unprivileged − privileged against --privileged). Undefined metrics are null with the reason. Exit 1 when a --fail-above limit is reached. With --model m.onnx and --features, the ONNX model predicts first (input [batch, features], yes/no cells as 1/0; output P(y=1), a logit, or two class scores) and its P(y=1) is the score.',
  args: [],
  options: {
    data: {
      type: 'string',
      valueName: '<file.csv>',
      description: 'predictions CSV (header row; streamed)',
    },
    label: {
      type: 'string',
      valueName: '<column>',
      description: 'true label column (0/1, true/false, yes/no)',
    },
    pred: {
      type: 'string',
      valueName: '<column>',
      description: 'predicted label column (not with --model)',
    },
    model: {
      type: 'string',
      valueName: '<m.onnx>',
      description: 'predict with this ONNX binary classifier instead of reading --pred',
    },
    features: {
      type: 'string',
      valueName: '<col[,col…]>',
      description: 'with --model: the input columns, in the model’s order',
    },
    threshold: {
      type: 'string',
      valueName: '<p>',
      description: 'with --model: P(y = 1) at or above which the prediction is 1',
      default: '0.5',
    },
    trusted: {
      type: 'boolean',
      description: 'with --model: load it even if the safety checks object',
    },
    score: {
      type: 'string',
      valueName: '<column>',
      description: 'score column P(y = 1) in [0, 1], for calibration',
    },
    sensitive: {
      type: 'string',
      valueName: '<col[,col]>',
      description: 'sensitive feature columns',
    },
    privileged: {
      type: 'string',
      valueName: '<col=value[,…]>',
      description: 'privileged group for the AIF360 convention',
    },
    intersectional: {
      type: 'boolean',
      description: 'also report intersections of the sensitive features',
    },
    'pos-label': {
      type: 'string',
      valueName: '<value>',
      description: 'the positive label of --label and --pred',
    },
    where: {
      type: 'string',
      valueName: '<col=value>',
      description: 'keep only matching rows (e.g. split=test)',
    },
    bootstrap: {
      type: 'string',
      valueName: '<n>',
      description: 'bootstrap resamples for CIs, 0 = off',
      default: '1000',
    },
    seed: { type: 'string', valueName: '<n>', description: 'bootstrap seed', default: '0' },
    level: { type: 'string', valueName: '<p>', description: 'confidence level', default: '0.95' },
    'min-group-size': {
      type: 'string',
      valueName: '<n>',
      description: 'flag smaller groups',
      default: '30',
    },
    'fail-above': {
      type: 'string',
      valueName: '<metric=limit[,…]>',
      description: 'exit 1 when |difference| ≥ limit, ratio ≤ limit, or undefined',
    },
  },
  examples: [
    'aisf test fairness --data preds.csv --label y_true --pred y_pred --score score --sensitive gender --privileged gender=male',
    'aisf test fairness --data preds.csv --label y_true --pred y_pred --sensitive gender,ethnicity --intersectional --format json',
    'aisf test fairness --data preds.csv --label deny --pred pred --sensitive afam --fail-above demographicParityDifference=0.1',
  ],
  async run(ctx) {
    const data = need(ctx, 'data', 'the predictions CSV');
    const sensitive = list(need(ctx, 'sensitive', 'the sensitive feature column(s)'));
    const whereText = str(ctx, 'where');
    let where: { column: string; value: string } | undefined;
    if (whereText) {
      const entries = Object.entries(parseAssignments(whereText, 'where'));
      if (entries.length !== 1) throw new AisfError('E_USAGE', '--where takes one column=value');
      const [column, value] = entries[0] as [string, string];
      where = { column, value };
    }
    const posLabel = str(ctx, 'pos-label');
    const score = str(ctx, 'score');
    const modelFile = str(ctx, 'model');
    if (modelFile && (str(ctx, 'pred') || score)) {
      throw new AisfError(
        'E_USAGE',
        '--model predicts the labels and scores itself: drop --pred and --score, or drop --model',
      );
    }
    const { table: cells } = modelFile
      ? // Loaded only with --model: ONNX Runtime is not needed to read a predictions CSV.
        await (await import('../../algorithm/fairness/model-predictions.js')).loadModelPredictions(
          resolve(ctx.cwd, modelFile),
          resolve(ctx.cwd, data),
          {
            features: list(need(ctx, 'features', 'the model’s input columns, in order')),
            label: need(ctx, 'label', 'the true-label column'),
            sensitive,
            threshold: num(ctx, 'threshold', 0.5, (v) => v > 0 && v < 1, 'in (0, 1)'),
            trusted: ctx.options.trusted === true,
            ...(posLabel !== undefined ? { posLabel } : {}),
            ...(where ? { where } : {}),
          },
        )
      : await loadPredictions(resolve(ctx.cwd, data), {
          label: need(ctx, 'label', 'the true-label column'),
          pred: need(ctx, 'pred', 'the predicted-label column'),
          sensitive,
          ...(score ? { score } : {}),
          ...(posLabel !== undefined ? { posLabel } : {}),
          ...(where ? { where } : {}),
        });
    const privilegedText = str(ctx, 'privileged');
    const report = evaluateFairness(cells, {
      ...(privilegedText ? { privileged: parseAssignments(privilegedText, 'privileged') } : {}),
      intersectional: ctx.options.intersectional === true,
      bootstrap: num(
        ctx,
        'bootstrap',
        1000,
        (v) => Number.isInteger(v) && v >= 0 && v <= 100_000,
        'an integer 0..100000',
      ),
      seed: num(ctx, 'seed', 0, Number.isInteger, 'an integer'),
      level: num(ctx, 'level', 0.95, (v) => v > 0 && v < 1, 'in (0, 1)'),
      minGroupSize: num(
        ctx,
        'min-group-size',
        30,
        (v) => Number.isInteger(v) && v >= 1,
        'a positive integer',
      ),
    });
    const failed = failures(report, str(ctx, 'fail-above'));
    if (ctx.format === 'json') {
      ctx.out(renderJson({ ...report, ...(failed.length ? { failures: failed } : {}) }));
    } else {
      const rateCols = [
        'selectionRate',
        'accuracy',
        'tpr',
        'fpr',
        'fnr',
        'precision',
        ...(score ? ['expectedCalibrationError'] : []),
      ];
      table(
        ctx,
        ['feature', 'value', 'n', ...rateCols, 'flags'],
        report.groups.map((g) => [
          g.feature,
          g.value,
          String(g.n),
          ...rateCols.map((c) => fmt(g[c])),
          [g.small ? 'small' : '', ...Object.keys(g.undefined).map((k) => `${k}?`)]
            .filter(Boolean)
            .join(' '),
        ]),
      );
      ctx.out('\n');
      const top = report.byGrouping[report.metricsFrom];
      const ci = top?.bootstrap?.intervals;
      table(
        ctx,
        [
          'metric',
          'convention',
          'value',
          ...(ci ? [`${Math.round((top?.bootstrap?.level ?? 0.95) * 100)}% CI`] : []),
          'note',
        ],
        FAIRNESS_METRICS.map((m) => {
          const iv = ci?.[m];
          return [
            m,
            report.conventions.metric[m],
            fmt(report.metrics[m]),
            ...(ci ? [iv && iv.lower !== null ? `[${fmt(iv.lower)}, ${fmt(iv.upper)}]` : '—'] : []),
            report.undefined[m] ?? '',
          ];
        }),
      );
      ctx.out(`\nrows ${report.rows}; metrics from: ${report.metricsFrom}\n`);
      for (const s of report.smallGroups) ctx.warn(`${s.feature}=${s.value}: ${s.reason}`);
      for (const f of failed) ctx.out(`FAIL ${f}\n`);
    }
    return (failed.length > 0 ? EXIT.FINDINGS : EXIT.OK) as ExitCode;
  },
});

const SCORE_ROWS: [string, (s: Scorecard) => number | null][] = [
  ['accuracy', (s) => s.accuracy],
  ['balancedAccuracy', (s) => s.balancedAccuracy],
  ['demographicParityDifference', (s) => s.metrics.demographicParityDifference],
  ['demographicParityRatio', (s) => s.metrics.demographicParityRatio],
  ['equalizedOddsDifference', (s) => s.metrics.equalizedOddsDifference],
  ['equalizedOddsRatio', (s) => s.metrics.equalizedOddsRatio],
  ['equalOpportunityDifference', (s) => s.metrics.equalOpportunityDifference],
  ['statisticalParityDifference', (s) => s.metrics.statisticalParityDifference],
  ['disparateImpact', (s) => s.metrics.disparateImpact],
  ['averageOddsDifference', (s) => s.metrics.averageOddsDifference],
];

/** The before/after rows of a mitigation result. */
export function beforeAfterRows(r: MitigationResult): string[][] {
  if (!r.before || !r.after) return [];
  const rows = SCORE_ROWS.map(([name, get]) => [
    name,
    fmt(get(r.before as Scorecard)),
    fmt(get(r.after as Scorecard)),
  ]);
  for (const g of Object.keys(r.before.selectionRate))
    rows.push([
      `selectionRate[${g}]`,
      fmt(r.before.selectionRate[g] ?? null),
      fmt(r.after.selectionRate[g] ?? null),
    ]);
  return rows;
}

const mitigateFairness = defineCommand({
  name: 'mitigate fairness',
  summary:
    'reweighing, disparate-impact remover, exponentiated gradient, threshold optimizer, reject option',
  description:
    'Trains aisf’s logistic regression on --features (or post-processes a --score column), applies --method, and prints fairness and accuracy before and after on a seeded held-out split (--test-fraction). Writes the method’s artefact to --out: per-row weights (reweighing), repaired data (di-remover) or predictions (others); --spec writes the fitted model or post-processor as JSON. Randomized methods are seeded by --seed. With --model m.onnx the post-processing methods (threshold, reject-option) take their scores from the ONNX model on --features instead of a --score column.',
  args: [],
  options: {
    method: {
      type: 'string',
      choices: MITIGATION_METHODS,
      valueName: `<${MITIGATION_METHODS.join('|')}>`,
      description: 'the mitigation',
    },
    data: {
      type: 'string',
      valueName: '<file.csv>',
      description: 'training data CSV (held in memory, ≤ 2M rows)',
    },
    label: {
      type: 'string',
      valueName: '<column>',
      description: 'label column (0/1, yes/no or --pos-label)',
    },
    'pos-label': {
      type: 'string',
      valueName: '<value>',
      description: 'the positive label of --label',
    },
    sensitive: {
      type: 'string',
      valueName: '<col[,col]>',
      description: 'sensitive feature columns (groups are their combinations)',
    },
    privileged: {
      type: 'string',
      valueName: '<col=value[,…]>',
      description: 'privileged group (AIF360 metrics; needed by reject-option)',
    },
    features: {
      type: 'string',
      valueName: '<col,…>',
      description: 'feature columns of the logistic model aisf trains',
    },
    score: {
      type: 'string',
      valueName: '<column>',
      description: 'score column P(y = 1) to post-process instead of training',
    },
    'test-fraction': {
      type: 'string',
      valueName: '<p>',
      description: 'held-out fraction for before/after',
      default: '0.3',
    },
    'split-column': {
      type: 'string',
      valueName: '<column>',
      description:
        'take train/test from this column (e.g. split, as aisf writes) instead of --test-fraction',
    },
    seed: {
      type: 'string',
      valueName: '<n>',
      description: 'seed of the split and of randomized predictions',
      default: '0',
    },
    C: {
      type: 'string',
      valueName: '<c>',
      description: 'logistic regression inverse regularisation (scikit-learn C)',
      default: '1',
    },
    constraint: {
      type: 'string',
      choices: ['demographic-parity', 'equalized-odds'],
      valueName: '<demographic-parity|equalized-odds>',
      description: 'constraint of exponentiated-gradient / threshold',
      default: 'demographic-parity',
    },
    'difference-bound': {
      type: 'string',
      valueName: '<d>',
      description: 'exponentiated-gradient allowed disparity (Fairlearn default 0.01)',
    },
    'threshold-solver': {
      type: 'string',
      choices: ['grid', 'lp'],
      valueName: '<grid|lp>',
      description: "threshold: Fairlearn's grid (parity) or Hardt et al.'s exact LP",
      default: 'grid',
    },
    'repair-level': {
      type: 'string',
      valueName: '<0..1>',
      description: 'di-remover repair level (AIF360 default 1)',
    },
    favorable: {
      type: 'string',
      choices: ['0', '1'],
      valueName: '<0|1>',
      description: 'reject-option favourable label',
      default: '1',
    },
    'roc-metric': {
      type: 'string',
      choices: [
        'statistical-parity-difference',
        'average-odds-difference',
        'equal-opportunity-difference',
      ],
      valueName: '<metric>',
      description: 'reject-option fairness metric',
      default: 'statistical-parity-difference',
    },
    model: {
      type: 'string',
      valueName: '<m.onnx>',
      description: 'threshold / reject-option: score with this ONNX model on --features',
    },
    trusted: {
      type: 'boolean',
      description: 'with --model: load it even if the safety checks object',
    },
    out: {
      type: 'string',
      valueName: '<file.csv>',
      description: 'write weights / repaired data / predictions here',
    },
    spec: {
      type: 'string',
      valueName: '<file.json>',
      description: 'write the fitted model or post-processor spec here',
    },
  },
  examples: [
    'aisf mitigate fairness --method baseline --data hmda.csv --label deny --pos-label yes --sensitive afam --features pirat,hirat,lvrat --out preds.csv',
    'aisf mitigate fairness --method reweighing --data hmda.csv --label deny --pos-label yes --sensitive afam --privileged afam=no --features pirat,lvrat --out weighted.csv',
    'aisf mitigate fairness --method threshold --constraint equalized-odds --data preds.csv --label y_true --score score --sensitive afam --spec post.json',
  ],
  async run(ctx) {
    const method = need(ctx, 'method', MITIGATION_METHODS.join('|')) as MitigationMethod;
    const data = need(ctx, 'data', 'the data CSV');
    const tbl = await loadTable(resolve(ctx.cwd, data));
    const privilegedText = str(ctx, 'privileged');
    const features = list(str(ctx, 'features'));
    const score = str(ctx, 'score');
    const posLabel = str(ctx, 'pos-label');
    const db = str(ctx, 'difference-bound');
    const rl = str(ctx, 'repair-level');
    const splitColumn = str(ctx, 'split-column');
    const config: MitigationConfig = {
      method,
      label: need(ctx, 'label', 'the label column'),
      sensitive: list(need(ctx, 'sensitive', 'the sensitive column(s)')),
      ...(features.length ? { features } : {}),
      ...(score ? { score } : {}),
      ...(posLabel !== undefined ? { posLabel } : {}),
      ...(privilegedText ? { privileged: parseAssignments(privilegedText, 'privileged') } : {}),
      ...(splitColumn ? { splitColumn } : {}),
      testFraction: num(ctx, 'test-fraction', 0.3, (v) => v >= 0 && v < 1, 'in [0, 1)'),
      seed: num(ctx, 'seed', 0, Number.isInteger, 'an integer'),
      C: num(ctx, 'C', 1, (v) => v > 0, '> 0'),
      constraint: (str(ctx, 'constraint') ?? 'demographic-parity') as
        | 'demographic-parity'
        | 'equalized-odds',
      ...(db !== undefined
        ? {
            differenceBound: num(
              ctx,
              'difference-bound',
              0.01,
              (v) => v >= 0 && v <= 1,
              'in [0, 1]',
            ),
          }
        : {}),
      ...(rl !== undefined
        ? { repairLevel: num(ctx, 'repair-level', 1, (v) => v >= 0 && v <= 1, 'in [0, 1]') }
        : {}),
      favorable: str(ctx, 'favorable') === '0' ? 0 : 1,
      thresholdSolver: str(ctx, 'threshold-solver') === 'lp' ? 'lp' : 'grid',
      rocMetric: (str(ctx, 'roc-metric') ??
        'statistical-parity-difference') as MitigationConfig['rocMetric'] & string,
    };
    const modelFile = str(ctx, 'model');
    if (modelFile) {
      // Post-processing needs scores: take them from the model instead of a --score column.
      if (method !== 'threshold' && method !== 'reject-option') {
        throw new AisfError(
          'E_USAGE',
          `--model gives scores for post-processing (--method threshold or reject-option); ${method} trains aisf’s own model on --features`,
        );
      }
      if (score) throw new AisfError('E_USAGE', '--model and --score both give scores: keep one');
      if (features.length === 0) {
        throw new AisfError(
          'E_USAGE',
          '--model needs --features: the model’s input columns, in order',
        );
      }
      const { modelScores } = await import('../../algorithm/fairness/model-predictions.js');
      const scores = await modelScores(resolve(ctx.cwd, modelFile), tbl, features, {
        trusted: ctx.options.trusted === true,
      });
      const column = 'model_score';
      if (tbl.header.includes(column)) {
        throw new AisfError(
          'E_INPUT',
          `${data} already has a "${column}" column; rename it to use --model`,
        );
      }
      tbl.header.push(column);
      tbl.rows.forEach((row, i) => {
        row.push(String(scores[i]));
      });
      config.score = column;
      delete config.features;
    }
    const result = runMitigation(tbl, config);
    const written: string[] = [];
    const out = str(ctx, 'out');
    if (out) {
      if (result.weights) {
        const w = result.weights;
        written.push(
          writeOut(
            ctx,
            out,
            toCsvText(
              [...tbl.header, 'weight'],
              tbl.rows.map((r, i) => [...r, w[i] as number]),
            ),
          ),
        );
      } else if (result.repaired) {
        const rep = result.repaired;
        const idx = rep.columns.map((c) => tbl.header.indexOf(c));
        const rows = tbl.rows.map((r, i) => {
          const copy: (string | number)[] = [...r];
          idx.forEach((j, k) => {
            copy[j] = (rep.values[i] as number[])[k] as number;
          });
          return copy;
        });
        written.push(writeOut(ctx, out, toCsvText(tbl.header, rows)));
      } else if (result.predictions) {
        const p = result.predictions;
        const sIdx = config.sensitive.map((c) => tbl.header.indexOf(c));
        const labelIdx = tbl.header.indexOf(config.label);
        const pos = (v: string) =>
          config.posLabel !== undefined
            ? v === config.posLabel
              ? 1
              : 0
            : ['1', 'true', 'yes', 'y', 't', '1.0'].includes(v.trim().toLowerCase())
              ? 1
              : 0;
        written.push(
          writeOut(
            ctx,
            out,
            toCsvText(
              ['y_true', 'y_pred', ...(p.score ? ['score'] : []), ...config.sensitive, 'split'],
              tbl.rows.map((r, i) => [
                pos(r[labelIdx] as string),
                p.yPred[i] as number,
                ...(p.score ? [p.score[i] as number] : []),
                ...sIdx.map((j) => r[j] as string),
                result.split[i] as string,
              ]),
            ),
          ),
        );
      } else {
        ctx.warn(`--method ${method} writes no per-row file; --out ignored`);
      }
    }
    const specFile = str(ctx, 'spec');
    if (specFile) {
      if (result.spec === undefined) ctx.warn(`--method ${method} has no spec; --spec ignored`);
      else written.push(writeOut(ctx, specFile, renderJson(result.spec)));
    }
    if (ctx.format === 'json') {
      const { split: _split, weights: _w, repaired: _r, predictions: _p, ...summary } = result;
      ctx.out(renderJson({ ...summary, written }));
    } else {
      if (method === 'imbalance' || ctx.verbose) {
        table(
          ctx,
          ['group', 'n', 'share', 'positives', 'baseRate'],
          result.imbalance.rows.map((r) => [
            r.group,
            String(r.n),
            fmt(r.share),
            String(r.positives),
            fmt(r.baseRate),
          ]),
        );
        ctx.out(
          `\nsize ratio ${fmt(result.imbalance.sizeRatio)}, base-rate spread ${fmt(result.imbalance.baseRateSpread)}, class imbalance ${fmt(result.imbalance.classImbalance)}\n`,
        );
      }
      if (result.before) {
        table(ctx, ['metric (test split)', 'before', `after (${method})`], beforeAfterRows(result));
        ctx.out(`\nrows: train ${result.rows.train}, test ${result.rows.test}\n`);
      }
      for (const note of result.notes) ctx.info(`note: ${note}`);
      for (const f of written) ctx.info(`wrote ${f}`);
    }
    return EXIT.OK;
  },
});

/** The fairness commands, in help order. */
export const FAIRNESS_COMMANDS: readonly CommandDef[] = [testFairness, mitigateFairness];
