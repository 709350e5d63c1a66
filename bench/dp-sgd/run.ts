/**
 * bench/dp-sgd: aisf's DP-SGD step (per-sample graph: ghost norms for Gemm, grouped-Conv
 * per-example weight gradients, clip-and-sum in one ONNX Runtime call; then noise and SGD) against
 * Opacus (hooks mode and ghost clipping) on the same CNN, weights and Fashion-MNIST batch, both
 * with 2 threads, in one run. Also checks that one noiseless step gives Opacus' clipped sum.
 *
 *   git --git-dir=<fetched pytorch/opacus> archive HEAD | tar -x -C /tmp/opacus
 *   flock /tmp/aisf-bench.lock npx tsx bench/dp-sgd/run.ts [batch] [iters]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DpSgdStepOptions, dpSgdStep } from '../../src/data/privacy/dp-sgd/index.js';
import { seededRandom } from '../../src/data/privacy/random.js';
import { readNpy, readNpz } from '../../src/engine/io/npy.js';
import { loadModel } from '../../src/engine/model.js';
import { perSampleGradients } from '../../src/engine/per-sample/index.js';
import type { Tensor } from '../../src/engine/runtime/session.js';
import { sgd } from '../../src/engine/train/optimizers.js';

const batch = Number(process.argv[2] ?? 64);
const iters = Number(process.argv[3] ?? 30);
const C = 1.0;
const SIGMA = 1.1;
const LR = 0.05;
const dir = mkdtempSync(join(tmpdir(), 'aisf-dpsgd-'));
const fixtures = new URL('../../src/engine/fixtures/', import.meta.url).pathname;
const here = new URL('./', import.meta.url).pathname;
const load0 = readFileSync('/proc/loadavg', 'utf8').trim();
type Peer = {
  opacus: string;
  torch: string;
  hooks_ms: number;
  ghost_ms?: number;
  ghost_error?: string;
  plain_sgd_ms: number;
};
/** Runs the Opacus side (export, reference, timings) writing into `out`. */
const runPeer = (out: string): Peer =>
  JSON.parse(
    execFileSync(
      '/usr/bin/python3',
      [
        join(here, 'opacus_peer.py'),
        out,
        join(fixtures, 'fashion-mnist.train-x.npy'),
        join(fixtures, 'fashion-mnist.train-y.npy'),
        String(batch),
        String(iters),
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, PYTHONPATH: `/tmp/opacus:${join(here, 'shim')}` },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
      .trim()
      .split('\n')
      .pop() as string,
  ) as Peer;
// Opacus is timed before and after aisf (the load of a shared machine drifts); means reported.
const peerBefore = runPeer(dir);

const x = readNpy(readFileSync(join(dir, 'x.npy'))) as Tensor<Float32Array>;
const y = readNpy(readFileSync(join(dir, 'y.npy')));
const model = await loadModel(join(dir, 'cnn.onnx'), { threads: 2 });
const ps = await perSampleGradients(model, { threads: 2 });

// Correctness: one noiseless clip-and-sum from the same weights and batch as Opacus.
const ref = readNpz(readFileSync(join(dir, 'opacus-clipped-sum.npz')));
const refNorms = readNpy(readFileSync(join(dir, 'opacus-norms.npy'))).data as Float32Array;
const mine = await ps.clippedSum(x, y, C);
let maxAbs = 0;
let scale = 0;
for (const [name, t] of ref) {
  const key = name.replace(/\.npy$/, '');
  const got = mine.gradients.get(key)?.data;
  if (!got) throw new Error(`no gradient for ${key}`);
  const r = t.data as Float32Array;
  for (let i = 0; i < r.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs((got[i] as number) - (r[i] as number)));
    scale = Math.max(scale, Math.abs(r[i] as number));
  }
}
let normDiff = 0;
for (let i = 0; i < refNorms.length; i++)
  normDiff = Math.max(normDiff, Math.abs((mine.norms[i] as number) - (refNorms[i] as number)));

async function timeSteps(method: 'graph' | 'microbatch', n: number): Promise<number> {
  const m = await loadModel(join(dir, 'cnn.onnx'), { threads: 2 });
  const p = await perSampleGradients(m, { threads: 2, method });
  const weights = m.weights();
  const o: DpSgdStepOptions = {
    maxGradNorm: C,
    noiseStd: SIGMA * C,
    expectedBatchSize: batch,
    optimizer: sgd({ lr: LR }),
    random: seededRandom('bench'),
  };
  const warm = method === 'graph' ? 5 : 1;
  for (let i = 0; i < warm; i++) await dpSgdStep(p, weights, x, y, o);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await dpSgdStep(p, weights, x, y, o);
  const ms = (performance.now() - t0) / n;
  await p.release();
  await m.release();
  return ms;
}

