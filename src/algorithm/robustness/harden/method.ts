/**
 * @module The hardening-method contract: one descriptor per method (id, reference, zod options
 * schema, run), the training options every method shares, and option validation whose errors
 * name the field. CLI flags and help are generated from the schemas, never kept by hand.
 */
import { z } from 'zod';
import {
  adam,
  type Model,
  type Optimizer,
  sgd,
  type Tensor,
  type TrainProgress,
} from '../../../engine/index.js';
import { AisfError, type ErrorCode } from '../../../errors.js';
import type { ValueRange } from '../image.js';

/** Labelled training data as a method receives it: float32 inputs inside `range`, class indices. */
export interface HardenData {
  x: Tensor<Float32Array>;
  y: Int32Array;
  /** Value range of the inputs (adversarial examples and corruptions stay inside it). */
  range: ValueRange;
}

/** Loss of one epoch. */
export interface EpochLoss {
  epoch: number;
  loss: number;
}

/** What a method reports besides the model (method-specific numbers go to `details`). */
export interface MethodReport {
  history: EpochLoss[];
  /** Optimizer steps taken. */
  steps: number;
  /** Training samples replaced by adversarial / noisy / corrupted versions over the run. */
  replaced?: number;
  /** Method-specific results, e.g. DP-SGD's spent (ε, δ). */
  details?: Record<string, number | string | boolean | null>;
}

/**
 * A hardening method. Registered by one line in HARDENING_METHODS (harden/index.ts); the CLI
 * flags, their help and validation come from `options`.
 *
 * @example
 * // A method that lives in its own area (as src/data/privacy/dp-sgd/method.ts does):
 * export const myMethod = defineHardeningMethod({
 *   id: 'my-method',
 *   title: 'what it does, one line',
 *   reference: 'the paper / peer whose defaults it follows',
 *   options: z.object({ ...TRAINING_OPTIONS, strength: z.number().positive().default(1).describe('…') }),
 *   async run(model, data, o, progress) {
 *     const r = await fitHardened(model, data.x, data.y, {
 *       optimizer: makeOptimizer(o), epochs: o.epochs, batchSize: o.batchSize, seed: o.seed,
 *       ...(progress ? { onProgress: progress } : {}),
 *     });
 *     return { model, report: { ...r, details: { strength: o.strength } } };
 *   },
 * });
 * // then one import and one line in HARDENING_METHODS (harden/index.ts).
 */
export interface HardeningMethod<S extends z.ZodObject = z.ZodObject> {
  /** Stable kebab-case id, the `--method` value (`fgsm`, `pgd`, `dp-sgd` …). */
  id: string;
  /** One line for help and reports. */
  title: string;
  /** The paper / peer implementation whose defaults it follows. */
  reference: string;
  /** Options (camelCase keys; flags are their kebab-case) with defaults and descriptions. */
  options: S;
  /**
   * Trains `model` (in place, or returns a new one) on `data`; `progress` after every step.
   * Throws AisfError for bad input; never returns a partly trained model silently.
   */
  run(
    model: Model,
    data: HardenData,
    options: z.output<S>,
    progress?: (p: TrainProgress) => void,
  ): Promise<{ model: Model; report: MethodReport }>;
}

/** Defines a hardening method (identity, for type inference). */
export function defineHardeningMethod<S extends z.ZodObject>(
  method: HardeningMethod<S>,
): HardeningMethod<S> {
  return method;
}

/**
 * The training options every method shares (spread them into a method's schema). Defaults:
 * Adam with PyTorch's lr 1e-3 (fine-tuning an already trained model), batch 32 (the engine's
 * train default), 5 epochs, seed 0.
 */
