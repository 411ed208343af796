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
import { mongoPredictionSink, PredictionLogWriter, type PredictionLogSink } from './prediction-log.js';

export interface ServingRuntime {
  readonly holder: ModelHolder;
  readonly metrics: ServingMetrics;
  readonly log: PredictionLogWriter;
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
    const source = new ModelSource({ client, cacheDir: config.MODEL_CACHE_DIR, engine, logger });
    loader ??= source.load;
    resolve ??= (uri) => source.resolve(uri);
  }
  const holder = new ModelHolder(loader, logger);
  holder.onSwap(({ runId }) => metrics.setModel(runId));

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
  const follower = followModel({ envFile: options.envFile, holder, resolve, logger, initial: { RUN_ID: config.RUN_ID, MODEL_URI: config.MODEL_URI } });

  return {
    holder,
    metrics,
    log,
    firstLoad: follower.firstLoad,
    async close() {
      follower.stop();
      await log.close();
      holder.close();
      await mongo?.close();
    },
  };
}
