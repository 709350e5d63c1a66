"""Exports the engine's PyTorch parity fixtures (run from the repo root with Debian's python3):

    /usr/bin/python3 scripts/engine/make-fixtures.py

Writes to src/engine/fixtures/:
  <name>.onnx                 small models exported by torch.onnx.export (opset 13, dynamic batch)
  <name>.x.npy, <name>.y.npy  a seeded input batch (float32) and integer labels (int64)
  <name>.logits.npy           PyTorch's forward output (predict parity)
  <name>.gx-ce-sum.npy        d/dx of cross-entropy (reduction sum)
  <name>.gx-ce-mean.npy       d/dx of cross-entropy (reduction mean)
  <name>.gx-mse-sum.npy       d/dx of sum((logits - onehot(y))^2)
  <name>.gx-cw-sum.npy        d/dx of the Carlini-Wagner margin max(z_y - max_{j!=y} z_j, -kappa), kappa=5, summed
  <name>.gw-ce-mean.npz       d/dW of cross-entropy (mean) for every initializer that is a parameter
  fashion-mnist.*.npy         a small Fashion-MNIST subset (uint8 images, int64 labels) for training tests
The test suite compares aisf's gradients with these without needing Python.
"""
import gzip
import os
import zipfile

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'src', 'engine', 'fixtures')
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 24)
        self.fc3 = nn.Linear(24, 10)

    def forward(self, x):
        x = torch.tanh(self.fc1(x))
        x = F.leaky_relu(self.fc2(x), 0.1)
        return self.fc3(torch.sigmoid(x) * x)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 4, 3)
        self.c2 = nn.Conv2d(4, 8, 3, padding=1)
        self.fc1 = nn.Linear(8 * 3 * 3, 16)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)          # 14 -> 12 -> 6
        x = F.avg_pool2d(F.relu(self.c2(x)), 2)          # 6 -> 6 -> 3
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


class ResBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn0 = nn.BatchNorm2d(8)
        self.c1 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        # BatchNorm placed where torch.onnx cannot fold it into a Conv (after ReLU, after the
        # residual Add), so the exported graph keeps BatchNormalization nodes.
        x = self.bn0(F.relu(self.stem(x)))
        y = F.relu(self.bn1(self.c1(x)))
        y = self.c2(y)
        x = F.relu(self.bn2(x + y))
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


class DwSep(nn.Module):
    def __init__(self):
        super().__init__()
        self.dw = nn.Conv2d(3, 3, 3, stride=2, padding=1, groups=3)
        self.pw = nn.Conv2d(3, 12, 1)
        self.dw2 = nn.Conv2d(12, 12, 3, padding=2, dilation=2, groups=12)
        self.fc = nn.Linear(12, 4)

    def forward(self, x):
        x = F.relu6(self.dw(x))
        x = F.relu6(self.pw(x))
        x = F.relu(self.dw2(x))
        x = x.mean(dim=(2, 3))
        return F.log_softmax(self.fc(x), dim=1)


def randomize_bn(model):
    """Non-trivial running statistics so BatchNorm (inference) is not the identity."""
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=g) * 0.1)


def export(name, model, shape, classes, batch=4):
    model.eval()
    g = torch.Generator().manual_seed(2)
    x = torch.rand((batch,) + shape, generator=g)
    y = torch.randint(0, classes, (batch,), generator=g)
    path = os.path.join(OUT, name + '.onnx')
    torch.onnx.export(
        model, x, path, input_names=['input'], output_names=['logits'], opset_version=13,
        dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}},
        training=torch.onnx.TrainingMode.EVAL, do_constant_folding=False,
    )
    onnx.checker.check_model(onnx.load(path))
    np.save(os.path.join(OUT, name + '.x.npy'), x.numpy())
    np.save(os.path.join(OUT, name + '.y.npy'), y.numpy().astype(np.int64))
    with torch.no_grad():
        np.save(os.path.join(OUT, name + '.logits.npy'), model(x).numpy())

    def grad(loss_fn):
        xx = x.clone().requires_grad_(True)
        loss = loss_fn(model(xx))
        (gx,) = torch.autograd.grad(loss, xx)
        return gx.numpy()

    onehot = F.one_hot(y, classes).float()

    def cw(z):
        zy = z.gather(1, y[:, None])[:, 0]
        other = z.masked_fill(onehot.bool(), -1e9).max(dim=1).values
        return torch.clamp(zy - other, min=-5.0).sum()

    np.save(os.path.join(OUT, name + '.gx-ce-sum.npy'), grad(lambda z: F.cross_entropy(z, y, reduction='sum')))
    np.save(os.path.join(OUT, name + '.gx-ce-mean.npy'), grad(lambda z: F.cross_entropy(z, y)))
    np.save(os.path.join(OUT, name + '.gx-mse-sum.npy'), grad(lambda z: ((z - onehot) ** 2).sum()))
    np.save(os.path.join(OUT, name + '.gx-cw-sum.npy'), grad(cw))
    # Weight gradients, keyed by ONNX initializer name (torch keeps parameter names).
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    inits = {i.name for i in onnx.load(path).graph.initializer}
    grads = {n: p.grad.numpy() for n, p in model.named_parameters() if n in inits}
    np.savez(os.path.join(OUT, name + '.gw-ce-mean.npz'), **grads)
    print(name, 'params with grads:', len(grads), 'of', len(list(model.parameters())))


export('mlp', Mlp(), (16,), 10)
export('lenet', LeNet(), (1, 14, 14), 10)
rb = ResBlock(); randomize_bn(rb); export('resblock', rb, (3, 8, 8), 5)
export('dwsep', DwSep(), (3, 9, 9), 4)


class FashionCnn(nn.Module):
    """Untrained small CNN for the training test (aisf trains it from this initialisation)."""
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 8, 3)
        self.c2 = nn.Conv2d(8, 16, 3)
        self.fc = nn.Linear(16 * 5 * 5, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)   # 28 -> 26 -> 13
        x = F.max_pool2d(F.relu(self.c2(x)), 2)   # 13 -> 11 -> 5
        return self.fc(torch.flatten(x, 1))


torch.manual_seed(3)
fm = FashionCnn().eval()
torch.onnx.export(
    fm, torch.zeros(1, 1, 28, 28), os.path.join(OUT, 'fashion-cnn.onnx'), input_names=['input'],
    output_names=['logits'], opset_version=13, dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}},
)


def idx(path):
    with gzip.open(path) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], 'big') for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


FM = '/usr/share/datasets/fashion-mnist'
if os.path.isdir(FM):
    rng = np.random.default_rng(0)
    xtr, ytr = idx(f'{FM}/train-images-idx3-ubyte.gz'), idx(f'{FM}/train-labels-idx1-ubyte.gz')
    xte, yte = idx(f'{FM}/t10k-images-idx3-ubyte.gz'), idx(f'{FM}/t10k-labels-idx1-ubyte.gz')
    tr = rng.choice(len(xtr), 1200, replace=False)
    te = rng.choice(len(xte), 300, replace=False)
    np.save(os.path.join(OUT, 'fashion-mnist.train-x.npy'), xtr[tr][:, None])
    np.save(os.path.join(OUT, 'fashion-mnist.train-y.npy'), ytr[tr].astype(np.int64))
    np.save(os.path.join(OUT, 'fashion-mnist.test-x.npy'), xte[te][:, None])
    np.save(os.path.join(OUT, 'fashion-mnist.test-y.npy'), yte[te].astype(np.int64))
    print('fashion-mnist subset: 1200 train, 300 test')
