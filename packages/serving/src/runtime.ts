import { dirname, resolve as resolvePath } from 'node:path';
import type { FeatureRow } from '@churn/churn-data';
// The live monitor alone: the package's index also brings the report publisher and the AWS SDK.
import { LiveDriftMonitor } from '@churn/drift/live';
import { createEngine } from '@churn/xgboost';
import type { Logger } from '@churn/logger';
import { MlflowClient } from '@churn/mlflow-client';
import { MongoClient } from 'mongodb';
import type { Registry } from 'prom-client';
import type { ServingConfig } from './config.js';
import { followModel } from './follow-model.js';
import { createServingMetrics, type ServingMetrics } from './metrics.js';
import { ModelHolder, type ModelLoader } from './model-holder.js';
import { ModelSource } from './model-source.js';
import { assertBufferFitsHeap, mongoPredictionSink, PredictionLogWriter, type PredictionLogSink } from './prediction-log.js';

export interface ServingRuntime {
  readonly holder: ModelHolder;
  readonly metrics: ServingMetrics;
  readonly log: PredictionLogWriter;
  /** Feeds the live drift monitor (gauges on /metrics); undefined when live drift is off. */
  readonly onPrediction?: (features: FeatureRow, chance: number) => void;
  /** Resolves once the first model is loaded. */
  readonly firstLoad: Promise<void>;
  close(): Promise<void>;
}

export interface ServingRuntimeOptions {
  config: ServingConfig;
  envFile: string;
  registry: Registry;
  logger: Logger;
  /** Tests replace the registry download or Mongo. */
  loader?: ModelLoader;
  resolve?: (uri: string) => Promise<string>;
  sink?: PredictionLogSink;
}

/**
 * Wires what both predictors share: the model holder following the env file, the metrics, and the
 * prediction log writer on Mongo. Mongo is not awaited: the driver connects on first write, and the
 * writer buffers while it cannot.
 */
export async function createServingRuntime(options: ServingRuntimeOptions): Promise<ServingRuntime> {
  const { config, logger } = options;
  assertBufferFitsHeap(config.PREDICTION_LOG_MAX_BUFFERED);
  const metrics = createServingMetrics(options.registry);
  let loader = options.loader;
  let resolve = options.resolve;
  if (!loader || !resolve) {
    const client = new MlflowClient({
      trackingUri: config.MLFLOW_TRACKING_URI,
      ...(config.MLFLOW_TRACKING_USERNAME ? { username: config.MLFLOW_TRACKING_USERNAME } : {}),
      ...(config.MLFLOW_TRACKING_PASSWORD ? { password: config.MLFLOW_TRACKING_PASSWORD } : {}),
      ...(config.MLFLOW_TRACKING_TOKEN ? { token: config.MLFLOW_TRACKING_TOKEN } : {}),
    });
    const engine = await createEngine(config.XGBOOST_ENGINE);
    // A relative cache folder is the env file's (the repository's .stack/), not the service folder's.
    const cacheDir = resolvePath(dirname(options.envFile), config.MODEL_CACHE_DIR);
    const referenceCsv = config.DRIFT_REFERENCE_CSV ? resolvePath(dirname(options.envFile), config.DRIFT_REFERENCE_CSV) : undefined;
    const source = new ModelSource({ client, cacheDir, engine, logger, referenceCsv });
    loader ??= source.load;
    resolve ??= (uri) => source.resolve(uri);
  }
  const holder = new ModelHolder(loader, logger);
  holder.onSwap(({ runId }) => metrics.setModel(runId));
  const onPrediction = config.LIVE_DRIFT_WINDOW > 0 ? followDrift(holder, options.registry, config, logger) : undefined;

  let mongo: MongoClient | undefined;
  let sink = options.sink;
  if (!sink) {
    mongo = new MongoClient(config.MONGODB_URI, { serverSelectionTimeoutMS: 2_000, connectTimeoutMS: 2_000 });
    const mongoSink = mongoPredictionSink(mongo.db());
    mongoSink.ensureIndexes().catch((error: unknown) => logger.warn({ err: error }, 'could not ensure the predictions index (Mongo down?)'));
    sink = mongoSink;
  }
  const log = new PredictionLogWriter(
    sink,
    { batchSize: config.PREDICTION_LOG_BATCH_SIZE, flushIntervalMs: config.PREDICTION_LOG_FLUSH_INTERVAL, maxBuffered: config.PREDICTION_LOG_MAX_BUFFERED },
    metrics,
    logger,
  );
  const follower = followModel({
    envFile: options.envFile,
    holder,
    resolve,
    logger,
    initial: { RUN_ID: config.RUN_ID, MODEL_URI: config.MODEL_URI },
    resolveEveryMs: config.MODEL_URI_RESOLVE_EVERY,
  });

  return {
    holder,
    metrics,
    log,
    firstLoad: follower.firstLoad,
    ...(onPrediction ? { onPrediction } : {}),
    async close() {
      follower.stop();
      await log.close();
      holder.close();
      await mongo?.close();
    },
  };
}

/** Live drift gauges against the served model's reference profile, switched with the model. */
function followDrift(holder: ModelHolder, registry: Registry, config: ServingConfig, logger: Logger) {
  let monitor: LiveDriftMonitor | undefined;
  holder.onSwap(({ runId, model }) => {
    if (!model.reference) return;
    if (monitor) monitor.setModel({ contract: model.contract, reference: model.reference, runId });
    else
      monitor = new LiveDriftMonitor({
        contract: model.contract,
        reference: model.reference,
        registry,
        runId,
        windowSize: config.LIVE_DRIFT_WINDOW,
        everyN: config.LIVE_DRIFT_EVERY,
        minIntervalMs: config.LIVE_DRIFT_MIN_INTERVAL,
        onError: (error) => logger.warn({ err: error }, 'live drift computation failed'),
      });
  });
  return (features: FeatureRow, chance: number) => monitor?.observe(features, chance);
}
