import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  loadModel,
  type ParameterMap,
  readNpy,
  sgd,
  type Tensor,
  train,
} from '../../../engine/index.js';
import { fgsm } from '../attacks/fgsm/index.js';
import { pgd } from '../attacks/pgd/index.js';
import { fashionData, fashionModel, linearModel } from '../fixtures/models.js';
import { createRng } from '../image.js';
import {
  addGaussianNoise,
  chooseRows,
  HARDENING_METHODS,
  harden,
  inputGradientPenalty,
  optionDocs,
  parseMethodOptions,
  pgdTraining,
  trainingAttackModel,
} from './index.js';

const FIX = new URL('../../../engine/fixtures/', import.meta.url);

/** The first n images of the engine's committed Fashion-MNIST training subset, in [0, 1]. */
function fashionTrain(n: number): { x: Tensor<Float32Array>; y: Int32Array } {
  const x = readNpy(readFileSync(new URL('fashion-mnist.train-x.npy', FIX)));
  const y = readNpy(readFileSync(new URL('fashion-mnist.train-y.npy', FIX)));
  return {
    x: {
      data: Float32Array.from((x.data as Uint8Array).subarray(0, n * 784), (v) => v / 255),
      shape: [n, 1, 28, 28],
    },
    y: Int32Array.from((y.data as BigInt64Array).subarray(0, n), Number),
  };
}

const snapshot = (w: ParameterMap) => [...w].map(([k, t]) => [k, t.data.slice()] as const);

