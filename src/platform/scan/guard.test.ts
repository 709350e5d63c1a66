/** The refuse-to-load gate: unsafe, broken and unknown files throw E_MODEL_UNSAFE; clean ones pass. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AisfError } from '../../errors.js';
import { assertSafeToLoad } from './guard.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

describe('assertSafeToLoad', () => {
  it('passes a clean model and refuses malicious, truncated and unknown ones', async () => {
    await expect(assertSafeToLoad(join(FIXTURES, 'benign', 'matmul.onnx'))).resolves.toMatchObject({
      verdict: 'clean',
    });
    for (const bad of [
      'malicious/onnx-external-dotdot.onnx',
      'error/truncated.npy',
      'benign/tfjs/group1-shard1of1.bin',
    ]) {
      const error = await assertSafeToLoad(join(FIXTURES, bad)).catch((e: unknown) => e);
      expect(error, bad).toBeInstanceOf(AisfError);
      expect((error as AisfError).code).toBe('E_MODEL_UNSAFE');
    }
    await expect(
      assertSafeToLoad(join(FIXTURES, 'malicious', 'p0-os-system.pkl'), { trusted: true }),
    ).resolves.toBeUndefined();
  });
});
