"""bench/robustness-blackbox peer: ART's SquareAttack (L-inf) and HopSkipJump (L2) on the committed
Fashion-MNIST CNN (PyTorchClassifier, 2 threads) and the first N Fashion-MNIST test images.

Every model query is counted by wrapping the classifier's predict (rows asked for). Prints one
JSON line. Model and data code: scripts/robustness/art-parity.py (shared with bench/robustness).

  PYTHONPATH=/tmp/art:bench/robustness/shims /usr/bin/python3 bench/robustness-blackbox/art_peer.py \
      N_SQUARE SQUARE_EPS(comma list) SQUARE_MAX_ITER N_HSJ HSJ_MAX_ITER SEED
"""
import importlib.util
import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    'art_parity', os.path.join(HERE, '..', '..', 'scripts', 'robustness', 'art-parity.py')
)
parity = importlib.util.module_from_spec(spec)
spec.loader.exec_module(parity)


class Counter:
    """Counts the rows ART asks the classifier to predict."""

    def __init__(self, clf):
        self.rows = 0
        original = clf.predict

        def predict(x, *args, **kwargs):
            self.rows += len(x)
            return original(x, *args, **kwargs)

        clf.predict = predict


def accuracy(clf, x, y):
    return float((np.argmax(clf.predict(x, batch_size=256), axis=1) == y).mean())


def main():
    n_sq, eps_list, sq_iter, n_hsj, hsj_iter, seed = (
        int(sys.argv[1]), [float(e) for e in sys.argv[2].split(',')], int(sys.argv[3]),
        int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]),
    )
    torch.set_num_threads(2)
    import art
    from art.attacks.evasion import HopSkipJump, SquareAttack

    out = {'art': art.__version__, 'torch': torch.__version__, 'threads': torch.get_num_threads()}
    x, y = parity.load_fashion_test(max(n_sq, n_hsj))
    clf = parity.art_classifier(parity.load_net())
    out['clean'] = accuracy(clf, x[:n_sq], y[:n_sq])
    yo = parity.one_hot(y)

    square = []
    for eps in eps_list:
        np.random.seed(seed)
        counter = Counter(clf)
        attack = SquareAttack(clf, norm=np.inf, eps=eps, max_iter=sq_iter, p_init=0.8, nb_restarts=1,
                              batch_size=128, verbose=False)
        t = time.perf_counter()
        adv = attack.generate(x[:n_sq], y=yo[:n_sq])
        sec = time.perf_counter() - t
        queries = counter.rows
        clf.predict = type(clf).predict.__get__(clf)
        square.append({'eps': eps, 'accuracy': accuracy(clf, adv, y[:n_sq]), 'seconds': sec,
                       'queriesPerSample': queries / n_sq,
                       'linf': float(np.abs(adv - x[:n_sq]).reshape(n_sq, -1).max(axis=1).max())})
    out['square'] = square

    np.random.seed(seed)
    counter = Counter(clf)
    attack = HopSkipJump(clf, targeted=False, norm=2, max_iter=hsj_iter, max_eval=10000, init_eval=100,
                         init_size=100, batch_size=256, verbose=False)
    xs, ys = x[:n_hsj], y[:n_hsj]
    t = time.perf_counter()
    adv = attack.generate(xs)
    sec = time.perf_counter() - t
    queries = counter.rows
    clf.predict = type(clf).predict.__get__(clf)
    pred_adv = np.argmax(clf.predict(adv, batch_size=256), axis=1)
    pred_clean = np.argmax(clf.predict(xs, batch_size=256), axis=1)
    dist = np.sqrt(((adv - xs) ** 2).reshape(n_hsj, -1).sum(axis=1))
    # Distance of the adversarial example found for each correctly classified sample (inf if none).
    found = [float(d) if (c == t_ and a != t_) else float('inf')
             for d, c, a, t_ in zip(dist, pred_clean, pred_adv, ys)]
    out['hopskipjump'] = {'n': n_hsj, 'seconds': sec, 'queriesPerSample': queries / n_hsj,
                          'correct': [bool(c == t_) for c, t_ in zip(pred_clean, ys)], 'distances': found}
    print(json.dumps(out).replace('Infinity', '1e309'))


if __name__ == '__main__':
    main()
