/**
 * @module The TensorFlow op allow-list of the SavedModel scanner (default-deny, as for pickle
 * imports): ops a SavedModel / GraphDef may contain without a finding. Sources: the XLA
 * auto-clustering allow-list (tensorflow/compiler/jit/mark_for_compilation_pass.cc,
 * `GetAllowlistTable` and `GetKnownXLAAllowlistOp`) plus the graph plumbing every exported model
 * has (variables, control flow, save/restore, lookup tables, string/image/parsing ops,
 * tensorflow/core/ops/*.cc). An op outside it is a custom op (`tf.load_op_library`, native code)
 * or one aisf does not know: medium, so a reviewer looks at it.
 */

const XLA_ALLOWLIST = `ComplexAbs Angle Conj Abs Acos Acosh Asin Atan Atanh Ceil Cos Cosh Sin Exp Expm1 Floor
IsFinite IsInf IsNan Inv Reciprocal Log Log1p Invert LogicalNot Ndtri Neg Rint Round Rsqrt Sigmoid
Sign Sinh Softplus Softsign Sqrt Square Tan Tanh Real Imag Erf Erfc Erfinv Lgamma Digamma Add AddV2
Sub Mul Div Atan2 Complex DivNoNan MulNoNan FloorDiv Xlogy Xlog1py Xdivy FloorMod BitwiseAnd
BitwiseOr BitwiseXor LeftShift RightShift LogicalAnd LogicalOr Mod Maximum Minimum RealDiv
ReciprocalGrad RsqrtGrad SqrtGrad TruncateDiv TruncateMod Equal NotEqual Greater GreaterEqual Less
LessEqual SigmoidGrad SoftplusGrad SoftsignGrad TanhGrad Pow SquaredDifference ApproximateEqual
AddN Bitcast Cast ClipByValue Const Empty Identity IdentityN Relu Relu6 ReluGrad Relu6Grad
LeakyReluGrad Elu EluGrad Selu SeluGrad Select SelectV2 Transpose ConjugateTranspose
_UnaryOpsComposition CollectiveReduceV2 CollectiveAssignGroupV2 PlaceholderWithDefault
PreventGradient StopGradient Snapshot _EagerConst All Any Min Max Mean Prod Sum ArgMax ArgMin
DiagPart Softmax SparseSoftmaxCrossEntropyWithLogits LogSoftmax BiasAddGrad LRN LRNGrad
FusedBatchNorm FusedBatchNormV2 FusedBatchNormV3 _FusedBatchNormEx FusedBatchNormGrad
FusedBatchNormGradV2 FusedBatchNormGradV3 _FusedConv2D TopKV2 ApproxTopK BroadcastTo ExpandDims
Fill NoOp Range Rank Reshape Shape ShapeN Size Squeeze ZerosLike OnesLike BiasAdd BroadcastArgs
BroadcastGradientArgs OneHot Concat ConcatV2 ConcatOffset MirrorPad MirrorPadGrad Pack Pad PadV2
Reverse ReverseV2 ReverseSequence Slice Split SplitV StridedSlice StridedSliceGrad
ResourceStridedSliceAssign Tile InvertPermutation Unpack DeviceIndex TensorStridedSliceUpdate
XlaConcatND XlaSplitND AdjustContrastv2 AdjustHue AdjustSaturation Asinh Assert
AssignAddVariableOp AssignSubVariableOp AssignVariableOp AssignVariableXlaConcatND AvgPool
AvgPool3D AvgPool3DGrad AvgPoolGrad BatchMatMul BatchMatMulV2 BatchMatMulV3 BatchToSpace
BatchToSpaceND BesselI0e BesselI1e Betainc BiasAddV1 Bincount Bucketize Case CheckNumerics Cholesky
ControlTrigger Conv Conv2D Conv2DBackpropFilter Conv2DBackpropInput Conv3D Conv3DBackpropFilterV2
Conv3DBackpropInputV2 Cross Cumprod Cumsum CumulativeLogsumexp DenseBincount DataFormatDimMap
DataFormatVecPermute DepthToSpace DepthwiseConv2dNative DepthwiseConv2dNativeBackpropFilter
DepthwiseConv2dNativeBackpropInput Dequantize Diag DynamicStitch DynamicPartition Einsum
EmptyTensorList EnsureShape ExtractImagePatches Igamma IgammaGradA RandomGammaGrad Igammac FFT FFT2D
FFT3D FakeParam FakeQuantWithMinMaxArgs FakeQuantWithMinMaxArgsGradient FakeQuantWithMinMaxVars
FakeQuantWithMinMaxVarsGradient FakeQuantWithMinMaxVarsPerChannel
FakeQuantWithMinMaxVarsPerChannelGradient Gather GatherNd GatherV2 HSVToRGB IFFT IFFT2D IFFT3D IRFFT
IRFFT2D IRFFT3D If InTopKV2 L2Loss LeakyRelu LinSpace ListDiff LogMatrixDeterminant LowerBound MatMul
MatrixBandPart MatrixDiag MatrixDiagPart MatrixDiagPartV2 MatrixDiagPartV3 MatrixDiagV2 MatrixDiagV3
MatrixInverse MatrixSetDiag MatrixSetDiagV2 MatrixSetDiagV3 MatrixSolve MatrixTriangularSolve
MaxPool MaxPool3D MaxPool3DGrad MaxPool3DGradGrad MaxPoolGrad MaxPoolGradGrad MaxPoolGradGradV2
MaxPoolGradV2 MaxPoolV2 Multinomial NextAfter NonMaxSuppressionV3 NonMaxSuppressionV4
ParallelDynamicStitch ParameterizedTruncatedNormal PartitionedCall Polygamma PopulationCount Qr
QuantizeAndDequantizeV2 QuantizeAndDequantizeV3 QuantizeAndDequantizeV4 RFFT RFFT2D RFFT3D RGBToHSV
RandomShuffle RandomStandardNormal RandomUniform RandomUniformInt ReadVariableOp
ReadVariableXlaSplitND ResizeBilinear ResizeBilinearGrad ResizeNearestNeighbor ResourceApplyAdaMax
ResourceApplyAdadelta ResourceApplyAdagrad ResourceApplyAdagradDA ResourceApplyAdagradV2
ResourceApplyAdam ResourceApplyAddSign ResourceApplyCenteredRMSProp ResourceApplyFtrl
ResourceApplyFtrlV2 ResourceApplyGradientDescent ResourceApplyKerasMomentum ResourceApplyMomentum
ResourceApplyPowerSign ResourceApplyProximalAdagrad ResourceApplyProximalGradientDescent
ResourceApplyRMSProp ResourceGather ResourceScatterAdd ResourceScatterDiv ResourceScatterMax
ResourceScatterMin ResourceScatterMul ResourceScatterNdAdd ResourceScatterNdSub
ResourceScatterNdUpdate ResourceScatterSub ResourceScatterUpdate RngReadAndSkip RngSkip Roll
ScatterNd SegmentSumV2 SegmentProdV2 SegmentMinV2 SegmentMaxV2 SelfAdjointEigV2
SoftmaxCrossEntropyWithLogits SpaceToBatch SpaceToBatchND SpaceToDepth SparseMatMul SparseToDense
StackCloseV2 StackPopV2 StackPushV2 StackV2 StatefulPartitionedCall StatefulStandardNormalV2
StatefulTruncatedNormal StatefulUniform StatefulUniformFullInt StatefulUniformInt StatelessCase
StatelessIf StatelessMultinomial StatelessParameterizedTruncatedNormal StatelessRandomGetAlg
StatelessRandomGetKeyCounter StatelessRandomGetKeyCounterAlg StatelessRandomNormal
StatelessRandomNormalV2 StatelessRandomUniform StatelessRandomUniformV2 StatelessRandomUniformInt
StatelessRandomUniformIntV2 StatelessRandomUniformFullInt StatelessRandomUniformFullIntV2
StatelessTruncatedNormal StatelessTruncatedNormalV2 StatelessWhile StochasticCastToInt Svd
SymbolicGradient TensorArrayCloseV3 TensorArrayConcatV3 TensorArrayGatherV3 TensorArrayGradV3
TensorArrayReadV3 TensorArrayScatterV3 TensorArraySizeV3 TensorArraySplitV3 TensorArrayV3
TensorArrayWriteV3 TensorListConcatV2 TensorListElementShape TensorListFromTensor TensorListGather
TensorListGetItem TensorListLength TensorListPopBack TensorListPushBack TensorListReserve
TensorListSetItem TensorListSplit TensorListStack TensorScatterAdd TensorScatterMax TensorScatterMin
TensorScatterSub TensorScatterUpdate ToBool TridiagonalSolve TridiagonalMatMul TruncatedNormal
UniformDequantize UniformQuantize UniformQuantizedAdd UniformQuantizedClipByValue
UniformQuantizedConvolution UniformQuantizedDot UniformRequantize Unique UniqueV2 UpperBound
UnsortedSegmentMax UnsortedSegmentMin UnsortedSegmentProd UnsortedSegmentSum VarIsInitializedOp
VariableShape Where While`;

