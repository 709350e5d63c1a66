"""Peer parity for aisf's fairness area on the HMDA example (examples/credit-hmda).

Runs Fairlearn and AIF360 (from their source checkouts, on Debian's python3-sklearn /
python3-pandas / python3-scipy) on the same inputs aisf uses and writes the small reference
outputs the TypeScript tests compare against, without Python:

    src/algorithm/fairness/fixtures/hmda-parity.json

Usage (checkouts in /tmp, never in the repo; Debian bookworm's python3-sklearn 1.2.1,
python3-pandas 1.5.3, python3-scipy, python3-networkx for BlackBoxAuditing):
    # Fairlearn at tag v0.12.0 (HEAD needs narwhals and scikit-learn >= 1.6, not in Debian 12),
    # AIF360 and algofairness/BlackBoxAuditing (AIF360's DisparateImpactRemover backend) at HEAD
    git --git-dir=<mirror of fairlearn> archive v0.12.0 | tar -x -C /tmp/fairlearn
    PYTHONPATH=/tmp/fairlearn:/tmp/aif360:/tmp/bba /usr/bin/python3 scripts/fairness/parity.py

Inputs: examples/credit-hmda/hmda.csv and examples/credit-hmda/predictions.csv (written by
`aisf mitigate fairness --method baseline …`, see the example's README).
"""
import json
import os
import sys
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EX = os.path.join(ROOT, "examples", "credit-hmda")
OUT = os.path.join(ROOT, "src", "algorithm", "fairness", "fixtures", "hmda-parity.json")
FEATURES = ["pirat", "hirat", "lvrat", "chist", "mhist", "phist", "unemp", "selfemp", "insurance", "condomin", "hschool"]

import fairlearn  # noqa: E402
import fairlearn.metrics as flm  # noqa: E402
from fairlearn.postprocessing import ThresholdOptimizer  # noqa: E402
import aif360  # noqa: E402
from aif360.datasets import BinaryLabelDataset  # noqa: E402
from aif360.metrics import ClassificationMetric  # noqa: E402
from aif360.algorithms.preprocessing import Reweighing, DisparateImpactRemover  # noqa: E402
from aif360.algorithms.postprocessing import RejectOptionClassification  # noqa: E402
import sklearn  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import brier_score_loss  # noqa: E402


def yn(s):
    return (s == "yes").astype(float)


def checksums(values):
    v = np.asarray(values, dtype=np.float64)
    i = np.arange(len(v), dtype=np.float64)
    return {"n": int(len(v)), "sum": float(v.sum()), "sumSq": float((v * v).sum()), "sumIdx": float((i * v).sum())}


def fairlearn_block(y, p, sf):
    metrics = {
        "selectionRate": flm.selection_rate,
        "accuracy": lambda a, b: float(np.mean(np.asarray(a) == np.asarray(b))),
        "tpr": flm.true_positive_rate,
        "fpr": flm.false_positive_rate,
        "fnr": flm.false_negative_rate,
        "count": flm.count,
    }
    mf = MetricFrameCls(metrics=metrics, y_true=y, y_pred=p, sensitive_features=sf)
    by = mf.by_group
    groups = {}
    for key, row in by.iterrows():
        name = " & ".join(key) if isinstance(key, tuple) else str(key)
        groups[name] = {k: float(row[k]) for k in metrics}
    return {
        "groups": groups,
        "demographicParityDifference": float(flm.demographic_parity_difference(y, p, sensitive_features=sf)),
        "demographicParityRatio": float(flm.demographic_parity_ratio(y, p, sensitive_features=sf)),
        "equalizedOddsDifference": float(flm.equalized_odds_difference(y, p, sensitive_features=sf)),
        "equalizedOddsRatio": float(flm.equalized_odds_ratio(y, p, sensitive_features=sf)),
        "equalOpportunityDifference": float(flm.equal_opportunity_difference(y, p, sensitive_features=sf)),
        "equalOpportunityRatio": float(flm.equal_opportunity_ratio(y, p, sensitive_features=sf)),
    }


MetricFrameCls = flm.MetricFrame


def aif_block(y, p, afam):
    df = pd.DataFrame({"afam": afam.astype(float), "y": y.astype(float)})
    truth = BinaryLabelDataset(df=df, label_names=["y"], protected_attribute_names=["afam"], favorable_label=1.0, unfavorable_label=0.0)
    pred = truth.copy()
    pred.labels = p.astype(float).reshape(-1, 1)
    m = ClassificationMetric(truth, pred, unprivileged_groups=[{"afam": 1.0}], privileged_groups=[{"afam": 0.0}])
    return {
        "statisticalParityDifference": float(m.statistical_parity_difference()),
        "disparateImpact": float(m.disparate_impact()),
        "truePositiveRateDifference": float(m.equal_opportunity_difference()),
        "falsePositiveRateDifference": float(m.false_positive_rate_difference()),
        "averageOddsDifference": float(m.average_odds_difference()),
        "averageAbsOddsDifference": float(m.average_abs_odds_difference()),
        "theilIndex": float(m.theil_index()),
        "betweenGroupGeneralizedEntropyIndex": float(m.between_all_groups_generalized_entropy_index(alpha=2)),
        "generalizedEntropyIndex": float(m.generalized_entropy_index(alpha=2)),
    }