async function timePlain(n: number): Promise<number> {
  const m = await loadModel(join(dir, 'cnn.onnx'), { threads: 2 });
  const weights = m.weights();
  const opt = sgd({ lr: LR });
  const step = async () => {
    const r = await m.lossAndGradient(x, y, { wrt: 'weights', reduction: 'mean' });
    opt.step(weights, r.weightGradients ?? new Map());
    m.setWeights(weights);
  };
  for (let i = 0; i < 5; i++) await step();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await step();
  const ms = (performance.now() - t0) / n;
  await m.release();
  return ms;
}

const graphMs = await timeSteps('graph', iters);
const peerAfter = runPeer(mkdtempSync(join(tmpdir(), 'aisf-dpsgd-')));
const mean = (a?: number, b?: number) =>
  a === undefined || b === undefined ? Number.NaN : (a + b) / 2;
const peer: Peer = {
  ...peerBefore,
  hooks_ms: mean(peerBefore.hooks_ms, peerAfter.hooks_ms),
  plain_sgd_ms: mean(peerBefore.plain_sgd_ms, peerAfter.plain_sgd_ms),
  ...(peerBefore.ghost_ms === undefined
    ? {}
    : { ghost_ms: mean(peerBefore.ghost_ms, peerAfter.ghost_ms) }),
};
const microMs = await timeSteps('microbatch', Math.max(2, Math.floor(iters / 10)));
const plainMs = await timePlain(iters);
await ps.release();
await model.release();
const load1 = readFileSync('/proc/loadavg', 'utf8').trim();
const best = Math.min(peer.hooks_ms, peer.ghost_ms ?? Number.POSITIVE_INFINITY);
const rows = [
  [
    `Opacus hooks (default) DP-SGD step (${peerBefore.hooks_ms.toFixed(0)} / ${peerAfter.hooks_ms.toFixed(0)})`,
    peer.hooks_ms,
  ],
  [
    `Opacus ghost clipping DP-SGD step (${peerBefore.ghost_ms?.toFixed(0)} / ${peerAfter.ghost_ms?.toFixed(0)})`,
    peer.ghost_ms ?? Number.NaN,
  ],
  ['PyTorch plain SGD step (no DP)', peer.plain_sgd_ms],
  ['aisf DP-SGD step, per-sample graph', graphMs],
  ['aisf DP-SGD step, microbatching (general path)', microMs],
  ['aisf plain SGD step (no DP)', plainMs],
] as const;
console.log(
  `DP-SGD step, batch ${batch}, σ ${SIGMA}, C ${C}, 2 threads; Opacus ${peer.opacus}, torch ${peer.torch}`,
);
for (const [label, ms] of rows) console.log(`  ${label.padEnd(58)} ${ms.toFixed(1)} ms`);
if (peer.ghost_error) console.log(`  (Opacus ghost clipping failed: ${peer.ghost_error})`);
console.log(`  aisf graph vs best Opacus: ${(best / graphMs).toFixed(2)}× faster`);
console.log(
  `  aisf graph vs Opacus hooks: ${(peer.hooks_ms / graphMs).toFixed(2)}×; DP overhead over plain SGD: aisf ${(graphMs / plainMs).toFixed(2)}×, Opacus ${(peer.hooks_ms / peer.plain_sgd_ms).toFixed(2)}×`,
);
console.log(
  `  noiseless clipped sum vs Opacus: max abs diff ${maxAbs.toExponential(2)} (max |g| ${scale.toExponential(2)}), per-sample norms max abs diff ${normDiff.toExponential(2)}`,
);
console.log(`  load average before: ${load0}; after: ${load1}`);
console.log(
  JSON.stringify({
    batch,
    iters,
    peer,
    peer_runs: [peerBefore, peerAfter],
    aisf: { graph_ms: graphMs, microbatch_ms: microMs, plain_sgd_ms: plainMs },
    ratio_vs_best_opacus: best / graphMs,
    max_abs_diff: maxAbs,
    norm_max_abs_diff: normDiff,
    load: [load0, load1],
  }),
);
