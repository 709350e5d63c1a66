/**
 * Profiles aisf's gradient graph with ONNX Runtime's own profiler and prints time per op type —
 * how the backward formulations in src/engine/autodiff/rules were chosen.
 *
 *   npx tsx bench/gradient/profile.ts <model.onnx> [batch]
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGradientGraph } from '../../src/engine/autodiff/backward.js';
import { probeShapes } from '../../src/engine/autodiff/shapes.js';
import { decodeModel, encodeModel } from '../../src/engine/onnx/proto.js';
import { createSession } from '../../src/engine/runtime/session.js';

const file = process.argv[2] as string;
const batch = Number(process.argv[3] ?? 128);
const model = decodeModel(readFileSync(file));
const g = buildGradientGraph(model, await probeShapes(model), {
  loss: 'cross-entropy',
  wrt: ['input'],
});
const prefix = join(tmpdir(), `aisf-prof-${process.pid}`);
const session = await createSession(encodeModel(g.model), {
  threads: Number(process.env.THREADS ?? 2),
  profilePrefix: prefix,
});
const shape = [batch, 1, 28, 28];
const x = Float32Array.from({ length: batch * 784 }, (_, i) => ((i * 7919) % 97) / 97);
const y = BigInt64Array.from({ length: batch }, (_, i) => BigInt(i % 10));
const feeds = {
  [g.inputs[0] as string]: { data: x, shape },
  [g.labels]: { data: y, shape: [batch] },
  [g.scale]: { data: Float32Array.of(1), shape: [] },
};
const runs = 20;
for (let i = 0; i < runs; i++) await session.run(feeds);
session.endProfiling();
await session.release();
const dir = tmpdir();
const { readdirSync } = await import('node:fs');
const profile = readdirSync(dir).find((f) => f.startsWith(`aisf-prof-${process.pid}`));
const events = JSON.parse(readFileSync(join(dir, profile as string), 'utf8')) as {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}[];
rmSync(join(dir, profile as string));
const byOp = new Map<string, number>();
for (const e of events)
  if (e.cat === 'Node' && e.name.endsWith('_kernel_time'))
    byOp.set(e.args?.op_name ?? '?', (byOp.get(e.args?.op_name ?? '?') ?? 0) + e.dur);
const byNode = new Map<string, number>();
for (const e of events)
  if (e.cat === 'Node' && e.name.endsWith('_kernel_time'))
    byNode.set(
      `${e.args?.op_name} ${e.name.replace('_kernel_time', '')}`,
      (byNode.get(`${e.args?.op_name} ${e.name.replace('_kernel_time', '')}`) ?? 0) + e.dur,
    );
const total = [...byOp.values()].reduce((a, b) => a + b, 0);
if (process.env.BY_NODE)
  for (const [n, us] of [...byNode].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`${n.padEnd(50)} ${(us / runs / 1000).toFixed(2)} ms`);
console.log(`per run: ${(total / runs / 1000).toFixed(2)} ms kernel time`);
for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1]))
  console.log(
    `${op.padEnd(22)} ${(us / runs / 1000).toFixed(2)} ms  ${((100 * us) / total).toFixed(1)}%`,
  );
