"""Cross-check of aisf's FGSM / PGD (ART preset, fixed steps) against a hand-written PyTorch
reference on the same ONNX weights and data.

Rebuilds the Fashion-MNIST CNN of scripts/engine/make-fixtures.py in PyTorch, loads the weights of
src/algorithm/robustness/fixtures/fashion-cnn-trained.onnx, runs FGSM (L-inf, eps 0.05 and 0.1)
and PGD (L-inf, eps 0.1, step 0.01, 20 iterations, no random start; ART's step/clip/project order)
on the 100 committed test images, prints the adversarial accuracies and writes the per-sample
adversarial predictions to src/algorithm/robustness/fixtures/torch-reference.json (the test suite
compares aisf's predictions with them; it never runs Python).

Run: /usr/bin/python3 scripts/robustness/torch-check.py   (Debian python3-torch, python3-onnx)
"""
import json
import os

import torch
import torch.nn.functional as F

from fashion_cnn import FIX, load_fixture100, load_net


def load():
    x, y = load_fixture100()
    return load_net(), torch.from_numpy(x), torch.from_numpy(y)


def grad(net, x, y):
    x = x.clone().requires_grad_(True)
    F.cross_entropy(net(x), y, reduction='sum').backward()
    return x.grad


def acc(net, x, y):
    with torch.no_grad():
        return (net(x).argmax(1) == y).float().mean().item()


def preds(net, x):
    with torch.no_grad():
        return net(x).argmax(1).tolist()


def main():
    net, x, y = load()
    ref = {'torch': torch.__version__, 'clean': preds(net, x)}
    print(f'clean {acc(net, x, y):.4f}')
    for eps in (0.05, 0.1):
        adv = torch.clamp(x + eps * grad(net, x, y).sign(), 0, 1)
        ref[f'fgsm:inf:{eps}'] = preds(net, adv)
        print(f'fgsm eps={eps} {acc(net, adv, y):.4f}')
    eps, step = 0.1, 0.01
    adv = x.clone()
    for _ in range(20):
        adv = torch.clamp(adv + step * grad(net, adv, y).sign(), 0, 1)
        adv = x + torch.clamp(adv - x, -eps, eps)
    ref['pgd:inf:0.1'] = preds(net, adv)
    print(f'pgd eps={eps} step={step} iter=20 {acc(net, adv, y):.4f}')
    with open(os.path.join(FIX, 'torch-reference.json'), 'w') as f:
        json.dump(ref, f)
        f.write('\n')


main()
