/** @module RuntimeOptions.spinning: a session without spin-waiting threads computes the same logits. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../io/npy.js';
import { loadModel } from '../model.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);

describe('spinning: false', () => {
  it('loads, runs and matches the default session exactly', async () => {
    const path = new URL('lenet.onnx', FIXTURES).pathname;
    const x = readNpy(readFileSync(new URL('lenet.x.npy', FIXTURES)));
    const a = await loadModel(path, { threads: 2 });
    const b = await loadModel(path, { threads: 2, spinning: false });
    expect(Array.from((await b.predict(x)).data)).toEqual(Array.from((await a.predict(x)).data));
    await a.release();
    await b.release();
  });
});
