/**
 * @module The checks of `onnx.checker` that matter before a model reaches ONNX Runtime: IR and
 * opset versions, SSA (each value defined once), topological order (every input defined before
 * use, which also rules out cycles), known operators, tensor data consistent with dims.
 * Failures are E_MODEL_INVALID naming the node and the reason.
 */
import { AisfError } from '../../errors.js';
import type { GraphProto, ModelProto, NodeProto } from './proto.js';
import { ELEMENT_BYTES, elementCount, presentElements } from './tensor.js';

/** IR versions this reader understands (ONNX 1.0 … 1.17 write 3 … 10; 11 from 1.18). */
export const IR_VERSION_RANGE = { min: 3, max: 11 } as const;

/** Default-domain opset versions ONNX Runtime 1.20+ runs. */
export const OPSET_RANGE = { min: 7, max: 23 } as const;

/** Domains whose ops are defined by the ONNX spec or built into ONNX Runtime. */
export const STANDARD_DOMAINS: readonly string[] = [
  '',
  'ai.onnx',
  'ai.onnx.ml',
  'ai.onnx.preview.training',
  'com.microsoft',
];

/** Every operator of the ONNX default domain (ai.onnx, opsets 1–23). */
export const ONNX_OPS: ReadonlySet<string> = new Set(
  (
    'Abs Acos Acosh Add AffineGrid And ArgMax ArgMin Asin Asinh Atan Atanh AveragePool ' +
    'BatchNormalization Bernoulli BitShift BitwiseAnd BitwiseNot BitwiseOr BitwiseXor ' +
    'BlackmanWindow Cast CastLike Ceil Celu CenterCropPad Clip Col2Im Compress Concat ' +
    'ConcatFromSequence Constant ConstantOfShape Conv ConvInteger ConvTranspose Cos Cosh CumSum ' +
    'DFT DeformConv DepthToSpace DequantizeLinear Det Div Dropout DynamicQuantizeLinear Einsum ' +
    'Elu Equal Erf Exp Expand EyeLike Flatten Floor GRU Gather GatherElements GatherND Gelu Gemm ' +
    'GlobalAveragePool GlobalLpPool GlobalMaxPool Greater GreaterOrEqual GridSample ' +
    'GroupNormalization HammingWindow HannWindow HardSigmoid HardSwish Hardmax Identity If ' +
    'ImageDecoder InstanceNormalization IsInf IsNaN LRN LSTM LayerNormalization LeakyRelu Less ' +
    'LessOrEqual Log LogSoftmax Loop LpNormalization LpPool MatMul MatMulInteger Max MaxPool ' +
    'MaxRoiPool MaxUnpool Mean MeanVarianceNormalization MelWeightMatrix Min Mish Mod Mul ' +
    'Multinomial Neg NegativeLogLikelihoodLoss NonMaxSuppression NonZero Not OneHot Optional ' +
    'OptionalGetElement OptionalHasElement Or PRelu Pad Pow QLinearConv QLinearMatMul ' +
    'QuantizeLinear RMSNormalization RNN RandomNormal RandomNormalLike RandomUniform ' +
    'RandomUniformLike Range Reciprocal ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ' +
    'ReduceMean ReduceMin ReduceProd ReduceSum ReduceSumSquare RegexFullMatch Relu Reshape Resize ' +
    'ReverseSequence RoiAlign RotaryEmbedding Round STFT Scan Scatter ScatterElements ScatterND ' +
    'Selu SequenceAt SequenceConstruct SequenceEmpty SequenceErase SequenceInsert SequenceLength ' +
    'SequenceMap Shape Shrink Sigmoid Sign Sin Sinh Size Slice Softmax SoftmaxCrossEntropyLoss ' +
    'Softplus Softsign SpaceToDepth Split SplitToSequence Sqrt Squeeze StringConcat ' +
    'StringNormalizer StringSplit Sub Sum Swish Tan Tanh TfIdfVectorizer ThresholdedRelu Tile TopK ' +
    'Transpose Trilu Unique Unsqueeze Upsample Where Xor Attention'
  ).split(' '),
);

/** Options of checkModel. */
export interface CheckOptions {
  /** Name used in messages (usually the file path). */
  source?: string;
}

function invalid(source: string, reason: string, node?: NodeProto, index?: number): AisfError {
  const where = node ? ` at node ${describeNode(node, index)}` : '';
  return new AisfError(
    'E_MODEL_INVALID',
    `${source} is not a valid ONNX model${where}: ${reason}`,
    { details: node ? { node: node.name, opType: node.opType, index } : undefined },
  );
}

/** `"conv1" (Conv, #3)` — how messages name a node. */
export function describeNode(node: NodeProto, index?: number): string {
  const name = node.name ? `"${node.name}" ` : '';
  return `${name}(${node.domain ? `${node.domain}.` : ''}${node.opType}${index === undefined ? '' : `, #${index}`})`;
}

/** The default-domain opset version a model imports, or undefined. */
export function defaultOpset(model: ModelProto): number | undefined {
  return model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version;
}

