"""Generates the accountant reference fixture from the upstream Python accountants.

Runs the *unmodified* upstream code of
  - google/differential-privacy  python/dp_accounting (dp_accounting.rdp.rdp_privacy_accountant,
    the accountant TF Privacy uses), and
  - pytorch/opacus               opacus/accountants/analysis/rdp.py and
                                 opacus/accountants/{rdp,utils}.py (RDPAccountant, get_noise_multiplier)
from local checkouts (nothing from them is copied into aisf), and writes the numbers to
src/data/privacy/accountant/fixtures/reference.json. The aisf test suite compares against that JSON
and never needs Python.

Usage (Debian python3-numpy + python3-scipy; absl is stubbed because only absl.logging is used):
  python3 scripts/privacy/reference_values.py \
      --dp-accounting /path/to/google-differential-privacy/python/dp_accounting \
      --opacus /path/to/opacus-checkout \
      --out src/data/privacy/accountant/fixtures/reference.json
Then format it the way the repository lints JSON: npx biome format --write src/data/privacy/accountant/fixtures/reference.json
"""

import argparse
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
import types


def stub_absl():
    absl = types.ModuleType("absl")
    logging_mod = types.ModuleType("absl.logging")
    logging_mod.warning = lambda *a, **k: None
    logging_mod.info = lambda *a, **k: None
    absl.logging = logging_mod
    sys.modules["absl"] = absl
    sys.modules["absl.logging"] = logging_mod


