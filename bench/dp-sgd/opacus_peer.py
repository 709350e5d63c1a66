"""Opacus side of bench/dp-sgd: builds the benchmark CNN (the bench/gradient CNN: two conv blocks,
two dense layers, 225k parameters), exports it to ONNX for aisf, writes one Fashion-MNIST batch,
computes Opacus' clipped gradient sum for that batch with noise 0 (the correctness reference), and
times a full Opacus DP-SGD step (forward, per-sample gradients, clipping, noise, SGD) with
2 threads, for Opacus' default hooks mode and, when it runs on this torch, its ghost clipping.

    PYTHONPATH=/tmp/opacus:bench/dp-sgd/shim /usr/bin/python3 bench/dp-sgd/opacus_peer.py \\
        <out-dir> <fashion-x.npy> <fashion-y.npy> [batch] [iters]

Prints one JSON line. Opacus runs on Debian python3-torch 1.13 through the shims in ./shim
(see RESULTS.md).
"""
import copy
import json
import os
import sys
import time

import sitecustomize_opacus  # noqa: F401  (torch 1.13 compatibility shims, before opacus)
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import opacus
from opacus import GradSampleModule
from opacus.optimizers import DPOptimizer

out_dir, x_path, y_path = sys.argv[1], sys.argv[2], sys.argv[3]
batch = int(sys.argv[4]) if len(sys.argv) > 4 else 64
iters = int(sys.argv[5]) if len(sys.argv) > 5 else 30
C = 1.0
SIGMA = 1.1
LR = 0.05
torch.set_num_threads(2)
torch.manual_seed(0)

model = nn.Sequential(
    nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10),
)
onnx_path = os.path.join(out_dir, "cnn.onnx")
torch.onnx.export(model.eval(), torch.zeros(1, 1, 28, 28), onnx_path, input_names=["input"],
                  output_names=["logits"], opset_version=13,
                  dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
model.train()

x = torch.from_numpy(np.load(x_path)[:batch].astype(np.float32) / 255.0)
y = torch.from_numpy(np.load(y_path)[:batch].astype(np.int64))
np.save(os.path.join(out_dir, "x.npy"), x.numpy())
np.save(os.path.join(out_dir, "y.npy"), y.numpy())

# Correctness reference: one step, same weights, same batch, noise 0.
gsm = GradSampleModule(copy.deepcopy(model))
opt = DPOptimizer(torch.optim.SGD(gsm.parameters(), lr=LR), noise_multiplier=0.0,
                  max_grad_norm=C, expected_batch_size=batch)
opt.zero_grad()
F.cross_entropy(gsm(x), y).backward()
norms = torch.stack([p.grad_sample.reshape(batch, -1).norm(2, dim=1)
                     for p in gsm.parameters()], dim=1).norm(2, dim=1)
opt.pre_step()
# p.grad = Σ clipped / expected_batch_size; store the sum, keyed by the ONNX initializer names.
ref = {name.removeprefix("_module."): (p.grad * batch).detach().numpy()
       for name, p in gsm.named_parameters()}
np.savez(os.path.join(out_dir, "opacus-clipped-sum.npz"), **ref)
np.save(os.path.join(out_dir, "opacus-norms.npy"), norms.detach().numpy())


def time_hooks():
    m = GradSampleModule(copy.deepcopy(model))
    o = DPOptimizer(torch.optim.SGD(m.parameters(), lr=LR), noise_multiplier=SIGMA,
                    max_grad_norm=C, expected_batch_size=batch)

    def step():
        o.zero_grad()
        F.cross_entropy(m(x), y).backward()
        o.step()

    for _ in range(5):
        step()
    t0 = time.perf_counter()
    for _ in range(iters):
        step()
    return (time.perf_counter() - t0) / iters * 1000


def time_ghost():
    from opacus.grad_sample import GradSampleModuleFastGradientClipping
    from opacus.optimizers import DPOptimizerFastGradientClipping
    from opacus.utils.fast_gradient_clipping_utils import DPLossFastGradientClipping

    m = GradSampleModuleFastGradientClipping(copy.deepcopy(model), max_grad_norm=C,
                                             use_ghost_clipping=True)
    o = DPOptimizerFastGradientClipping(torch.optim.SGD(m.parameters(), lr=LR),
                                        noise_multiplier=SIGMA, max_grad_norm=C,
                                        expected_batch_size=batch)
    crit = DPLossFastGradientClipping(m, o, nn.CrossEntropyLoss(reduction="mean"))

    def step():
        o.zero_grad()
        crit(m(x), y).backward()
        o.step()

    for _ in range(5):
        step()
    t0 = time.perf_counter()
    for _ in range(iters):
        step()
    return (time.perf_counter() - t0) / iters * 1000


def time_plain():
    m = copy.deepcopy(model)
    o = torch.optim.SGD(m.parameters(), lr=LR)

    def step():
        o.zero_grad()
        F.cross_entropy(m(x), y).backward()
        o.step()

    for _ in range(5):
        step()
    t0 = time.perf_counter()
    for _ in range(iters):
        step()
    return (time.perf_counter() - t0) / iters * 1000


result = {"opacus": opacus.__version__, "torch": torch.__version__, "batch": batch,
          "hooks_ms": time_hooks(), "plain_sgd_ms": time_plain()}
try:
    result["ghost_ms"] = time_ghost()
except Exception as e:  # noqa: BLE001 - recorded, not hidden
    result["ghost_error"] = f"{type(e).__name__}: {e}"[:300]
print(json.dumps(result))
