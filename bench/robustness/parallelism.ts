/**
 * A/B of aisf's two runtimes on the robustness bench's model and images, in one process: one
 * ONNX Runtime session with 2 intra-op threads vs 2 data-parallel workers with 1 thread each.
 * Checks that both give bit-identical adversarial examples, then reports the best of R rounds.
 *
 *   flock /tmp/aisf-bench.lock npx tsx bench/robustness/parallelism.ts   (R=8 rounds, B=128 batch, PGD=1 adds PGD-20)
 */
import { fgsm, pgd } from '../../src/algorithm/robustness/attacks/index.js';
import { loadModel } from '../../src/engine/model.js';
import { fashionTest } from './data.js';

const path = new URL(
  '../../src/algorithm/robustness/fixtures/fashion-cnn-trained.onnx',
  import.meta.url,
).pathname;
const n = 1000;
const { x, y } = fashionTest(n);
const intra = await loadModel(path, { threads: 2, spinning: false });
const data = await loadModel(path, { threads: 2, spinning: false, parallelism: 'data' });
const batchSize = Number(process.env.B ?? 128);
const pgdOptions = { eps: 0.1, epsStep: 0.025, maxIter: 20, randomStart: false } as const;

const a = await fgsm(intra, x, { eps: 0.1, labels: y, batchSize });
const b = await fgsm(data, x, { eps: 0.1, labels: y, batchSize });
const differing = a.data.filter((v, i) => !Object.is(v, b.data[i])).length;
console.log(`FGSM values differing between the runtimes: ${differing}`);

const runs: [string, () => Promise<unknown>][] = [
  ['FGSM, 1 session × 2 threads', () => fgsm(intra, x, { eps: 0.1, labels: y, batchSize })],
  ['FGSM, 2 workers × 1 thread', () => fgsm(data, x, { eps: 0.1, labels: y, batchSize })],
];
if (process.env.PGD)
  runs.push(
    ['PGD-20, 1 session × 2 threads', () => pgd(intra, x, { ...pgdOptions, labels: y, batchSize })],
    ['PGD-20, 2 workers × 1 thread', () => pgd(data, x, { ...pgdOptions, labels: y, batchSize })],
  );
const best: Record<string, number> = {};
for (let r = 0; r < Number(process.env.R ?? 8); r++)
  for (const [name, run] of runs) {
    const t0 = performance.now();
    await run();
    best[name] = Math.min(best[name] ?? Number.POSITIVE_INFINITY, performance.now() - t0);
  }
for (const [name, ms] of Object.entries(best))
  console.log(`${name}: ${ms.toFixed(1)} ms (${((1000 * n) / ms).toFixed(0)} images/s)`);
await intra.release();
await data.release();
