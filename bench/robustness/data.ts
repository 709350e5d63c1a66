/**
 * @module Fashion-MNIST test images from Debian's dataset-fashion-mnist (IDX, gzip) for the
 * robustness bench and the ART parity check; the same images scripts/robustness/art-parity.py reads.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Tensor } from '../../src/engine/index.js';

/** Where Debian's dataset-fashion-mnist installs the IDX files. */
export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

/** True when the Debian Fashion-MNIST files are installed. */
export function hasFashion(): boolean {
  return existsSync(`${FASHION_DIR}/t10k-images-idx3-ubyte.gz`);
}

/** The first n test images as float32 [n, 1, 28, 28] in [0, 1] and their labels. */
export function fashionTest(n: number): { x: Tensor<Float32Array>; y: Int32Array } {
  const images = gunzipSync(readFileSync(`${FASHION_DIR}/t10k-images-idx3-ubyte.gz`));
  const labels = gunzipSync(readFileSync(`${FASHION_DIR}/t10k-labels-idx1-ubyte.gz`));
  if (images.readUInt32BE(0) !== 2051 || labels.readUInt32BE(0) !== 2049)
    throw new Error(`${FASHION_DIR}: not IDX image/label files`);
  const total = images.readUInt32BE(4);
  if (n > total) throw new Error(`asked for ${n} images; the test set has ${total}`);
  return {
    x: {
      data: Float32Array.from(images.subarray(16, 16 + n * 784), (v) => v / 255),
      shape: [n, 1, 28, 28],
    },
    y: Int32Array.from(labels.subarray(8, 8 + n)),
  };
}
