"""Saves XGBoost models the way a Python team logs them (mlflow.xgboost.save_model with a signature)
and records what mlflow.pyfunc's predict answers for a few rows, for our loader to be compared with.

usage: mlflow_xgboost_models.py OUT_DIR
writes OUT_DIR/<case>/ (an MLflow model directory) for each case, and OUT_DIR/expected.json:
{"rows": [{column: value}], "cases": {case: predictions}, "skipped": {case: why it could not be saved}}
"""
import json
import os
import sys

import mlflow
import numpy as np
import pandas as pd
import xgboost as xgb
from mlflow.models import infer_signature

out = sys.argv[1]
rng = np.random.default_rng(5)
n = 400
frame = pd.DataFrame(
    {
        "customer_age": rng.integers(20, 70, n).astype(np.int64),
        "credit_limit": rng.normal(8000, 3000, n),
        "total_revolving_bal": rng.normal(1200, 500, n),
    }
)
frame.loc[rng.random(n) < 0.1, "total_revolving_bal"] = np.nan  # an optional column, missing in some rows
signal = (frame.customer_age - 45) / 10 + (frame.credit_limit - 8000) / 3000 - np.nan_to_num(frame.total_revolving_bal - 1200) / 500
binary = (signal + rng.normal(scale=0.5, size=n) > 0).astype(int)
classes = np.digitize(signal, [-0.7, 0.7])
params = {"max_depth": 3, "n_estimators": 12, "learning_rate": 0.3, "n_jobs": 1, "random_state": 1}

models = {
    "booster-binary": xgb.train({"objective": "binary:logistic", "max_depth": 3, "nthread": 1}, xgb.DMatrix(frame, label=binary), 12),
    "booster-multi": xgb.train(
        {"objective": "multi:softprob", "num_class": 3, "max_depth": 3, "nthread": 1}, xgb.DMatrix(frame, label=classes), 10
    ),
    "booster-softmax": xgb.train(
        {"objective": "multi:softmax", "num_class": 3, "max_depth": 3, "nthread": 1}, xgb.DMatrix(frame, label=classes), 10
    ),
    "classifier-binary": xgb.XGBClassifier(**params).fit(frame, binary),
    "classifier-multi": xgb.XGBClassifier(**params).fit(frame, classes),
    "regressor": xgb.XGBRegressor(**params).fit(frame, signal),
    # Early stopping keeps every round in the file; the wrapper predicts with rounds 0..best_iteration.
    "regressor-early-stopped": xgb.XGBRegressor(**{**params, "n_estimators": 200, "early_stopping_rounds": 3}).fit(
        frame.iloc[100:], signal.iloc[100:] + rng.normal(scale=1.0, size=n - 100), eval_set=[(frame.iloc[:100], signal.iloc[:100])], verbose=False
    ),
}
holdout = frame.iloc[:60]
expected = {"rows": json.loads(holdout.to_json(orient="records", double_precision=15)), "cases": {}}
expected["skipped"] = {}
for case, model in models.items():
    path = os.path.join(out, case)
    try:
        mlflow.xgboost.save_model(model, path, signature=infer_signature(frame))
    except TypeError as error:
        # xgboost 2.1's scikit-learn wrappers cannot save under scikit-learn 1.6+ (_estimator_type).
        expected["skipped"][case] = str(error)
        continue
    predictions = mlflow.pyfunc.load_model(path).predict(holdout)
    expected["cases"][case] = np.asarray(predictions).tolist()
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f)
