/**
 * bench/robustness: aisf's FGSM and PGD-20 (ART preset, no random start) against ART's
 * FastGradientMethod / ProjectedGradientDescent (PyTorchClassifier) on the same model — the
 * committed Fashion-MNIST CNN — and the same first N Fashion-MNIST test images, in one run,
 * 2 threads each (torch.set_num_threads(2); ONNX Runtime intraOpNumThreads 2).
 *
 *   flock /tmp/aisf-bench.lock npx tsx bench/robustness/run.ts [n=1000] [eps=0.1] [batch=128]
 *   AISF_BENCH_SPIN=1 …   (idle threads of both sides spin-wait; default: both sleep)
 *   AISF_BENCH_PARALLELISM=intra-op …   (aisf's 2 threads inside one session; default: data —
 *   2 worker threads with a single-threaded session each, every batch split between them)
 *
 * Needs ART at $ART_DIR (default /tmp/art; see docs/readme/robustness-parity.md) and Debian's
 * python3-torch, python3-scipy, python3-sklearn, dataset-fashion-mnist.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { argmaxRows, deepFool, fgsm, pgd } from '../../src/algorithm/robustness/attacks/index.js';
import { loadModel } from '../../src/engine/model.js';
import { fashionTest } from './data.js';

const n = Number(process.argv[2] ?? 1000);
const eps = Number(process.argv[3] ?? 0.1);
const batch = Number(process.argv[4] ?? 128);
const here = new URL('./', import.meta.url).pathname;
const artDir = process.env.ART_DIR ?? '/tmp/art';
/** AISF_BENCH_SPIN=1: both sides spin-wait (OMP_WAIT_POLICY=ACTIVE, ORT allow_spinning 1). */
const spin = process.env.AISF_BENCH_SPIN === '1';
const parallelism = process.env.AISF_BENCH_PARALLELISM === 'intra-op' ? 'intra-op' : 'data';
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

interface PeerRun {
  seconds: number;
  images_per_s: number;
  accuracy: number;
  pred: string;
}
const loadBefore = loadavg();
const peer = JSON.parse(
  execFileSync('/usr/bin/python3', [`${here}art_peer.py`, String(n), String(batch), String(eps)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    // PASSIVE: idle OpenMP threads sleep instead of spinning; on a shared, loaded machine the
    // spin-wait makes PyTorch many times slower (measured: ART DeepFool 667 s vs 32 s). aisf's
    // ONNX Runtime threads get the same policy (spinning: false).
    env: {
      ...process.env,
      PYTHONPATH: `${artDir}:${here}shims`,
      OMP_WAIT_POLICY: spin ? 'ACTIVE' : 'PASSIVE',
    },
  })
    .trim()
    .split('\n')
    .pop() as string,
) as {
  art: string;
  torch: string;
  threads: number;
  fgsm: PeerRun;
  pgd20: PeerRun;
  deepfool: PeerRun & { n: number };
};

const { x, y } = fashionTest(n);
const model = await loadModel(
  new URL('../../src/algorithm/robustness/fixtures/fashion-cnn-trained.onnx', import.meta.url)
    .pathname,
  { threads: 2, spinning: spin, parallelism },
);
const pgdOptions = { eps, epsStep: eps / 4, maxIter: 20, randomStart: false } as const;
const attacks = {
  fgsm: (xs: typeof x, ys: Int32Array) => fgsm(model, xs, { eps, labels: ys, batchSize: batch }),
  pgd20: (xs: typeof x, ys: Int32Array) =>
    pgd(model, xs, { ...pgdOptions, labels: ys, batchSize: batch }),
};
const ours: Record<string, PeerRun> = {};
for (const [name, run] of Object.entries(attacks)) {
  // Warm-up: one full run (JIT-compiled JS steps, worker threads started), as art_peer.py does.
  await run(x, y);
  // Best of the same repetitions as art_peer.py (the machine is shared and noisy).
  let seconds = Number.POSITIVE_INFINITY;
  let adv = x;
  for (let r = 0; r < (name === 'fgsm' ? 10 : 3); r++) {
    const t0 = performance.now();
    adv = await run(x, y);
    seconds = Math.min(seconds, (performance.now() - t0) / 1000);
  }
  const pred = argmaxRows(await model.predict(adv));
  ours[name] = {
    seconds,
    images_per_s: n / seconds,
    accuracy: pred.reduce((a, p, i) => a + (p === y[i] ? 1 : 0), 0) / n,
    pred: pred.join(''),
  };
}
{
  // DeepFool on the images ART's DeepFool ran on (ART: one image at a time).
  const dn = peer.deepfool.n;
  const xs = { data: x.data.subarray(0, dn * 784), shape: [dn, 1, 28, 28] };
  await deepFool(model, { data: x.data.subarray(0, 2 * 784), shape: [2, 1, 28, 28] });
  const t0 = performance.now();
  const adv = await deepFool(model, xs, { overshoot: 0.02, batchSize: batch });
  const seconds = (performance.now() - t0) / 1000;
  const pred = argmaxRows(await model.predict(adv));
  ours.deepfool = {
    seconds,
    images_per_s: dn / seconds,
    accuracy: pred.reduce((a, p, i) => a + (p === y[i] ? 1 : 0), 0) / dn,
    pred: pred.join(''),
  };
}
await model.release();

const mismatch = (a: string, b: string) => [...a].filter((c, i) => c !== b[i]).length;
console.log(
  `Fashion-MNIST CNN, first ${n} test images, L∞ ε=${eps}, batch ${batch}, 2 threads each (aisf: ${parallelism === 'data' ? '2 workers × 1 thread' : '1 session × 2 threads'}), one full warm-up run each, then best of 10 (FGSM) / 3 (PGD) / 1 (DeepFool) runs; ART ${peer.art} on PyTorch ${peer.torch}`,
);
console.log(
  '| attack | ART images/s | aisf images/s | **aisf / ART** | ART adv. acc. | aisf adv. acc. | samples whose adv. prediction differs |',
);
console.log('|---|---|---|---|---|---|---|');
const titles = {
  fgsm: `FGSM, ${n} images`,
  pgd20: `PGD-20 (step ε/4, no random start), ${n} images`,
  deepfool: `DeepFool (η 0.02, max_iter 100, L2), ${peer.deepfool.n} images`,
};
for (const name of ['fgsm', 'pgd20', 'deepfool'] as const) {
  const a = peer[name];
  const o = ours[name] as PeerRun;
  console.log(
    `| ${titles[name]} | ${a.images_per_s.toFixed(0)} | ${o.images_per_s.toFixed(0)} | **${(o.images_per_s / a.images_per_s).toFixed(2)}×** | ${(100 * a.accuracy).toFixed(1)} % | ${(100 * o.accuracy).toFixed(1)} % | ${mismatch(a.pred, o.pred)} / ${a.pred.length} |`,
  );
}
console.log(
  `idle threads ${spin ? 'spin (OMP ACTIVE / ORT spinning)' : 'sleep (OMP PASSIVE / ORT no spinning)'}; load average before: ${loadBefore}; after: ${loadavg()}`,
);
