-- Tracking store: experiments, runs, their params/tags/metrics. Timestamps are epoch milliseconds
-- (MLflow's int64s). Metric history keeps every point; latest_metrics holds the newest per key
-- (largest step, then timestamp, then value) so searches and run reads avoid scanning history.
CREATE TABLE experiments (
  experiment_id bigint PRIMARY KEY,
  name text NOT NULL UNIQUE,
  artifact_location text NOT NULL,
  lifecycle_stage text NOT NULL DEFAULT 'active',
  creation_time bigint NOT NULL,
  last_update_time bigint NOT NULL
);
CREATE SEQUENCE experiments_id_seq START 1 OWNED BY experiments.experiment_id;

CREATE TABLE experiment_tags (
  experiment_id bigint NOT NULL REFERENCES experiments ON DELETE CASCADE,
  key text NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (experiment_id, key)
);

CREATE TABLE runs (
  run_id text PRIMARY KEY,
  experiment_id bigint NOT NULL REFERENCES experiments ON DELETE CASCADE,
  run_name text NOT NULL DEFAULT '',
  user_id text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'RUNNING',
  start_time bigint,
  end_time bigint,
  artifact_uri text NOT NULL,
  lifecycle_stage text NOT NULL DEFAULT 'active',
  deleted_time bigint
);
CREATE INDEX runs_experiment_start ON runs (experiment_id, start_time DESC, run_id);

CREATE TABLE params (
  run_id text NOT NULL REFERENCES runs ON DELETE CASCADE,
  key text NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (run_id, key)
);
CREATE INDEX params_key_value ON params (key, value);

CREATE TABLE tags (
  run_id text NOT NULL REFERENCES runs ON DELETE CASCADE,
  key text NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (run_id, key)
);
CREATE INDEX tags_key_value ON tags (key, value);

CREATE TABLE metrics (
  run_id text NOT NULL REFERENCES runs ON DELETE CASCADE,
  key text NOT NULL,
  value double precision NOT NULL,
  timestamp bigint NOT NULL,
  step bigint NOT NULL DEFAULT 0,
  model_id text,
  dataset_name text,
  dataset_digest text
);
CREATE INDEX metrics_run_key_step ON metrics (run_id, key, step, timestamp);
CREATE INDEX metrics_model ON metrics (model_id) WHERE model_id IS NOT NULL;

CREATE TABLE latest_metrics (
  run_id text NOT NULL REFERENCES runs ON DELETE CASCADE,
  key text NOT NULL,
  value double precision NOT NULL,
  timestamp bigint NOT NULL,
  step bigint NOT NULL,
  PRIMARY KEY (run_id, key)
);
CREATE INDEX latest_metrics_key_value ON latest_metrics (key, value);

-- log-inputs: datasets are kept as MLflow sends them; one row per (run, dataset name, digest).
CREATE TABLE run_inputs (
  run_id text NOT NULL REFERENCES runs ON DELETE CASCADE,
  name text NOT NULL,
  digest text NOT NULL,
  dataset jsonb NOT NULL,
  tags jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (run_id, name, digest)
);

-- MLflow 3 logged models and the runs that produced or consumed them.
CREATE TABLE logged_models (
  model_id text PRIMARY KEY,
  experiment_id bigint NOT NULL REFERENCES experiments ON DELETE CASCADE,
  name text NOT NULL,
  artifact_location text NOT NULL,
  creation_timestamp_ms bigint NOT NULL,
  last_updated_timestamp_ms bigint NOT NULL,
  status text NOT NULL DEFAULT 'LOGGED_MODEL_PENDING',
  status_message text,
  lifecycle_stage text NOT NULL DEFAULT 'active',
  model_type text,
  source_run_id text
);
CREATE INDEX logged_models_experiment ON logged_models (experiment_id, creation_timestamp_ms DESC);
CREATE INDEX logged_models_run ON logged_models (source_run_id);

CREATE TABLE logged_model_tags (
  model_id text NOT NULL REFERENCES logged_models ON DELETE CASCADE,
  key text NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (model_id, key)
);

CREATE TABLE logged_model_params (
  model_id text NOT NULL REFERENCES logged_models ON DELETE CASCADE,
  key text NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (model_id, key)
);

CREATE TABLE run_model_io (
  run_id text NOT NULL REFERENCES runs ON DELETE CASCADE,
  model_id text NOT NULL,
  direction text NOT NULL CHECK (direction IN ('input', 'output')),
  step bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, model_id, direction)
);
