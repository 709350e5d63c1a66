/**
 * @module ONNX file I/O for every area: bounded protobuf decode/encode, the checker, safety checks
 * (custom ops, Python ops, external-data traversal, size mismatches) and tensor conversion.
 * The platform scanner (src/platform/scan/onnx) reuses this module as is.
 */
export {
  type CheckOptions,
  checkModel,
  checkTensorData,
  defaultOpset,
  describeNode,
  IR_VERSION_RANGE,
  ONNX_OPS,
  OPSET_RANGE,
  STANDARD_DOMAINS,
} from './checker.js';
export { hasExternalData, resolveExternalData } from './external.js';
export {
  ATTRIBUTE_TYPE,
  type AttributeProto,
  DATA_TYPE,
  type DecodeLimits,
  type Dim,
  decodeModel,
  encodeModel,
  type FunctionProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type OperatorSetId,
  type TensorProto,
  type ValueInfo,
} from './proto.js';
export {
  isSafeExternalLocation,
  type OnnxSafetyFinding,
  type SafetyOptions,
  scanOnnxModel,
} from './safety.js';
export {
  arrayToTensor,
  DATA_TYPE_NAMES,
  dataTypeOf,
  ELEMENT_BYTES,
  elementCount,
  presentElements,
  type TypedArray,
  tensorToArray,
} from './tensor.js';
