"""Trains a binary and a multi-class (multi:softprob) model with Python's xgboost and saves each as
model.ubj and model.json, with a holdout matrix (some cells missing) and Python's predictions, so
our readers can be checked against what xgboost 2.x and 3.x write.

usage: train_formats.py OUT_DIR
writes OUT_DIR/{binary,multi}/model.{ubj,json} (and model.deprecated, the legacy binary, with xgboost 2.x), OUT_DIR/holdout.f32 (little-endian float32,
row-major), OUT_DIR/expected.json ({"xgboost", "rows", "cols", "binary": [...], "multi": [[...]]})
"""
import json
import os
import sys

import numpy as np
import xgboost as xgb

out = sys.argv[1]
rng = np.random.default_rng(11)
rows, cols = 1500, 6
x = rng.normal(size=(rows, cols)).astype(np.float32)
x[rng.random(size=x.shape) < 0.05] = np.nan  # missing cells take each split's default branch
signal = np.nan_to_num(x[:, 0]) + 0.5 * np.nan_to_num(x[:, 1]) * np.nan_to_num(x[:, 2])
binary_labels = (signal + rng.normal(scale=0.5, size=rows) > 0).astype(np.float32)
multi_labels = np.digitize(signal, [-0.6, 0.6]).astype(np.float32)
train, holdout = x[:1200], x[1200:]

params = {"max_depth": 4, "eta": 0.3, "nthread": 1, "seed": 1}
models = {
    "binary": xgb.train({**params, "objective": "binary:logistic"}, xgb.DMatrix(train, label=binary_labels[:1200]), 20),
    "multi": xgb.train({**params, "objective": "multi:softprob", "num_class": 3}, xgb.DMatrix(train, label=multi_labels[:1200]), 15),
}
expected = {"xgboost": xgb.__version__, "rows": int(holdout.shape[0]), "cols": cols}
for name, booster in models.items():
    os.makedirs(os.path.join(out, name), exist_ok=True)
    for ext in ("ubj", "json"):
        booster.save_model(os.path.join(out, name, f"model.{ext}"))
    # The pre-1.0 binary layout, which xgboost 2.x still writes by this extension and 3.x no longer does.
    if int(xgb.__version__.split(".")[0]) < 3:
        booster.save_model(os.path.join(out, name, "model.deprecated"))
    expected[name] = booster.predict(xgb.DMatrix(holdout)).tolist()
holdout.astype("<f4").tofile(os.path.join(out, "holdout.f32"))
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f)
