// Entities in MLflow's JSON shape (snake_case, int64s as numbers), as the store returns them.

export interface KeyValue {
  key: string;
  value: string;
}

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  last_update_time: number;
  creation_time: number;
  tags: KeyValue[];
}

export interface RunInfo {
  run_id: string;
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: string;
  start_time?: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: string;
}

export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  model_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
  run_id?: string;
}

export interface DatasetInput {
  tags: KeyValue[];
  dataset: Record<string, unknown>;
}

export interface Run {
  info: RunInfo;
  data: { metrics: Metric[]; params: KeyValue[]; tags: KeyValue[] };
  inputs: { dataset_inputs: DatasetInput[]; model_inputs?: { model_id: string }[] };
  outputs?: { model_outputs: { model_id: string; step: number }[] };
}

export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface Page<T> {
  items: T[];
  nextPageToken: string | undefined;
}

export interface SearchRequest {
  filter?: string | undefined;
  orderBy?: string[] | undefined;
  maxResults: number;
  pageToken?: string | undefined;
  viewType?: ViewType | undefined;
  /** Order params holding numbers by value (numbers first, then text values in text order). */
  numericParamOrder?: boolean | undefined;
}

export interface LoggedModel {
  info: {
    model_id: string;
    experiment_id: string;
    name: string;
    artifact_uri: string;
    creation_timestamp_ms: number;
    last_updated_timestamp_ms: number;
    status: string;
    status_message?: string;
    lifecycle_stage: string;
    model_type?: string;
    source_run_id?: string;
    tags: KeyValue[];
    registrations: { name: string; version: string }[];
  };
  data: { params: KeyValue[]; metrics: Metric[] };
}

export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  current_stage: string;
  description: string;
  source: string;
  run_id: string;
  status: string;
  status_message?: string;
  run_link: string;
  tags: KeyValue[];
  aliases: string[];
  model_id?: string;
}

export interface RegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string;
  latest_versions: ModelVersion[];
  tags: KeyValue[];
  aliases: { alias: string; version: string }[];
}
