"""Peer values for src/data/privacy/membership/*.test.ts (run once, constants committed in the tests):

    /usr/bin/python3 scripts/privacy/membership_reference.py

sklearn's roc_auc_score and roc_curve(drop_intermediate=False) on integer-generated scores with
many ties (TPR at FPR a = max TPR over points with FPR <= a; advantage = max(TPR - FPR)), and
sklearn's LogisticRegression (lbfgs, C = 1 / (n * l2)) on standardised features, the same
objective as aisf's attack model.
"""
import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
import json, sklearn
out = {'sklearn': sklearn.__version__}
def case(m, n, alphas):
    y = np.r_[np.ones(len(m)), np.zeros(len(n))]
    s = np.r_[m, n]
    fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
    return {'auc': float(roc_auc_score(y, s)), 'advantage': float(np.max(tpr - fpr)),
            'tpr': {str(a): float(np.max(tpr[fpr <= a + 1e-12])) for a in alphas}}
# Integer-generated scores with many ties (identical in JS: (i*37)%101/10 + 1.5 …).
A_m = np.array([((i * 37) % 101) / 10 + 1.5 for i in range(300)])
A_n = np.array([((i * 53) % 97) / 10 for i in range(250)])
out['ties'] = case(A_m, A_n, [0.01])
B_m = np.array([((i * 7919) % 1009) / 100 + 0.8 for i in range(1500)])
B_n = np.array([((i * 104729) % 1013) / 100 for i in range(1200)])
out['large'] = case(B_m, B_n, [0.01, 0.001])
# Logistic regression peer: features x_i = [(i*13)%17/3, (i*29)%23/5 - 1], label (i*31)%7 < 3
X = np.array([[((i * 13) % 17) / 3, ((i * 29) % 23) / 5 - 1] for i in range(200)])
Y = np.array([1 if ((i * 31) % 7 < 3) ^ (X[i,0] > 3) else 0 for i in range(200)])
l2 = 1e-2
Z = StandardScaler().fit_transform(X)
lr = LogisticRegression(C=1 / (len(X) * l2), tol=1e-12, max_iter=100000).fit(Z, Y)
out['logistic'] = {'l2': l2, 'coef': lr.coef_[0].tolist(), 'intercept': float(lr.intercept_[0]),
  'labels': Y.tolist()}
print(json.dumps(out, indent=1))

# Peer values of the audit on the committed fixtures: the MLP's forward pass in numpy (float64,
# weights read with onnx.numpy_helper), losses with scipy's logsumexp, metrics with sklearn.
import os
import zipfile
import onnx
from onnx import numpy_helper
from scipy.special import logsumexp

FIX = os.path.join(os.path.dirname(__file__), '..', '..', 'src', 'data', 'privacy', 'membership', 'fixtures')


def npz(name):
    d = np.load(os.path.join(FIX, name))
    return d['x'].reshape(len(d['x']), -1).astype(np.float64) / 255, d['y'].astype(np.int64)


def forward(model, x):
    w = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in onnx.load(os.path.join(FIX, model)).graph.initializer}
    get = lambda key: next(v for k, v in w.items() if key in k)
    h = np.maximum(x @ get('fc1.weight').T + get('fc1.bias'), 0)
    z = h @ get('fc2.weight').T + get('fc2.bias')
    return z - logsumexp(z, axis=1, keepdims=True)


def scores(lp, y):
    p = np.exp(lp)
    n = np.arange(len(y))
    loss = lp[n, y]
    entropy = (p * lp).sum(1)
    py = p[n, y]
    log1m = np.log(np.maximum(-np.expm1(lp), 1e-30))
    other = (p * log1m).sum(1) - py * log1m[n, y]
    mentr = -(1 - py) * lp[n, y] - other
    return {'loss': loss, 'entropy': entropy, 'modified-entropy': -mentr}


xt, yt = npz('train.npz')
xh, yh = npz('holdout.npz')
out['fixtures'] = {}
for model in ['mlp-overfit.onnx', 'mlp-early.onnx', 'mlp-dp.onnx']:
    si = scores(forward(model, xt), yt)
    so = scores(forward(model, xh), yh)
    out['fixtures'][model] = {k: case(si[k], so[k], [0.01]) for k in si}
print(json.dumps(out['fixtures'], indent=1))