export const TRAINING_OPTIONS = {
  epochs: z.number().int().min(1).max(10_000).default(5).describe('passes over the training data'),
  batchSize: z.number().int().min(1).max(65_536).default(32).describe('samples per optimizer step'),
  optimizer: z.enum(['adam', 'sgd']).default('adam').describe('adam or sgd (PyTorch update rules)'),
  lr: z.number().positive().max(10).default(1e-3).describe('learning rate'),
  momentum: z.number().min(0).max(1).default(0).describe('SGD momentum (torch.optim.SGD)'),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(0)
    .describe('seed of shuffling, batch selection, random starts and noise'),
  gradReg: z
    .number()
    .min(0)
    .max(1e6)
    .default(0)
    .describe(
      'λ of the input-gradient penalty λ·mean‖∇ₓL‖² (double backprop, finite-difference approximation)',
    ),
  gradRegStep: z
    .number()
    .positive()
    .max(1)
    .default(0.01)
    .describe('finite-difference step h of the input-gradient penalty, in input units'),
} as const;

/** The shared training options after validation. */
export type TrainingOptions = z.output<z.ZodObject<typeof TRAINING_OPTIONS>>;

/** The optimizer the training options ask for. */
export function makeOptimizer(
  o: Pick<TrainingOptions, 'optimizer' | 'lr' | 'momentum'>,
): Optimizer {
  return o.optimizer === 'sgd' ? sgd({ lr: o.lr, momentum: o.momentum }) : adam({ lr: o.lr });
}

/** camelCase → kebab-case (`batchSize` → `batch-size`), the CLI flag of an option. */
export function flagOf(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** One zod issue as a sentence naming the field, e.g. `eps must be > 0 (got 0)`. */
function describeIssue(issue: z.core.$ZodIssue, field: string, input: unknown): string {
  const got = `(got ${JSON.stringify(input)})`;
  switch (issue.code) {
    case 'too_small':
      return `${field} must be ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)} ${got}`;
    case 'too_big':
      return `${field} must be ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)} ${got}`;
    case 'invalid_type':
      return `${field} must be ${issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`} ${got}`;
    case 'invalid_value':
      return `${field} must be one of ${issue.values.map(String).join(', ')} ${got}`;
    default:
      return `${field}: ${issue.message} ${got}`;
  }
}

/**
 * Validates raw options against a method's schema and fills the defaults. Unknown keys are
 * refused (a typo must not silently train with a default).
 *
 * @example
 * const o = parseMethodOptions(pgdMethod, { eps: 0.1 }); // → { eps: 0.1, maxIter: 7, … }
 */
export function parseMethodOptions<S extends z.ZodObject>(
  method: HardeningMethod<S>,
  raw: Record<string, unknown>,
  naming: { field?: (key: string) => string; code?: ErrorCode } = {},
): z.output<S> {
  const field = naming.field ?? ((k: string) => k);
  const known = Object.keys(method.options.shape);
  for (const key of Object.keys(raw))
    if (raw[key] !== undefined && !known.includes(key))
      throw new AisfError(
        naming.code ?? 'E_CONFIG',
        `${field(key)} does not apply to method ${method.id} (its options: ${known.map(field).join(', ')})`,
      );
  const r = method.options.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0] as z.core.$ZodIssue;
    const key = String(issue.path[0] ?? '');
    throw new AisfError(naming.code ?? 'E_CONFIG', describeIssue(issue, field(key), raw[key]));
  }
  return r.data;
}

/** One option of a method as JSON Schema describes it (for CLI flags and docs). */
export interface OptionDoc {
  key: string;
  type: 'number' | 'integer' | 'boolean' | 'string';
  description: string;
  default?: unknown;
  choices?: readonly string[];
}

/** The options of a method, read from its zod schema (via JSON Schema), in declaration order. */
export function optionDocs(method: HardeningMethod): OptionDoc[] {
  const schema = z.toJSONSchema(method.options, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, Record<string, unknown>>;
  };
  return Object.entries(schema.properties ?? {}).map(([key, p]) => {
    const type = (Array.isArray(p.enum) ? 'string' : p.type) as OptionDoc['type'];
    return {
      key,
      type: type ?? 'string',
      description: String(p.description ?? ''),
      ...(p.default !== undefined ? { default: p.default } : {}),
      ...(Array.isArray(p.enum) ? { choices: p.enum.map(String) } : {}),
    };
  });
}
