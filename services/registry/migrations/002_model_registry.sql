-- Model registry: registered models, their versions, tags and aliases. Renames cascade through the
-- foreign keys so a rename is one UPDATE.
CREATE TABLE registered_models (
  name text PRIMARY KEY,
  creation_time bigint NOT NULL,
  last_updated_time bigint NOT NULL,
  description text NOT NULL DEFAULT ''
);

CREATE TABLE registered_model_tags (
  name text NOT NULL REFERENCES registered_models ON UPDATE CASCADE ON DELETE CASCADE,
  key text NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (name, key)
);

CREATE TABLE model_versions (
  name text NOT NULL REFERENCES registered_models ON UPDATE CASCADE ON DELETE CASCADE,
  version integer NOT NULL,
  creation_time bigint NOT NULL,
  last_updated_time bigint NOT NULL,
  description text NOT NULL DEFAULT '',
  user_id text NOT NULL DEFAULT '',
  current_stage text NOT NULL DEFAULT 'None',
  source text NOT NULL,
  run_id text,
  run_link text,
  status text NOT NULL DEFAULT 'READY',
  status_message text,
  storage_location text,
  model_id text,
  PRIMARY KEY (name, version)
);
CREATE INDEX model_versions_run ON model_versions (run_id);

CREATE TABLE model_version_tags (
  name text NOT NULL,
  version integer NOT NULL,
  key text NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (name, version, key),
  FOREIGN KEY (name, version) REFERENCES model_versions ON UPDATE CASCADE ON DELETE CASCADE
);

CREATE TABLE registered_model_aliases (
  name text NOT NULL,
  alias text NOT NULL,
  version integer NOT NULL,
  PRIMARY KEY (name, alias),
  FOREIGN KEY (name, version) REFERENCES model_versions ON UPDATE CASCADE ON DELETE CASCADE
);
