/**
 * @module Fairness mitigation runs: train the baseline logistic model (or take given scores), apply
 * one method — reweighing, disparate-impact remover, exponentiated gradient, threshold optimizer,
 * reject option — and measure fairness and accuracy before and after on a seeded held-out split.
 */

import { repairFeatures } from '../../data/cleaning/di-remover/index.js';
import { type ImbalanceReport, imbalanceReport } from '../../data/cleaning/imbalance/index.js';
import { reweigh } from '../../data/cleaning/reweighing/index.js';
import { AisfError } from '../../errors.js';
import {
  fitLogistic,
  fitStandardizer,
  type LogisticModel,
  predictProba,
  type Standardizer,
  standardize,
} from '../linear/logistic.js';
import {
  type ExponentiatedGradientModel,
  fitExponentiatedGradient,
  type Learner,
  type ReductionConstraint,
  randomizedPredict,
} from './exponentiated-gradient/index.js';
import {
  type FairnessMetric,
  fairnessMetrics,
  type Grouping,
  groupRates,
} from './metrics/index.js';
import {
  fitRejectOption,
  type RejectOptionModel,
  type RocMetric,
  rejectOptionPredict,
} from './reject-option/index.js';
import { createRng } from './rng.js';
import { columnIndex, groupColumn, labelColumn, numericColumn, type Table } from './table.js';
import {
  fitThresholdOptimizer,
  type ThresholdOptimizerModel,
  thresholdModelToJson,
  thresholdPredict,
} from './threshold-optimizer/index.js';

/** The mitigation methods. */
export const MITIGATION_METHODS = [
  'baseline',
  'reweighing',
  'di-remover',
  'exponentiated-gradient',
  'threshold',
  'reject-option',
  'imbalance',
] as const;
export type MitigationMethod = (typeof MITIGATION_METHODS)[number];

/** What to mitigate and how. */
export interface MitigationConfig {
  method: MitigationMethod;
  label: string;
  sensitive: string[];
  /** Feature columns of the logistic model aisf trains (needed by reweighing, di-remover, exponentiated-gradient). */
  features?: string[];
  /** A score column P(y = 1) to post-process instead of training (threshold, reject-option). */
  score?: string;
  posLabel?: string;
  privileged?: Record<string, string>;
  /** @default 0.3 */
  testFraction?: number;
  /**
   * Take the split from this column (values `train` / `test`, as aisf's predictions CSV writes)
   * instead of drawing one, so post-processing is judged on rows the model did not see.
   */
  splitColumn?: string;
  /** @default 0 */
  seed?: number;
  /** Logistic regression C (scikit-learn convention). @default 1.0 */
  C?: number;
  /** Reduction / post-processing constraint. @default 'demographic-parity' */
  constraint?: ReductionConstraint;
  /** Exponentiated gradient: allowed disparity. @default 0.01 (Fairlearn) */
  differenceBound?: number;
  /** Threshold optimizer solver: Fairlearn's grid or the exact LP. @default 'grid' */
  thresholdSolver?: 'grid' | 'lp';
  /** Disparate-impact remover repair level. @default 1.0 (AIF360) */
  repairLevel?: number;
  /** Reject option: favourable label. @default 1 */
  favorable?: 0 | 1;
  /** Reject option metric. @default 'statistical-parity-difference' (AIF360) */
  rocMetric?: RocMetric;
}

/** Fairness and accuracy of one set of predictions on the test split. */
export interface Scorecard {
  accuracy: number;
  balancedAccuracy: number | null;
  selectionRate: Record<string, number | null>;
  metrics: Record<FairnessMetric, number | null>;
}

/** The result of {@link runMitigation}. */
export interface MitigationResult {
  method: MitigationMethod;
  rows: { train: number; test: number };
  split: ('train' | 'test')[];
  before: Scorecard | null;
  after: Scorecard | null;
  /** Artefacts to write: per-row weights, repaired features, predictions, the spec. */
  weights?: number[];
  repaired?: { columns: string[]; values: number[][] };
  /** Predictions of the mitigated model for every row (test rows are the evaluated ones). */
  predictions?: { yPred: (0 | 1)[]; score?: number[] };
  spec?: unknown;
  imbalance: ImbalanceReport;
  notes: string[];
}

