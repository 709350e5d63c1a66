"""bench/robustness peer: ART's FastGradientMethod and ProjectedGradientDescent (PyTorchClassifier,
2 threads) on the committed Fashion-MNIST CNN and the first N Fashion-MNIST test images.

Prints one JSON line: per attack the images/s, adversarial accuracy and predictions (digit string).
Called by bench/robustness/run.ts; the model and data code is scripts/robustness/art-parity.py's.

  PYTHONPATH=/tmp/art:bench/robustness/shims /usr/bin/python3 bench/robustness/art_peer.py N BATCH EPS
"""
import importlib.util
import json
import os
import sys
import time

import numpy as np
import torch

DF_N = 100
# Timed repetitions per attack (best is reported); run.ts uses the same.
REPS = {'fgsm': 10, 'pgd20': 3}
HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, '..', '..', 'scripts', 'robustness')
sys.path.insert(0, SCRIPTS)  # art-parity.py imports fashion_cnn.py beside it
spec = importlib.util.spec_from_file_location('art_parity', os.path.join(SCRIPTS, 'art-parity.py'))
parity = importlib.util.module_from_spec(spec)
spec.loader.exec_module(parity)


def main():
    n, batch, eps = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    torch.set_num_threads(2)
    import art
    from art.attacks.evasion import FastGradientMethod, ProjectedGradientDescent

    x, y = parity.load_fashion_test(n)
    clf = parity.art_classifier(parity.load_net())
    yo = parity.one_hot(y)
    out = {'art': art.__version__, 'torch': torch.__version__, 'threads': torch.get_num_threads()}
    attacks = {
        'fgsm': FastGradientMethod(clf, eps=eps, batch_size=batch),
        'pgd20': ProjectedGradientDescent(
            clf, eps=eps, eps_step=eps / 4, max_iter=20, num_random_init=0,
            batch_size=batch, verbose=False,
        ),
    }
    for name, attack in attacks.items():
        attack.generate(x, y=yo)  # warm-up: one full run, as run.ts does for aisf
        dt = float('inf')
        for _ in range(REPS[name]):  # best of REPS: the machine is shared and noisy
            t0 = time.perf_counter()
            adv = attack.generate(x, y=yo)
            dt = min(dt, time.perf_counter() - t0)
        p = clf.predict(adv).argmax(1)
        out[name] = {
            'seconds': dt,
            'images_per_s': n / dt,
            'accuracy': float((p == y).mean()),
            'pred': ''.join(map(str, p)),
        }
    # DeepFool (ART defaults: batch_size 1, max_iter 100, nb_grads 10; overshoot 0.02) on the
    # first DF_N images: ART's DeepFool runs one image at a time, so it gets a smaller set.
    from art.attacks.evasion import DeepFool

    df_n = min(n, DF_N)
    attack = DeepFool(clf, epsilon=0.02, verbose=False)
    attack.generate(x[:2])
    t0 = time.perf_counter()
    adv = attack.generate(x[:df_n])
    dt = time.perf_counter() - t0
    p = clf.predict(adv).argmax(1)
    out['deepfool'] = {
        'n': df_n,
        'seconds': dt,
        'images_per_s': df_n / dt,
        'accuracy': float((p == y[:df_n]).mean()),
        'pred': ''.join(map(str, p)),
    }
    print(json.dumps(out))


if __name__ == '__main__':
    main()
