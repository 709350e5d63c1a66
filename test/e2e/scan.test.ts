/**
 * End to end: `aisf scan`, `aisf sign`, `aisf verify` through the real binary (bin/aisf.js →
 * dist/, built by `npm test` before vitest): exit codes, JSON shape, SARIF, tamper detection.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../../src/engine/onnx/proto.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/aisf.js', import.meta.url));
const FIX = 'src/platform/scan/fixtures';

function aisf(args: string[], cwd = ROOT) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8' },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'aisf-e2e-scan-'));
beforeAll(() => {
  if (!existsSync(new URL('../../dist/cli/commands/scan.js', import.meta.url))) {
    throw new Error(
      'dist/ is missing or stale: run `npm run build` (npm test does it) before the e2e tests',
    );
  }
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('aisf scan (real binary)', () => {
  it('exits 0 on a clean file, 1 on a malicious one, 2 on a truncated one', () => {
    expect(aisf(['scan', `${FIX}/benign/model.safetensors`, '--format', 'json']).code).toBe(0);
    expect(aisf(['scan', `${FIX}/malicious/p0-os-system.pkl`, '--format', 'json']).code).toBe(1);
    expect(aisf(['scan', `${FIX}/error/truncated.npy`, '--format', 'json']).code).toBe(2);
  });

  it('prints the JSON report shape', () => {
    const { stdout } = aisf([
      'scan',
      `${FIX}/malicious/torch-zip-payload.pt`,
      `${FIX}/benign/array.npy`,
      '--format',
      'json',
    ]);
    const report = JSON.parse(stdout);
    expect(report.results).toHaveLength(2);
    const [bad, good] = report.results;
    expect(bad).toMatchObject({
      path: `${FIX}/malicious/torch-zip-payload.pt`,
      format: 'pytorch-zip',
      verdict: 'findings',
    });
    expect(bad.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(bad.findings[0]).toMatchObject({
      id: 'scan.pickle.import-denied',
      severity: 'critical',
      location: { member: 'archive/data.pkl' },
    });
    expect(good.verdict).toBe('clean');
    expect(report.summary).toMatchObject({
      files: 2,
      verdicts: { clean: 1, findings: 1, error: 0, unknown: 0 },
      highest: 'critical',
    });
  });

  it('--fail-on decides on unknown files, and an unknown-only scan is "nothing scanned" (2)', () => {
    const txt = join(tmp, 'notes.txt');
    writeFileSync(txt, 'hello');
    expect(aisf(['scan', txt, '--format', 'json']).code).toBe(2);
    expect(
      aisf(['scan', txt, `${FIX}/benign/array.npy`, '--format', 'json', '--fail-on', 'low']).code,
    ).toBe(1);
  });

  it('walks folders with --recursive and writes SARIF', () => {
    const out = join(tmp, 'scan.sarif');
    const r = aisf([
      'scan',
      `${FIX}/malicious/savedmodel-pyfunc`,
      `${FIX}/benign/tfjs`,
      '-r',
      '--format',
      'sarif',
      '--output',
      out,
      '--fail-on',
      'high',
    ]);
    expect(r.code).toBe(1);
    const sarif = JSON.parse(readFileSync(out, 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(
      sarif.runs[0].results.some((x: { ruleId: string }) => x.ruleId === 'scan.tf.python-op'),
    ).toBe(true);
  });
});

describe('aisf sign / verify (real binary)', () => {
  it('signs, verifies, and detects tampering', () => {
    const dir = join(tmp, 'model');
    cpSync(join(ROOT, FIX, 'benign', 'tfjs'), dir, { recursive: true });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(join(tmp, 'k.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(tmp, 'k.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    expect(aisf(['sign', dir, '--key', join(tmp, 'k.pem')]).code).toBe(0);
    expect(existsSync(join(dir, 'model.sig'))).toBe(true);
    expect(aisf(['verify', dir, '--pub', join(tmp, 'k.pub')]).code).toBe(0);
    writeFileSync(join(dir, 'group1-shard1of1.bin'), 'tampered');
    const bad = aisf(['verify', dir, '--pub', join(tmp, 'k.pub'), '--format', 'json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).problems[0]).toMatchObject({
      path: 'group1-shard1of1.bin',
      problem: 'modified',
    });
  });
});

describe('safe loading: every command that loads a model goes through the gate', () => {
  const ROBUST = join(ROOT, 'src/algorithm/robustness/fixtures');
  it('refuses a model with a finding (exit 2, E_MODEL_UNSAFE) unless --trusted', () => {
    const m = decodeModel(readFileSync(join(ROBUST, 'fashion-cnn-trained.onnx')));
    const node = m.graph?.node.find((n) => n.opType === 'Relu');
    if (!node) throw new Error('fixture model has no Relu');
    node.domain = 'com.example.evil';
    m.opsetImport.push({ domain: 'com.example.evil', version: 1 });
    const bad = join(tmp, 'custom-op.onnx');
    writeFileSync(bad, encodeModel(m));
    const data = join(ROBUST, 'fashion-test-100.npz');
    for (const args of [
      ['model', 'info', bad],
      ['test', 'robustness', '--model', bad, '--data', data],
    ]) {
      const r = aisf(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(
        /E_MODEL_UNSAFE: .*custom-op\.onnx failed the safety checks.*com\.example\.evil\.Relu.*--trusted/,
      );
      // --trusted passes the gate: whatever happens next, it is not the safety refusal
      const trusted = aisf([...args, '--trusted']);
      expect(trusted.stderr, args.join(' ')).not.toMatch(/E_MODEL_UNSAFE/);
    }
  });
});
