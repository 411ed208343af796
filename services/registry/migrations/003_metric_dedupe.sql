-- MLflow ignores a metric point identical to one already logged (same key, timestamp, step, value);
-- MLflow 3 re-logs a run's metrics with a model_id when it logs a model. The unique index gives that
-- behaviour, and the model's copy goes to logged_model_metrics as in MLflow's own schema.
DELETE FROM metrics a USING metrics b
  WHERE a.ctid > b.ctid AND a.run_id = b.run_id AND a.key = b.key AND a.step = b.step AND a.timestamp = b.timestamp AND a.value = b.value;
DROP INDEX metrics_run_key_step;
CREATE UNIQUE INDEX metrics_point ON metrics (run_id, key, step, timestamp, value);
DROP INDEX metrics_model;

CREATE TABLE logged_model_metrics (
  model_id text NOT NULL REFERENCES logged_models ON DELETE CASCADE,
  key text NOT NULL,
  value double precision NOT NULL,
  timestamp bigint NOT NULL,
  step bigint NOT NULL,
  run_id text NOT NULL,
  dataset_name text,
  dataset_digest text,
  PRIMARY KEY (model_id, key, step, timestamp, value)
);
