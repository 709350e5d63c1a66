/**
 * @module Reverse-mode autodiff as an ONNX graph transform: appends a loss and the backward graph
 * to a copy of the forward graph, so one ONNX Runtime run returns logits, per-sample losses and
 * d loss / d input and/or d loss / d weights. Every op on the path from the differentiated values
 * to the loss must have a registered rule; otherwise E_MODEL_UNSUPPORTED_OP names the op and node
 * before anything runs.
 */
import { AisfError } from '../../errors.js';
import { GraphBuilder } from '../graph/builder.js';
import { DATA_TYPE, type ModelProto, type NodeProto } from '../onnx/proto.js';
import { type TypedArray, tensorToArray } from '../onnx/tensor.js';
import type { GradContext } from './context.js';
import { appendLoss, type LossName } from './losses.js';
import { GRADIENTS } from './registry.js';
import { type PhasePoolBlock, phasePoolGradient, rewritePhasePools } from './rules/pool.js';
import type { ProbedShape } from './shapes.js';

/** Ops whose outputs carry no gradient (integer, boolean or piecewise-constant results). */
const NON_DIFFERENTIABLE = new Set([
  'Shape',
  'Size',
  'ArgMax',
  'ArgMin',
  'Equal',
  'Greater',
  'GreaterOrEqual',
  'Less',
  'LessOrEqual',
  'Not',
  'And',
  'Or',
  'Xor',
  'NonZero',
  'ConstantOfShape',
  'Range',
  'Floor',
  'Ceil',
  'Round',
  'Sign',
  'OneHot',
  'EyeLike',
  'RandomNormalLike',
  'RandomUniformLike',
]);

/** What to differentiate. */
export interface GradientSpec {
  loss: LossName;
  /** Differentiate w.r.t. the model input(s), the trainable weights, or both. */
  wrt: readonly ('input' | 'weights')[];
  /** Output to treat as logits. @default the first graph output */
  output?: string;
  /** Labels are class indices (int64 [N]); false: a float target shaped like the output (mse). */
  labelsAreClasses?: boolean;
  /** κ of the Carlini–Wagner margin. @default 0 */
  kappa?: number;
  /**
   * Intermediate values whose loss gradient is also returned (in `gradients`): per-sample
   * gradient graphs build on the output-gradients of each layer.
   */
  values?: readonly string[];
}

/** The built gradient model and the names of its extra inputs and outputs. */
export interface GradientGraph {
  model: ModelProto;
  inputs: string[];
  labels: string;
  scale: string;
  /** Weights turned into graph inputs (fed by the caller). */
  weights: string[];
  logits: string;
  losses: string;
  /** Graph output holding d loss / d value, per differentiated value. */
  gradients: Map<string, string>;
}

/**
 * Float initializers at differentiable inputs of ops on the path to the output: the parameters.
 * Rank-0 initializers are excluded: exporters store Python scalars (`x * 0.5`) that way, and
 * PyTorch would not train them.
 */
export function trainableWeights(model: ModelProto, output?: string): string[] {
  const graph = model.graph;
  if (!graph) return [];
  const floats = new Set(
    graph.initializer
      .filter((t) => t.dataType === DATA_TYPE.FLOAT && t.dims.length > 0)
      .map((t) => t.name),
  );
  const target = output ?? graph.output[0]?.name ?? '';
  const ancestors = ancestorsOf(graph.node, target);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const node of graph.node) {
    if (!node.output.some((o) => ancestors.has(o))) continue;
    const rule = GRADIENTS.get(node.opType);
    node.input.forEach((name, i) => {
      if (!floats.has(name) || seen.has(name)) return;
      const slotOk = rule
        ? rule.differentiable === 'all' || rule.differentiable.includes(i)
        : false;
      if (slotOk) {
        seen.add(name);
        out.push(name);
      }
    });
  }
  return out;
}

function ancestorsOf(nodes: readonly NodeProto[], target: string): Set<string> {
  const need = new Set([target]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i] as NodeProto;
    if (node.output.some((o) => need.has(o))) for (const x of node.input) if (x) need.add(x);
  }
  return need;
}

/** Ops on the path to the output that have no gradient rule (for `aisf model info`). */
export function unsupportedOps(model: ModelProto, output?: string): string[] {
  const graph = model.graph;
  if (!graph) return [];
  const target = output ?? graph.output[0]?.name ?? '';
  const ancestors = ancestorsOf(graph.node, target);
  const inits = new Set(graph.initializer.map((t) => t.name));
  const dependent = new Set(graph.input.filter((v) => !inits.has(v.name)).map((v) => v.name));
  for (const t of trainableWeights(model, output)) dependent.add(t);
  const missing = new Set<string>();
  for (const node of graph.node) {
    if (!node.input.some((x) => dependent.has(x))) continue;
    if (NON_DIFFERENTIABLE.has(node.opType)) continue;
    for (const o of node.output) if (o) dependent.add(o);
    const onPath = node.output.some((o) => ancestors.has(o));
    if (onPath && (node.domain !== '' || !GRADIENTS.has(node.opType))) missing.add(node.opType);
  }
  return [...missing].sort();
}

