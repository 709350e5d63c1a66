/**
 * bench/robustness-blackbox: aisf's Square attack (L∞) and HopSkipJump (L2) against ART's
 * SquareAttack / HopSkipJump (PyTorchClassifier) on the same model — the committed Fashion-MNIST
 * CNN — and the same first Fashion-MNIST test images, in one run, 2 threads each. Compares
 * adversarial accuracy, queries per sample (counted at the model on both sides) and wall time;
 * for HopSkipJump the median L2 distance found and accuracy at several ε.
 *
 *   flock /tmp/aisf-bench.lock npx tsx bench/robustness-blackbox/run.ts \
 *       [nSquare=500] [eps=0.05,0.1] [squareIter=100] [nHsj=20] [hsjIter=10] [seed=0]
 *
 * Needs ART at $ART_DIR (default /tmp/art; see docs/readme/robustness-parity.md), Debian's
 * python3-torch, python3-scipy, python3-sklearn and dataset-fashion-mnist.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { argmaxRows, hopSkipJump, square } from '../../src/algorithm/robustness/attacks/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { loadModel } from '../../src/engine/model.js';
import { fashionTest } from '../robustness/data.js';

const nSq = Number(process.argv[2] ?? 500);
const epsList = (process.argv[3] ?? '0.05,0.1').split(',').map(Number);
const sqIter = Number(process.argv[4] ?? 100);
const nHsj = Number(process.argv[5] ?? 20);
const hsjIter = Number(process.argv[6] ?? 10);
const seed = Number(process.argv[7] ?? 0);
const here = new URL('./', import.meta.url).pathname;
const artDir = process.env.ART_DIR ?? '/tmp/art';
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const median = (v: number[]) => {
  const s = v.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)] as number) : Number.NaN;
};

const loadBefore = loadavg();
const peer = JSON.parse(
  execFileSync(
    '/usr/bin/python3',
    [
      `${here}art_peer.py`,
      String(nSq),
      epsList.join(','),
      String(sqIter),
      String(nHsj),
      String(hsjIter),
      String(seed),
    ],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, PYTHONPATH: `${artDir}:${here}../robustness/shims` },
      maxBuffer: 64 * 1024 * 1024,
    },
  )
    .trim()
    .split('\n')
    .pop() as string,
) as {
  art: string;
  clean: number;
  square: { eps: number; accuracy: number; seconds: number; queriesPerSample: number }[];
  hopskipjump: {
    seconds: number;
    queriesPerSample: number;
    correct: boolean[];
    distances: number[];
  };
};

const model = await loadModel(
  new URL('../../src/algorithm/robustness/fixtures/fashion-cnn-trained.onnx', import.meta.url)
    .pathname,
  { threads: 2 },
);
const { x, y } = fashionTest(Math.max(nSq, nHsj));
const take = (n: number): Tensor<Float32Array> => ({
  data: x.data.subarray(0, n * 784),
  shape: [n, 1, 28, 28],
});
const acc = async (t: Tensor<Float32Array>, labels: Int32Array) => {
  const p = argmaxRows(await model.predict(t));
  return p.filter((v, i) => v === labels[i]).length / labels.length;
};
const ySq = y.subarray(0, nSq);
const rows: string[] = [];
rows.push(
  `| clean accuracy (first ${nSq}) | ${(await acc(take(nSq), ySq)).toFixed(4)} | ${peer.clean.toFixed(4)} | |`,
);
for (const [i, eps] of epsList.entries()) {
  const t = performance.now();
  const r = await square(model, take(nSq), {
    labels: ySq,
    eps,
    maxIter: sqIter,
    seed,
    batchSize: 128,
  });
  const sec = (performance.now() - t) / 1000;
  const a = await acc(r.adversarial, ySq);
  const p = peer.square[i];
  if (!p) throw new Error('peer output lacks a square row');
  rows.push(
    `| Square L∞ ε=${eps}, ${sqIter} iter: adversarial accuracy | ${a.toFixed(4)} | ${p.accuracy.toFixed(4)} | Δ ${((a - p.accuracy) * 100).toFixed(1)} pp |`,
    `| … queries per sample (mean) | ${r.queries.mean.toFixed(1)} | ${p.queriesPerSample.toFixed(1)} | ${(p.queriesPerSample / r.queries.mean).toFixed(2)}× fewer |`,
    `| … seconds | ${sec.toFixed(2)} | ${p.seconds.toFixed(2)} | ${(p.seconds / sec).toFixed(2)}× faster |`,
  );
}
const yH = y.subarray(0, nHsj);
const t = performance.now();
const h = await hopSkipJump(model, take(nHsj), {
  labels: yH,
  norm: '2',
  eps: 0, // the full minimum-norm run, as ART (which has no ε)
  maxIter: hsjIter,
  maxQueries: 1_000_000,
  seed,
});
const hSec = (performance.now() - t) / 1000;
const clean = argmaxRows(await model.predict(take(nHsj)));
const ours = h.distances.map((d, i) => (clean[i] === yH[i] ? d : Number.POSITIVE_INFINITY));
const theirs = peer.hopskipjump.distances.map((d) => (d > 1e300 ? Number.POSITIVE_INFINITY : d));
const accAt = (dist: number[], correct: ArrayLike<boolean | number>, e: number) =>
  dist.filter((d, i) => Boolean(correct[i]) && !(d <= e)).length / dist.length;
rows.push(
  `| HopSkipJump L2, ${hsjIter} iter (n=${nHsj}): median L2 found | ${median(ours).toFixed(3)} | ${median(theirs).toFixed(3)} | |`,
);
for (const e of [1, 2, 3])
  rows.push(
    `| … accuracy at L2 ε=${e} | ${accAt(
      ours,
      Array.from(clean, (c, i) => c === yH[i]),
      e,
    ).toFixed(3)} | ${accAt(theirs, peer.hopskipjump.correct, e).toFixed(3)} | |`,
  );
rows.push(
  `| … queries per sample (mean) | ${h.queries.mean.toFixed(0)} | ${peer.hopskipjump.queriesPerSample.toFixed(0)} | |`,
  `| … seconds | ${hSec.toFixed(2)} | ${peer.hopskipjump.seconds.toFixed(2)} | ${(peer.hopskipjump.seconds / hSec).toFixed(2)}× faster |`,
);
await model.release();
process.stdout.write(
  `ART ${peer.art}; load average before ${loadBefore}, after ${loadavg()}; seed ${seed}\n\n| | aisf | ART | ratio |\n|---|---|---|---|\n${rows.join('\n')}\n`,
);
