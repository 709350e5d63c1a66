/**
 * ART parity table: aisf's FGSM and PGD (ART preset; eps_step ε/4, 20 iterations, no random start)
 * and DeepFool against the ART numbers that scripts/robustness/art-parity.py wrote to
 * src/algorithm/robustness/fixtures/art-reference.json — same model, same images.
 *
 *   npx tsx bench/robustness/parity.ts        (prints a markdown table; no Python needed)
 */
import { readFileSync } from 'node:fs';
import { deepFool } from '../../src/algorithm/robustness/attacks/deepfool/index.js';
import {
  argmaxRows,
  fgsm,
  type Norm,
  perturbationNorms,
  pgd,
} from '../../src/algorithm/robustness/attacks/index.js';
import { loadModel, readNpz, type Tensor } from '../../src/engine/index.js';
import { fashionTest, hasFashion } from './data.js';

const FIX = new URL('../../src/algorithm/robustness/fixtures/', import.meta.url);
interface Row {
  accuracy: number;
  pred: string;
  meanL2?: number;
}
const ref = JSON.parse(readFileSync(new URL('art-reference.json', FIX), 'utf8')) as {
  art: string;
  sets: Record<string, Record<string, Row | number | string>>;
};

function fixture100(): { x: Tensor<Float32Array>; y: Int32Array } {
  const arrays = readNpz(readFileSync(new URL('fashion-test-100.npz', FIX)));
  return {
    x: {
      data: Float32Array.from(arrays.get('x')?.data as Uint8Array, (v) => v / 255),
      shape: [100, 1, 28, 28],
    },
    y: Int32Array.from(arrays.get('y')?.data as BigInt64Array, Number),
  };
}

const model = await loadModel(new URL('fashion-cnn-trained.onnx', FIX).pathname, { threads: 2 });
console.log(`ART ${ref.art} vs aisf, Fashion-MNIST CNN (fixtures/fashion-cnn-trained.onnx)`);
console.log(
  '| images | attack | norm | ε | ART adv. acc. | aisf adv. acc. | Δ (pp) | samples whose prediction differs |',
);
console.log('|---|---|---|---|---|---|---|---|');
let worst = 0;
for (const [set, rows] of Object.entries(ref.sets)) {
  if (set === 'test1000' && !hasFashion()) {
    console.log(`| ${set} | skipped: /usr/share/datasets/fashion-mnist missing | | | | | | |`);
    continue;
  }
  const { x, y } = set === 'fixture100' ? fixture100() : fashionTest(rows.n as number);
  const n = y.length;
  for (const [key, value] of Object.entries(rows)) {
    if (typeof value !== 'object') continue;
    const [attack, a, b] = key.split(':') as [string, string, string];
    let adv: Tensor<Float32Array> = x;
    let label = '';
    if (attack === 'fgsm')
      adv = await fgsm(model, x, { eps: Number(b), norm: a as Norm, labels: y });
    else if (attack === 'pgd')
      adv = await pgd(model, x, {
        eps: Number(b),
        norm: a as Norm,
        epsStep: Number(b) / 4,
        maxIter: 20,
        randomStart: false,
        labels: y,
      });
    else if (attack === 'deepfool') {
      adv = await deepFool(model, x, { overshoot: Number(a) });
      const l2 = perturbationNorms(x, adv).l2;
      const mean = l2.reduce((s, v) => s + v, 0) / n;
      label = ` (mean L2 ART ${value.meanL2?.toFixed(4)}, aisf ${mean.toFixed(4)})`;
    } else if (attack !== 'clean') continue;
    const pred = argmaxRows(await model.predict(adv));
    const acc = pred.reduce((s, p, i) => s + (p === y[i] ? 1 : 0), 0) / n;
    const diff = [...value.pred].filter((c, i) => Number(c) !== pred[i]).length;
    const delta = 100 * (acc - value.accuracy);
    if (attack !== 'deepfool') worst = Math.max(worst, Math.abs(delta));
    const norm = attack === 'clean' ? '' : attack === 'deepfool' ? '2' : a === 'inf' ? '∞' : '2';
    const eps = attack === 'fgsm' || attack === 'pgd' ? b : attack === 'deepfool' ? `η=${a}` : '';
    console.log(
      `| ${n} | ${attack === 'pgd' ? 'PGD-20' : attack === 'fgsm' ? 'FGSM' : attack === 'deepfool' ? 'DeepFool' : 'clean'}${label} | ${norm} | ${eps} | ${(100 * value.accuracy).toFixed(1)} % | ${(100 * acc).toFixed(1)} % | ${delta >= 0 ? '+' : ''}${delta.toFixed(1)} | ${diff} |`,
    );
  }
}
console.log(`largest |Δ| over FGSM/PGD rows: ${worst.toFixed(1)} pp (goal ≤ 0.5 pp)`);
await model.release();
