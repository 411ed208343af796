export { servingConfigShape, servingConfigSchema, envFilePath, type ServingConfig } from './config.js';
export { createServingMetrics, LATENCY_BUCKETS, type ServingMetrics, type PredictionSource } from './metrics.js';
export { ModelHolder, ModelNotReadyError, type ServableModel, type ServedModel, type ModelLoader } from './model-holder.js';
export { ModelSource, modelUriOf, readModelSelection, NoModelSelectedError, COMPLETE_MARKER, type ModelSelection, type ModelSourceOptions } from './model-source.js';
export { followModel, type FollowModelOptions } from './follow-model.js';
export { watchEnvFile } from './env-watch.js';
export {
  PredictionLogWriter,
  mongoPredictionSink,
  type PredictionLogEntry,
  type PredictionBatchEntry,
  type PredictionLogDocument,
  type PredictionLogSink,
  type PredictionLogOptions,
} from './prediction-log.js';
export { scoreRows, classesOf, type RowScores } from './row-scores.js';
export { monitoringOf, monitoringGauge, type Monitoring } from './monitoring.js';
export { createServingRuntime, type ServingRuntime, type ServingRuntimeOptions } from './runtime.js';
export { startOpsServer, type OpsServer } from './ops-server.js';
