/**
 * bench/gradient: aisf's forward+backward input gradient (cross-entropy, batch 128, ONNX Runtime
 * with 2 threads) against PyTorch (2 threads) on the same CNN, in one run. PyTorch exports the
 * ONNX file aisf loads, and its gradient is the correctness reference.
 *
 *   flock /tmp/aisf-bench.lock npx tsx bench/gradient/run.ts [batch] [iters]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from '../../src/engine/io/npy.js';
import { loadModel } from '../../src/engine/model.js';

const batch = Number(process.argv[2] ?? 128);
const iters = Number(process.argv[3] ?? 30);
const dir = mkdtempSync(join(tmpdir(), 'aisf-bench-'));
const onnx = join(dir, 'cnn.onnx');
const peer = JSON.parse(
  execFileSync(
    '/usr/bin/python3',
    [new URL('./torch_peer.py', import.meta.url).pathname, onnx, String(batch), String(iters)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  )
    .trim()
    .split('\n')
    .pop() as string,
) as { samples_per_s: number; ms_per_batch: number; peak_rss_mb: number; torch: string };

const x = readNpy(readFileSync(`${onnx}.x.npy`));
const y = readNpy(readFileSync(`${onnx}.y.npy`));
const ref = readNpy(readFileSync(`${onnx}.gx.npy`)).data as Float32Array;
/** Times one runtime: intra-op (one session, 2 threads) or data (2 workers × 1 thread). */
async function measure(parallelism: 'intra-op' | 'data') {
  const model = await loadModel(onnx, { threads: 2, parallelism });
  const first = await model.lossAndGradient(x, y, {
    loss: 'cross-entropy',
    reduction: 'sum',
    batchSize: batch,
  });
  let err = 0;
  let scale = 0;
  const g = first.inputGradient?.data as Float32Array;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs((g[i] as number) - (ref[i] as number)));
    scale = Math.max(scale, Math.abs(ref[i] as number));
  }
  for (let i = 0; i < 5; i++) await model.lossAndGradient(x, y, { batchSize: batch });
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) await model.lossAndGradient(x, y, { batchSize: batch });
  const ms = (performance.now() - t0) / iters;
  await model.release();
  return {
    samples_per_s: (batch / ms) * 1000,
    ms_per_batch: ms,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    err,
    scale,
  };
}
const rssBefore = process.memoryUsage().rss;
const ours = await measure('intra-op');
const oursData = await measure('data');
const { err, scale } = ours;

const row = (
  name: string,
  r: { samples_per_s: number; ms_per_batch: number; peak_rss_mb: number },
) =>
  `| ${name} | ${r.ms_per_batch.toFixed(2)} | ${Math.round(r.samples_per_s)} | ${Math.round(r.peak_rss_mb)} |`;
console.log(
  `input gradient, cross-entropy (sum), batch ${batch}, ${iters} timed runs, 2 threads each; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
);
console.log('| engine | ms / batch | samples / s | peak RSS (MB) |');
console.log('|---|---|---|---|');
console.log(row(`PyTorch ${peer.torch} (autograd)`, peer));
console.log(row('aisf (ONNX autodiff on ONNX Runtime), 1 session × 2 threads', ours));
console.log(row('aisf, data-parallel: 2 workers × 1 thread (RSS: whole process)', oursData));
console.log(
  `ratio aisf / PyTorch throughput: ${(ours.samples_per_s / peer.samples_per_s).toFixed(2)}× (1 session), ${(oursData.samples_per_s / peer.samples_per_s).toFixed(2)}× (data-parallel); data-parallel max error ${oursData.err.toExponential(2)}`,
);
console.log(
  `max |aisf − PyTorch| gradient error: ${err.toExponential(2)} (scale ${scale.toExponential(2)}); RSS at model load ${Math.round(rssBefore / 2 ** 20)} MB`,
);
