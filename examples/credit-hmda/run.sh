#!/bin/sh
# The HMDA walkthrough of README.md, end to end. Run from this folder after `npm run build` at the
# repo root:   sh run.sh
set -eu
aisf() { node ../../bin/aisf.js "$@"; }
F=pirat,hirat,lvrat,chist,mhist,phist,unemp,selfemp,insurance,condomin,hschool

echo '## 1. data imbalance per group'
aisf mitigate fairness --method imbalance --data hmda.csv --label deny --pos-label yes --sensitive afam --privileged afam=no --format md
aisf mitigate fairness --method imbalance --data hmda.csv --label deny --pos-label yes --sensitive afam,single --format md

echo '## 2. train the logistic model of deny (aisf, held-out split seed 0)'
aisf mitigate fairness --method baseline --data hmda.csv --label deny --pos-label yes --sensitive afam,single --privileged afam=no --features $F --out predictions.csv --spec model.json --format md
# model.json is committed: keep it in the repo's Biome format (the lint checks JSON too)
(cd ../.. && npx biome format --write examples/credit-hmda/model.json > /dev/null 2>&1) || true

echo '## 3. fairness w.r.t. afam on the test split'
aisf test fairness --data predictions.csv --label y_true --pred y_pred --score score --sensitive afam --privileged afam=no --where split=test --format md

echo '## 4. afam x single, intersectional'
aisf test fairness --data predictions.csv --label y_true --pred y_pred --sensitive afam,single --privileged afam=no --intersectional --where split=test --format md

echo '## 5. mitigations'
mkdir -p out
aisf mitigate fairness --method reweighing --data hmda.csv --label deny --pos-label yes --sensitive afam --privileged afam=no --features $F --out out/reweighed.csv --spec out/reweighing.json --format md
aisf mitigate fairness --method di-remover --repair-level 1 --data hmda.csv --label deny --pos-label yes --sensitive afam --privileged afam=no --features $F --out out/repaired.csv --format md
aisf mitigate fairness --method exponentiated-gradient --constraint equalized-odds --difference-bound 0.02 --data hmda.csv --label deny --pos-label yes --sensitive afam --privileged afam=no --features $F --out out/eg-predictions.csv --spec out/eg.json --format md
aisf mitigate fairness --method threshold --constraint equalized-odds --data predictions.csv --label y_true --score score --sensitive afam --privileged afam=no --split-column split --out out/threshold-predictions.csv --spec out/threshold.json --format md
aisf mitigate fairness --method reject-option --favorable 0 --data predictions.csv --label y_true --score score --sensitive afam --privileged afam=no --split-column split --out out/roc-predictions.csv --spec out/reject-option.json --format md

echo '## 6. a gate: exit 1 when the disparity is too large'
for f in predictions.csv out/threshold-predictions.csv; do
  aisf test fairness --data $f --label y_true --pred y_pred --sensitive afam --where split=test --bootstrap 0 --fail-above demographicParityDifference=0.05 --format json > /dev/null && echo "$f: exit 0" || echo "$f: exit $?"
done
