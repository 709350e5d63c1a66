/**
 * End to end: `aisf model info|predict|grad` as a user runs them (the real binary, built into
 * dist/), on the committed PyTorch fixtures; gradients compared with PyTorch's reference values.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../src/engine/io/npy.js';
import { decodeModel, encodeModel } from '../../src/engine/onnx/proto.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/aisf.js', import.meta.url));
const F = fileURLToPath(new URL('../../src/engine/fixtures/', import.meta.url));

function aisf(args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8' },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url)))
    throw new Error(
      'dist/ is missing: run `npm run build` (npm test does it) before the e2e tests',
    );
});

describe('aisf model (real binary)', () => {
  it('info --format json describes a PyTorch CNN', () => {
    const r = aisf(['model', 'info', join(F, 'resblock.onnx'), '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.inputs).toEqual([{ name: 'input', shape: ['batch', 3, 8, 8], type: 'float32' }]);
    expect(info.opset).toBe(13);
    expect(info.ops.BatchNormalization).toBe(2);
    // stem 3·8·9 + bn0 2·8 + c1/bn1 folded 8·8·9+8 + c2 8·8·9 + bn2 2·8 + fc 8·5+5
    expect(info.parameters).toBe(216 + 16 + 584 + 576 + 16 + 45);
    expect(info.gradientSupport).toBe(true);
    expect(info.unsupportedOps).toEqual([]);
  });

  it('predict writes the logits PyTorch computed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisf-e2e-'));
    const out = join(dir, 'y.npy');
    const r = aisf([
      'model',
      'predict',
      '--model',
      join(F, 'dwsep.onnx'),
      '--input',
      join(F, 'dwsep.x.npy'),
      '--out',
      out,
      '--format',
      'json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const got = readNpy(readFileSync(out)).data as Float32Array;
    const ref = readNpy(readFileSync(join(F, 'dwsep.logits.npy'))).data as Float32Array;
    for (let i = 0; i < ref.length; i++)
      expect(Math.abs((got[i] as number) - (ref[i] as number))).toBeLessThan(1e-5);
  });

  it('grad writes d loss / d input matching PyTorch (cross-entropy sum and mean)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisf-e2e-'));
    for (const [reduction, file] of [
      ['sum', 'gx-ce-sum'],
      ['mean', 'gx-ce-mean'],
    ] as const) {
      const out = join(dir, `g-${reduction}.npy`);
      const r = aisf([
        'model',
        'grad',
        '--model',
        join(F, 'lenet.onnx'),
        '--input',
        join(F, 'lenet.x.npy'),
        '--labels',
        join(F, 'lenet.y.npy'),
        '--loss',
        'cross-entropy',
        '--reduction',
        reduction,
        '--out',
        out,
        '--format',
        'json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).gradientShape).toEqual([4, 1, 14, 14]);
      const got = readNpy(readFileSync(out)).data as Float32Array;
      const ref = readNpy(readFileSync(join(F, `lenet.${file}.npy`))).data as Float32Array;
      const scale = Math.max(...Array.from(ref, Math.abs));
      for (let i = 0; i < ref.length; i++)
        expect(Math.abs((got[i] as number) - (ref[i] as number))).toBeLessThan(1e-4 * scale);
    }
  });

  it('malformed, unsafe and unsupported models exit 2 with a stable code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisf-e2e-'));
    const bytes = readFileSync(join(F, 'lenet.onnx'));
    writeFileSync(join(dir, 'trunc.onnx'), bytes.subarray(0, 1000));
    let r = aisf(['model', 'info', join(dir, 'trunc.onnx')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_MODEL_INVALID/);

    const m = decodeModel(bytes);
    const relu = m.graph?.node.find((n) => n.opType === 'Relu');
    if (relu) relu.domain = 'com.example.custom';
    m.opsetImport.push({ domain: 'com.example.custom', version: 1 });
    writeFileSync(join(dir, 'custom.onnx'), encodeModel(m));
    r = aisf(['model', 'info', join(dir, 'custom.onnx')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_MODEL_UNSAFE.*custom op com\.example\.custom\.Relu/);
    r = aisf(['model', 'info', join(dir, 'custom.onnx'), '--trusted', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).unsupportedOps).toEqual(['Relu']);

    const cyc = decodeModel(bytes);
    cyc.graph?.node.reverse();
    writeFileSync(join(dir, 'cycle.onnx'), encodeModel(cyc));
    r = aisf(['model', 'info', join(dir, 'cycle.onnx')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_MODEL_INVALID.*not defined before this node/);

    const sp = decodeModel(bytes);
    const node = sp.graph?.node.find((n) => n.opType === 'Relu');
    if (node) node.opType = 'Sin';
    writeFileSync(join(dir, 'softplus.onnx'), encodeModel(sp));
    r = aisf([
      'model',
      'grad',
      '--model',
      join(dir, 'softplus.onnx'),
      '--input',
      join(F, 'lenet.x.npy'),
      '--labels',
      join(F, 'lenet.y.npy'),
      '--out',
      join(dir, 'g.npy'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_MODEL_UNSUPPORTED_OP.*Sin/);
  });
});
