/**
 * @module `aisf harden`: adversarial training (FGSM, PGD), Gaussian-noise training, corruption
 * augmentation or input-gradient regularization of an ONNX classifier; writes the hardened ONNX
 * model and compares clean / FGSM / PGD accuracy before and after (CAICT-AISF-2020 3(二)1).
 * Method flags are generated from the method registry's option schemas.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  flagOf,
  HARDENING_METHODS,
  type HardenResult,
  harden,
  type OptionDoc,
  optionDocs,
  parseMethodOptions,
} from '../../algorithm/robustness/harden/index.js';
import type { ValueRange } from '../../algorithm/robustness/image.js';
import { loadModel, readLabelledNpz, type Tensor } from '../../engine/index.js';
import { AisfError, EXIT } from '../../errors.js';
import { type CommandContext, defineCommand, type OptionDef } from '../command.js';
import { renderJson, renderMarkdownTable, renderTable } from '../render.js';
import { RUNTIME_OPTIONS, readRuntimeOptions } from '../runtime-options.js';

function usage(message: string): AisfError {
  return new AisfError('E_USAGE', `${message}; see \`aisf harden --help\``);
}

const METHOD_IDS = HARDENING_METHODS.map((m) => m.id);

/** Every method option once, with which methods take it and their defaults. */
function methodOptionTable(): Map<string, { doc: OptionDoc; defaults: Map<string, unknown> }> {
  const table = new Map<string, { doc: OptionDoc; defaults: Map<string, unknown> }>();
  for (const m of HARDENING_METHODS)
    for (const doc of optionDocs(m)) {
      const row = table.get(doc.key) ?? { doc, defaults: new Map<string, unknown>() };
      row.defaults.set(m.id, doc.default);
      table.set(doc.key, row);
    }
  return table;
}

const METHOD_OPTIONS = methodOptionTable();

/**
 * The generated flag of a method option. Help says which methods take it (when not all) and its
 * default, with the methods that differ: `(default: 32; dp-sgd: 64)`, `[pgd; default: 7]`.
 */
function flagDef(doc: OptionDoc, defaults: Map<string, unknown>): OptionDef {
  const show = (v: unknown) => (v === undefined ? 'none' : String(v));
  const counts = new Map<string, number>();
  for (const v of defaults.values()) counts.set(show(v), (counts.get(show(v)) ?? 0) + 1);
  const common = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'none';
  const others = [...defaults]
    .filter(([, v]) => show(v) !== common)
    .map(([id, v]) => `${id}: ${show(v)}`);
  const value = common === 'none' ? '' : `default: ${common}`;
  const tail = [value, ...others].filter(Boolean).join('; ');
  const note =
    defaults.size === METHOD_IDS.length
      ? tail && ` (${tail})`
      : ` [${[...defaults.keys()].join(', ')}${common === 'none' ? '' : `; ${value}`}${others.length ? `; ${others.join('; ')}` : ''}]`;
  const choices = doc.type === 'boolean' ? ['true', 'false'] : doc.choices;
  return {
    type: 'string',
    valueName: choices
      ? `<${choices.join('|')}>`
      : doc.type === 'string'
        ? '<list>'
        : doc.type === 'integer'
          ? '<n>'
          : '<x>',
    description: `${doc.description}${note}`,
    ...(choices ? { choices } : {}),
  };
}

/** Converts one flag value to the option's type (zod then checks bounds and names the field). */
function flagValue(doc: OptionDoc, raw: string): unknown {
  const flag = `--${flagOf(doc.key)}`;
  if (doc.type === 'boolean') return raw === 'true';
  if (doc.type === 'number' || doc.type === 'integer') {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v))
      throw usage(`${flag} must be a number (got "${raw}")`);
    return v;
  }
  return raw;
}

const STATIC_OPTIONS: Record<string, OptionDef> = {
  model: { type: 'string', valueName: '<model.onnx>', description: 'the classifier to harden' },
  data: {
    type: 'string',
    valueName: '<train.npz>',
    description: 'labelled training data: inputs (uint8 or float) and class labels',
  },
  x: { type: 'string', valueName: '<key>', description: 'array of inputs', default: 'x' },
  y: { type: 'string', valueName: '<key>', description: 'array of labels', default: 'y' },
  method: {
    type: 'string',
    choices: METHOD_IDS,
    valueName: `<${METHOD_IDS.join('|')}>`,
    description: HARDENING_METHODS.map((m) => `${m.id}: ${m.title}`).join('; '),
  },
  out: { type: 'string', valueName: '<hardened.onnx>', description: 'where to write the model' },
  eval: {
    type: 'string',
    valueName: '<test.npz>',
    description: 'labelled data to compare clean, FGSM and PGD accuracy on, before and after',
  },
  range: {
    type: 'string',
    valueName: '<lo,hi>',
    description: 'value range of the inputs; uint8 data is mapped onto it',
    default: '0,1',
  },
  limit: { type: 'string', valueName: '<n>', description: 'train on the first n samples only' },
  'eval-limit': {
    type: 'string',
    valueName: '<n>',
    description: 'evaluate on the first n --eval samples only',
  },
  'eval-iter': {
    type: 'string',
    valueName: '<n>',
    description: 'PGD iterations of the evaluation (step 2.5·eps/n, no random start)',
    default: '20',
  },
  ...RUNTIME_OPTIONS,
  trusted: {
    type: 'boolean',
    description: 'load a model that failed the safety checks; only for models you trust',
  },
};

