// bench/dp-accountant: aisf's RDP accountant vs Google dp_accounting (TF Privacy's accountant) on
// the same 16 DP-SGD settings (default dp_accounting orders: 156 orders, 99 of them fractional).
// Prints both times (best of 3), the speed ratio and the largest relative difference in ε.
// Usage: npm run build && DP_ACCOUNTING=/path/to/python/dp_accounting \
//        flock /tmp/aisf-bench.lock node bench/dp-accountant/run.mjs
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dpSgdEpsilon } from '../../dist/data/privacy/accountant/rdp.js';

const cases = [];
for (const q of [0.001, 0.004, 0.01, 0.04]) {
  for (const sigma of [0.8, 1.1, 1.5, 3]) cases.push({ q, sigma, steps: 10000, delta: 1e-5 });
}

const python = process.env.PYTHON ?? '/usr/bin/python3'; // Debian python3-numpy/-scipy
const peer = spawnSync(python, [fileURLToPath(new URL('peer.py', import.meta.url))], {
  input: JSON.stringify(cases),
  encoding: 'utf8',
  env: process.env,
});
if (peer.status !== 0) {
  console.error(peer.stderr);
  process.exit(1);
}
const theirs = JSON.parse(peer.stdout);

let best = Number.POSITIVE_INFINITY;
let cold = 0;
let ours = [];
for (let rep = 0; rep < 3; rep++) {
  const start = performance.now();
  ours = cases.map((c) =>
    dpSgdEpsilon({ samplingRate: c.q, noiseMultiplier: c.sigma, steps: c.steps, delta: c.delta }),
  );
  const seconds = (performance.now() - start) / 1000;
  if (rep === 0) cold = seconds; // first run also fills the exact binomial-row cache
  best = Math.min(best, seconds);
}
let maxRel = 0;
let sameOrder = 0;
ours.forEach((r, k) => {
  const t = theirs.results[k];
  maxRel = Math.max(maxRel, Math.abs(r.epsilon - t.epsilon) / t.epsilon);
  if (r.order === t.order) sameOrder++;
});
console.log(
  `cases: ${cases.length} (q ∈ {0.001,0.004,0.01,0.04} × σ ∈ {0.8,1.1,1.5,3}, T=10000, δ=1e-5)`,
);
console.log(`dp_accounting (${python}, best of 3): ${theirs.seconds.toFixed(3)} s`);
console.log(
  `aisf (node ${process.version}): first run ${cold.toFixed(3)} s, best of 3 ${best.toFixed(3)} s`,
);
console.log(
  `speed-up dp_accounting/aisf: ${(theirs.seconds / cold).toFixed(1)}× (first run), ${(theirs.seconds / best).toFixed(1)}× (best)`,
);
console.log(
  `max relative ε difference: ${maxRel.toExponential(2)}; same optimal order: ${sameOrder}/${cases.length}`,
);
