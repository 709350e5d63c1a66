/**
 * @module The `logit` loss (lᵢ = z_{i,yᵢ}, used by DeepFool for per-class gradients) against
 * central finite differences of the model's own logits along random directions.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../io/npy.js';
import { loadModel } from '../model.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const npy = (name: string) => readNpy(readFileSync(new URL(name, FIXTURES)));

/** Deterministic unit direction (xorshift), so the test is reproducible. */
function direction(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const v = new Float32Array(n);
  let q = 0;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const u = ((s >>> 0) / 2 ** 32) * 2 - 1;
    v[i] = u;
    q += u * u;
  }
  for (let i = 0; i < n; i++) v[i] = (v[i] as number) / Math.sqrt(q);
  return v;
}

describe.each(['mlp', 'lenet'])('logit loss gradient vs finite differences: %s', (name) => {
  it('∇ₓz_k · v equals (z_k(x + hv) − z_k(x − hv)) / 2h for every class k', async () => {
    const model = await loadModel(new URL(`${name}.onnx`, FIXTURES).pathname, { threads: 1 });
    const x = npy(`${name}.x.npy`);
    const xd = Float32Array.from(x.data as Float32Array);
    const n = x.shape[0] as number;
    const inner = xd.length / n;
    const logits = await model.predict({ data: xd, shape: x.shape });
    const classes = logits.data.length / n;
    const h = 1e-2;
    for (let k = 0; k < classes; k++) {
      const y = { data: new BigInt64Array(n).fill(BigInt(k)), shape: [n] };
      const r = await model.lossAndGradient({ data: xd, shape: x.shape }, y, { loss: 'logit' });
      const g = r.inputGradient?.data as Float32Array;
      for (let s = 0; s < n; s++) {
        expect(r.losses[s]).toBeCloseTo(logits.data[s * classes + k] as number, 5);
        const v = direction(inner, 7 + 31 * k + s);
        const plus = Float32Array.from(xd);
        const minus = Float32Array.from(xd);
        let dot = 0;
        for (let i = 0; i < inner; i++) {
          plus[s * inner + i] = (xd[s * inner + i] as number) + h * (v[i] as number);
          minus[s * inner + i] = (xd[s * inner + i] as number) - h * (v[i] as number);
          dot += (g[s * inner + i] as number) * (v[i] as number);
        }
        const zp = (await model.predict({ data: plus, shape: x.shape })).data;
        const zm = (await model.predict({ data: minus, shape: x.shape })).data;
        const fd = ((zp[s * classes + k] as number) - (zm[s * classes + k] as number)) / (2 * h);
        expect(Math.abs(fd - dot)).toBeLessThan(1e-3 + 1e-2 * Math.abs(fd));
      }
    }
    await model.release();
  });
});