const GENERATED_OPTIONS: Record<string, OptionDef> = Object.fromEntries(
  [...METHOD_OPTIONS].map(([key, { doc, defaults }]) => [flagOf(key), flagDef(doc, defaults)]),
);
// `--eps` is also the evaluation budget of methods that do not train against one.
const epsDef = GENERATED_OPTIONS.eps;
if (epsDef)
  GENERATED_OPTIONS.eps = {
    ...epsDef,
    description: `${epsDef.description}; for the other methods the evaluation budget (default 0.1)`,
  };

function positiveInt(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw usage(`--${flag} must be a positive integer (got "${String(value)}")`);
  return n;
}

function parseRange(value: string): ValueRange {
  const parts = value.split(',').map((s) => Number(s.trim()));
  const [lo, hi] = parts as [number, number];
  if (parts.length !== 2 || !Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi))
    throw usage(`--range must be two numbers lo,hi with lo < hi (got "${value}")`);
  return { lo, hi };
}

/** Reads --data / --eval (inputs + labels) through the engine's labelled-.npz reader. */
function readLabelled(
  ctx: CommandContext,
  flag: 'data' | 'eval',
  range: ValueRange,
  limit: number | undefined,
): { x: Tensor<Float32Array>; y: Int32Array } {
  const file = ctx.options[flag];
  if (typeof file !== 'string' || file === '') throw usage(`missing --${flag} <file.npz>`);
  return readLabelledNpz(resolve(ctx.cwd, file), {
    field: `--${flag}`,
    shown: file,
    x: String(ctx.options.x ?? 'x'),
    y: String(ctx.options.y ?? 'y'),
    range,
    limit,
  });
}

const acc = (v: number | null) => (v === null ? '—' : v.toFixed(4));

function render(ctx: CommandContext, r: HardenResult, out: string): void {
  const json = {
    method: r.method,
    options: r.options,
    train: r.train,
    ...(r.evaluation ? { evaluation: r.evaluation } : {}),
    out,
  };
  if (ctx.format === 'json') {
    ctx.out(renderJson(json));
    return;
  }
  const t = r.train;
  ctx.out(
    `${r.method.id}: ${r.method.title}\ntrained on ${t.n} samples: ${t.history.length} epoch${t.history.length === 1 ? '' : 's'}, ${t.steps} steps${t.replaced === undefined ? '' : `, ${t.replaced} samples replaced`}, ${t.seconds.toFixed(1)} s; final loss ${t.history[t.history.length - 1]?.loss.toFixed(4) ?? '—'}\n\n`,
  );
  // Method-specific results, e.g. DP-SGD's spent (ε, δ).
  if (t.details)
    ctx.out(
      `${Object.entries(t.details)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(', ')}\n\n`,
    );
  const e = r.evaluation;
  if (e) {
    const head = [`${e.n} samples`, 'clean', `FGSM ε=${e.eps}`, `PGD-${e.pgd.maxIter} ε=${e.eps}`];
    const rows = [
      ['before', acc(e.before.clean), acc(e.before.fgsm), acc(e.before.pgd)],
      ['after', acc(e.after.clean), acc(e.after.fgsm), acc(e.after.pgd)],
    ];
    ctx.out(`${ctx.format === 'md' ? renderMarkdownTable(head, rows) : renderTable(head, rows)}\n`);
  }
  ctx.out(`wrote ${out}\n`);
}

