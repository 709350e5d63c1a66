"""Synthetic predictions for the fairness benchmark: N rows × 2 sensitive features (seeded).

Columns: y_true, y_pred, score, gender (2 values), ethnicity (5 values). Group-dependent base
rates and score shifts so every metric is defined and non-trivial.

    python3 bench/fairness/generate.py /tmp/fair-bench-1m.csv 1000000
"""
import sys

import numpy as np

path = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
rng = np.random.default_rng(20261124)
gender = rng.choice(np.array(["female", "male"]), size=n, p=[0.48, 0.52])
ethnicity = rng.choice(np.array(["a", "b", "c", "d", "e"]), size=n, p=[0.4, 0.25, 0.2, 0.1, 0.05])
shift = (gender == "male") * 0.3 + (np.searchsorted(np.array(["a", "b", "c", "d", "e"]), ethnicity) * -0.15)
y = (rng.random(n) < 1 / (1 + np.exp(-(shift - 0.2)))).astype(int)
logit = 1.5 * (2 * y - 1) + shift + rng.normal(0, 1.2, n)
score = 1 / (1 + np.exp(-logit))
pred = (score > 0.5).astype(int)
with open(path, "w") as fh:
    fh.write("y_true,y_pred,score,gender,ethnicity\n")
    for i in range(0, n, 100_000):
        j = min(n, i + 100_000)
        lines = [f"{a},{b},{c:.6f},{d},{e}" for a, b, c, d, e in zip(y[i:j], pred[i:j], score[i:j], gender[i:j], ethnicity[i:j])]
        fh.write("\n".join(lines) + "\n")
print(f"wrote {n} rows to {path}", file=sys.stderr)
