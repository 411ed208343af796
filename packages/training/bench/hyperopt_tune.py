"""The reference stack for the tuning bench: Python xgboost + hyperopt's TPE over the same search
space, budget, early stopping and splits as our TypeScript tuner (the split is read from CSV).

usage: hyperopt_tune.py SPLIT_DIR TRIALS(0 = no tuning) NTHREAD ROUNDS EARLY_STOPPING SEED [OUR_MODEL_JSON]  -> JSON on stdout
With OUR_MODEL_JSON, prediction latency is measured on it (our best model), so both sides score the
same trees.
"""
import json
import math
import sys
import time

import numpy as np
import xgboost as xgb
from hyperopt import STATUS_OK, Trials, fmin, hp, tpe
from sklearn.metrics import roc_auc_score

split_dir, trials_n, nthread, rounds, early, seed = sys.argv[1], *map(int, sys.argv[2:7])
our_model = sys.argv[7] if len(sys.argv) > 7 else None


def read(name):
    data = np.loadtxt(f"{split_dir}/{name}.csv", delimiter=",", skiprows=1, dtype=np.float32)
    return data[:, :-1], data[:, -1]


(x_train, y_train), (x_valid, y_valid), (x_test, y_test) = read("train"), read("validation"), read("test")

space = {
    "max_depth": hp.quniform("max_depth", 2, 10, 1),
    "eta": hp.loguniform("eta", math.log(0.02), math.log(0.3)),
    "subsample": hp.uniform("subsample", 0.5, 1.0),
    "colsample_bytree": hp.uniform("colsample_bytree", 0.5, 1.0),
    "min_child_weight": hp.loguniform("min_child_weight", math.log(0.5), math.log(20)),
    "lambda": hp.loguniform("lambda", math.log(0.001), math.log(10)),
}


def objective(p):
    """One trial, as runTrial does it: early stopping on validation, loss 1 - validation AUC."""
    params = {
        "objective": "binary:logistic",
        "eval_metric": "logloss",
        "tree_method": "hist",
        "max_depth": int(p["max_depth"]),
        "eta": p["eta"],
        "subsample": p["subsample"],
        "colsample_bytree": p["colsample_bytree"],
        "min_child_weight": p["min_child_weight"],
        "lambda": p["lambda"],
        "seed": seed,
        "nthread": nthread,
    }
    booster = xgb.train(params, dtrain, rounds, evals=[(dvalid, "valid")], early_stopping_rounds=early, verbose_eval=False)
    best = booster.best_iteration
    valid_auc = roc_auc_score(y_valid, booster.predict(dvalid, iteration_range=(0, best + 1)))
    return {"loss": 1 - valid_auc, "status": STATUS_OK, "booster": booster, "best": best, "valid_auc": valid_auc}


result = {"xgboost": xgb.__version__}
if trials_n > 0:
    started = time.perf_counter()
    # DMatrix construction belongs to the timed work, as encoding does on our side.
    dtrain = xgb.DMatrix(x_train, label=y_train)
    dvalid = xgb.DMatrix(x_valid, label=y_valid)
    trials = Trials()
    fmin(objective, space, algo=tpe.suggest, max_evals=trials_n, trials=trials, rstate=np.random.default_rng(seed), show_progressbar=False)
    wall = time.perf_counter() - started

    best = min(trials.results, key=lambda r: r["loss"])
    test_auc = roc_auc_score(y_test, best["booster"].predict(xgb.DMatrix(x_test), iteration_range=(0, best["best"] + 1)))
    result.update(wall_ms=wall * 1000, best_valid_auc=best["valid_auc"], best_test_auc=test_auc)
if our_model is None:
    json.dump(result, sys.stdout)
    sys.exit(0)

booster = xgb.Booster()
booster.load_model(our_model)
booster.set_param({"nthread": 1})


def latencies(rows, repeat):
    batch = x_test[:rows]
    for _ in range(50):
        booster.inplace_predict(batch)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        booster.inplace_predict(batch)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]


one_p50, one_p99 = latencies(1, 5000)
batch_p50, batch_p99 = latencies(1000, 300)
result["single_row_ms"] = {"p50": one_p50, "p99": one_p99}
result["batch_1000_ms"] = {"p50": batch_p50, "p99": batch_p99}
json.dump(result, sys.stdout)
