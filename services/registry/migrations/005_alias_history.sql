-- Who held an alias when: every set and removal, so the model page can show champion's history
-- (MLflow keeps only the current target). A NULL version records a removal.
CREATE TABLE registered_model_alias_history (
  id bigserial PRIMARY KEY,
  name text NOT NULL REFERENCES registered_models ON UPDATE CASCADE ON DELETE CASCADE,
  alias text NOT NULL,
  version integer,
  changed_at bigint NOT NULL
);
CREATE INDEX registered_model_alias_history_name ON registered_model_alias_history (name, changed_at);
