/**
 * @module The engine's public API: load ONNX models safely, predict, take loss gradients through
 * aisf's ONNX autodiff, train with SGD/Adam, and read/write .npy/.npz, CSV and image data.
 * Areas above (robustness, privacy, fairness, watermark …) build on this module only.
 */
export {
  buildGradientGraph,
  type GradientGraph,
  type GradientSpec,
  trainableWeights,
  unsupportedOps,
} from './autodiff/backward.js';
export { LOSSES, type LossName, REDUCTIONS, type Reduction } from './autodiff/losses.js';
export { GRADIENTS, hasGradient } from './autodiff/registry.js';
export {
  type CsvColumn,
  type CsvData,
  type CsvLimits,
  type CsvParseOptions,
  CsvParser,
  type CsvSchema,
  parseCsv,
  readCsv,
  streamCsv,
} from './io/csv.js';
export {
  batches,
  decodeImage,
  type ImageOptions,
  imageFolderBatches,
  listImageFolder,
  type RgbaImage,
} from './io/images.js';
export { type LabelledNpz, type LabelledNpzOptions, readLabelledNpz } from './io/labelled.js';
export { type NpyLimits, readNpy, readNpz, writeNpy, writeNpz } from './io/npy.js';
export {
  type GradientOptions,
  type GradientResult,
  type LoadOptions,
  loadModel,
  Model,
  type TensorInfo,
} from './model.js';
export * from './onnx/index.js';
export {
  type ClippedSum,
  PER_SAMPLE_METHODS,
  type PerSampleGradients,
  type PerSampleMethod,
  type PerSampleOptions,
  type PerSampleResult,
  perSampleGradients,
} from './per-sample/index.js';
export {
  createSession,
  type RuntimeOptions,
  type Session,
  type Tensor,
} from './runtime/session.js';
export {
  type AdamOptions,
  adam,
  type Optimizer,
  type ParameterMap,
  type SgdOptions,
  sgd,
} from './train/optimizers.js';
export {
  accuracy,
  permutation,
  seededRandom,
  stderrProgress,
  type TrainOptions,
  type TrainProgress,
  type TrainResult,
  takeRows,
  train,
} from './train/train.js';
