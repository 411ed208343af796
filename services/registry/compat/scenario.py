"""The registry compatibility scenario, run with the real MLflow Python client (2.x or 3.x).

Reads MLFLOW_TRACKING_URI, COMPAT_EXPERIMENT and COMPAT_MODEL from the environment, exercises the
tracking and registry APIs the way a training script does, and prints one JSON line of observations
for the test to assert on. Exits non-zero (with the traceback) on the first unexpected failure.
"""

import json
import os
import tempfile
import time

import numpy as np
import pandas as pd
import xgboost as xgb

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag
from mlflow.exceptions import MlflowException

MAJOR = int(mlflow.__version__.split(".")[0])
experiment_name = os.environ["COMPAT_EXPERIMENT"]
model_name = os.environ["COMPAT_MODEL"]
client = MlflowClient()
out = {"mlflow_version": mlflow.__version__}

rng = np.random.default_rng(7)
features = ["age", "limit", "balance", "months"]
X = pd.DataFrame(rng.normal(size=(300, 4)), columns=features)
y = (X["age"] + 0.5 * X["balance"] + rng.normal(scale=0.3, size=300) > 0).astype(int)
booster = xgb.train({"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "seed": 42}, xgb.DMatrix(X, label=y), num_boost_round=10)

experiment = mlflow.set_experiment(experiment_name)
out["experiment_id"] = experiment.experiment_id

with mlflow.start_run(run_name="compat-best") as run:
    run_id = run.info.run_id
    out["run_id"] = run_id
    mlflow.log_param("eta", 0.3)
    mlflow.log_params({"max_depth": 3, "seed": 42})
    mlflow.log_metric("auc", 0.5, step=0)
    mlflow.log_metrics({"auc": 0.91, "log_loss": 0.2}, step=1)
    now = int(time.time() * 1000)
    client.log_batch(
        run_id,
        metrics=[Metric("batch_metric", i / 10, now + i, i) for i in range(100)],
        params=[Param("batch_param", "from-log-batch")],
        tags=[RunTag("batch_tag", "yes")],
    )
    mlflow.set_tag("purpose", "compat")
    mlflow.set_tag("scratch", "to-delete")
    mlflow.log_input(mlflow.data.from_pandas(X, name="train"), context="training")
    with tempfile.TemporaryDirectory() as tmp:
        note = os.path.join(tmp, "note.txt")
        with open(note, "w") as f:
            f.write("hello registry")
        mlflow.log_artifact(note, artifact_path="notes")
    example = X.head(2)
    if MAJOR >= 3:
        info = mlflow.xgboost.log_model(booster, name="model", input_example=example)
        out["logged_model_id"] = info.model_id
    else:
        info = mlflow.xgboost.log_model(booster, artifact_path="model", input_example=example)
    out["model_uri"] = info.model_uri

with mlflow.start_run(run_name="compat-worse") as worse:
    mlflow.log_param("eta", 0.3)
    mlflow.log_metric("auc", 0.7)
with mlflow.start_run(run_name="compat-other") as other:
    mlflow.log_param("eta", 0.1)
    mlflow.log_metric("auc", 0.99)
    with mlflow.start_run(run_name="compat-child", nested=True):
        mlflow.log_metric("fold_auc", 0.98)
out["children"] = [r.info.run_name for r in client.search_runs([experiment.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{other.info.run_id}'")]
out["search_experiments"] = [e.name for e in client.search_experiments(filter_string=f"name = '{experiment_name}'")]

client.delete_tag(run_id, "scratch")
client.set_experiment_tag(experiment.experiment_id, "team", "churn")
out["experiment_tags"] = {k: v for k, v in client.get_experiment_by_name(experiment_name).tags.items() if not k.startswith("mlflow.")}
fetched = client.get_run(run_id)
out["datasets"] = [(d.dataset.name, [t.value for t in d.tags if t.key == "mlflow.data.context"]) for d in fetched.inputs.dataset_inputs]
out["params"] = fetched.data.params
out["metrics"] = fetched.data.metrics
out["tags"] = {k: v for k, v in fetched.data.tags.items() if not k.startswith("mlflow.") or k == "mlflow.runName"}
out["status"] = fetched.info.status
out["artifact_uri"] = fetched.info.artifact_uri
out["auc_history"] = [(m.step, m.value) for m in client.get_metric_history(run_id, "auc")]
out["batch_metric_points"] = len(client.get_metric_history(run_id, "batch_metric"))
out["artifacts"] = sorted(f.path for f in client.list_artifacts(run_id))
out["notes"] = sorted(f.path for f in client.list_artifacts(run_id, "notes"))
with tempfile.TemporaryDirectory() as tmp:
    local = client.download_artifacts(run_id, "notes/note.txt", tmp)
    with open(local) as f:
        out["note_text"] = f.read()

df = mlflow.search_runs(experiment_names=[experiment_name], filter_string="metrics.auc > 0.6 and params.eta = '0.3'", order_by=["metrics.auc DESC"])
out["search_df_run_names"] = list(df["tags.mlflow.runName"])
runs = client.search_runs([experiment.experiment_id], filter_string="attributes.run_name LIKE 'compat-%' AND attributes.run_name != 'compat-child'", order_by=["metrics.auc ASC"], max_results=2)
out["search_page1"] = [r.info.run_name for r in runs]
out["search_page2"] = [r.info.run_name for r in client.search_runs([experiment.experiment_id], filter_string="attributes.run_name LIKE 'compat-%' AND attributes.run_name != 'compat-child'", order_by=["metrics.auc ASC"], max_results=2, page_token=runs.token)]
out["search_backticks"] = [r.info.run_name for r in client.search_runs([experiment.experiment_id], filter_string="metrics.`auc` >= 0.99")]

version = mlflow.register_model(f"runs:/{run_id}/model", model_name)
out["registered_version"] = version.version
client.set_registered_model_alias(model_name, "champion", version.version)
by_alias = client.get_model_version_by_alias(model_name, "champion")
out["alias_version"] = by_alias.version
out["alias_run_id_matches"] = by_alias.run_id == run_id
out["registered_model_aliases"] = client.get_registered_model(model_name).aliases
client.update_registered_model(model_name, description="churn model")
out["registered_model_description"] = client.get_registered_model(model_name).description
out["search_registered_models"] = [m.name for m in client.search_registered_models(filter_string=f"name = '{model_name}'")]
out["search_model_versions"] = [(v.name, v.version) for v in client.search_model_versions(f"name = '{model_name}'")]

loaded = mlflow.pyfunc.load_model(f"models:/{model_name}@champion")
predictions = np.asarray(loaded.predict(X.head(5))).reshape(-1)
expected = booster.predict(xgb.DMatrix(X.head(5)))
out["predictions"] = [round(float(p), 6) for p in predictions]
out["predictions_match"] = bool(np.allclose(predictions, expected, atol=1e-6))
by_run = mlflow.pyfunc.load_model(f"runs:/{run_id}/model")
out["runs_uri_predictions_match"] = bool(np.allclose(np.asarray(by_run.predict(X.head(5))).reshape(-1), expected, atol=1e-6))

if MAJOR >= 3:
    logged = mlflow.get_logged_model(out["logged_model_id"])
    out["logged_model"] = {"name": logged.name, "status": str(logged.status), "source_run_id": logged.source_run_id}
    out["logged_models_of_run"] = [m.model_id for m in mlflow.search_logged_models(experiment_ids=[experiment.experiment_id], filter_string=f"source_run_id = '{run_id}'", output_format="list")]

staged = client.transition_model_version_stage(model_name, version.version, "Production")
out["stage"] = staged.current_stage
out["latest_production"] = [v.version for v in client.get_latest_versions(model_name, stages=["Production"])]
client.rename_registered_model(model_name, model_name + "-renamed")
out["alias_after_rename"] = client.get_model_version_by_alias(model_name + "-renamed", "champion").version
client.delete_registered_model_alias(model_name + "-renamed", "champion")
out["aliases_after_delete"] = client.get_registered_model(model_name + "-renamed").aliases

try:
    client.get_run("0" * 32)
    out["missing_run_error"] = None
except MlflowException as e:
    out["missing_run_error"] = e.error_code

client.delete_run(worse.info.run_id)
out["deleted_stage"] = client.get_run(worse.info.run_id).info.lifecycle_stage
out["active_after_delete"] = sorted(r.info.run_name for r in client.search_runs([experiment.experiment_id], filter_string="attributes.run_name != 'compat-child'"))
client.restore_run(worse.info.run_id)
out["restored_stage"] = client.get_run(worse.info.run_id).info.lifecycle_stage

print("COMPAT_RESULT " + json.dumps(out, default=str))
