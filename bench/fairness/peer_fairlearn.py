"""Fairlearn side of the fairness benchmark: pandas.read_csv + MetricFrame over the intersection of
two sensitive features (as `aisf test fairness --intersectional`), plus the between-group metrics.
Prints JSON timings (seconds) and the values, for the same-run comparison in run.sh.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
import fairlearn
import fairlearn.metrics as flm

path = sys.argv[1]
t0 = time.perf_counter()
df = pd.read_csv(path)
t1 = time.perf_counter()
y, p, sf = df.y_true.values, df.y_pred.values, df[["gender", "ethnicity"]]
metrics = {
    "selection_rate": flm.selection_rate,
    "accuracy": lambda a, b: float(np.mean(a == b)),
    "tpr": flm.true_positive_rate,
    "fpr": flm.false_positive_rate,
    "fnr": flm.false_negative_rate,
    "count": flm.count,
}
mf = flm.MetricFrame(metrics=metrics, y_true=y, y_pred=p, sensitive_features=sf)
by = mf.by_group
dpd = mf.difference()["selection_rate"]
dpr = mf.ratio()["selection_rate"]
eod = max(mf.difference()["tpr"], mf.difference()["fpr"])
t2 = time.perf_counter()
print(json.dumps({
    "fairlearn": fairlearn.__version__,
    "read_s": t1 - t0,
    "metricframe_s": t2 - t1,
    "total_s": t2 - t0,
    "groups": len(by),
    "demographicParityDifference": float(dpd),
    "demographicParityRatio": float(dpr),
    "equalizedOddsDifference": float(eod),
}))
