import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { createLogger, type Logger } from '@churn/logger';
import { DatasetContract } from '@churn/churn-data';
import { createServingRuntime, envFilePath, monitoringGauge, type ServingRuntime, type ServingRuntimeOptions } from '@churn/serving';
import { mongoOutcomeStore } from '@churn/drift/outcomes';
import { QualityMonitor } from '@churn/drift/quality-monitor';
import { MlflowClient, MlflowError } from '@churn/mlflow-client';
import { MongoClient } from 'mongodb';
import { Registry } from 'prom-client';
import { createPredictor } from './app.js';
import { loadPredictorApiConfig, type PredictorApiConfig } from './config.js';

export interface StartOptions {
  /** Overrides PREDICTOR_API_PORT; 0 picks a free port (tests). */
  port?: number;
  envFile?: string;
  config?: PredictorApiConfig;
  logger?: Logger;
  /** Tests may replace the model loader, resolver or Mongo sink. */
  runtime?: Partial<Pick<ServingRuntimeOptions, 'loader' | 'resolve' | 'sink'>>;
}

export interface RunningPredictor {
  readonly port: number;
  readonly server: Server;
  readonly runtime: ServingRuntime;
  readonly registry: Registry;
  /** The realised quality gauges; undefined when QUALITY_EVERY is 0. */
  readonly quality: QualityMonitor | undefined;
  /** Stops accepting, finishes in-flight requests, flushes the prediction log. */
  close(): Promise<void>;
}

/** The run's logged test_auc; a run the registry does not know (or a model Python logged without it) has none. */
function testAucFromRegistry(config: PredictorApiConfig): (runId: string) => Promise<number | undefined> {
  const mlflow = new MlflowClient({
    trackingUri: config.MLFLOW_TRACKING_URI,
    ...(config.MLFLOW_TRACKING_USERNAME ? { username: config.MLFLOW_TRACKING_USERNAME } : {}),
    ...(config.MLFLOW_TRACKING_PASSWORD ? { password: config.MLFLOW_TRACKING_PASSWORD } : {}),
    ...(config.MLFLOW_TRACKING_TOKEN ? { token: config.MLFLOW_TRACKING_TOKEN } : {}),
  });
  return async (runId) => {
    try {
      return (await mlflow.getRun(runId)).data.metrics.find((m) => m.key === 'test_auc')?.value;
    } catch (error) {
      if (error instanceof MlflowError && error.isNotFound) return undefined;
      throw error;
    }
  };
}

/** Starts the predictor: model following the env file, prediction log, HTTP server. */
export async function start(options: StartOptions = {}): Promise<RunningPredictor> {
  const envFile = options.envFile ?? envFilePath();
  const config = options.config ?? loadPredictorApiConfig(envFile);
  const logger = options.logger ?? createLogger('predictor-api', { level: config.LOG_LEVEL });
  const registry = new Registry();
  const runtime = await createServingRuntime({ config, envFile, registry, logger, ...options.runtime });
  // Outcomes go straight to Mongo (no buffer): the client waits for the answer to know they are stored.
  const mongo = new MongoClient(config.MONGODB_URI, { serverSelectionTimeoutMS: 2_000, connectTimeoutMS: 2_000 });
  const outcomes = mongoOutcomeStore(mongo.db());
  outcomes.ensureIndexes().catch((error: unknown) => logger.warn({ err: error }, 'could not ensure the outcome join indexes (Mongo down?)'));
  const listener = createPredictor({
    holder: runtime.holder,
    log: runtime.log,
    metrics: runtime.metrics,
    registry,
    logger,
    bodyLimit: config.PREDICTOR_API_BODY_LIMIT,
    batchChunkRows: config.PREDICTOR_API_BATCH_CHUNK_ROWS,
    maxBatchRows: config.PREDICTOR_API_MAX_BATCH_ROWS,
    liveDriftWindow: config.LIVE_DRIFT_WINDOW,
    ...(config.PREDICTOR_API_KEY ? { apiKey: config.PREDICTOR_API_KEY } : {}),
    // Relative contract paths are the env file's, like the model cache.
    contract: DatasetContract.resolve(config.DATASET, dirname(envFile)),
    ...(runtime.onPrediction ? { onPrediction: runtime.onPrediction } : {}),
    outcomes,
  });
  const quality =
    config.QUALITY_EVERY > 0
      ? new QualityMonitor({
          db: mongo.db(),
          registry,
          // A multi-class model has no realised binary quality: its gauges stay empty (/health says why).
          runId: () => (runtime.holder.ready && runtime.holder.use(({ model }) => model.classes) ? undefined : runtime.holder.runId),
          windowMs: config.QUALITY_WINDOW,
          everyMs: config.QUALITY_EVERY,
          testAuc: testAucFromRegistry(config),
          testPredictions: (runId) => (runtime.holder.runId === runId ? runtime.holder.use((served) => served.model.testPredictions) : undefined),
          contract: (runId) => (runtime.holder.runId === runId ? runtime.holder.use((served) => served.model.contract) : undefined),
          onNoTestPredictions: (runId) => logger.warn({ runId }, "the served model has no test-predictions.json (written before it existed, or logged by Python): the quality estimate calibrates on the window's labelled predictions instead"),
          onError: (error) => logger.warn({ err: error }, 'realised quality computation failed'),
        })
      : undefined;
  quality?.start();
  monitoringGauge(registry, runtime.holder, config.LIVE_DRIFT_WINDOW);
  const server = createServer(listener).listen(options.port ?? config.PREDICTOR_API_PORT, config.PREDICTOR_API_HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, envFile }, 'predictor-api listening');
  let closing: Promise<void> | undefined;
  return {
    port,
    server,
    runtime,
    registry,
    quality,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // No new refresh while requests drain; one under way finishes before Mongo closes.
        const stopping = quality?.stop();
        await closed;
        await stopping;
        await runtime.close();
        await mongo.close();
        logger.info('predictor-api stopped');
      })();
      return closing;
    },
  };
}