const hardenCommand = defineCommand({
  name: 'harden',
  summary: 'harden a classifier (adversarial / noise / augmentation training) and write it as ONNX',
  description:
    'Fine-tunes the model with one method — fgsm or pgd adversarial training (ART AdversarialTrainer ratio semantics), noise (Gaussian-noise training for randomized smoothing), augment (natural corruptions), gradreg (input-gradient penalty; --grad-reg adds it to any method) — writes the hardened model to --out and, with --eval, reports clean, FGSM and PGD accuracy at --eps before and after. Method flags list the methods that take them and their defaults.',
  args: [],
  options: { ...STATIC_OPTIONS, ...GENERATED_OPTIONS },
  examples: [
    'aisf harden --model cnn.onnx --data train.npz --method pgd --eps 0.1 --epochs 3 --eval test.npz --out cnn-pgd.onnx',
    'aisf harden --model cnn.onnx --data train.npz --method fgsm --eps 0.1 --ratio 0.5 --optimizer sgd --lr 0.01 --out cnn-fgsm.onnx',
    'aisf harden --model cnn.onnx --data train.npz --method noise --sigma 0.25 --out cnn-noise.onnx --format json',
  ],
  async run(ctx) {
    const o = ctx.options;
    const modelFile = o.model;
    if (typeof modelFile !== 'string' || modelFile === '')
      throw usage('missing --model <model.onnx>');
    if (typeof o.data !== 'string' || o.data === '') throw usage('missing --data <train.npz>');
    if (typeof o.method !== 'string') throw usage(`missing --method <${METHOD_IDS.join('|')}>`);
    if (typeof o.out !== 'string' || o.out === '')
      throw usage('missing --out <hardened.onnx>: where to write the hardened model');
    const modelPath = resolve(ctx.cwd, modelFile);
    const outPath = resolve(ctx.cwd, o.out);
    if (outPath === modelPath) throw usage('--out must differ from --model (keep the original)');
    if (!existsSync(modelPath))
      throw new AisfError('E_FILE_NOT_FOUND', `--model file ${modelFile} does not exist`);
    const method = HARDENING_METHODS.find((m) => m.id === o.method);
    if (!method) throw usage(`--method must be one of ${METHOD_IDS.join(', ')}`);

    // Method options: only flags the user typed; the schema fills the defaults.
    const raw: Record<string, unknown> = {};
    let evalEps: number | undefined;
    for (const [key, { doc }] of METHOD_OPTIONS) {
      const value = o[flagOf(key)];
      if (typeof value !== 'string') continue;
      const v = flagValue(doc, value);
      const takes = key in method.options.shape;
      if (key === 'eps') {
        evalEps = v as number;
        if (!(evalEps > 0)) throw usage(`--eps must be > 0 (got ${value})`);
        if (!takes) continue;
      }
      if (!takes) {
        const users = HARDENING_METHODS.filter((m) => key in m.options.shape).map((m) => m.id);
        throw usage(
          `--${flagOf(key)} does not apply to --method ${method.id} (it applies to: ${users.join(', ')})`,
        );
      }
      raw[key] = v;
    }
    const resolved = parseMethodOptions(method, raw, {
      field: (k) => `--${flagOf(k)}`,
      code: 'E_USAGE',
    });
    const range = parseRange(String(o.range));
    const limit = positiveInt(o.limit, 'limit');
    const evalLimit = positiveInt(o['eval-limit'], 'eval-limit');
    const evalIter = positiveInt(o['eval-iter'], 'eval-iter') ?? 20;
    const runtime = readRuntimeOptions(o, usage);
    const train = readLabelled(ctx, 'data', range, limit);
    const evaluate =
      typeof o.eval === 'string' ? readLabelled(ctx, 'eval', range, evalLimit) : undefined;
    for (const [what, d] of [
      ['--data', train],
      ['--eval', evaluate],
    ] as const)
      if (d)
        for (let i = 0; i < d.x.data.length; i++) {
          const v = d.x.data[i] as number;
          if (!(v >= range.lo && v <= range.hi))
            throw usage(
              `${what} input value #${i} is ${v}, outside --range ${range.lo},${range.hi}; pass the range the inputs live in`,
            );
        }

    const model = await loadModel(modelPath, {
      trusted: o.trusted === true,
      source: modelFile,
      ...runtime,
    });
    const showProgress = !ctx.quiet && process.stderr.isTTY === true;
    try {
      const result = await harden(model, train.x, train.y, {
        method: method.id,
        options: resolved as Record<string, unknown>,
        range,
        evalMaxIter: evalIter,
        ...(evaluate ? { evaluate } : {}),
        ...(evalEps !== undefined ? { evalEps } : {}),
        ...(showProgress
          ? {
              onProgress: (p) => {
                const w = 24;
                const k = Math.round(p.fraction * w);
                const stage = p.stage === 'train' ? 'train' : `eval ${p.stage}`;
                process.stderr.write(
                  `\r${stage.padEnd(11)} [${'='.repeat(k)}${' '.repeat(w - k)}] ${(p.fraction * 100).toFixed(0).padStart(3)}% ${p.label.padEnd(36).slice(0, 36)}`,
                );
                if (p.fraction >= 1) process.stderr.write('\n');
              },
            }
          : {}),
      });
      const bytes = result.model.toOnnx();
      // The written file must load back through the same safety checks users will run.
      const check = await loadModel(bytes, { source: o.out, trusted: o.trusted === true });
      await check.release();
      mkdirSync(dirname(outPath), { recursive: true });
      writeFileSync(outPath, bytes);
      render(ctx, result, o.out);
      // A method may return a new model (e.g. one that changes the graph): release it too.
      if (result.model !== model) await result.model.release();
      return EXIT.OK;
    } finally {
      await model.release();
    }
  },
});

/** The hardening command (registered in src/cli/main.ts). */
export const HARDEN_COMMANDS = [hardenCommand] as const;
