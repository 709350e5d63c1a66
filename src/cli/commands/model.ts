/** @module `aisf model …`: describe an ONNX model, run it, and take loss gradients w.r.t. its input. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  LOSSES,
  type LossName,
  loadModel,
  type Model,
  REDUCTIONS,
  type Reduction,
  readNpy,
  writeNpy,
} from '../../engine/index.js';
import { AisfError, EXIT } from '../../errors.js';
import { type CommandContext, defineCommand } from '../command.js';
import { renderJson, renderMarkdownTable, renderTable } from '../render.js';

const COMMON = {
  trusted: {
    type: 'boolean',
    description:
      'load a model that failed the safety checks (custom or Python ops, external data outside its folder); only for models you trust',
  },
  threads: {
    type: 'string',
    valueName: '<n>',
    description: 'ONNX Runtime intra-op threads (default: all cores)',
  },
} as const;

function path(ctx: CommandContext, value: unknown, flag: string): string {
  if (typeof value !== 'string' || value === '')
    throw new AisfError('E_USAGE', `missing --${flag} <file>; see \`aisf model --help\``);
  return resolve(ctx.cwd, value);
}

function positiveInt(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new AisfError('E_USAGE', `--${flag} must be a positive integer (got "${String(value)}")`);
  return n;
}

async function open(ctx: CommandContext, file: string): Promise<Model> {
  const threads = positiveInt(ctx.options.threads, 'threads');
  return loadModel(file, {
    trusted: ctx.options.trusted === true,
    source: file,
    ...(threads ? { threads } : {}),
  });
}

function readArray(ctx: CommandContext, value: unknown, flag: string) {
  const file = path(ctx, value, flag);
  if (!existsSync(file))
    throw new AisfError('E_FILE_NOT_FOUND', `--${flag} file ${String(value)} does not exist`);
  return readNpy(readFileSync(file), { source: String(value) });
}

function write(ctx: CommandContext, value: unknown, bytes: Uint8Array): string {
  const file = path(ctx, value, 'out');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return file;
}

const info = defineCommand({
  name: 'model info',
  summary: 'describe an ONNX model: inputs, outputs, opset, ops, parameters, gradient support',
  args: [{ name: 'model', description: 'path to a .onnx file', required: true }],
  options: { trusted: COMMON.trusted },
  examples: ['aisf model info lenet.onnx', 'aisf model info lenet.onnx --format json'],
  async run(ctx) {
    const file = path(ctx, ctx.args[0], 'model');
    const model = await open(ctx, file);
    try {
      const unsupportedOps = model.unsupportedOps();
      const summary = {
        inputs: model.inputs,
        outputs: model.outputs,
        opset: model.opset,
        ops: model.opCounts(),
        parameters: model.parameterCount(),
        gradientSupport: unsupportedOps.length === 0 && model.opset >= 13,
        unsupportedOps,
      };
      if (ctx.format === 'json') {
        ctx.out(renderJson(summary));
        return EXIT.OK;
      }
      const shape = (s: (number | string | null)[]) => `[${s.map((d) => d ?? '?').join(', ')}]`;
      const rows = [
        ...summary.inputs.map((v) => ['input', v.name, shape(v.shape), v.type]),
        ...summary.outputs.map((v) => ['output', v.name, shape(v.shape), v.type]),
      ];
      const headers = ['kind', 'name', 'shape', 'type'];
      ctx.out(
        ctx.format === 'md' ? renderMarkdownTable(headers, rows) : renderTable(headers, rows),
      );
      ctx.out(
        `opset ${summary.opset}, ${summary.parameters} parameters, ops: ${Object.entries(
          summary.ops,
        )
          .map(([op, n]) => `${op}×${n}`)
          .join(' ')}\n` +
          `gradients: ${summary.gradientSupport ? 'supported' : `not supported (${unsupportedOps.join(', ') || `opset ${summary.opset} < 13`})`}\n`,
      );
      return EXIT.OK;
    } finally {
      await model.release();
    }
  },
});

const predict = defineCommand({
  name: 'model predict',
  summary: 'run an ONNX model on a .npy batch (memory-bounded batches)',
  args: [],
  options: {
    model: { type: 'string', valueName: '<model.onnx>', description: 'the model' },
    input: {
      type: 'string',
      valueName: '<x.npy>',
      description: 'input batch (float32/float64, batch first)',
    },
    out: {
      type: 'string',
      valueName: '<y.npy>',
      description: 'write the outputs here (else print a summary)',
    },
    'batch-size': {
      type: 'string',
      valueName: '<n>',
      description: 'samples per run (default: from a 512 MiB budget)',
    },
    ...COMMON,
  },
  examples: [
    'aisf model predict --model lenet.onnx --input x.npy --out logits.npy',
    'aisf model predict --model lenet.onnx --input x.npy --format json',
  ],
  async run(ctx) {
    const model = await open(ctx, path(ctx, ctx.options.model, 'model'));
    try {
      const x = readArray(ctx, ctx.options.input, 'input');
      const batchSize = positiveInt(ctx.options['batch-size'], 'batch-size');
      const y = await model.predict(x, batchSize ? { batchSize } : {});
      const classes = y.shape[y.shape.length - 1] ?? 1;
      const predictions: number[] = [];
      if (y.shape.length === 2)
        for (let i = 0; i < (y.shape[0] as number); i++) {
          let best = 0;
          for (let c = 1; c < classes; c++)
            if ((y.data[i * classes + c] as number) > (y.data[i * classes + best] as number))
              best = c;
          predictions.push(best);
        }
      const summary: Record<string, unknown> = { samples: y.shape[0], outputShape: y.shape };
      if (ctx.options.out !== undefined) summary.out = write(ctx, ctx.options.out, writeNpy(y));
      if (predictions.length) summary.argmax = predictions;
      ctx.out(
        ctx.format === 'json'
          ? renderJson(summary)
          : `${y.shape[0]} samples → output [${y.shape.join(', ')}]${summary.out ? `, written to ${String(summary.out)}` : ''}\n${predictions.length ? `argmax: ${predictions.join(' ')}\n` : ''}`,
      );
      return EXIT.OK;
    } finally {
      await model.release();
    }
  },
});

const grad = defineCommand({
  name: 'model grad',
  summary: 'gradient of a loss w.r.t. the model input, through aisf’s ONNX autodiff',
  args: [],
  options: {
    model: { type: 'string', valueName: '<model.onnx>', description: 'the model' },
    input: {
      type: 'string',
      valueName: '<x.npy>',
      description: 'input batch (float32/float64, batch first)',
    },
    labels: {
      type: 'string',
      valueName: '<y.npy>',
      description: 'class indices (int64/int32/uint8), or for mse a float target',
    },
    loss: {
      type: 'string',
      choices: LOSSES,
      valueName: '<loss>',
      description: `${LOSSES.join(' | ')}`,
      default: 'cross-entropy',
    },
    reduction: {
      type: 'string',
      choices: REDUCTIONS,
      valueName: '<sum|mean>',
      description: 'sum or mean over samples',
      default: 'sum',
    },
    kappa: {
      type: 'string',
      valueName: '<κ>',
      description: 'confidence κ of cw-margin (default 0)',
    },
    out: { type: 'string', valueName: '<g.npy>', description: 'write d loss / d input here' },
    'batch-size': {
      type: 'string',
      valueName: '<n>',
      description: 'samples per run (default: from a 512 MiB budget)',
    },
    ...COMMON,
  },
  examples: [
    'aisf model grad --model lenet.onnx --input x.npy --labels y.npy --out g.npy',
    'aisf model grad --model lenet.onnx --input x.npy --labels y.npy --loss cw-margin --reduction mean --out g.npy',
  ],
  async run(ctx) {
    if (ctx.options.out === undefined)
      throw new AisfError('E_USAGE', 'missing --out <g.npy>: where to write the gradient');
    const model = await open(ctx, path(ctx, ctx.options.model, 'model'));
    try {
      const x = readArray(ctx, ctx.options.input, 'input');
      const y = readArray(ctx, ctx.options.labels, 'labels');
      const kappa = ctx.options.kappa === undefined ? undefined : Number(ctx.options.kappa);
      if (kappa !== undefined && !Number.isFinite(kappa))
        throw new AisfError('E_USAGE', '--kappa must be a number');
      const batchSize = positiveInt(ctx.options['batch-size'], 'batch-size');
      const started = performance.now();
      const r = await model.lossAndGradient(x, y, {
        loss: ctx.options.loss as LossName,
        reduction: ctx.options.reduction as Reduction,
        ...(kappa === undefined ? {} : { kappa }),
        ...(batchSize ? { batchSize } : {}),
      });
      const ms = performance.now() - started;
      const g = r.inputGradient as NonNullable<typeof r.inputGradient>;
      const out = write(ctx, ctx.options.out, writeNpy(g));
      let norm = 0;
      for (const v of g.data) norm += v * v;
      const summary = {
        loss: r.loss,
        samples: x.shape[0],
        gradientShape: g.shape,
        gradientL2: Math.sqrt(norm),
        out,
        ms: Math.round(ms),
      };
      ctx.out(
        ctx.format === 'json'
          ? renderJson(summary)
          : `loss ${r.loss.toPrecision(6)} over ${x.shape[0]} samples; gradient [${g.shape.join(', ')}] (L2 ${summary.gradientL2.toPrecision(4)}) written to ${out}\n`,
      );
      return EXIT.OK;
    } finally {
      await model.release();
    }
  },
});

/** The `aisf model` command group. */
export const MODEL_COMMANDS = [info, predict, grad] as const;
