#!/bin/sh
# Fairness benchmark: aisf vs Fairlearn's MetricFrame on the same 1M-row CSV, in the same run.
# Run from the repo root:   flock /tmp/aisf-bench.lock nice sh bench/fairness/run.sh
# Needs: Debian python3-sklearn/python3-pandas/python3-scipy, and a Fairlearn source checkout
# on FAIRLEARN_PATH (default /tmp/peer-fairlearn-v0.12.0; never inside the repo).
set -eu
N=${N:-1000000}
CSV=${CSV:-/tmp/aisf-fair-bench-$N.csv}
FAIRLEARN_PATH=${FAIRLEARN_PATH:-/tmp/peer-fairlearn-v0.12.0}
[ -f "$CSV" ] || /usr/bin/python3 bench/fairness/generate.py "$CSV" "$N"
echo "input: $CSV ($(wc -c < "$CSV") bytes, $N rows)"
echo "--- Fairlearn (pandas.read_csv + MetricFrame), peak RSS via /usr/bin/time"
PEER=$(PYTHONPATH="$FAIRLEARN_PATH" /usr/bin/time -f '%M' -o /tmp/aisf-fair-bench-peer.rss /usr/bin/python3 bench/fairness/peer_fairlearn.py "$CSV")
echo "$PEER"
echo "peak RSS KiB: $(cat /tmp/aisf-fair-bench-peer.rss)"
echo "--- aisf (streaming CSV + metrics; then compute only; then 1000 bootstrap resamples)"
OURS=$(/usr/bin/time -f '%M' -o /tmp/aisf-fair-bench-ours.rss npx tsx bench/fairness/aisf-bench.ts "$CSV")
echo "$OURS"
echo "peak RSS KiB (includes the compute-only copy read into memory): $(cat /tmp/aisf-fair-bench-ours.rss)"
echo "--- aisf CLI end to end (process start included), peak RSS"
/usr/bin/time -f 'cli_s=%e peak_rss_kib=%M' node bin/aisf.js test fairness --data "$CSV" --label y_true --pred y_pred --sensitive gender,ethnicity --intersectional --bootstrap 0 --format json > /tmp/aisf-fair-bench-cli.json
node -e '
const peer = JSON.parse(process.argv[1]); const ours = JSON.parse(process.argv[2]);
const r = (a, b) => (a / b).toFixed(1);
console.log(`ratio compute only (MetricFrame / aisf accumulate+metrics): ${r(peer.metricframe_s, ours.compute_only_s)}x`);
console.log(`ratio end to end from CSV (read_csv+MetricFrame / aisf streaming): ${r(peer.total_s, ours.stream_total_s)}x`);
for (const k of ["demographicParityDifference", "demographicParityRatio", "equalizedOddsDifference"])
  console.log(`${k}: fairlearn ${peer[k]} aisf ${ours[k]} |diff| ${Math.abs(peer[k] - ours[k]).toExponential(2)}`);
' "$PEER" "$OURS"