def main():
    raw = pd.read_csv(os.path.join(EX, "hmda.csv"))
    preds = pd.read_csv(os.path.join(EX, "predictions.csv"))
    out = {
        "generated_by": "scripts/fairness/parity.py",
        "peers": {"fairlearn": fairlearn.__version__, "aif360": getattr(aif360, "__version__", "source"), "sklearn": sklearn.__version__, "numpy": np.__version__, "pandas": pd.__version__},
    }
    test = preds[preds.split == "test"].reset_index(drop=True)
    train = preds[preds.split == "train"].reset_index(drop=True)
    y, p = test.y_true.values, test.y_pred.values
    out["calibration"] = {
        str(g): {"brierScore": float(brier_score_loss(test.y_true[test.afam == g], test.score[test.afam == g])), "meanScore": float(test.score[test.afam == g].mean())}
        for g in sorted(test.afam.unique())
    }
    out["metrics"] = {
        "afam": {**fairlearn_block(y, p, test.afam), **aif_block(y, p, yn(test.afam).values)},
        "afam & single": fairlearn_block(y, p, test[["afam", "single"]]),
    }

    # Logistic regression: scikit-learn on aisf's training split, standardised as aisf does.
    X = pd.DataFrame({f: (yn(raw[f]) if raw[f].dtype == object else raw[f].astype(float)) for f in FEATURES})
    deny = yn(raw.deny).values
    is_train = (preds.split == "train").values
    Xtr = X.values[is_train]
    mean = Xtr.mean(axis=0)
    std = Xtr.std(axis=0)
    std[std == 0] = 1.0
    lr = LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-14, max_iter=1000).fit((Xtr - mean) / std, deny[is_train])
    scores = lr.predict_proba((X.values - mean) / std)[:, 1]
    out["logistic"] = {"coef": lr.coef_[0].tolist(), "intercept": float(lr.intercept_[0]), "scores": checksums(scores)}

    # Reweighing (AIF360) on the full data: label deny (favourable 1 = deny, as aisf's y), prot afam.
    ds = BinaryLabelDataset(df=pd.DataFrame({"afam": yn(raw.afam), "deny": deny}), label_names=["deny"], protected_attribute_names=["afam"], favorable_label=1.0, unfavorable_label=0.0)
    rw = Reweighing(unprivileged_groups=[{"afam": 1.0}], privileged_groups=[{"afam": 0.0}]).fit(ds)
    out["reweighing"] = {
        "yes": [float(rw.w_up_unfav), float(rw.w_up_fav)],
        "no": [float(rw.w_p_unfav), float(rw.w_p_fav)],
        "weights": checksums(rw.transform(ds).instance_weights),
    }

    # Disparate-impact remover (AIF360 → BlackBoxAuditing) on the features, protected afam.
    out["diRemover"] = {}
    for level in (1.0, 0.5):
        df = X.copy()
        df["afam"] = yn(raw.afam)
        df["deny"] = deny
        ds2 = BinaryLabelDataset(df=df, label_names=["deny"], protected_attribute_names=["afam"])
        rep = DisparateImpactRemover(repair_level=level, sensitive_attribute="afam").fit_transform(ds2)
        names = ds2.feature_names
        out["diRemover"][str(level)] = {f: checksums(rep.features[:, names.index(f)]) for f in FEATURES}

    # Threshold optimizer (Fairlearn) on aisf's baseline scores, fitted on the training rows.
    class Scores:
        def fit(self, X, y):
            return self

        def predict(self, X):
            return np.asarray(X)[:, 0]

    out["thresholdOptimizer"] = {}
    for constraint in ("demographic_parity", "equalized_odds"):
        to = ThresholdOptimizer(estimator=Scores(), constraints=constraint, prefit=True, predict_method="predict")
        to.fit(train[["score"]].values, train.y_true.values, sensitive_features=train.afam.values)
        pmf = to._pmf_predict(test[["score"]].values, sensitive_features=test.afam.values)[:, 1]
        out["thresholdOptimizer"][constraint] = checksums(pmf)

    # Reject option (AIF360) on the training rows; favourable label 0 (not denied).
    def roc_ds(frame, labels):
        d = BinaryLabelDataset(df=pd.DataFrame({"afam": yn(frame.afam).values, "deny": labels.astype(float)}), label_names=["deny"], protected_attribute_names=["afam"], favorable_label=0.0, unfavorable_label=1.0)
        d.scores = (1.0 - frame.score.values).reshape(-1, 1)
        return d

    roc = RejectOptionClassification(unprivileged_groups=[{"afam": 1.0}], privileged_groups=[{"afam": 0.0}])
    roc.fit(roc_ds(train, train.y_true.values), roc_ds(train, train.y_pred.values))
    out["rejectOption"] = {"classificationThreshold": float(roc.classification_threshold), "rocMargin": float(roc.ROC_margin)}

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(out, fh, indent=1, sort_keys=True)
        fh.write("\n")
    print("wrote", os.path.relpath(OUT, ROOT), file=sys.stderr)


if __name__ == "__main__":
    main()
