/** @module Worker-thread entry of checkModelIsolated: decode one file, run the safety checks, post the result. */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { AisfError } from '../../errors.js';
import { decodeModel } from './proto.js';
import { scanOnnxModel } from './safety.js';

const { path, limits } = workerData as { path: string; limits: Parameters<typeof decodeModel>[1] };
try {
  const findings = scanOnnxModel(decodeModel(readFileSync(path), limits));
  parentPort?.postMessage({ findings });
} catch (error) {
  const e =
    error instanceof AisfError
      ? { code: error.code, message: error.message }
      : {
          code: 'E_MODEL_INVALID',
          message: `${limits?.source ?? path} could not be decoded (${error instanceof Error ? error.message : String(error)})`,
        };
  parentPort?.postMessage({ error: e });
}