/**
 * Checks a decoded model; throws E_MODEL_INVALID at the first problem. The subset of
 * `onnx.checker.check_model` that protects the runtime: versions, SSA, topological order,
 * known default-domain ops, tensor dims/data consistency, and graph outputs defined.
 *
 * @example
 * checkModel(decodeModel(bytes), { source: 'mlp.onnx' });
 */
export function checkModel(model: ModelProto, options: CheckOptions = {}): void {
  const source = options.source ?? 'the model';
  if (model.irVersion < IR_VERSION_RANGE.min || model.irVersion > IR_VERSION_RANGE.max)
    throw invalid(
      source,
      `ir_version ${model.irVersion} is outside ${IR_VERSION_RANGE.min}–${IR_VERSION_RANGE.max}`,
    );
  const seenDomains = new Set<string>();
  for (const o of model.opsetImport) {
    const domain = o.domain === 'ai.onnx' ? '' : o.domain;
    if (seenDomains.has(domain))
      throw invalid(source, `opset_import lists domain "${o.domain}" twice`);
    seenDomains.add(domain);
  }
  const opset = defaultOpset(model);
  if (opset === undefined)
    throw invalid(source, 'opset_import has no entry for the default ONNX domain');
  if (opset < OPSET_RANGE.min || opset > OPSET_RANGE.max)
    throw invalid(source, `opset ${opset} is outside ${OPSET_RANGE.min}–${OPSET_RANGE.max}`);
  if (!model.graph) throw invalid(source, 'it has no graph');
  const functions = new Set(model.functions.map((f) => `${f.domain}:${f.name}`));
  checkGraph(model.graph, source, new Set(), seenDomains, functions);
}

function checkGraph(
  graph: GraphProto,
  source: string,
  outer: ReadonlySet<string>,
  domains: ReadonlySet<string>,
  functions: ReadonlySet<string>,
): void {
  const defined = new Set<string>();
  const define = (name: string, what: string, node?: NodeProto, index?: number) => {
    if (name === '') return;
    if (defined.has(name))
      throw invalid(source, `${what} "${name}" is defined twice (graphs must be SSA)`, node, index);
    defined.add(name);
  };
  for (const t of graph.initializer) {
    if (t.name === '') throw invalid(source, 'an initializer has no name');
    checkTensorData(t, source);
    define(t.name, 'initializer');
  }
  for (const v of graph.input) {
    if (v.name === '') throw invalid(source, 'a graph input has no name');
    // IR < 4 lists initializers among the inputs too; that is not a redefinition.
    if (!defined.has(v.name)) define(v.name, 'graph input');
  }
  graph.node.forEach((node, index) => {
    if (node.opType === '') throw invalid(source, 'a node has no op_type', node, index);
    const domain = node.domain === 'ai.onnx' ? '' : node.domain;
    if (!domains.has(domain) && !functions.has(`${node.domain}:${node.opType}`))
      throw invalid(source, `domain "${node.domain}" is not in opset_import`, node, index);
    if (domain === '' && !ONNX_OPS.has(node.opType))
      throw invalid(source, `"${node.opType}" is not an ONNX operator`, node, index);
    for (const input of node.input) {
      if (input !== '' && !defined.has(input) && !outer.has(input))
        throw invalid(
          source,
          `input "${input}" is not defined before this node (undefined value, wrong topological order or a cycle)`,
          node,
          index,
        );
    }
    for (const attr of node.attribute) {
      if (attr.t) checkTensorData(attr.t, source);
      const subgraphs = attr.g ? [attr.g, ...attr.graphs] : attr.graphs;
      for (const sub of subgraphs) {
        const scope = new Set([...outer, ...defined]);
        checkGraph(sub, source, scope, domains, functions);
      }
    }
    for (const output of node.output) define(output, 'output', node, index);
  });
  for (const v of graph.output) {
    if (!defined.has(v.name) && !outer.has(v.name))
      throw invalid(source, `graph output "${v.name}" is never produced`);
  }
}

/** Checks dims are sane and the stored data matches them (non-external tensors). */
export function checkTensorData(t: GraphProto['initializer'][number], source = 'the model'): void {
  if (ELEMENT_BYTES[t.dataType] === undefined && t.dataType !== 8)
    throw invalid(source, `tensor "${t.name}" has unknown data_type ${t.dataType}`);
  const n = elementCount(t.dims);
  if (n === undefined)
    throw invalid(source, `tensor "${t.name}" has invalid dims [${t.dims.join(', ')}]`);
  if (t.dataLocation === 1) return;
  const present = presentElements(t);
  const size = ELEMENT_BYTES[t.dataType];
  if (t.rawData && size && t.rawData.length !== n * size)
    throw invalid(
      source,
      `tensor "${t.name}" declares dims [${t.dims.join(', ')}] (${n * size} bytes) but holds ${t.rawData.length} bytes`,
    );
  if (!t.rawData && present !== n)
    throw invalid(
      source,
      `tensor "${t.name}" declares dims [${t.dims.join(', ')}] (${n} values) but holds ${present}`,
    );
}