/** Graph plumbing of exported models that XLA does not cluster (tensorflow/core/ops/*.cc). */
const GRAPH_PLUMBING = `Placeholder PlaceholderV2 VarHandleOp VariableV2 Variable Assign AssignAdd AssignSub
DestroyResourceOp _Arg _Retval _DeviceArg _DeviceRetval Switch Merge Enter Exit NextIteration
LoopCond RefSwitch RefMerge RefEnter RefExit RefIdentity Abort SaveV2 RestoreV2 MergeV2Checkpoints
ShardedFilename ShardedFilespec StringJoin StaticRegexFullMatch RegexFullMatch RegexReplace
StaticRegexReplace StringSplit StringSplitV2 StringToNumber StringToHashBucket
StringToHashBucketFast StringToHashBucketStrong StringLength StringLower StringUpper StringStrip
StringFormat AsString Substr UnicodeDecode UnicodeDecodeWithOffsets UnicodeEncode UnicodeScript
UnicodeTranscode DecodeBase64 EncodeBase64 ReduceJoin HashTable HashTableV2 MutableHashTableV2
MutableHashTableOfTensorsV2 MutableDenseHashTableV2 AnonymousHashTable AnonymousMutableHashTable
LookupTableFindV2 LookupTableImportV2 LookupTableInsertV2 LookupTableRemoveV2 LookupTableSizeV2
LookupTableExportV2 InitializeTableV2 DecodeJpeg DecodeAndCropJpeg DecodePng DecodeBmp DecodeGif
DecodeImage EncodeJpeg EncodePng ExtractJpegShape ResizeBicubic ResizeArea
ResizeNearestNeighborGrad CropAndResize DecodeRaw DecodeCSV ParseExample ParseExampleV2
ParseSingleExample ParseSequenceExample ParseSequenceExampleV2 ParseSingleSequenceExample
SerializeTensor ParseTensor Print Timestamp SparseTensorDenseMatMul SparseReshape SparseSlice
SparseConcat SparseAdd SparseReduceSum SparseFillEmptyRows SparseSegmentSum SparseSegmentMean
SparseSegmentSqrtN SparseReorder SparseTensorDenseAdd SegmentSum SegmentMean SegmentMax SegmentMin
SegmentProd Cumulative Lu MatrixExponential MatrixLogarithm MatrixSquareRoot MatrixDeterminant
BatchMatrixBandPart FloorDivGrad Erfcinv Round ScatterNdUpdate ScatterUpdate ScatterAdd ScatterSub
CTCGreedyDecoder CTCBeamSearchDecoder CTCLoss Conv2DBackpropInputV2 Conv1D Dilation2D QuantizeV2
QuantizedConv2D QuantizedMatMul QuantizedRelu QuantizedReshape RequantizationRange Requantize
FakeQueue FIFOQueueV2 QueueDequeueV2 QueueEnqueueV2 QueueCloseV2 QueueSizeV2 Mfcc
AudioSpectrogram DecodeWav EncodeWav NonMaxSuppression NonMaxSuppressionV2 NonMaxSuppressionV5
CombinedNonMaxSuppression SampleDistortedBoundingBoxV2 DrawBoundingBoxesV2 ImageProjectiveTransformV3
RandomCrop RandomGamma RandomPoisson RandomPoissonV2 BatchFunction BatchDatasetV2 TensorDataset
TensorSliceDataset RangeDataset MapDataset ParallelMapDatasetV2 PrefetchDataset ShuffleDatasetV3
RepeatDataset TakeDataset SkipDataset CacheDatasetV2 OptimizeDatasetV2 ModelDataset
AnonymousIteratorV2 AnonymousIteratorV3 IteratorGetNext IteratorGetNextSync MakeIterator
DeleteIterator DatasetCardinality OptionsDataset FlatMapDataset FilterDataset ZipDataset
ConcatenateDataset PaddedBatchDatasetV2 WindowDataset GeneratorDataset ReduceDataset
SaveSlices Restore RestoreSlice SaveSliceInfo NcclAllReduce CollectiveReduce CollectiveGather
CollectiveBcastSend CollectiveBcastRecv _Send _Recv _HostSend _HostRecv Send Recv
EagerPyFuncCheck XlaSharding XlaLaunch _XlaCompile _XlaRun TPUReplicatedInput TPUReplicatedOutput
TPUPartitionedCall Unbatch UnbatchGrad ReaderRead ReaderReadV2 ReaderReadUpToV2 ReaderResetV2
ReaderNumRecordsProducedV2`;

