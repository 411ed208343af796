"""Loads one of our model directories with MLflow's Python pyfunc loader and predicts.

usage: pyfunc_predict.py MODEL_DIR ROWS_JSON   (ROWS_JSON: {"columns": [...], "data": [[...], ...]})
Prints {"predictions": [...], "example": [...]} (the second for the directory's own input example).
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
json.dump({"predictions": [float(p) for p in predictions], "example": [float(p) for p in example_predictions]}, sys.stdout)
