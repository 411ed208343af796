import { z } from 'zod';

// MLflow answers in protobuf JSON: empty repeated fields and unset values are left out, and
// int64 values (timestamps, steps, sizes) may come as strings. These schemas give every caller
// the same complete shape whatever server answered.

const int64 = z.union([z.number(), z.string()]).transform((value) => Number(value));
const optionalInt64 = int64.optional();

export const keyValueSchema = z.object({ key: z.string(), value: z.string().default('') });
export type KeyValue = z.infer<typeof keyValueSchema>;

export const metricSchema = z.object({
  key: z.string(),
  value: z.union([z.number(), z.string()]).transform((value) => Number(value)),
  timestamp: int64.default(0),
  step: int64.default(0),
});
export type Metric = z.infer<typeof metricSchema>;

export const runInfoSchema = z.object({
  run_id: z.string(),
  experiment_id: z.string(),
  run_name: z.string().default(''),
  status: z.string().default('RUNNING'),
  start_time: optionalInt64,
  end_time: optionalInt64,
  artifact_uri: z.string().default(''),
  lifecycle_stage: z.string().default('active'),
  user_id: z.string().optional(),
});
export type RunInfo = z.infer<typeof runInfoSchema>;

export const runSchema = z.object({
  info: runInfoSchema,
  data: z
    .object({
      metrics: z.array(metricSchema).default([]),
      params: z.array(keyValueSchema).default([]),
      tags: z.array(keyValueSchema).default([]),
    })
    .default({ metrics: [], params: [], tags: [] }),
});
export type Run = z.infer<typeof runSchema>;

export const experimentSchema = z.object({
  experiment_id: z.string(),
  name: z.string(),
  artifact_location: z.string().default(''),
  lifecycle_stage: z.string().default('active'),
  creation_time: optionalInt64,
  last_update_time: optionalInt64,
  tags: z.array(keyValueSchema).default([]),
});
export type Experiment = z.infer<typeof experimentSchema>;

export const modelVersionSchema = z.object({
  name: z.string(),
  version: z.union([z.string(), z.number()]).transform((value) => String(value)),
  creation_timestamp: optionalInt64,
  last_updated_timestamp: optionalInt64,
  current_stage: z.string().default('None'),
  description: z.string().default(''),
  source: z.string().default(''),
  run_id: z.string().default(''),
  status: z.string().default('READY'),
  tags: z.array(keyValueSchema).default([]),
  aliases: z.array(z.string()).default([]),
  model_id: z.string().optional(),
});
export type ModelVersion = z.infer<typeof modelVersionSchema>;

export const registeredModelSchema = z.object({
  name: z.string(),
  creation_timestamp: optionalInt64,
  last_updated_timestamp: optionalInt64,
  description: z.string().default(''),
  latest_versions: z.array(modelVersionSchema).default([]),
  tags: z.array(keyValueSchema).default([]),
  aliases: z.array(z.object({ alias: z.string(), version: z.union([z.string(), z.number()]).transform(String) })).default([]),
});
export type RegisteredModel = z.infer<typeof registeredModelSchema>;

export const fileInfoSchema = z.object({
  path: z.string(),
  is_dir: z.boolean().default(false),
  file_size: optionalInt64,
});
export type FileInfo = z.infer<typeof fileInfoSchema>;

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface MetricInput {
  key: string;
  value: number;
  timestamp?: number;
  step?: number;
}

export interface LogBatchInput {
  metrics?: MetricInput[];
  params?: KeyValue[];
  tags?: KeyValue[];
}

export interface SearchRunsInput {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  runViewType?: ViewType;
}

export interface CreateRunInput {
  experimentId: string;
  runName?: string;
  tags?: Record<string, string>;
  startTime?: number;
}

export interface CreateModelVersionInput {
  name: string;
  source: string;
  runId?: string;
  description?: string;
  tags?: Record<string, string>;
}

/** Where a model URI points: a run and a path inside its artifacts, plus the full artifact URI. */
export interface ResolvedModelUri {
  runId: string;
  artifactPath: string;
  /** The model's artifact URI (mlflow-artifacts:/...); differs from the run's tree for MLflow 3 logged models. */
  artifactUri?: string;
  version?: ModelVersion;
}
