/**
 * End to end: `aisf test privacy` through the real binary (bin/aisf.js → dist/) on the committed
 * Fashion-MNIST membership fixtures: the overfit model leaks membership more than its DP-SGD
 * counterpart, `--fail-above` turns leakage into exit 1, bad input is exit 2 naming the flag.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/aisf.js', import.meta.url));
const F = 'src/data/privacy/membership/fixtures';

function audit(model: string, ...extra: string[]) {
  const result = spawnSync(
    process.execPath,
    [
      BIN,
      'test',
      'privacy',
      '--model',
      `${F}/${model}`,
      '--train',
      `${F}/train.npz`,
      '--holdout',
      `${F}/holdout.npz`,
      '--attack',
      'loss,entropy',
      '--format',
      'json',
      ...extra,
    ],
    { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 120_000 },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

type Attack = { name: string; auc: number; advantage: number };

describe('aisf test privacy (real binary)', () => {
  it('finds the overfit model leaking more than the DP-SGD model', () => {
    const overfit = audit('mlp-overfit.onnx');
    const dp = audit('mlp-dp.onnx');
    expect(overfit.code, overfit.stderr).toBe(0);
    expect(dp.code, dp.stderr).toBe(0);
    const auc = (r: { stdout: string }) =>
      (JSON.parse(r.stdout).attacks as Attack[]).find((a) => a.name === 'loss')?.auc ?? Number.NaN;
    expect(JSON.parse(overfit.stdout).members).toBe(400);
    expect(auc(overfit)).toBeGreaterThan(0.6);
    expect(auc(dp)).toBeLessThan(auc(overfit) - 0.05);
  });

  it('exits 1 when --fail-above is reached, 2 on a bad flag', () => {
    expect(audit('mlp-overfit.onnx', '--fail-above', 'auc=0.6').code).toBe(1);
    const bad = audit('mlp-overfit.onnx', '--attack', 'telepathy');
    expect(bad.code).toBe(2);
    expect(bad.stderr + bad.stdout).toMatch(/--attack/);
    const missing = audit('nope.onnx');
    expect(missing.code).toBe(2);
  });
});
