/**
 * The isolated first parse of loadModel: a file is decoded and checked in a worker with memory
 * and time limits before the caller's thread touches it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AisfError } from '../../errors.js';
import { loadModel } from '../model.js';
import { checkModelIsolated } from './isolate.js';
import { decodeModel, encodeModel } from './proto.js';

const LENET = fileURLToPath(new URL('../fixtures/lenet.onnx', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'aisf-parse-isolate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkModelIsolated', () => {
  it('returns no findings for a clean model and the custom-op finding for a modified one', async () => {
    expect(await checkModelIsolated(LENET)).toEqual([]);
    const m = decodeModel(readFileSync(LENET));
    const relu = m.graph?.node.find((n) => n.opType === 'Relu');
    if (relu) relu.domain = 'com.example.custom';
    m.opsetImport.push({ domain: 'com.example.custom', version: 1 });
    const bad = join(dir, 'custom.onnx');
    writeFileSync(bad, encodeModel(m));
    const findings = await checkModelIsolated(bad);
    expect(findings.map((f) => f.id)).toEqual(['scan.onnx.custom-domain']);
    const error = await loadModel(bad).catch((e: unknown) => e);
    expect((error as AisfError).code).toBe('E_MODEL_UNSAFE');
    await expect(loadModel(bad, { trusted: true })).resolves.toBeDefined();
  });

  it('reports a malformed file with the decoder’s code', async () => {
    const trunc = join(dir, 'trunc.onnx');
    writeFileSync(trunc, readFileSync(LENET).subarray(0, 1000));
    const error = await checkModelIsolated(trunc).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AisfError);
    expect((error as AisfError).code).toBe('E_MODEL_INVALID');
  });

  it('refuses a file whose parse exceeds the time limit', async () => {
    const copy = join(dir, 'slow.onnx');
    writeFileSync(copy, readFileSync(LENET));
    const error = await loadModel(copy, { isolation: { timeoutMs: 1 } }).catch((e: unknown) => e);
    expect((error as AisfError).code).toBe('E_MODEL_UNSAFE');
    expect((error as AisfError).message).toMatch(/time limit/);
  });
});
