/**
 * The committed corpus (scripts/scan-corpus/generate.py): every malicious file is flagged high or
 * critical, no benign file above low (and none errors), every broken file is `error`.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scanPaths } from './scan.js';
import { SEVERITY_RANK } from './types.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Top-level corpus entries: a file, or a folder scanned as one model (SavedModel, TF.js, ONNX + data). */
function entries(kind: string): string[] {
  return readdirSync(join(FIXTURES, kind))
    .sort()
    .map((name) => join(FIXTURES, kind, name));
}

async function worst(path: string) {
  const report = await scanPaths([path], { recursive: true });
  const findings = report.results.flatMap((r) => r.findings);
  const rank = Math.max(-1, ...findings.map((f) => SEVERITY_RANK[f.severity]));
  return { report, findings, rank };
}

describe('malicious corpus', () => {
  const files = entries('malicious');
  it('has at least 80 malicious samples', () => {
    expect(files.length).toBeGreaterThanOrEqual(80);
  });
  it.each(files.map((f) => [f.slice(FIXTURES.length)]))(
    '%s is flagged high or critical',
    async (rel) => {
      const { rank, findings } = await worst(join(FIXTURES, rel));
      expect(
        rank,
        JSON.stringify(findings.map((f) => `${f.severity} ${f.id}`)),
      ).toBeGreaterThanOrEqual(SEVERITY_RANK.high);
    },
  );
});

describe('benign corpus', () => {
  it.each(entries('benign').map((f) => [f.slice(FIXTURES.length)]))(
    '%s has no finding above low and no error',
    async (rel) => {
      const { rank, findings, report } = await worst(join(FIXTURES, rel));
      expect(
        rank,
        JSON.stringify(findings.map((f) => `${f.severity} ${f.id} ${f.message}`)),
      ).toBeLessThanOrEqual(SEVERITY_RANK.low);
      expect(
        report.results.every((r) => r.verdict !== 'error'),
        JSON.stringify(report.results.map((r) => r.errors)),
      ).toBe(true);
      expect(report.results.some((r) => r.verdict === 'clean')).toBe(true);
    },
  );
});

describe('suspicious weights (NaN/Inf, absurd magnitude) are medium: refused at load, not code', () => {
  it.each(entries('suspicious').map((f) => [f.slice(FIXTURES.length)]))(
    '%s has a medium finding and nothing worse',
    async (rel) => {
      const { rank, findings } = await worst(join(FIXTURES, rel));
      expect(rank, JSON.stringify(findings.map((f) => `${f.severity} ${f.id}`))).toBe(
        SEVERITY_RANK.medium,
      );
      expect(findings.some((f) => f.id.startsWith('scan.weights.'))).toBe(true);
    },
  );
});

describe('broken files fail closed', () => {
  it.each(entries('error').map((f) => [f.slice(FIXTURES.length)]))(
    '%s is error, never clean',
    async (rel) => {
      const { report } = await worst(join(FIXTURES, rel));
      expect(report.results.map((r) => r.verdict)).toEqual(['error']);
    },
  );
});

describe('formats are sniffed by content', () => {
  it('detects the real library outputs', async () => {
    const expected: Record<string, string> = {
      'torch-state-dict.pt': 'pytorch-zip',
      'torch-state-dict-legacy.pth': 'pytorch-legacy',
      'array.npy': 'numpy',
      'arrays.npz': 'npz',
      'model.joblib': 'joblib',
      'model-compressed.joblib': 'zlib',
      'dense.keras': 'keras',
      'dense.h5': 'keras-h5',
      'matmul.onnx': 'onnx',
      'model.safetensors': 'safetensors',
      'tiny.gguf': 'gguf',
      'bundle.tar': 'tar',
    };
    for (const [name, format] of Object.entries(expected)) {
      const { report } = await worst(join(FIXTURES, 'benign', name));
      expect(report.results[0]?.format, name).toBe(format);
    }
  });
  it('routes a pickle renamed .safetensors or .json to the pickle scanner', async () => {
    for (const name of ['looks-like-weights.safetensors', 'looks-like-config.json']) {
      const { report } = await worst(join(FIXTURES, 'malicious', name));
      expect(report.results[0]?.format).toBe('pickle');
    }
  });
  it('still finds the payload after a corrupt zip member (modelscan#354)', async () => {
    const { report } = await worst(
      join(FIXTURES, 'malicious', 'torch-zip-corrupt-first-member.pt'),
    );
    const r = report.results[0];
    expect(r?.verdict).toBe('error');
    expect(
      r?.findings.some(
        (f) => f.id === 'scan.pickle.import-denied' && f.location.member === 'archive/data.pkl',
      ),
    ).toBe(true);
  });
  it('hashes every archive member', async () => {
    const { report } = await worst(join(FIXTURES, 'benign', 'arrays.npz'));
    const members = report.results[0]?.members ?? [];
    expect(members.map((m) => m.name).sort()).toEqual(['b.npy', 'w.npy']);
    for (const m of members) expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(FIXTURES, 'benign', 'arrays.npz')).size).toBeGreaterThan(0);
  });
});