/** Ops a SavedModel may contain without an op finding. */
export const KNOWN_TF_OPS: ReadonlySet<string> = new Set(
  `${XLA_ALLOWLIST} ${GRAPH_PLUMBING}`.split(/\s+/).filter((op) => op !== ''),
);

/**
 * Ops that read files, write files or send data out of the process: high (an attacker-controlled
 * graph reads secrets, writes files, or ships tensors to a URL). `SaveV2`/`RestoreV2` are absent:
 * every SavedModel's saver uses them with the checkpoint prefix the loader supplies.
 */
export const EXFIL_OPS: ReadonlySet<string> = new Set([
  'WholeFileReader',
  'WholeFileReaderV2',
  'TextLineReader',
  'TextLineReaderV2',
  'FixedLengthRecordReader',
  'FixedLengthRecordReaderV2',
  'TFRecordReader',
  'TFRecordReaderV2',
  'IdentityReader',
  'IdentityReaderV2',
  'LMDBReader',
  'DebugIdentity',
  'DebugIdentityV2',
  'DebugIdentityV3',
  'DebugNanCount',
  'DebugNumericSummary',
  'DebugNumericSummaryV2',
  'RemoteCall',
  'DatasetToTFRecord',
  'ExperimentalDatasetToTFRecord',
  'SaveDataset',
  'SaveDatasetV2',
  'SnapshotDataset',
  'SnapshotDatasetV2',
]);
