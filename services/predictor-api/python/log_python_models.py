"""Logs models the way a Python team does, to the registry MLFLOW_TRACKING_URI names, and prints
what mlflow.pyfunc predicts for them after loading them back from that registry.

usage: log_python_models.py DATA_CSV EXPERIMENT [MODEL_FORMAT]
MODEL_FORMAT is mlflow.xgboost's (ubj, json, xgb); MLflow's default when absent.
prints one line: RESULT {"rows": [...], "binary": {"run_id", "predictions"}, "multi": {...}, "softmax": {...}, "sklearn": {"run_id"}, "versions": {...}}
  binary: an xgboost Booster (binary:logistic) on a few numeric BankChurners columns
  multi: an xgboost Booster (multi:softprob) predicting the card category
  softmax: the same as multi:softmax (pyfunc answers the class)
  sklearn: a scikit-learn model, which our predictors must refuse
"""
import json
import sys

import mlflow
import pandas as pd
import xgboost as xgb
from mlflow.models import infer_signature
from sklearn.linear_model import LogisticRegression

data_csv, experiment = sys.argv[1], sys.argv[2]
model_format = {"model_format": sys.argv[3]} if len(sys.argv) > 3 else {}
# MLflow 3 names a logged model; MLflow 2 puts it under an artifact path of the run.
where = {"name": "model"} if int(mlflow.__version__.split(".")[0]) >= 3 else {"artifact_path": "model"}
raw = pd.read_csv(data_csv)
columns = ["Customer_Age", "Months_on_book", "Credit_Limit", "Total_Revolving_Bal", "Total_Trans_Amt", "Total_Trans_Ct"]
x = raw[columns]
churned = (raw["Attrition_Flag"] == "Attrited Customer").astype(int)
card = raw["Card_Category"].map({"Blue": 0, "Silver": 1, "Gold": 2, "Platinum": 3})
train, holdout = slice(0, 8000), slice(8000, 9000)
x_train, x_holdout = x.iloc[train], x.iloc[holdout]
signature = infer_signature(x_train)

mlflow.set_experiment(experiment)
result = {"rows": json.loads(x_holdout.to_json(orient="records", double_precision=15))}
boosters = {
    "binary": ({"objective": "binary:logistic", "max_depth": 4, "eta": 0.2, "nthread": 1, "seed": 1}, churned, 40),
    "multi": ({"objective": "multi:softprob", "num_class": 4, "max_depth": 3, "eta": 0.3, "nthread": 1, "seed": 1}, card, 20),
    "softmax": ({"objective": "multi:softmax", "num_class": 4, "max_depth": 3, "eta": 0.3, "nthread": 1, "seed": 1}, card, 20),
}
for name, (params, labels, rounds) in boosters.items():
    booster = xgb.train(params, xgb.DMatrix(x_train, label=labels.iloc[train]), rounds)
    with mlflow.start_run(run_name=f"python-{name}") as run:
        mlflow.xgboost.log_model(booster, signature=signature, registered_model_name=f"{experiment}-{name}", **where, **model_format)
    loaded = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    result[name] = {"run_id": run.info.run_id, "predictions": loaded.predict(x_holdout).tolist()}

with mlflow.start_run(run_name="python-sklearn") as run:
    mlflow.sklearn.log_model(LogisticRegression(max_iter=200).fit(x_train, churned.iloc[train]), signature=signature, **where)
result["sklearn"] = {"run_id": run.info.run_id}
result["versions"] = {"mlflow": mlflow.__version__, "xgboost": xgb.__version__}
print("RESULT " + json.dumps(result))
