"""ART (IBM adversarial-robustness-toolbox) reference numbers for aisf's FGSM, PGD and DeepFool.

Rebuilds the Fashion-MNIST CNN of scripts/engine/make-fixtures.py in PyTorch (as
scripts/robustness/torch-check.py does), loads the weights of
src/algorithm/robustness/fixtures/fashion-cnn-trained.onnx, wraps it in ART's PyTorchClassifier
(CrossEntropyLoss, clip_values (0, 1)) and runs, with ART's defaults except the listed knobs:

- FastGradientMethod (norm inf, eps in EPS_INF; norm 2, eps in EPS_L2),
- ProjectedGradientDescent (num_random_init 0, eps_step eps/4, max_iter 20; same eps),
- DeepFool (max_iter 100, nb_grads 10; overshoot epsilon 0.02 as in the paper and ART's own
  default 1e-6) on the 100-image fixture only (ART's DeepFool runs one image at a time),

on the committed 100 test images (fashion-test-100.npz) and on the first 1000 Fashion-MNIST test
images (/usr/share/datasets/fashion-mnist, Debian dataset-fashion-mnist). Every attack is
untargeted against the true labels (ART's DeepFool always moves away from the prediction).
Writes src/algorithm/robustness/fixtures/art-reference.json: accuracies, and per-sample
adversarial predictions as digit strings; the test suite compares aisf with them without Python.

Run (ART checked out at /tmp/art, see docs/readme/robustness-parity.md):
  PYTHONPATH=/tmp/art:bench/robustness/shims /usr/bin/python3 scripts/robustness/art-parity.py
  [--fixture-only] [--out file.json] [--no-write]
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

from fashion_cnn import FASHION, FIX, load_fashion_test, load_fixture100, load_net

EPS_INF = (0.02, 0.05, 0.1, 0.2)
EPS_L2 = (0.5, 1.0, 2.0)
PGD_ITER = 20


def art_classifier(net):
    from art.estimators.classification import PyTorchClassifier

    return PyTorchClassifier(
        model=net,
        loss=nn.CrossEntropyLoss(),
        input_shape=(1, 28, 28),
        nb_classes=10,
        clip_values=(0.0, 1.0),
        device_type='cpu',
    )


def fgsm(clf, x, y, eps, norm, batch_size=32):
    from art.attacks.evasion import FastGradientMethod

    return FastGradientMethod(clf, norm=norm, eps=eps, batch_size=batch_size).generate(x, y=y)


def pgd(clf, x, y, eps, norm, batch_size=32):
    from art.attacks.evasion import ProjectedGradientDescent

    attack = ProjectedGradientDescent(
        clf,
        norm=norm,
        eps=eps,
        eps_step=eps / 4,
        max_iter=PGD_ITER,
        num_random_init=0,
        batch_size=batch_size,
        verbose=False,
    )
    return attack.generate(x, y=y)


def one_hot(y):
    return np.eye(10, dtype=np.float32)[y]


def main():
    torch.set_num_threads(2)
    import art

    net = load_net()
    clf = art_classifier(net)
    out = {
        'art': art.__version__,
        'torch': torch.__version__,
        'pgd': {'eps_step': 'eps/4', 'max_iter': PGD_ITER, 'num_random_init': 0},
        'sets': {},
    }
    sets = {'fixture100': load_fixture100()}
    if '--fixture-only' in sys.argv:
        pass
    elif os.path.isdir(FASHION):
        sets['test1000'] = load_fashion_test(1000)
    else:
        print(f'{FASHION} missing (apt-get install dataset-fashion-mnist): 1000-image set skipped')
    for name, (x, y) in sets.items():
        res = {'n': len(y), 'labels': ''.join(map(str, y.tolist()))}
        pred = clf.predict(x).argmax(1)
        res['clean'] = {'accuracy': float((pred == y).mean()), 'pred': ''.join(map(str, pred))}
        print(f'{name}: clean {res["clean"]["accuracy"]:.4f}')
        runs = [('fgsm', 'inf', e) for e in EPS_INF] + [('fgsm', '2', e) for e in EPS_L2]
        runs += [('pgd', 'inf', e) for e in EPS_INF] + [('pgd', '2', e) for e in EPS_L2]
        for attack, norm, eps in runs:
            t0 = time.time()
            fn = fgsm if attack == 'fgsm' else pgd
            adv = fn(clf, x, one_hot(y), eps, np.inf if norm == 'inf' else 2)
            p = clf.predict(adv).argmax(1)
            key = f'{attack}:{norm}:{eps}'
            res[key] = {'accuracy': float((p == y).mean()), 'pred': ''.join(map(str, p))}
            print(f'{name}: {key} {res[key]["accuracy"]:.4f} ({time.time() - t0:.1f} s)')
        if name == 'fixture100':
            from art.attacks.evasion import DeepFool

            for overshoot in (0.02, 1e-6):
                t0 = time.time()
                adv = DeepFool(clf, epsilon=overshoot, verbose=False).generate(x)
                p = clf.predict(adv).argmax(1)
                l2 = np.sqrt(((adv - x).reshape(len(x), -1).astype(np.float64) ** 2).sum(1))
                key = f'deepfool:{overshoot}'
                res[key] = {
                    'accuracy': float((p == y).mean()),
                    'meanL2': float(l2.mean()),
                    'l2': [round(float(v), 6) for v in l2],
                    'pred': ''.join(map(str, p)),
                }
                print(
                    f'{name}: {key} acc {res[key]["accuracy"]:.4f} mean L2 {l2.mean():.4f}'
                    f' ({time.time() - t0:.1f} s)'
                )
        out['sets'][name] = res
    path = os.path.join(FIX, 'art-reference.json')
    if '--out' in sys.argv:
        path = sys.argv[sys.argv.index('--out') + 1]
    if '--no-write' not in sys.argv:
        with open(path, 'w') as f:
            json.dump(out, f, indent=1)
            f.write('\n')
        print(f'wrote {os.path.relpath(path)}')


if __name__ == '__main__':
    main()
