/** @module `aisf dp …`: privacy accounting for DP-SGD (epsilon, noise) and bounded DP queries on CSV data. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  CONVERSIONS,
  type Conversion,
  dpSgdEpsilon,
  FRACTIONAL_SERIES,
  type FractionalSeries,
  noiseMultiplierForEpsilon,
  ORDER_LISTS,
  type OrderListName,
} from '../../data/privacy/accountant/rdp.js';
import { PrivacyLedger } from '../../data/privacy/budget/ledger.js';
import {
  type Bounds,
  boundedCount,
  boundedHistogram,
  boundedMean,
  boundedQuantile,
  boundedSum,
  categoricalHistogram,
  type DpRelease,
  type HistogramBin,
  QUERY_KINDS,
  type QueryKind,
} from '../../data/privacy/query/bounded.js';
import { columnIndex, numericColumn, readCsv } from '../../data/privacy/query/csv.js';
import { cryptoRandom, type RandomSource, seededRandom } from '../../data/privacy/random.js';
import { AisfError, EXIT } from '../../errors.js';
import { type CommandContext, defineCommand, type OptionDef } from '../command.js';
import { renderJson, renderMarkdownTable, renderTable } from '../render.js';

type NumberRule = {
  min?: number;
  minExclusive?: boolean;
  max?: number;
  maxExclusive?: boolean;
  integer?: boolean;
};

/** Parses a numeric flag; a bad value is E_INPUT (exit 2) naming the flag and the fix. */
function numberOption(
  ctx: CommandContext,
  name: string,
  rule: NumberRule,
  hint: string,
): number | undefined {
  const raw = ctx.options[name];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const value = text === '' ? Number.NaN : Number(text);
  const ok =
    Number.isFinite(value) &&
    (rule.integer !== true || Number.isInteger(value)) &&
    (rule.min === undefined || (rule.minExclusive ? value > rule.min : value >= rule.min)) &&
    (rule.max === undefined || (rule.maxExclusive ? value < rule.max : value <= rule.max));
  if (!ok) {
    throw new AisfError('E_INPUT', `--${name} ${hint} (got "${text}")`);
  }
  return value;
}

function required<T>(value: T | undefined, name: string, example: string): T {
  if (value === undefined) {
    throw new AisfError('E_USAGE', `missing --${name}; e.g. --${name} ${example}`);
  }
  return value;
}

const RATE_HINT =
  'must be a sampling rate in (0, 1]: expected batch size / dataset size, e.g. 0.004';
const DELTA_HINT = 'must be in (0, 1); use e.g. 1e-5, below 1/dataset size';

const ACCOUNTANT_OPTIONS = {
  accountant: {
    type: 'string',
    choices: ['rdp'],
    default: 'rdp',
    valueName: '<rdp>',
    description: 'privacy accountant: Rényi DP of the Poisson-subsampled Gaussian',
  },
  orders: {
    type: 'string',
    choices: Object.keys(ORDER_LISTS),
    default: 'dp-accounting',
    valueName: '<list>',
    description:
      'RDP orders searched: dp-accounting (TF Privacy today), opacus, tf-privacy (compute_dp_sgd_privacy)',
  },
  series: {
    type: 'string',
    choices: FRACTIONAL_SERIES,
    default: 'dp-accounting',
    valueName: '<variant>',
    description:
      'fractional-order series: dp-accounting (|terms|, conservative) or opacus (signed)',
  },
  conversion: {
    type: 'string',
    choices: CONVERSIONS,
    default: 'improved',
    valueName: '<bound>',
    description:
      'RDP → (ε, δ): improved (Balle et al. 2020; dp_accounting, Opacus) or classic (Mironov 2017)',
  },
} as const satisfies Record<string, OptionDef>;

function accountantOptions(ctx: CommandContext) {
  return {
    orders: ORDER_LISTS[ctx.options.orders as OrderListName],
    series: ctx.options.series as FractionalSeries,
    conversion: ctx.options.conversion as Conversion,
  };
}

function keyValues(ctx: CommandContext, rows: [string, string][]): void {
  ctx.out(
    ctx.format === 'md'
      ? renderMarkdownTable(['field', 'value'], rows)
      : renderTable(['field', 'value'], rows),
  );
}

