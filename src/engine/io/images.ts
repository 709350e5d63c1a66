/**
 * @module Image folders (PNG, JPEG) → NCHW float32 batches in [0, 1], labelled by sub-folder
 * (`root/<class>/*.png`, the torchvision ImageFolder layout), plus in-memory batch streaming.
 * Decoders: pngjs and jpeg-js (pure JS); image dimensions are checked before decoding so a
 * crafted header cannot allocate gigabytes (decompression bombs).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { AisfError } from '../../errors.js';
import type { TypedArray } from '../onnx/tensor.js';
import type { Tensor } from '../runtime/session.js';

/** A decoded image: RGBA bytes, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Options of the image readers. */
export interface ImageOptions {
  /** Output channels: 1 (luma, ITU-R BT.601) or 3 (RGB). @default 3 */
  channels?: 1 | 3;
  /** Resize every image to [height, width] (nearest neighbour); required if sizes differ. */
  size?: [number, number];
  /** Largest accepted image, in pixels. @default 40,000,000 */
  maxPixels?: number;
}

function bad(source: string, reason: string): never {
  throw new AisfError('E_DATA_INVALID', `${source} is not a readable image: ${reason}`);
}

/**
 * Decodes PNG or JPEG bytes (detected by magic number) into RGBA.
 *
 * @example
 * const img = decodeImage(readFileSync('cat.png'));
 */
export function decodeImage(
  bytes: Uint8Array,
  options: { source?: string; maxPixels?: number } = {},
): RgbaImage {
  const source = options.source ?? 'the image';
  const maxPixels = options.maxPixels ?? 40_000_000;
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  try {
    if (isPng) {
      if (bytes.length < 24) bad(source, 'truncated PNG header');
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const w = view.getUint32(16);
      const h = view.getUint32(20);
      if (w * h > maxPixels) bad(source, `${w}×${h} exceeds ${maxPixels} pixels`);
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
    }
    if (isJpeg) {
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: maxPixels / 1e6,
        maxMemoryUsageInMB: 1024,
      });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (error) {
    if (error instanceof AisfError) throw error;
    bad(source, error instanceof Error ? error.message : String(error));
  }
  bad(source, 'not PNG or JPEG');
}

/** Writes one RGBA image into a CHW float32 slot, resizing (nearest) and scaling to [0, 1]. */
function toChw(
  img: RgbaImage,
  out: Float32Array,
  offset: number,
  channels: 1 | 3,
  h: number,
  w: number,
): void {
  const plane = h * w;
  for (let y = 0; y < h; y++) {
    const sy = Math.min(img.height - 1, Math.floor((y * img.height) / h));
    for (let x = 0; x < w; x++) {
      const sx = Math.min(img.width - 1, Math.floor((x * img.width) / w));
      const p = (sy * img.width + sx) * 4;
      const r = (img.data[p] as number) / 255;
      const g = (img.data[p + 1] as number) / 255;
      const b = (img.data[p + 2] as number) / 255;
      if (channels === 1) out[offset + y * w + x] = 0.299 * r + 0.587 * g + 0.114 * b;
      else {
        out[offset + y * w + x] = r;
        out[offset + plane + y * w + x] = g;
        out[offset + 2 * plane + y * w + x] = b;
      }
    }
  }
}

const EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** Files of an ImageFolder tree: sorted classes (sub-folders) and their image files. */
export function listImageFolder(root: string): {
  classes: string[];
  files: { path: string; label: number }[];
} {
  let entries: string[];
  try {
    entries = readdirSync(root).sort();
  } catch (cause) {
    throw new AisfError('E_FILE_NOT_FOUND', `image folder ${root} does not exist`, { cause });
  }
  const classes = entries.filter((e) => statSync(join(root, e)).isDirectory());
  if (classes.length === 0)
    throw new AisfError(
      'E_DATA_INVALID',
      `${root} has no class sub-folders (expected root/<class>/*.png)`,
    );
  const files = classes.flatMap((c, label) =>
    readdirSync(join(root, c))
      .sort()
      .filter((f) => EXTENSIONS.has(extname(f).toLowerCase()))
      .map((f) => ({ path: join(root, c, f), label })),
  );
  return { classes, files };
}

/**
 * Streams an ImageFolder tree as NCHW float32 batches with int64 labels.
 *
 * @example
 * for await (const { x, y } of imageFolderBatches('data/train', 64, { channels: 1, size: [28, 28] })) { … }
 */
export async function* imageFolderBatches(
  root: string,
  batchSize: number,
  options: ImageOptions = {},
): AsyncGenerator<{ x: Tensor<Float32Array>; y: Tensor<BigInt64Array>; classes: string[] }> {
  const { classes, files } = listImageFolder(root);
  const channels = options.channels ?? 3;
  let size = options.size;
  for (let start = 0; start < files.length; start += batchSize) {
    const chunk = files.slice(start, start + batchSize);
    const images = chunk.map((f) =>
      decodeImage(readFileSync(f.path), {
        source: f.path,
        ...(options.maxPixels ? { maxPixels: options.maxPixels } : {}),
      }),
    );
    if (!size) size = [images[0]?.height ?? 0, images[0]?.width ?? 0];
    const [h, w] = size;
    const x = new Float32Array(chunk.length * channels * h * w);
    images.forEach((img, i) => {
      if (!options.size && (img.height !== h || img.width !== w))
        throw new AisfError(
          'E_DATA_INVALID',
          `${chunk[i]?.path} is ${img.width}×${img.height}, others are ${w}×${h}; pass size to resize`,
        );
      toChw(img, x, i * channels * h * w, channels, h, w);
    });
    yield {
      x: { data: x, shape: [chunk.length, channels, h, w] },
      y: { data: BigInt64Array.from(chunk, (f) => BigInt(f.label)), shape: [chunk.length] },
      classes,
    };
  }
}

/**
 * Splits in-memory tensors into batches (views, no copies).
 *
 * @example
 * for (const { x, y } of batches(xs, ys, 128)) await model.predict(x);
 */
export function* batches<X extends TypedArray, Y extends TypedArray>(
  x: Tensor<X>,
  y: Tensor<Y> | undefined,
  batchSize: number,
): Generator<{ x: Tensor<X>; y?: Tensor<Y>; start: number }> {
  const n = x.shape[0] ?? 0;
  const xi = x.data.length / Math.max(1, n);
  const yi = y ? y.data.length / Math.max(1, n) : 0;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const xb = {
      data: x.data.subarray(start * xi, end * xi) as X,
      shape: [end - start, ...x.shape.slice(1)],
    };
    yield y
      ? {
          x: xb,
          y: {
            data: y.data.subarray(start * yi, end * yi) as Y,
            shape: [end - start, ...y.shape.slice(1)],
          },
          start,
        }
      : { x: xb, start };
  }
}