function shuffleSplit(n: number, testFraction: number, seed: number): ('train' | 'test')[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const rng = createRng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const nTest = Math.round(n * testFraction);
  const split = new Array<'train' | 'test'>(n).fill('train');
  for (let k = 0; k < nTest; k++) split[order[k] as number] = 'test';
  return split;
}

/** Scores predictions on the given rows (both conventions; AIF360 ones need `privileged`). */
export function scorecard(
  y: readonly number[],
  yPred: readonly number[],
  groups: readonly string[],
  sensitive: readonly string[],
  rows: readonly number[],
  privileged?: Record<string, string>,
): Scorecard {
  const cells = new Map<string, number[]>();
  for (const i of rows) {
    const g = groups[i] as string;
    const c = cells.get(g) ?? [0, 0, 0, 0];
    const k = 2 * (y[i] as number) + (yPred[i] as number);
    c[k] = (c[k] as number) + 1;
    cells.set(g, c);
  }
  const grouping: Grouping = {
    features: [...sensitive],
    groups: [...cells.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([k, confusion]) => ({ values: k.split(' & '), confusion })),
  };
  const all = grouping.groups.reduce(
    (acc, g) => acc.map((v, i) => v + (g.confusion[i] as number)),
    [0, 0, 0, 0],
  );
  const overall = groupRates(all);
  const m = fairnessMetrics(grouping, privileged ? { privileged } : {});
  const tpr = overall.tpr.value;
  const tnr = overall.tnr.value;
  return {
    accuracy: overall.accuracy.value as number,
    balancedAccuracy: tpr === null || tnr === null ? null : (tpr + tnr) / 2,
    selectionRate: Object.fromEntries(
      grouping.groups.map((g) => [
        g.values.join(' & '),
        groupRates(g.confusion).selectionRate.value,
      ]),
    ),
    metrics: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v.value])) as Record<
      FairnessMetric,
      number | null
    >,
  };
}

/** A logistic learner on standardised features (the reductions' base learner). */
export function logisticLearner(C: number): Learner {
  return (x, y, w) => {
    const s = fitStandardizer(x);
    const model = fitLogistic(standardize(s, x), y, { C, sampleWeight: w });
    return (rows) => predictProba(model, standardize(s, rows)).map((p) => (p > 0.5 ? 1 : 0));
  };
}

interface FittedLogistic {
  standardizer: Standardizer;
  model: LogisticModel;
}

function trainLogistic(
  x: number[][],
  y: number[],
  rows: number[],
  C: number,
  weights?: number[],
): FittedLogistic {
  const xs = rows.map((i) => x[i] as number[]);
  const standardizer = fitStandardizer(xs);
  const model = fitLogistic(
    standardize(standardizer, xs),
    rows.map((i) => y[i] as number),
    { C, ...(weights ? { sampleWeight: rows.map((i) => weights[i] as number) } : {}) },
  );
  return { standardizer, model };
}

const scoreWith = (f: FittedLogistic, x: number[][]): number[] =>
  predictProba(f.model, standardize(f.standardizer, x));

function privilegedMask(
  table: Table,
  privileged: Record<string, string> | undefined,
  method: string,
): boolean[] {
  if (!privileged || Object.keys(privileged).length === 0)
    throw new AisfError(
      'E_INPUT',
      `--method ${method} needs --privileged feature=value (the group the band treats as privileged)`,
    );
  const conds = Object.entries(privileged).map(
    ([f, v]) => [columnIndex(table, f, '--privileged'), v] as const,
  );
  return table.rows.map((r) => conds.every(([i, v]) => r[i] === v));
}

/**
 * Runs one mitigation and measures it before and after on a seeded test split.
 *
 * @example
 * const table = await loadTable('hmda.csv');
 * const r = runMitigation(table, { method: 'reweighing', label: 'deny', posLabel: 'yes', sensitive: ['afam'], features: ['pirat', 'lvrat'] });
 */
