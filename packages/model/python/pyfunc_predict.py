"""Loads one of our model directories with MLflow's Python loaders and predicts on raw rows.

usage: pyfunc_predict.py MODEL_DIR ROWS_JSON   (ROWS_JSON: {"columns": [...], "data": [[...], ...]}, the contract's columns)
Prints {"mlflow": version, "predictions": [...], "example": [...], "xgboost_flavor": class name}: pyfunc on the
rows and on the directory's own input example, and what mlflow.xgboost.load_model gives (the bare booster).
"""
import json
import sys
import warnings

warnings.filterwarnings("ignore")

import mlflow  # noqa: E402
import pandas as pd  # noqa: E402

model_dir, rows_path = sys.argv[1], sys.argv[2]
model = mlflow.pyfunc.load_model(model_dir)
with open(rows_path) as f:
    rows = json.load(f)
with open(f"{model_dir}/input_example.json") as f:
    example = json.load(f)
predictions = model.predict(pd.DataFrame(rows["data"], columns=rows["columns"]))
example_predictions = model.predict(pd.DataFrame(example["data"], columns=example["columns"]))
booster = mlflow.xgboost.load_model(model_dir)
json.dump(
    {
        "mlflow": mlflow.__version__,
        "predictions": [float(p) for p in predictions],
        "example": [float(p) for p in example_predictions],
        "xgboost_flavor": type(booster).__name__,
    },
    sys.stdout,
)
