/**
 * @module aisf side of the fairness benchmark: (1) end to end, streaming the CSV through
 * `loadPredictions` + `evaluateFairness` (what `aisf test fairness --intersectional` does), and
 * (2) compute only, on rows already in memory, to compare with Fairlearn's MetricFrame alone.
 * Prints JSON timings (seconds), peak RSS and the metric values.
 */

import { readFileSync } from 'node:fs';
import { loadPredictions } from '../../src/algorithm/fairness/data.js';
import { FairnessAccumulator } from '../../src/algorithm/fairness/metrics/index.js';
import { evaluateFairness } from '../../src/algorithm/fairness/report.js';
import { parseCsv } from '../../src/engine/io/csv.js';

const file = process.argv[2] as string;
const t0 = performance.now();
const { table, rows } = await loadPredictions(file, {
  label: 'y_true',
  pred: 'y_pred',
  sensitive: ['gender', 'ethnicity'],
});
const report = evaluateFairness(table, { intersectional: true, bootstrap: 0 });
const t1 = performance.now();
const rssStream = process.memoryUsage().rss;

// Compute only: rows parsed into arrays first (not timed), then the accumulation + metrics.
const parsed = parseCsv(readFileSync(file, 'utf8')).slice(1);
const y = new Uint8Array(parsed.length);
const p = new Uint8Array(parsed.length);
const g = parsed.map((r) => [r[3] as string, r[4] as string]);
parsed.forEach((r, i) => {
  y[i] = Number(r[0]);
  p[i] = Number(r[1]);
});
const t2 = performance.now();
const acc = new FairnessAccumulator(['gender', 'ethnicity'], false);
for (let i = 0; i < y.length; i++)
  acc.add(y[i] as 0 | 1, p[i] as 0 | 1, undefined, g[i] as string[]);
const inMemory = evaluateFairness(acc.table(), { intersectional: true, bootstrap: 0 });
const t3 = performance.now();
const b0 = performance.now();
const withCi = evaluateFairness(table, { intersectional: true, bootstrap: 1000, seed: 0 });
const b1 = performance.now();
console.log(
  JSON.stringify({
    rows,
    stream_total_s: (t1 - t0) / 1000,
    rss_after_stream_mb: rssStream / 2 ** 20,
    compute_only_s: (t3 - t2) / 1000,
    bootstrap1000_s: (b1 - b0) / 1000,
    groups: report.groups.filter((x) => x.feature === 'gender & ethnicity').length,
    demographicParityDifference: report.metrics.demographicParityDifference,
    demographicParityRatio: report.metrics.demographicParityRatio,
    equalizedOddsDifference: report.metrics.equalizedOddsDifference,
    sameInMemory:
      inMemory.metrics.demographicParityDifference === report.metrics.demographicParityDifference,
    ciDpd:
      withCi.byGrouping['gender & ethnicity']?.bootstrap?.intervals.demographicParityDifference,
  }),
);