const epsilon = defineCommand({
  name: 'dp epsilon',
  summary: 'ε spent by DP-SGD (Poisson-subsampled Gaussian) after T steps, by the RDP accountant',
  description:
    'Matches Google dp_accounting (TF Privacy) by default, and Opacus with --orders opacus --series opacus. Steps for E epochs: ceil(E / q) (TF Privacy).',
  args: [],
  options: {
    'sampling-rate': {
      type: 'string',
      valueName: '<q>',
      description: 'Poisson sampling rate q in (0, 1] (batch size / dataset size)',
    },
    'noise-multiplier': {
      type: 'string',
      valueName: '<σ>',
      description: 'noise std / clipping norm, ≥ 0',
    },
    steps: { type: 'string', valueName: '<T>', description: 'number of training steps' },
    delta: { type: 'string', valueName: '<δ>', description: 'target δ in (0, 1)' },
    ...ACCOUNTANT_OPTIONS,
  },
  examples: [
    'aisf dp epsilon --sampling-rate 0.004267 --noise-multiplier 1.1 --steps 14063 --delta 1e-5',
    'aisf dp epsilon --sampling-rate 0.04 --noise-multiplier 1.5 --steps 2250 --delta 1e-5 --orders opacus --series opacus --format json',
  ],
  run(ctx) {
    const q = required(
      numberOption(ctx, 'sampling-rate', { min: 0, minExclusive: true, max: 1 }, RATE_HINT),
      'sampling-rate',
      '0.004',
    );
    const sigma = required(
      numberOption(
        ctx,
        'noise-multiplier',
        { min: 0 },
        'must be a number ≥ 0 (noise std / clipping norm), e.g. 1.1',
      ),
      'noise-multiplier',
      '1.1',
    );
    const steps = required(
      numberOption(
        ctx,
        'steps',
        { min: 0, integer: true },
        'must be a non-negative integer (epochs × dataset size / batch size, rounded up)',
      ),
      'steps',
      '1000',
    );
    const delta = required(
      numberOption(
        ctx,
        'delta',
        { min: 0, minExclusive: true, max: 1, maxExclusive: true },
        DELTA_HINT,
      ),
      'delta',
      '1e-5',
    );
    const result = dpSgdEpsilon(
      { samplingRate: q, noiseMultiplier: sigma, steps, delta },
      accountantOptions(ctx),
    );
    if (ctx.format === 'json') {
      ctx.out(
        renderJson({
          epsilon: result.epsilon,
          delta: result.delta,
          order: result.order,
          orders: result.orders,
        }),
      );
      return EXIT.OK;
    }
    keyValues(ctx, [
      ['epsilon', String(result.epsilon)],
      ['delta', String(result.delta)],
      ['order', String(result.order)],
      [
        'orders',
        `${ctx.options.orders} (${result.orders.length}: ${result.orders[0]} … ${result.orders[result.orders.length - 1]})`,
      ],
      ['conversion', String(ctx.options.conversion)],
      ['series', String(ctx.options.series)],
    ]);
    return EXIT.OK;
  },
});

const noise = defineCommand({
  name: 'dp noise',
  summary: 'the noise multiplier σ that keeps DP-SGD within a target (ε, δ) after T steps',
  description:
    "Opacus get_noise_multiplier's search: double σ from 20 until ε(σ) ≤ target, then bisect until target − ε(σ) ≤ --epsilon-tolerance; the σ printed always satisfies ε(σ) ≤ target.",
  args: [],
  options: {
    'sampling-rate': {
      type: 'string',
      valueName: '<q>',
      description: 'Poisson sampling rate q in (0, 1]',
    },
    steps: { type: 'string', valueName: '<T>', description: 'number of training steps' },
    delta: { type: 'string', valueName: '<δ>', description: 'target δ in (0, 1)' },
    'target-epsilon': { type: 'string', valueName: '<ε>', description: 'target ε > 0' },
    'epsilon-tolerance': {
      type: 'string',
      valueName: '<tol>',
      default: '0.01',
      description: 'stop when target − ε(σ) ≤ this (Opacus default 0.01)',
    },
    ...ACCOUNTANT_OPTIONS,
  },
  examples: [
    'aisf dp noise --sampling-rate 0.004267 --steps 14063 --delta 1e-5 --target-epsilon 3',
    'aisf dp noise --sampling-rate 0.04 --steps 2000 --delta 1e-5 --target-epsilon 8 --orders opacus --series opacus',
  ],
  run(ctx) {
    const q = required(
      numberOption(ctx, 'sampling-rate', { min: 0, minExclusive: true, max: 1 }, RATE_HINT),
      'sampling-rate',
      '0.004',
    );
    const steps = required(
      numberOption(ctx, 'steps', { min: 0, integer: true }, 'must be a non-negative integer'),
      'steps',
      '1000',
    );
    const delta = required(
      numberOption(
        ctx,
        'delta',
        { min: 0, minExclusive: true, max: 1, maxExclusive: true },
        DELTA_HINT,
      ),
      'delta',
      '1e-5',
    );
    const target = required(
      numberOption(
        ctx,
        'target-epsilon',
        { min: 0, minExclusive: true },
        'must be a number > 0, e.g. 3',
      ),
      'target-epsilon',
      '3',
    );
    const tolerance =
      numberOption(
        ctx,
        'epsilon-tolerance',
        { min: 0, minExclusive: true },
        'must be a number > 0, e.g. 0.01',
      ) ?? 0.01;
    const result = noiseMultiplierForEpsilon(
      { samplingRate: q, steps, delta, targetEpsilon: target },
      { ...accountantOptions(ctx), epsilonTolerance: tolerance },
    );
    if (ctx.format === 'json') {
      ctx.out(renderJson({ noiseMultiplier: result.noiseMultiplier }));
      return EXIT.OK;
    }
    keyValues(ctx, [
      ['noiseMultiplier', String(result.noiseMultiplier)],
      ['epsilon at that σ', String(result.epsilon)],
      ['order', String(result.order)],
    ]);
    return EXIT.OK;
  },
});