export function runMitigation(table: Table, config: MitigationConfig): MitigationResult {
  const n = table.rows.length;
  const seed = config.seed ?? 0;
  const C = config.C ?? 1.0;
  const testFraction = config.testFraction ?? 0.3;
  if (!(testFraction >= 0 && testFraction < 1))
    throw new AisfError('E_INPUT', `--test-fraction must be in [0, 1) (got ${testFraction})`);
  if (config.sensitive.length === 0)
    throw new AisfError('E_INPUT', '--sensitive needs at least one column');
  for (const f of Object.keys(config.privileged ?? {}))
    if (!config.sensitive.includes(f))
      throw new AisfError(
        'E_INPUT',
        `--privileged names "${f}", which is not a --sensitive column (${config.sensitive.join(', ')})`,
      );
  const y = labelColumn(table, config.label, '--label', config.posLabel);
  const groups = groupColumn(table, config.sensitive);
  let split: ('train' | 'test')[];
  if (config.splitColumn) {
    const si = columnIndex(table, config.splitColumn, '--split-column');
    split = table.rows.map((r, k) => {
      const v = r[si];
      if (v !== 'train' && v !== 'test')
        throw new AisfError(
          'E_DATA_INVALID',
          `column "${config.splitColumn}" (--split-column) must hold train or test (line ${table.lines[k]})`,
          { location: { file: table.file, line: table.lines[k] as number } },
        );
      return v;
    });
  } else {
    split =
      testFraction > 0
        ? shuffleSplit(n, testFraction, seed)
        : new Array<'train' | 'test'>(n).fill('train');
  }
  const hasTest = split.includes('test');
  const train = split.flatMap((s, i) => (s === 'train' ? [i] : []));
  if (train.length === 0)
    throw new AisfError(
      'E_DATA_INVALID',
      'no training rows; check --split-column or --test-fraction',
    );
  // With no held-out split, evaluate on the training rows (and say so).
  const test = hasTest ? split.flatMap((s, i) => (s === 'test' ? [i] : [])) : train;
  const notes: string[] = [];
  if (!hasTest)
    notes.push('no held-out split (no test rows): before/after are measured on the training rows');
  const privileged = config.privileged;
  const isPriv = privileged
    ? (g: string) => {
        const values = g.split(' & ');
        return Object.entries(privileged).every(
          ([f, v]) => values[config.sensitive.indexOf(f)] === v,
        );
      }
    : undefined;
  const imbalance = imbalanceReport(groups, y, isPriv);
  const result: MitigationResult = {
    method: config.method,
    rows: { train: train.length, test: test.length },
    split,
    before: null,
    after: null,
    imbalance,
    notes,
  };
  if (config.method === 'imbalance') return result;
  const card = (pred: readonly number[]) =>
    scorecard(y, pred, groups, config.sensitive, test, privileged);
  let x: number[][] | undefined;
  let baseScores: number[];
  let baseline: FittedLogistic | undefined;
  if (config.features && config.features.length > 0) {
    const cols = config.features.map((f) => numericColumn(table, f, '--features'));
    x = table.rows.map((_, i) => cols.map((c) => c[i] as number));
    baseline = trainLogistic(x, y, train, C);
    baseScores = scoreWith(baseline, x);
  } else if (config.score) {
    const si = columnIndex(table, config.score, '--score');
    baseScores = table.rows.map((r, k) => {
      const v = Number(r[si]);
      if ((r[si] as string).trim() === '' || !(v >= 0 && v <= 1))
        throw new AisfError(
          'E_DATA_INVALID',
          `column "${config.score}" (--score) must hold probabilities in [0, 1] (line ${table.lines[k]})`,
          {
            location: { file: table.file, line: table.lines[k] as number },
          },
        );
      return v;
    });
  } else {
    throw new AisfError(
      'E_INPUT',
      `--method ${config.method} needs --features (aisf trains a logistic model) or --score (a column of P(y = 1))`,
    );
  }
  const basePred = baseScores.map((s) => (s > 0.5 ? 1 : 0)) as (0 | 1)[];
  result.before = card(basePred);
  const needX = (): number[][] => {
    if (!x)
      throw new AisfError(
        'E_INPUT',
        `--method ${config.method} trains a model: give --features, not only --score`,
      );
    return x;
  };
  switch (config.method) {
    case 'baseline': {
      result.after = result.before;
      result.predictions = { yPred: basePred, score: baseScores };
      if (baseline)
        result.spec = { kind: 'logistic-regression', features: config.features, C, ...baseline };
      break;
    }
    case 'reweighing': {
      const xs = needX();
      const trainWeights = reweigh(
        train.map((i) => groups[i] as string),
        train.map((i) => y[i] as number),
      );
      const w = new Array<number>(n).fill(0);
      train.forEach((i, k) => {
        w[i] = trainWeights.weights[k] as number;
      });
      const fitted = trainLogistic(xs, y, train, C, w);
      const scores = scoreWith(fitted, xs);
      const pred = scores.map((s) => (s > 0.5 ? 1 : 0)) as (0 | 1)[];
      result.after = card(pred);
      const full = reweigh(groups, y);
      result.weights = full.weights;
      result.predictions = { yPred: pred, score: scores };
      result.spec = {
        kind: 'reweighing',
        factors: full.factors,
        trainFactors: trainWeights.factors,
      };
      break;
    }
    case 'di-remover': {
      const xs = needX();
      const level = config.repairLevel ?? 1.0;
      // Repair train and test separately (AIF360's note: the test distribution must be repaired alike).
      const repairRows = (rows: number[]) =>
        repairFeatures(
          rows.map((i) => xs[i] as number[]),
          rows.map((i) => groups[i] as string),
          level,
        );
      const repaired = xs.map((r) => [...r]);
      for (const rows of hasTest ? [train, test] : [train]) {
        repairRows(rows).forEach((r, k) => {
          repaired[rows[k] as number] = r;
        });
      }
      const fitted = trainLogistic(repaired, y, train, C);
      const scores = scoreWith(fitted, repaired);
      const pred = scores.map((s) => (s > 0.5 ? 1 : 0)) as (0 | 1)[];
      result.after = card(pred);
      result.repaired = {
        columns: config.features as string[],
        values: repairFeatures(xs, groups, level),
      };
      result.predictions = { yPred: pred, score: scores };
      result.spec = { kind: 'disparate-impact-remover', repairLevel: level };
      break;
    }
    case 'exponentiated-gradient': {
      const xs = needX();
      const constraint = config.constraint ?? 'demographic-parity';
      const model: ExponentiatedGradientModel = fitExponentiatedGradient(
        train.map((i) => xs[i] as number[]),
        train.map((i) => y[i] as number),
        train.map((i) => groups[i] as string),
        logisticLearner(C),
        {
          constraint,
          ...(config.differenceBound !== undefined
            ? { differenceBound: config.differenceBound }
            : {}),
        },
      );
      const pred = randomizedPredict(model, xs, seed);
      result.after = card(pred);
      result.predictions = { yPred: pred };
      result.spec = {
        kind: 'exponentiated-gradient',
        constraint,
        differenceBound: config.differenceBound ?? 0.01,
        weights: model.weights,
        bestGap: model.bestGap,
        bestIter: model.bestIter,
        lastIter: model.lastIter,
        oracleCalls: model.nOracleCalls,
        seed,
      };
      notes.push('exponentiated-gradient predictions are randomized (seeded by --seed)');
      break;
    }
    case 'threshold': {
      const constraint = config.constraint ?? 'demographic-parity';
      const model: ThresholdOptimizerModel = fitThresholdOptimizer(
        train.map((i) => baseScores[i] as number),
        train.map((i) => y[i] as number),
        train.map((i) => groups[i] as string),
        { constraint, solver: config.thresholdSolver ?? 'grid' },
      );
      const pred = thresholdPredict(model, baseScores, groups, seed);
      result.after = card(pred);
      result.predictions = { yPred: pred, score: baseScores };
      result.spec = {
        kind: 'threshold-optimizer',
        seed,
        ...(thresholdModelToJson(model) as object),
      };
      notes.push('threshold-optimizer predictions are randomized (seeded by --seed)');
      break;
    }
    case 'reject-option': {
      const mask = privilegedMask(table, privileged, 'reject-option');
      const model: RejectOptionModel = fitRejectOption(
        train.map((i) => baseScores[i] as number),
        train.map((i) => y[i] as number),
        train.map((i) => mask[i] as boolean),
        {
          favorable: config.favorable ?? 1,
          metric: config.rocMetric ?? 'statistical-parity-difference',
        },
      );
      if (!model.satisfied)
        notes.push(
          'no threshold/margin met the metric bounds; kept the one with the smallest metric (as AIF360)',
        );
      const pred = rejectOptionPredict(model, baseScores, mask);
      result.after = card(pred);
      result.predictions = { yPred: pred, score: baseScores };
      result.spec = { kind: 'reject-option', privileged, ...model };
      break;
    }
  }
  return result;
}