def load_file(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_opacus(root):
    """Loads Opacus' RDP analysis, RDPAccountant and get_noise_multiplier without torch."""
    acc_dir = os.path.join(root, "opacus", "accountants")
    for pkg in ["opacus", "opacus.accountants", "opacus.accountants.analysis"]:
        module = types.ModuleType(pkg)
        module.__path__ = []
        sys.modules[pkg] = module
    analysis = load_file("opacus.accountants.analysis.rdp", os.path.join(acc_dir, "analysis", "rdp.py"))
    sys.modules["opacus.accountants.analysis"].rdp = analysis

    # RDPAccountant only needs IAccountant's `history` list; the real base class imports torch.
    base = types.ModuleType("opacus.accountants.accountant")

    class IAccountant:
        def __init__(self):
            self.history = []

    base.IAccountant = IAccountant
    sys.modules["opacus.accountants.accountant"] = base
    rdp_acc = load_file("opacus.accountants.rdp", os.path.join(acc_dir, "rdp.py"))
    sys.modules["opacus.accountants"].create_accountant = lambda mechanism: rdp_acc.RDPAccountant()
    utils = load_file("opacus.accountants.utils", os.path.join(acc_dir, "utils.py"))
    return analysis, rdp_acc.RDPAccountant, utils.get_noise_multiplier


def git_head(path):
    try:
        return subprocess.check_output(["git", "-C", path, "rev-parse", "HEAD"], text=True).strip()
    except Exception:
        return None


def num(x):
    """JSON-safe float: inf/nan as strings (JSON has no Infinity)."""
    x = float(x)
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if math.isnan(x):
        return "NaN"
    return x


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dp-accounting", required=True)
    parser.add_argument("--opacus", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--dp-accounting-commit", default=None)
    parser.add_argument("--opacus-commit", default=None)
    args = parser.parse_args()

    stub_absl()
    sys.path.insert(0, args.dp_accounting)
    import numpy as np
    import scipy
    from dp_accounting import dp_event
    from dp_accounting.rdp import rdp_privacy_accountant as dpa

    opa, RDPAccountant, get_noise_multiplier = load_opacus(args.opacus)

    tf_orders = [1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0, 3.5, 4.0, 4.5] + list(range(5, 64)) + [128, 256, 512]
    out = {
        "generator": "scripts/privacy/reference_values.py",
        "sources": {
            "dp_accounting": "google/differential-privacy python/dp_accounting/dp_accounting/rdp/rdp_privacy_accountant.py",
            "dp_accounting_commit": args.dp_accounting_commit,
            "opacus": "pytorch/opacus opacus/accountants/analysis/rdp.py, opacus/accountants/rdp.py, opacus/accountants/utils.py",
            "opacus_commit": args.opacus_commit,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "python": sys.version.split()[0],
        },
        "defaultOrders": {
            "dpAccounting": [float(o) for o in dpa.DEFAULT_RDP_ORDERS],
            "opacus": [float(o) for o in RDPAccountant.DEFAULT_ALPHAS],
            "tfPrivacy": [float(o) for o in tf_orders],
        },
    }

    # 1. log A_alpha of the Poisson-subsampled Gaussian, both implementations, integer and
    #    fractional orders (includes dp_accounting's test_compute_log_a_equals_mp stress cases).
    stress = [
        (1e-7, 0.1, 1.01), (1e-6, 0.1, 256), (1e-5, 0.1, 256.1), (1e-6, 1, 27), (1e-4, 1.0, 1.5),
        (1e-3, 1.0, 2), (0.01, 10, 20), (0.1, 100, 20.5), (0.99, 0.1, 256), (0.999, 100, 256.1),
    ]
    grid = []
    for q in [1e-4, 0.001, 0.0025, 0.01, 0.04, 0.1, 0.3, 0.5, 0.9]:
        for sigma in [0.5, 0.8, 1.0, 1.3, 2.5, 5.0]:
            for order in [1.1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.9, 4.1, 5, 7.5, 8, 10.9, 12, 19, 32, 63, 128]:
                grid.append((q, sigma, order))
    log_a = []
    for q, sigma, order in stress + grid:
        try:
            signed = opa._compute_log_a(q, sigma, order)
        except (ValueError, OverflowError) as e:  # Opacus' signed series can fail on extremes
            signed = None
        log_a.append({
            "q": q, "sigma": sigma, "order": float(order),
            "dpAccounting": num(dpa._compute_log_a(q, sigma, order)),
            "opacus": None if signed is None else num(signed),
        })
    out["logA"] = log_a

    # 2. dp_accounting test_compute_rdp_poisson_subsampled_gaussian: q=0.01, sigma=2.5, 50 steps.
    orders = [1.5, 2.5, 5, 50, 100, float("inf")]
    rdp = dpa._compute_rdp_poisson_subsampled_gaussian(0.01, 2.5, orders) * 50
    out["rdpPoissonGaussian"] = {
        "source": "dp_accounting rdp_privacy_accountant_test.py::test_compute_rdp_poisson_subsampled_gaussian",
        "published": [6.70579741e-04, 1.08548710e-03, 2.18075656e-03, 2.38460375e-02, 1.67416308e02, "Infinity"],
        "q": 0.01, "sigma": 2.5, "steps": 50, "orders": [num(o) for o in orders],
        "rdp": [num(r) for r in rdp],
    }

    # 3. TF Privacy compute_dp_sgd_privacy (exactly its body: TF orders, ceil steps, RdpAccountant).
    tf_cases = []
    for name, n, batch, sigma, epochs, delta, pub_eps, pub_order in [
        ("Test0", 60000, 150, 1.3, 15, 1e-5, 0.7242234026109595, 19.0),
        ("Test1", 100000, 100, 1.0, 30, 1e-7, 1.4154988495444842, 13.0),
        ("Test2", 100000000, 1024, 0.1, 10, 1e-7, 5907982.3113984, 1.25),
    ]:
        q = batch / n
        steps = int(math.ceil(epochs * n / batch))
        acc = dpa.RdpAccountant(tf_orders)
        acc.compose(dp_event.SelfComposedDpEvent(
            dp_event.PoissonSampledDpEvent(q, dp_event.GaussianDpEvent(sigma)), steps))
        eps, order = acc.get_epsilon_and_optimal_order(delta)
        tf_cases.append({
            "source": f"tensorflow/privacy compute_dp_sgd_privacy_test.py {name}",
            "n": n, "batchSize": batch, "sigma": sigma, "epochs": epochs, "delta": delta,
            "q": q, "steps": steps, "publishedEpsilon": pub_eps, "publishedOrder": pub_order,
            "epsilon": num(eps), "order": num(order),
        })
    out["tfPrivacy"] = tf_cases

    # 4. dp_accounting default orders: epsilon and order for a grid (improved conversion).
    dpa_grid = []
    for q, sigma, steps, delta in [
        (0.01, 1.0, 1000, 1e-5), (256 / 60000, 1.1, 14063, 1e-5), (0.04, 1.5, 2249, 1e-5),
        (0.001, 0.8, 5000, 1e-6), (0.1, 2.0, 100, 1e-5), (0.5, 5.0, 10, 1e-3), (1.0, 3.0, 1, 1e-5),
        (0.0025, 1.3, 6000, 1e-5),
    ]:
        acc = dpa.RdpAccountant()
        acc.compose(dp_event.PoissonSampledDpEvent(q, dp_event.GaussianDpEvent(sigma)), steps)
        eps, order = acc.get_epsilon_and_optimal_order(delta)
        rdp = dpa._compute_rdp_poisson_subsampled_gaussian(q, sigma, dpa.DEFAULT_RDP_ORDERS) * steps
        classic = min(
            (r - math.log(delta) / (a - 1), a) for a, r in zip(dpa.DEFAULT_RDP_ORDERS, rdp)
        )
        dpa_grid.append({
            "source": "dp_accounting RdpAccountant(DEFAULT_RDP_ORDERS) PoissonSampled(Gaussian) composed",
            "q": q, "sigma": sigma, "steps": steps, "delta": delta,
            "epsilon": num(eps), "order": num(order),
            "rdp": [num(r) for r in rdp],
            "classicEpsilon": num(classic[0]), "classicOrder": num(classic[1]),
        })
    out["dpAccountingEpsilon"] = dpa_grid

    # 5. dp_accounting compute_epsilon / compute_delta unit cases.
    orders = list(range(2, 33))
    e, o = dpa.compute_epsilon(orders, [1.1] * len(orders), 1e-5)
    d, od = dpa.compute_delta(orders, [1.1] * len(orders), 1.32783806176)
    g_orders = [0.001 * i for i in range(1000, 100000)]
    g_rdp = dpa._compute_rdp_poisson_subsampled_gaussian(1, 4.530877117, g_orders)
    ge, go = dpa.compute_epsilon(g_orders, g_rdp, 1e-6)
    gd, gdo = dpa.compute_delta(g_orders, g_rdp, 1)
    out["conversion"] = {
        "pureDp": {
            "source": "dp_accounting rdp_privacy_accountant_test.py::test_compute_epsilon_delta_pure_dp",
            "orders": orders, "rdp": 1.1, "delta": 1e-5, "published": 1.32783806176,
            "epsilon": num(e), "order": num(o), "deltaAtPublished": num(d), "deltaOrder": num(od),
        },
        "gaussian": {
            "source": "dp_accounting rdp_privacy_accountant_test.py::test_compute_epsilon_delta_gaussian",
            "q": 1, "sigma": 4.530877117, "orders": "0.001*i for i in 1000..99999",
            "epsilon": num(ge), "order": num(go), "delta": num(gd), "deltaOrder": num(gdo),
        },
    }

    # 6. Opacus RDPAccountant / get_privacy_spent (signed fractional series, Opacus alphas).
    def opacus_eps(sigma, q, steps, delta, alphas=None):
        acc = RDPAccountant()
        acc.history = [(sigma, q, steps)]
        return acc.get_privacy_spent(delta=delta, alphas=alphas)

    op = []
    for sigma, q, steps, delta, published, src in [
        (1.5, 0.04, int(90 / 0.04), 1e-5, 7.32911117143, "opacus/tests/accountants_test.py::test_rdp_accountant"),
        (1.0, 0.01, 1000, 1e-5, None, "Opacus RDPAccountant grid"),
        (1.1, 256 / 60000, 14063, 1e-5, None, "Opacus RDPAccountant grid"),
        (0.8, 0.001, 5000, 1e-6, None, "Opacus RDPAccountant grid"),
        (2.0, 0.1, 100, 1e-5, None, "Opacus RDPAccountant grid"),
        (1.3, 0.004, 3750, 1e-5, None, "Opacus examples/mnist.py setting (batch 240, 15 epochs)"),
    ]:
        eps, alpha = opacus_eps(sigma, q, steps, delta)
        rdp = opa.compute_rdp(q=q, noise_multiplier=sigma, steps=steps, orders=RDPAccountant.DEFAULT_ALPHAS)
        op.append({"source": src, "sigma": sigma, "q": q, "steps": steps, "delta": delta,
                   "published": published, "epsilon": num(eps), "order": num(alpha),
                   "rdp": [num(r) for r in rdp]})
    out["opacusEpsilon"] = op

    # Opacus module docstring (two heterogeneous compositions, orders 2..32).
    orders = list(range(2, 33))
    rdp = opa.compute_rdp(q=1e-5, noise_multiplier=1.0, steps=10, orders=orders) + opa.compute_rdp(
        q=1e-4, noise_multiplier=3.0, steps=4, orders=orders)
    e, o = opa.get_privacy_spent(orders=orders, rdp=rdp, delta=1e-5)
    out["opacusDocstring"] = {
        "source": "opacus/accountants/analysis/rdp.py module docstring (doctest +NUMBER: 0.336, 23)",
        "parts": [{"q": 1e-5, "sigma": 1.0, "steps": 10}, {"q": 1e-4, "sigma": 3.0, "steps": 4}],
        "orders": orders, "delta": 1e-5, "published": 0.336, "publishedOrder": 23,
        "epsilon": num(e), "order": num(o),
    }

    # 7. Opacus get_noise_multiplier (RDP accountant, epsilon_tolerance=0.01).
    nm = []
    for kwargs, published, src in [
        (dict(target_epsilon=8, target_delta=1e-5, sample_rate=0.04, epochs=90), 1.416,
         "opacus/tests/accountants_test.py::test_get_noise_multiplier_rdp_epochs"),
        (dict(target_epsilon=8, target_delta=1e-5, sample_rate=0.04, steps=2000), 1.3562,
         "opacus/tests/accountants_test.py::test_get_noise_multiplier_rdp_steps"),
        (dict(target_epsilon=1, target_delta=1e-5, sample_rate=0.01, steps=1000), None,
         "Opacus get_noise_multiplier grid"),
        (dict(target_epsilon=3, target_delta=1e-6, sample_rate=0.001, steps=20000), None,
         "Opacus get_noise_multiplier grid"),
    ]:
        sigma = get_noise_multiplier(accountant="rdp", **kwargs)
        steps = kwargs.get("steps", None)
        if steps is None:
            steps = int(kwargs["epochs"] / kwargs["sample_rate"])
        nm.append({"source": src, "targetEpsilon": kwargs["target_epsilon"],
                   "delta": kwargs["target_delta"], "q": kwargs["sample_rate"], "steps": steps,
                   "epsilonTolerance": 0.01, "published": published, "noiseMultiplier": num(sigma)})
    out["opacusNoiseMultiplier"] = nm

    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {args.out}: {len(log_a)} log A cases")


if __name__ == "__main__":
    main()
