"""Loads an XGBoost JSON model with Python's xgboost and prints its predictions for a float32 matrix.

usage: predict.py MODEL_JSON MATRIX_JSON   (MATRIX_JSON: {"rows": n, "cols": m, "data": [...]})
"""
import json
import sys

import numpy as np
import xgboost as xgb

booster = xgb.Booster()
booster.load_model(sys.argv[1])
with open(sys.argv[2]) as f:
    matrix = json.load(f)
data = np.asarray(matrix["data"], dtype=np.float32).reshape(matrix["rows"], matrix["cols"])
predictions = booster.predict(xgb.DMatrix(data))
json.dump({"xgboost": xgb.__version__, "predictions": [float(p) for p in predictions]}, sys.stdout)