/**
 * Builds the gradient model for a forward model whose every value's shape was probed.
 *
 * @throws AisfError E_MODEL_UNSUPPORTED_OP naming the first op/node without a gradient rule.
 * @example
 * const g = buildGradientGraph(model, await probeShapes(model), { loss: 'cross-entropy', wrt: ['input'] });
 */
export function buildGradientGraph(
  forward: ModelProto,
  shapes: ReadonlyMap<string, ProbedShape>,
  spec: GradientSpec,
): GradientGraph {
  const model = structuredClone(forward);
  const graph = model.graph;
  if (!graph) throw new AisfError('E_MODEL_INVALID', 'the model has no graph');
  const opset =
    model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0;
  if (opset < 13)
    throw new AisfError(
      'E_MODEL_UNSUPPORTED_OP',
      `gradients need opset 13 or newer (the model uses opset ${opset}); re-export it, e.g. torch.onnx.export(..., opset_version=13)`,
    );
  const logits = spec.output ?? graph.output[0]?.name;
  if (!logits || !shapes.has(logits))
    throw new AisfError('E_INPUT', `output "${spec.output ?? ''}" is not an output of the model`);
  const inits = new Set(graph.initializer.map((t) => t.name));
  const inputs = graph.input.filter((v) => !inits.has(v.name)).map((v) => v.name);
  const weights = spec.wrt.includes('weights') ? trainableWeights(forward, logits) : [];
  // Weights being differentiated become graph inputs; the rest stay constants.
  if (weights.length) {
    const set = new Set(weights);
    for (const t of graph.initializer.filter((x) => set.has(x.name)))
      graph.input.push({
        name: t.name,
        elemType: t.dataType,
        shape: [...t.dims],
        docString: '',
        unknown: [],
      });
    graph.initializer = graph.initializer.filter((t) => !set.has(t.name));
  }
  const sources = [...(spec.wrt.includes('input') ? inputs : []), ...weights];

  const constants = new Map<string, { data: TypedArray; dims: number[] }>();
  const constantOf = (name: string) => {
    const hit = constants.get(name);
    if (hit) return hit;
    const t =
      graph.initializer.find((x) => x.name === name) ??
      graph.node
        .find((n) => n.opType === 'Constant' && n.output[0] === name)
        ?.attribute.find((a) => a.name === 'value')?.t;
    if (!t) return undefined;
    const value = { data: tensorToArray(t), dims: [...t.dims] };
    constants.set(name, value);
    return value;
  };

  const b = new GraphBuilder(graph, 'aisf_grad');
  // Input gradients only: Conv → ReLU → MaxPool 2×2 blocks run as four pool phases (pool.ts).
  let phaseBlocks = new Map<string, PhasePoolBlock>();
  if (weights.length === 0 && !spec.values?.length) {
    const useCount = new Map<string, number>();
    for (const n of graph.node)
      for (const x of n.input) if (x) useCount.set(x, (useCount.get(x) ?? 0) + 1);
    for (const o of graph.output) useCount.set(o.name, (useCount.get(o.name) ?? 0) + 1);
    phaseBlocks = rewritePhasePools(
      graph,
      b,
      (name) => shapes.get(name),
      (name) => (sources.includes(name) ? undefined : constantOf(name)),
      (name) => useCount.get(name) ?? 0,
    );
  }
  const blockNodes = new Set<NodeProto>();
  for (const blk of phaseBlocks.values()) for (const n of blk.nodes.slice(0, -1)) blockNodes.add(n);

  // Forward: which values depend on a source through differentiable slots.
  const dependent = new Set(sources);
  const forwardNodes = [...graph.node];
  const ancestors = ancestorsOf(forwardNodes, logits);
  const onPath: NodeProto[] = [];
  forwardNodes.forEach((node, index) => {
    if (NON_DIFFERENTIABLE.has(node.opType)) return;
    if (blockNodes.has(node)) {
      if (node.input.some((x) => dependent.has(x))) for (const o of node.output) dependent.add(o);
      return;
    }
    const rule =
      node.domain === '' || node.domain === 'ai.onnx' ? GRADIENTS.get(node.opType) : undefined;
    const flows = node.input.some(
      (x, i) =>
        x !== '' &&
        dependent.has(x) &&
        (!rule || rule.differentiable === 'all' || rule.differentiable.includes(i)),
    );
    if (!flows) return;
    for (const o of node.output) if (o) dependent.add(o);
    if (!node.output.some((o) => ancestors.has(o))) return;
    if (!rule)
      throw new AisfError(
        'E_MODEL_UNSUPPORTED_OP',
        `cannot differentiate op ${node.domain ? `${node.domain}.` : ''}${node.opType} at node "${node.name}" (#${index}): no gradient rule; supported: ${[...GRADIENTS.keys()].sort().join(', ')}`,
        { details: { op: node.opType, node: node.name, index } },
      );
    onPath.push(node);
  });

  const labelsAreClasses = spec.labelsAreClasses ?? true;
  const labels = 'aisf_labels';
  const scale = 'aisf_loss_scale';
  const logitShape = shapes.get(logits) as ProbedShape;
  graph.input.push({
    name: labels,
    elemType: labelsAreClasses ? DATA_TYPE.INT64 : DATA_TYPE.FLOAT,
    docString: '',
    unknown: [],
  });
  graph.input.push({
    name: scale,
    elemType: DATA_TYPE.FLOAT,
    shape: [],
    docString: '',
    unknown: [],
  });

  const shapeOf = (name: string): ProbedShape => {
    const s = shapes.get(name);
    if (!s) throw new AisfError('E_INTERNAL', `no probed shape for value "${name}"`);
    return s;
  };
  const producers = new Map<string, NodeProto>();
  const consumerMap = new Map<string, NodeProto[]>();
  for (const node of forwardNodes) {
    for (const o of node.output) if (o) producers.set(o, node);
    for (const x of node.input) if (x) consumerMap.set(x, [...(consumerMap.get(x) ?? []), node]);
  }
  const graphOutputs = new Set(forward.graph?.output.map((v) => v.name) ?? []);
  const fused = new Set<string>();
  const baseCtx = (
    node: NodeProto,
    dy: (string | undefined)[],
    needs: (i: number) => boolean,
  ): GradContext => ({
    producer: (name) => producers.get(name),
    consumers: (name) => ({
      nodes: consumerMap.get(name) ?? [],
      graphOutput: graphOutputs.has(name),
    }),
    fused,
    b,
    node,
    dy,
    needs,
    shape: shapeOf,
    constant: (name) => (dependent.has(name) ? undefined : constantOf(name)),
    opset,
  });

  if (spec.loss !== 'mse' && logitShape.length !== 2)
    throw new AisfError(
      'E_INPUT',
      `loss ${spec.loss} needs logits of shape [N, classes]; output "${logits}" has rank ${logitShape.length}`,
    );
  const classes = logitShape[logitShape.length - 1] as number;
  const lossCtx = baseCtx(forwardNodes[0] as NodeProto, [], () => false);
  const { losses, dLogits } = appendLoss(lossCtx, {
    loss: spec.loss,
    logits,
    classes,
    labels,
    labelsAreClasses,
    scale,
    ...(spec.kappa === undefined ? {} : { kappa: spec.kappa }),
  });

  const grads = new Map<string, string[]>([[logits, [dLogits]]]);
  const total = (name: string): string | undefined => {
    const parts = grads.get(name);
    if (!parts || parts.length === 0) return undefined;
    if (parts.length === 1) return parts[0];
    const sum = b.op('Sum', parts);
    grads.set(name, [sum]);
    return sum;
  };
  for (let k = onPath.length - 1; k >= 0; k--) {
    const node = onPath[k] as NodeProto;
    const dy = node.output.map((o) => (o ? total(o) : undefined));
    if (dy.every((d) => d === undefined)) continue;
    const block = phaseBlocks.get(node.output[0] as string);
    if (block && dependent.has(block.x)) {
      const g = phasePoolGradient(
        baseCtx(node, dy, () => true),
        block,
        dy[0] as string,
      );
      grads.set(block.x, [...(grads.get(block.x) ?? []), g]);
      continue;
    }
    const rule = GRADIENTS.get(node.opType);
    if (!rule) continue;
    const needs = (i: number) => {
      const x = node.input[i];
      if (!x || !dependent.has(x)) return false;
      return rule.differentiable === 'all' || rule.differentiable.includes(i);
    };
    const dx = rule.grad(baseCtx(node, dy, needs));
    node.input.forEach((x, i) => {
      const g = dx[i];
      if (g && needs(i)) grads.set(x, [...(grads.get(x) ?? []), g]);
    });
  }

  const gradients = new Map<string, string>();
  for (const source of sources) {
    const g = total(source) ?? b.op('Mul', [source, b.scalar(0)]);
    const name = `aisf_grad:${source}`;
    b.node('Identity', [g], {}, [name]);
    b.output(name);
    gradients.set(source, name);
  }
  for (const value of spec.values ?? []) {
    const g = total(value);
    if (!g) throw new AisfError('E_INPUT', `value "${value}" does not reach the loss`);
    const name = `aisf_grad:${value}`;
    b.node('Identity', [g], {}, [name]);
    b.output(name);
    gradients.set(value, name);
  }
  const lossOut = 'aisf_losses';
  b.node('Identity', [losses], {}, [lossOut]);
  b.output(lossOut);
  graph.output = graph.output.filter((v) => v.name === logits || v.name.startsWith('aisf_'));
  return { model, inputs, labels, scale, weights, logits, losses: lossOut, gradients };
}
