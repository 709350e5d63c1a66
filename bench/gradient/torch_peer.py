"""PyTorch side of bench/gradient: exports the benchmark CNN to ONNX (the file aisf then runs) and
times PyTorch's forward+backward input gradient (cross-entropy, batch 128, 2 threads).

    /usr/bin/python3 bench/gradient/torch_peer.py <out.onnx> [batch] [iters]

Prints one JSON line: {"samples_per_s", "ms_per_batch", "peak_rss_mb", "max_abs_diff_ref"}.
"""
import json
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

out = sys.argv[1]
batch = int(sys.argv[2]) if len(sys.argv) > 2 else 128
iters = int(sys.argv[3]) if len(sys.argv) > 3 else 30
torch.set_num_threads(2)
torch.manual_seed(0)
# The CNN of the autodiff prototype notes (MNIST-sized, two conv blocks, two dense layers).
model = nn.Sequential(
    nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10),
).eval()
torch.onnx.export(model, torch.zeros(1, 1, 28, 28), out, input_names=['input'], output_names=['logits'],
                  opset_version=13, dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})
g = torch.Generator().manual_seed(1)
x = torch.rand(batch, 1, 28, 28, generator=g)
y = torch.randint(0, 10, (batch,), generator=g)
np.save(out + '.x.npy', x.numpy())
np.save(out + '.y.npy', y.numpy().astype(np.int64))


def grad():
    xx = x.clone().requires_grad_(True)
    loss = F.cross_entropy(model(xx), y, reduction='sum')
    (gx,) = torch.autograd.grad(loss, xx)
    return gx


ref = grad()
np.save(out + '.gx.npy', ref.numpy())
for _ in range(5):
    grad()
t = time.perf_counter()
for _ in range(iters):
    grad()
dt = (time.perf_counter() - t) / iters
print(json.dumps({
    'samples_per_s': batch / dt,
    'ms_per_batch': dt * 1000,
    'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    'torch': torch.__version__,
}))