function parseBounds(text: string): Bounds {
  const parts = text.split(',').map((p) => p.trim());
  const values = parts.map((p) => (p === '' ? Number.NaN : Number(p)));
  if (values.length !== 2 || !values.every(Number.isFinite)) {
    throw new AisfError(
      'E_INPUT',
      `--bounds must be "lower,upper" with two numbers (got "${text}"), e.g. --bounds 0,500000 (negative lower bound: --bounds=-5,5)`,
    );
  }
  const [lo, hi] = values as [number, number];
  if (!(lo < hi)) {
    throw new AisfError(
      'E_INPUT',
      `--bounds are reversed or empty: lower ${lo} must be < upper ${hi}; write them as "lower,upper", e.g. --bounds ${Math.min(lo, hi)},${Math.max(lo, hi) === Math.min(lo, hi) ? Math.min(lo, hi) + 1 : Math.max(lo, hi)}`,
    );
  }
  return [lo, hi];
}

const query = defineCommand({
  name: 'dp query',
  summary: 'a differentially private count, sum, mean, histogram or quantile of one CSV column',
  description:
    'Values are clamped to the declared --bounds (never taken from the data). Pure ε-DP (δ = 0), exact discrete noise from a CSPRNG. With --budget-file every query is charged to the dataset in an append-only, hash-chained SQLite ledger and refused (exit 2, E_PRIVACY_BUDGET) once the budget would be exceeded.',
  args: [],
  options: {
    data: { type: 'string', valueName: '<file.csv>', description: 'CSV file with a header row' },
    query: {
      type: 'string',
      choices: QUERY_KINDS,
      valueName: '<kind>',
      description: `query: ${QUERY_KINDS.join(', ')}`,
    },
    column: {
      type: 'string',
      valueName: '<name>',
      description: 'column to query (not needed for count)',
    },
    bounds: {
      type: 'string',
      valueName: '<lo,hi>',
      description: 'declared value bounds; values outside are clamped',
    },
    epsilon: { type: 'string', valueName: '<ε>', description: 'ε this query spends, > 0' },
    bins: {
      type: 'string',
      valueName: '<k>',
      default: '10',
      description: 'histogram: equal-width bins over the bounds',
    },
    categories: {
      type: 'string',
      valueName: '<a,b,…>',
      description: 'histogram of a categorical column over these declared values',
    },
    quantile: {
      type: 'string',
      valueName: '<p>',
      default: '0.5',
      description: 'quantile: which one, in [0, 1]',
    },
    'budget-file': {
      type: 'string',
      valueName: '<ledger.db>',
      description: 'privacy-budget ledger (SQLite) to charge',
    },
    'dataset-id': {
      type: 'string',
      valueName: '<id>',
      description: 'dataset id in the ledger (default: sha256 of the data file)',
    },
    'budget-epsilon': {
      type: 'string',
      valueName: '<ε>',
      description: "the dataset's total ε budget (needed the first time)",
    },
    'budget-delta': {
      type: 'string',
      valueName: '<δ>',
      default: '0',
      description: "the dataset's total δ budget",
    },
    seed: {
      type: 'string',
      valueName: '<seed>',
      description: 'seeded noise for reproducible tests — NOT private if the seed is known',
    },
  },
  examples: [
    'aisf dp query --data examples/credit-hmda/hmda.csv --query mean --column pirat --bounds 0,3 --epsilon 0.5',
    'aisf dp query --data examples/credit-hmda/hmda.csv --query histogram --column deny --categories yes,no --epsilon 0.5 --budget-file ledger.db --budget-epsilon 2',
    'aisf dp query --data examples/credit-hmda/hmda.csv --query quantile --quantile 0.9 --column lvrat --bounds 0,2 --epsilon 1',
  ],
  run(ctx) {
    const file = required(ctx.options.data as string | undefined, 'data', 'file.csv');
    const kind = required(ctx.options.query as QueryKind | undefined, 'query', 'mean');
    const eps = required(
      numberOption(
        ctx,
        'epsilon',
        { min: 0, minExclusive: true },
        'must be a number > 0 (smaller is more private), e.g. 0.5',
      ),
      'epsilon',
      '0.5',
    );
    const column = ctx.options.column as string | undefined;
    const categoriesText = ctx.options.categories as string | undefined;
    const categorical = kind === 'histogram' && categoriesText !== undefined;
    if (kind !== 'count' && column === undefined) {
      throw new AisfError(
        'E_USAGE',
        `missing --column: the ${kind} query needs the column to aggregate, e.g. --column income`,
      );
    }
    const needsBounds =
      kind === 'sum' ||
      kind === 'mean' ||
      kind === 'quantile' ||
      (kind === 'histogram' && !categorical);
    const bounds = needsBounds
      ? parseBounds(required(ctx.options.bounds as string | undefined, 'bounds', '0,500000'))
      : undefined;
    const bins =
      numberOption(
        ctx,
        'bins',
        { min: 1, max: 100_000, integer: true },
        'must be an integer from 1 to 100000',
      ) ?? 10;
    const quantile =
      numberOption(ctx, 'quantile', { min: 0, max: 1 }, 'must be in [0, 1]; 0.5 is the median') ??
      0.5;
    const categories = categoriesText?.split(',').map((c) => c.trim());
    const budgetFile = ctx.options['budget-file'] as string | undefined;
    const budgetEpsilon = numberOption(
      ctx,
      'budget-epsilon',
      { min: 0, minExclusive: true },
      'must be a number > 0, e.g. 2',
    );
    const budgetDelta =
      numberOption(
        ctx,
        'budget-delta',
        { min: 0, max: 1, maxExclusive: true },
        'must be in [0, 1)',
      ) ?? 0;

    // Read and validate everything BEFORE charging the budget: a bad input must not spend ε.
    const path = resolve(ctx.cwd, file);
    const table = readCsv(path);
    let numeric: number[] | undefined;
    let raw: string[] | undefined;
    if (categorical) {
      const index = columnIndex(table, column as string, file);
      raw = table.rows.map((row) => row[index] as string);
    } else if (kind !== 'count') {
      numeric = numericColumn(table, column as string, file);
    }
    let rng: RandomSource = cryptoRandom();
    if (typeof ctx.options.seed === 'string') {
      rng = seededRandom(ctx.options.seed);
      ctx.warn(
        '--seed makes the noise reproducible: anyone who knows the seed can remove it; do not publish seeded releases',
      );
    }

    let budget: ReturnType<PrivacyLedger['status']> | undefined;
    let datasetId: string | undefined;
    if (budgetFile !== undefined) {
      datasetId =
        (ctx.options['dataset-id'] as string | undefined) ??
        `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
      const ledger = PrivacyLedger.open(resolve(ctx.cwd, budgetFile));
      try {
        if (budgetEpsilon !== undefined)
          ledger.setBudget(datasetId, { epsilon: budgetEpsilon, delta: budgetDelta });
        const note = `${kind}${column ? ` ${column}` : ''}${bounds ? ` bounds ${bounds.join(',')}` : ''}`;
        ledger.charge(datasetId, { epsilon: eps, delta: 0 }, note);
        budget = ledger.status(datasetId);
      } finally {
        ledger.close();
      }
    }

    let release: DpRelease<number> | DpRelease<HistogramBin[]>;
    const common = { epsilon: eps, rng };
    switch (kind) {
      case 'count':
        release = boundedCount(table.rows.length, common);
        break;
      case 'sum':
        release = boundedSum(numeric as number[], { ...common, bounds: bounds as Bounds });
        break;
      case 'mean':
        release = boundedMean(numeric as number[], { ...common, bounds: bounds as Bounds });
        break;
      case 'quantile':
        release = boundedQuantile(numeric as number[], {
          ...common,
          bounds: bounds as Bounds,
          quantile,
        });
        break;
      case 'histogram':
        release = categorical
          ? categoricalHistogram(raw as string[], { ...common, categories: categories as string[] })
          : boundedHistogram(numeric as number[], { ...common, bounds: bounds as Bounds, bins });
        break;
    }
    const output = {
      ...release,
      ...(column ? { column } : {}),
      ...(kind === 'quantile' ? { quantile } : {}),
      rng: rng.name,
      ...(budget ? { datasetId, budget } : {}),
    };
    if (ctx.format === 'json') {
      ctx.out(renderJson(output));
      return EXIT.OK;
    }
    if (Array.isArray(release.value)) {
      const rows = release.value.map((b) => [b.bin, String(b.count)]);
      ctx.out(
        ctx.format === 'md'
          ? renderMarkdownTable(['bin', 'noisy count'], rows)
          : renderTable(['bin', 'noisy count'], rows),
      );
    } else {
      keyValues(ctx, [[`${kind}${column ? `(${column})` : ''}`, String(release.value)]]);
    }
    ctx.info(
      `ε=${eps}, δ=0, mechanism ${release.mechanism}${budget ? `; budget left for ${datasetId}: ε=${budget.remaining.epsilon}` : ''}`,
    );
    return EXIT.OK;
  },
});

const budget = defineCommand({
  name: 'dp budget',
  summary:
    'show what each dataset has spent of its privacy budget, and verify the ledger hash chain',
  description:
    'Exit 0 when the ledger is intact, 1 when its hash chain is broken (a row was edited or deleted behind its back; the ledger then refuses all queries).',
  args: [],
  options: {
    'budget-file': {
      type: 'string',
      valueName: '<ledger.db>',
      description: 'privacy-budget ledger (SQLite)',
    },
    'dataset-id': { type: 'string', valueName: '<id>', description: 'only this dataset' },
  },
  examples: [
    'aisf dp budget --budget-file ledger.db',
    'aisf dp budget --budget-file ledger.db --dataset-id hmda --format json',
  ],
  run(ctx) {
    const file = required(
      ctx.options['budget-file'] as string | undefined,
      'budget-file',
      'ledger.db',
    );
    const path = resolve(ctx.cwd, file);
    if (!existsSync(path)) {
      throw new AisfError('E_FILE_NOT_FOUND', `no ledger at ${file}; check --budget-file`);
    }
    const ledger = PrivacyLedger.open(path);
    try {
      const integrity = ledger.verify();
      const only = ctx.options['dataset-id'] as string | undefined;
      const ids = only === undefined ? ledger.datasets() : [only];
      const statuses = ids.map((id) => ledger.status(id));
      if (ctx.format === 'json') {
        ctx.out(renderJson({ integrity, datasets: statuses }));
      } else {
        const rows = statuses.map((s) => [
          s.datasetId,
          `${s.budget.epsilon} / ${s.budget.delta}`,
          `${s.spent.epsilon} / ${s.spent.delta}`,
          `${s.remaining.epsilon} / ${s.remaining.delta}`,
          String(s.charges),
        ]);
        const headers = ['dataset', 'budget ε / δ', 'spent ε / δ', 'remaining ε / δ', 'queries'];
        ctx.out(
          ctx.format === 'md' ? renderMarkdownTable(headers, rows) : renderTable(headers, rows),
        );
        ctx.info(
          integrity.ok
            ? `hash chain intact (${integrity.entries} rows)`
            : `hash chain BROKEN at row ${integrity.brokenAt}: ${integrity.reason}`,
        );
      }
      if (!integrity.ok)
        ctx.warn(`the ledger was tampered with at row ${integrity.brokenAt}: ${integrity.reason}`);
      return integrity.ok ? EXIT.OK : EXIT.FINDINGS;
    } finally {
      ledger.close();
    }
  },
});

/** The `aisf dp` command group (registered in src/cli/main.ts). */
export const DP_COMMANDS = [epsilon, noise, query, budget] as const;
