"""Peer side of bench/dp-accountant: times Google dp_accounting's RdpAccountant (the accountant TF
Privacy uses) on the cases given as JSON on stdin; prints JSON {seconds, results} on stdout.
Needs DP_ACCOUNTING=<checkout>/python/dp_accounting (absl is stubbed: only absl.logging is used)."""
import json
import os
import sys
import time
import types

absl = types.ModuleType("absl")
absl_logging = types.ModuleType("absl.logging")
absl_logging.warning = lambda *a, **k: None
absl_logging.info = lambda *a, **k: None
absl.logging = absl_logging
sys.modules["absl"] = absl
sys.modules["absl.logging"] = absl_logging
sys.path.insert(0, os.environ["DP_ACCOUNTING"])
from dp_accounting import dp_event  # noqa: E402
from dp_accounting.rdp import rdp_privacy_accountant as rdp  # noqa: E402

cases = json.load(sys.stdin)
best = float("inf")
results = []
for _ in range(3):
    start = time.perf_counter()
    results = []
    for c in cases:
        acc = rdp.RdpAccountant()
        acc.compose(dp_event.PoissonSampledDpEvent(c["q"], dp_event.GaussianDpEvent(c["sigma"])), c["steps"])
        eps, order = acc.get_epsilon_and_optimal_order(c["delta"])
        results.append({"epsilon": eps, "order": float(order)})
    best = min(best, time.perf_counter() - start)
print(json.dumps({"seconds": best, "results": results}))
