/** test.platform.model-scan: metrics counted from the corpus, catalogue links, error status when nothing is scanned. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { modelScanTest } from './index.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

describe('test.platform.model-scan', () => {
  it('counts findings and errors over the files it scanned', async () => {
    const result = await modelScanTest.run(
      {
        paths: [
          `${FIXTURES}malicious/p0-os-system.pkl`,
          `${FIXTURES}benign/model.safetensors`,
          `${FIXTURES}error/truncated.npy`,
        ],
        isolate: false,
      },
      { cwd: FIXTURES },
    );
    expect(result.status).toBe('completed');
    expect(result.metrics).toMatchObject({
      'findings.critical': 1,
      'findings.high': 0,
      errors: 1,
      files: 3,
      unknown: 0,
    });
    expect(result.findings[0]?.id).toBe('scan.pickle.import-denied');
  });
  it('reports error, not a pass, when nothing could be scanned', async () => {
    const result = await modelScanTest.run(
      { paths: [`${FIXTURES}error/truncated.npy`], isolate: false },
      { cwd: FIXTURES },
    );
    expect(result.status).toBe('error');
    expect(result.reason).toMatch(/no file could be scanned/);
  });
  it('links to catalogue ids of model-file validation and supply chain', () => {
    expect(modelScanTest.techniqueIds).toContain(
      'tech.platform.model-file-validation.model-file-validation',
    );
    expect(modelScanTest.riskIds).toContain('risk.system.supply-chain');
  });
});