describe('hardening method registry', () => {
  it('ids are unique kebab-case; every option is documented with a default or optional', () => {
    const ids = HARDENING_METHODS.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['fgsm', 'pgd', 'noise', 'augment', 'gradreg']));
    for (const m of HARDENING_METHODS) {
      expect(m.id).toMatch(/^[a-z][a-z0-9-]*$/);
      const docs = optionDocs(m);
      expect(docs.map((d) => d.key)).toEqual(expect.arrayContaining(['epochs', 'lr', 'seed']));
      for (const d of docs) expect(d.description.length, `${m.id}.${d.key}`).toBeGreaterThan(5);
      // Defaults alone must be a valid configuration (the CLI runs with no method flags).
      expect(() => parseMethodOptions(m, {})).not.toThrow();
    }
  });

  it('options: defaults filled, bad values and unknown keys refused naming the field', () => {
    const o = parseMethodOptions(pgdTraining, { eps: 0.2 });
    expect(o).toMatchObject({ eps: 0.2, maxIter: 7, ratio: 1, randomStart: true, epochs: 5 });
    expect(o.epsStep).toBeUndefined();
    const err = (raw: Record<string, unknown>) => {
      try {
        parseMethodOptions(pgdTraining, raw, { field: (k) => `--${k}` });
      } catch (e) {
        return { code: (e as { code: string }).code, message: (e as Error).message };
      }
      return undefined;
    };
    expect(err({ eps: 0 })).toEqual({ code: 'E_CONFIG', message: '--eps must be > 0 (got 0)' });
    expect(err({ ratio: 1.5 })?.message).toBe('--ratio must be ≤ 1 (got 1.5)');
    expect(err({ maxIter: 2.5 })?.message).toMatch(/--maxIter must be an integer/);
    expect(err({ optimizer: 'rmsprop' })?.message).toMatch(/--optimizer must be one of adam, sgd/);
    expect(err({ sigma: 1 })?.message).toMatch(/--sigma does not apply to method pgd/);
  });

  it('chooseRows follows ART: ⌈ratio·b⌉ distinct rows, none at 0, all at 1', () => {
    const rng = createRng(3);
    for (const [b, ratio] of [
      [32, 0.5],
      [7, 0.3],
      [4, 0.01],
      [10, 0.999],
    ] as const) {
      const rows = chooseRows(b, ratio, rng);
      expect(rows.length).toBe(Math.ceil(ratio * b));
      expect(new Set(rows).size).toBe(rows.length);
      for (const r of rows) expect(r >= 0 && r < b).toBe(true);
    }
    expect(chooseRows(32, 0, rng).length).toBe(0);
    expect([...chooseRows(5, 1, rng)]).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('batch transforms', () => {
  it('Gaussian noise: N(0, σ²) on the chosen rows only (moments within 4 standard errors)', () => {
    const b = 8;
    const inner = 4096;
    const x = { data: new Float32Array(b * inner).fill(0.5), shape: [b, inner] };
    const sigma = 0.25;
    const out = addGaussianNoise(x, [1, 5], sigma, createRng(9));
    for (let r = 0; r < b; r++) {
      const row = out.data.subarray(r * inner, (r + 1) * inner);
      if (r !== 1 && r !== 5) {
        expect(row.every((v) => v === 0.5)).toBe(true);
        continue;
      }
      let m = 0;
      let v = 0;
      for (const a of row) m += a - 0.5;
      m /= inner;
      for (const a of row) v += (a - 0.5 - m) ** 2;
      v /= inner - 1;
      // SE of the mean σ/√n; SE of the variance ≈ σ²·√(2/(n−1)).
      expect(Math.abs(m)).toBeLessThan((4 * sigma) / Math.sqrt(inner));
      expect(Math.abs(v - sigma ** 2)).toBeLessThan(4 * sigma ** 2 * Math.sqrt(2 / (inner - 1)));
    }
    const clipped = addGaussianNoise(x, [0], 3, createRng(1), { lo: 0, hi: 1 });
    expect(clipped.data.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('the training attack model gives the attacks exactly the plain model’s examples', async () => {
    const model = await fashionModel();
    const { x, y } = fashionData(16);
    const viaBoth = trainingAttackModel(model);
    const a = await fgsm(model, x, { eps: 0.1, labels: y });
    const b = await fgsm(viaBoth, x, { eps: 0.1, labels: y });
    expect(b.data).toEqual(a.data);
    const p = { eps: 0.1, epsStep: 0.03, maxIter: 3, randomStart: true, seed: 4, labels: y };
    expect((await pgd(viaBoth, x, p)).data).toEqual((await pgd(model, x, p)).data);
    await model.release();
  });
});

describe('adversarial training', () => {
  it('FGSM training with ratio 0 (tiny eps) takes exactly the engine train() steps', async () => {
    const { x, y } = fashionTrain(80);
    const plain = await fashionModel();
    const hard = await fashionModel();
    const a: ReturnType<typeof snapshot>[] = [];
    const b: ReturnType<typeof snapshot>[] = [];
    await train(
      plain,
      x,
      { data: y, shape: [80] },
      {
        optimizer: sgd({ lr: 0.05, momentum: 0.9 }),
        epochs: 2,
        batchSize: 32,
        seed: 7,
        onProgress: () => a.push(snapshot(plain.weights())),
      },
    );
    const r = await harden(hard, x, y, {
      method: 'fgsm',
      options: {
        eps: 1e-6,
        ratio: 0,
        optimizer: 'sgd',
        lr: 0.05,
        momentum: 0.9,
        epochs: 2,
        batchSize: 32,
        seed: 7,
      },
      onProgress: (p) => {
        if (p.stage === 'train') b.push(snapshot(hard.weights()));
      },
    });
    expect(r.train.steps).toBe(6);
    expect(r.train.replaced).toBe(0);
    expect(b.length).toBe(a.length);
    for (let s = 0; s < a.length; s++) expect(b[s]).toEqual(a[s]);
    await plain.release();
    await hard.release();
  });

  it('FGSM with ratio 1 and ε → 0 converges to plain training; ratio 0.5 replaces ⌈B/2⌉', async () => {
    const { x, y } = fashionTrain(72);
    const plain = await fashionModel();
    await train(
      plain,
      x,
      { data: y, shape: [72] },
      {
        optimizer: sgd({ lr: 0.05 }),
        epochs: 1,
        batchSize: 32,
        seed: 1,
      },
    );
    const tiny = await fashionModel();
    const r = await harden(tiny, x, y, {
      method: 'fgsm',
      options: { eps: 1e-7, ratio: 1, optimizer: 'sgd', lr: 0.05, epochs: 1, seed: 1 },
    });
    expect(r.train.replaced).toBe(72);
    let maxDiff = 0;
    let maxW = 0;
    const pw = plain.weights();
    for (const [k, t] of tiny.weights()) {
      const p = (pw.get(k) as Tensor<Float32Array>).data;
      for (let i = 0; i < t.data.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs((t.data[i] as number) - (p[i] as number)));
        maxW = Math.max(maxW, Math.abs(p[i] as number));
      }
    }
    expect(maxDiff).toBeGreaterThan(0); // the examples did change
    expect(maxDiff / maxW).toBeLessThan(1e-4);
    const half = await fashionModel();
    const h = await harden(half, x, y, { method: 'fgsm', options: { epochs: 1 } });
    // Batches 32, 32, 8 → 16 + 16 + 4 adversarial rows (ART: ⌈0.5·b⌉).
    expect(h.train.replaced).toBe(36);
    for (const m of [plain, tiny, half]) await m.release();
  });

  it('PGD (Madry) training measurably raises PGD accuracy; the ONNX round-trips', async () => {
    const { x, y } = fashionTrain(1200);
    const ev = fashionData(100);
    const model = await fashionModel();
    const r = await harden(model, x, y, {
      method: 'pgd',
      options: { eps: 0.1, epochs: 1, maxIter: 3, epsStep: 0.05 },
      evaluate: ev,
      evalMaxIter: 10,
    });
    const e = r.evaluation;
    if (!e) throw new Error('no evaluation');
    expect(e.before.clean).toBeGreaterThan(0.7);
    // Measured 0.05 → 0.19 (PGD-10, ε 0.1, 100 test images; 0.29 after 2 epochs of PGD-5).
    expect(e.after.pgd as number).toBeGreaterThanOrEqual((e.before.pgd as number) + 0.1);
    expect(e.after.fgsm as number).toBeGreaterThan(e.before.fgsm as number);
    expect(e.after.clean as number).toBeGreaterThanOrEqual((e.before.clean as number) - 0.05);
    expect(r.train.replaced).toBe(1200);
    const reloaded = await loadModel(r.model.toOnnx(), { threads: 1 });
    const p1 = await r.model.predict(ev.x);
    const p2 = await reloaded.predict(ev.x);
    for (let i = 0; i < p1.data.length; i++)
      expect(p2.data[i]).toBeCloseTo(p1.data[i] as number, 5);
    await reloaded.release();
    await model.release();
  }, 60_000);

  it('every registered method trains, reports finite losses and keeps a loadable model', async () => {
    const { x, y } = fashionTrain(48);
    for (const m of HARDENING_METHODS) {
      const model = await fashionModel();
      const r = await harden(model, x, y, {
        method: m.id,
        options: { epochs: 1, batchSize: 16 },
      });
      expect(r.train.history.length, m.id).toBe(1);
      expect(Number.isFinite(r.train.history[0]?.loss), m.id).toBe(true);
      expect(r.train.steps).toBe(3);
      const again = await loadModel(r.model.toOnnx(), { threads: 1 });
      const out = await again.predict(fashionData(4).x);
      expect(out.data.every(Number.isFinite), m.id).toBe(true);
      await again.release();
      await model.release();
    }
  }, 60_000);

  it('harden(): unknown method and bad evaluation numbers are config errors', async () => {
    const model = await fashionModel();
    const { x, y } = fashionTrain(8);
    await expect(harden(model, x, y, { method: 'mixup' })).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringMatching(/unknown hardening method "mixup"; known: fgsm, pgd/),
    });
    await expect(harden(model, x, y, { method: 'noise', evalEps: -1 })).rejects.toMatchObject({
      code: 'E_CONFIG',
    });
    await expect(
      harden(model, x, y.slice(0, 4), { method: 'noise', options: { epochs: 1 } }),
    ).rejects.toMatchObject({ code: 'E_INPUT' });
    await model.release();
  });
});

describe('input-gradient penalty (finite-difference double backprop)', () => {
  // Linear softmax model z = W·x + b: ∇ₓLᵢ = Wᵀ(pᵢ − e_yᵢ), so P(W, b) = λ/B·Σᵢ‖Wᵀ(pᵢ − e_yᵢ)‖²
  // in closed form (float64 here), differentiated by central differences.
  const d = 6;
  const k = 3;
  const B = 5;
  const rng = createRng(11);
  const W = Float64Array.from({ length: k * d }, () => rng.normal());
  const bias = Float64Array.from({ length: k }, () => 0.3 * rng.normal());
  const X = Float64Array.from({ length: B * d }, () => rng.uniform());
  const Y = Int32Array.from({ length: B }, (_, i) => i % k);
  const lambda = 0.7;

  function closedForm(w: Float64Array, b: Float64Array) {
    let ce = 0;
    let pen = 0;
    const gW = new Float64Array(k * d);
    const gb = new Float64Array(k);
    for (let i = 0; i < B; i++) {
      const z = Array.from({ length: k }, (_, r) => {
        let s = b[r] as number;
        for (let j = 0; j < d; j++) s += (w[r * d + j] as number) * (X[i * d + j] as number);
        return s;
      });
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, c) => a + c, 0);
      const p = e.map((v) => v / sum);
      ce += -Math.log(p[Y[i] as number] as number);
      const delta = p.map((v, r) => v - (r === Y[i] ? 1 : 0));
      for (let j = 0; j < d; j++) {
        let gx = 0;
        for (let r = 0; r < k; r++) gx += (w[r * d + j] as number) * (delta[r] as number);
        pen += gx * gx;
      }
      for (let r = 0; r < k; r++) {
        gb[r] = (gb[r] as number) + (delta[r] as number) / B;
        for (let j = 0; j < d; j++)
          gW[r * d + j] =
            (gW[r * d + j] as number) + ((delta[r] as number) * (X[i * d + j] as number)) / B;
      }
    }
    return { ce: ce / B, penalty: (lambda / B) * pen, gW, gb };
  }

  it('penalty equals λ/B·Σ‖∇ₓLᵢ‖²; its weight gradient matches central differences', async () => {
    const model = await linearModel(Float32Array.from(W), Float32Array.from(bias), d);
    const x = { data: Float32Array.from(X), shape: [B, d] };
    const r = await inputGradientPenalty(model, x, { data: Y, shape: [B] }, { lambda, step: 1e-3 });
    // Reference at the float32-rounded parameters the model holds.
    const w32 = Float64Array.from(Float32Array.from(W));
    const b32 = Float64Array.from(Float32Array.from(bias));
    const ref = closedForm(w32, b32);
    expect(r.loss).toBeCloseTo(ref.ce, 5);
    expect(r.penalty).toBeCloseTo(ref.penalty, 4);
    const fd = (which: 'W' | 'b', idx: number) => {
      const h = 1e-6;
      const w1 = w32.slice();
      const w2 = w32.slice();
      const b1 = b32.slice();
      const b2 = b32.slice();
      if (which === 'W') {
        w1[idx] = (w1[idx] as number) + h;
        w2[idx] = (w2[idx] as number) - h;
      } else {
        b1[idx] = (b1[idx] as number) + h;
        b2[idx] = (b2[idx] as number) - h;
      }
      return (closedForm(w1, b1).penalty - closedForm(w2, b2).penalty) / (2 * h);
    };
    const grads = [...r.weightGradients.values()];
    const gW = grads.find((t) => t.data.length === k * d) as Tensor<Float32Array>;
    const gb = grads.find((t) => t.data.length === k) as Tensor<Float32Array>;
    // The penalty's part of the gradient (ours minus the closed-form cross-entropy gradient)
    // against central differences of the closed-form penalty, relative to its largest entry.
    const oursP = [
      ...Array.from({ length: k * d }, (_, i) => (gW.data[i] as number) - (ref.gW[i] as number)),
      ...Array.from({ length: k }, (_, i) => (gb.data[i] as number) - (ref.gb[i] as number)),
    ];
    const fdP = [
      ...Array.from({ length: k * d }, (_, i) => fd('W', i)),
      ...Array.from({ length: k }, (_, i) => fd('b', i)),
    ];
    const scale = Math.max(...fdP.map(Math.abs));
    expect(scale).toBeGreaterThan(1e-3);
    for (let i = 0; i < fdP.length; i++)
      expect(Math.abs((oursP[i] as number) - (fdP[i] as number)) / scale).toBeLessThan(5e-3);
    await model.release();
  });
});
