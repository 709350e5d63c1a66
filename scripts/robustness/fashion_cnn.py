"""The committed Fashion-MNIST CNN rebuilt in PyTorch from its ONNX weights, and the images the
robustness cross-checks use: shared by scripts/robustness/art-parity.py, torch-check.py and
bench/robustness/art_peer.py (Debian python3-torch, python3-onnx, dataset-fashion-mnist)."""
import gzip
import io
import os
import zipfile

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', '..', 'src', 'algorithm', 'robustness', 'fixtures')
FASHION = '/usr/share/datasets/fashion-mnist'


class FashionCnn(nn.Module):
    """The CNN of scripts/engine/make-fixtures.py."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 8, 3)
        self.c2 = nn.Conv2d(8, 16, 3)
        self.fc = nn.Linear(16 * 5 * 5, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.fc(torch.flatten(x, 1))


def load_net():
    """The trained fixture's weights in the PyTorch rebuild."""
    m = onnx.load(os.path.join(FIX, 'fashion-cnn-trained.onnx'))
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    net = FashionCnn().eval()
    sd = net.state_dict()
    for k in sd:
        sd[k] = torch.from_numpy(np.array(inits[k], dtype=np.float32))
    net.load_state_dict(sd)
    return net


def load_fixture100():
    with zipfile.ZipFile(os.path.join(FIX, 'fashion-test-100.npz')) as z:
        x = np.load(io.BytesIO(z.read('x.npy')))
        y = np.load(io.BytesIO(z.read('y.npy')))
    return x.astype(np.float32) / 255, y.astype(np.int64)


def load_fashion_test(n):
    """The first n Fashion-MNIST test images as float32 [n, 1, 28, 28] in [0, 1] and labels."""
    with gzip.open(os.path.join(FASHION, 't10k-images-idx3-ubyte.gz')) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16)[: n * 784]
    with gzip.open(os.path.join(FASHION, 't10k-labels-idx1-ubyte.gz')) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
    return x.reshape(n, 1, 28, 28).astype(np.float32) / 255, y.astype(np.int64)
