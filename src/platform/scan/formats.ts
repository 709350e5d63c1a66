/** @module The registry of file-format scanners, in sniffing order (content first; name-only matches last). */
import { gzipScanner, unsupportedCompressionScanner, zlibScanner } from './compressed/index.js';
import { executableScanner } from './executable/index.js';
import { ggufScanner } from './gguf/index.js';
import { hdf5Scanner, kerasConfigScanner } from './keras/index.js';
import { numpyScanner } from './numpy/index.js';
import { onnxScanner } from './onnx/index.js';
import { pickleScanner } from './pickle/index.js';
import { pytorchLegacyScanner } from './pytorch/index.js';
import { safetensorsScanner } from './safetensors/index.js';
import { savedModelScanner, tfCheckpointScanner } from './savedmodel/index.js';
import type { FormatScanner } from './session.js';
import { tarScanner } from './tar/index.js';
import { tfjsScanner } from './tfjs/index.js';
import { zipScanner } from './zip/index.js';

/**
 * Every format scanner, in the order sniffers run. Containers and magic-number formats come
 * first, structural guesses (protobuf, protocol-0 pickle) after, name-only matches last, so a
 * renamed file is never routed by its extension (modelaudit S901, picklescan extension bypass).
 */
export const FORMAT_SCANNERS: readonly FormatScanner[] = [
  gzipScanner,
  zlibScanner,
  unsupportedCompressionScanner,
  zipScanner,
  tarScanner,
  hdf5Scanner,
  numpyScanner,
  ggufScanner,
  safetensorsScanner,
  pytorchLegacyScanner,
  tfjsScanner,
  kerasConfigScanner,
  onnxScanner,
  savedModelScanner,
  executableScanner,
  pickleScanner,
  tfCheckpointScanner,
];
{
  const seen = new Set<string>();
  for (const scanner of FORMAT_SCANNERS) {
    if (seen.has(scanner.id))
      throw new Error(`duplicate format scanner id "${scanner.id}" in the registry`);
    seen.add(scanner.id);
  }
}
