/**
 * @module TensorFlow.js `model.json` scanner: weight shard paths that escape the model folder
 * or point to remote URLs, shard files present and exactly as large as the declared weights
 * (dtype × shape, quantization aware), and the Keras `modelTopology` walk.
 */
import { statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { unsafePathReason } from '../archive.js';
import { isObject, type Json, parseJsonStrict } from '../json.js';
import { walkKerasConfig } from '../keras/walk.js';
import type { FormatScanner } from '../session.js';
import { latin1, utf8 } from '../source.js';
import { ScanParseError } from '../types.js';

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  float16: 2,
  complex64: 8,
  uint8: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
};

/** The TF.js model.json scanner. */
export const tfjsScanner: FormatScanner = {
  id: 'tfjs',
  title: 'TensorFlow.js model.json',
  sniff(probe) {
    if (probe.head[0] !== 0x7b && probe.head[0] !== 0x20 && probe.head[0] !== 0x0a) return false;
    const head = latin1(probe.head);
    return (
      /"weightsManifest"\s*:/.test(head) ||
      (/"modelTopology"\s*:/.test(head) && /"format"\s*:/.test(head))
    );
  },
  scan(blob, session) {
    const textJson = utf8(blob.source.all(256 * 1024 * 1024), 'model.json');
    const json = parseJsonStrict(textJson, {
      onDuplicate: (path, key) =>
        session.report(
          'scan.json.duplicate-key',
          'medium',
          `duplicate key ${JSON.stringify(key.slice(0, 80))} in ${path.slice(0, 200)}`,
          blob.location,
        ),
    });
    if (!isObject(json)) throw new ScanParseError('model.json is not an object');
    if (json.modelTopology !== undefined)
      walkKerasConfig(session, json.modelTopology, blob.location);
    const manifest = json.weightsManifest;
    if (manifest === undefined) return 'tfjs';
    if (!Array.isArray(manifest)) throw new ScanParseError('weightsManifest is not an array');
    const baseMember = blob.location.member ? posix.dirname(blob.location.member) : '';
    for (const group of manifest as Json[]) {
      if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights))
        throw new ScanParseError('weightsManifest entry needs paths and weights arrays');
      let declared = 0;
      let exact = true;
      for (const w of group.weights) {
        if (!isObject(w) || !Array.isArray(w.shape) || typeof w.dtype !== 'string')
          throw new ScanParseError('weight entry needs name, shape, dtype');
        const q =
          isObject(w.quantization) && typeof w.quantization.dtype === 'string'
            ? w.quantization.dtype
            : undefined;
        const per = DTYPE_BYTES[q ?? w.dtype];
        let n = 1;
        for (const d of w.shape) {
          if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)
            throw new ScanParseError(`weight ${String(w.name).slice(0, 80)} has a bad dimension`);
          n *= d;
        }
        if (per === undefined || w.dtype === 'string') exact = false;
        else declared += n * per;
      }
      let actual = 0;
      let known = true;
      for (const p of group.paths) {
        if (typeof p !== 'string') throw new ScanParseError('weight path is not a string');
        if (/^[a-z][a-z0-9+.-]*:/i.test(p)) {
          session.report(
            'scan.tfjs.remote-weights',
            'medium',
            `weight shard ${JSON.stringify(p.slice(0, 200))} is a URL: fetched at load time`,
            blob.location,
          );
          known = false;
          continue;
        }
        const reason = unsafePathReason(p);
        if (reason) {
          session.report(
            'scan.tfjs.path-traversal',
            'critical',
            `weight shard path ${JSON.stringify(p.slice(0, 200))} ${reason} (reads outside the model folder)`,
            blob.location,
          );
          known = false;
          continue;
        }
        let size: number | undefined;
        if (blob.dir !== undefined) {
          try {
            size = statSync(join(blob.dir, p)).size;
          } catch {
            size = undefined;
          }
        } else if (blob.siblings) {
          size = blob.siblings.get(posix.join(baseMember === '.' ? '' : baseMember, p));
        } else known = false;
        if (size === undefined && known) {
          session.report(
            'scan.tfjs.shard-missing',
            'medium',
            `weight shard ${JSON.stringify(p.slice(0, 200))} is missing`,
            blob.location,
          );
          known = false;
        }
        actual += size ?? 0;
      }
      if (known && exact && actual !== declared) {
        session.report(
          'scan.tfjs.shard-size',
          'high',
          `weight shards hold ${actual} bytes but the manifest declares ${declared}`,
          blob.location,
          { declared, actual },
        );
      }
    }
    return 'tfjs';
  },
};
