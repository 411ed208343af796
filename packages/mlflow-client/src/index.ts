export { MlflowClient, type MlflowClientOptions } from './client.js';
export { MlflowError } from './errors.js';
export { type FetchLike, type TransportOptions } from './transport.js';
export { ARTIFACTS_PROXY_PATH, parseModelUri, proxyPathOf, joinArtifactPath, type ModelUri } from './uris.js';
export type {
  CreateModelVersionInput,
  CreateRunInput,
  Experiment,
  FileInfo,
  KeyValue,
  LogBatchInput,
  Metric,
  MetricInput,
  ModelVersion,
  RegisteredModel,
  ResolvedModelUri,
  Run,
  RunInfo,
  RunStatus,
  SearchRunsInput,
  ViewType,
} from './types.js';
export { startMlflowServer, startMlflowModelServer, freePort, type MlflowServerOptions, type MlflowModelServerOptions, type RunningMlflowServer } from './mlflow-server.js';
