/**
 * A/B of the per-sample graph's Gemm formulation on the bench CNN (run bench/dp-sgd/run.ts first
 * or pass a folder holding its cnn.onnx, x.npy, y.npy): ghost norm + one rescaled Gemm vs
 * materialised per-example outer products, interleaved rounds, 2 threads.
 *
 *   flock /tmp/aisf-bench.lock npx tsx bench/dp-sgd/ab.ts <dir> [rounds] [iters]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeShapes } from '../../src/engine/autodiff/shapes.js';
import { readNpy } from '../../src/engine/io/npy.js';
import { loadModel } from '../../src/engine/model.js';
import { encodeModel } from '../../src/engine/onnx/proto.js';
import { buildPerSampleGraph } from '../../src/engine/per-sample/graph.js';
import { createSession, type Tensor } from '../../src/engine/runtime/session.js';

const dir = process.argv[2] as string;
const rounds = Number(process.argv[3] ?? 3);
const iters = Number(process.argv[4] ?? 10);
const x = readNpy(readFileSync(join(dir, 'x.npy'))) as Tensor<Float32Array>;
const y = readNpy(readFileSync(join(dir, 'y.npy')));
const B = x.shape[0] as number;
const model = await loadModel(join(dir, 'cnn.onnx'), { threads: 2 });
const shapes = await probeShapes(model.onnx, { threads: 2 });
const weights = model.weights();
const variants = {} as Record<string, () => Promise<void>>;
for (const gemm of ['ghost', 'materialise'] as const) {
  const g = buildPerSampleGraph(model.onnx, shapes, { batch: B, mode: 'clip', gemm });
  const s = await createSession(encodeModel(g.model), { threads: 2 });
  const feeds: Record<string, Tensor> = {
    [g.input]: x,
    [g.labels]: { data: BigInt64Array.from(y.data as BigInt64Array), shape: [B] },
    [g.scale]: { data: new Float32Array(B).fill(1), shape: [B, 1] },
    [g.maxNorm]: { data: Float32Array.of(1), shape: [] },
  };
  for (const w of g.weights) feeds[w] = weights.get(w) as Tensor;
  variants[gemm] = async () => {
    await s.run(feeds);
  };
}
const totals: Record<string, number[]> = { ghost: [], materialise: [] };
for (const f of Object.values(variants)) for (let i = 0; i < 3; i++) await f();
for (let r = 0; r < rounds; r++)
  for (const [name, f] of Object.entries(variants)) {
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) await f();
    totals[name]?.push((performance.now() - t0) / iters);
  }
for (const [name, ms] of Object.entries(totals))
  console.log(`${name.padEnd(12)} clip-and-sum run: ${ms.map((v) => v.toFixed(1)).join(' / ')} ms`);
console.log(`load average: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
