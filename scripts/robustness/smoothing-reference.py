"""Reference values for src/algorithm/robustness/certify (randomized smoothing).

Run once with Debian's python3-scipy; the printed constants are committed in
src/algorithm/robustness/certify/certify.test.ts. The tests never run Python.

  /usr/bin/python3 scripts/robustness/smoothing-reference.py
"""
import json

import scipy
from scipy.stats import beta, norm

# Clopper-Pearson one-sided lower bound as in Cohen et al.'s code:
# statsmodels proportion_confint(k, n, alpha=2*alpha, method="beta")[0] == beta.ppf(alpha, k, n - k + 1)
cases = [
    (0.001, 1, 1), (0.001, 90, 100), (0.001, 100, 100), (0.001, 500, 1000), (0.001, 990, 1000),
    (0.001, 1000, 1000), (0.001, 99_990, 100_000), (0.001, 100_000, 100_000), (0.05, 7, 20),
    (0.01, 3, 10), (0.001, 51, 100), (0.1, 1, 2), (0.001, 9_000, 10_000), (1e-6, 999, 1000),
]
cp = [[a, k, n, float(beta.ppf(a, k, n - k + 1))] for a, k, n in cases]
# Regularised incomplete beta and its inverse on their own.
inc = [[x, a, b, float(scipy.special.betainc(a, b, x))] for x, a, b in [
    (0.5, 0.5, 0.5), (0.3, 2.0, 5.0), (0.99, 1000.0, 1.0), (0.2, 10.0, 30.0), (0.999, 100000.0, 11.0),
    (0.7, 3.5, 0.75), (1e-5, 0.1, 2.0),
]]
inv = [[p, a, b, float(beta.ppf(p, a, b))] for p, a, b in [
    (0.5, 0.5, 0.5), (0.001, 2.0, 5.0), (0.999, 10.0, 30.0), (0.05, 0.3, 0.7), (1e-9, 50.0, 2.0),
]]
ppf = [[p, float(norm.ppf(p))] for p in [1e-300, 1e-10, 0.001, 0.02425, 0.1, 0.5, 0.6, 0.9, 0.97575, 0.999, 1 - 1e-10, 0.9930687]]
print(json.dumps({"scipy": scipy.__version__, "clopperPearson": cp, "betainc": inc, "betaincinv": inv, "normPpf": ppf}, indent=1))
