import { createKinesisClient } from '@churn/aws';
import { createLogger, type Logger } from '@churn/logger';
import { mongoOutcomeStore, outcomeMetrics } from '@churn/drift/outcomes';
import { createServingRuntime, envFilePath, startOpsServer, type OpsServer, type ServingRuntime, type ServingRuntimeOptions } from '@churn/serving';
import { MongoClient } from 'mongodb';
import { Registry } from 'prom-client';
import { mongoCheckpoints, type CheckpointStore } from './checkpoints.js';
import { loadPredictorStreamConfig, type PredictorStreamConfig } from './config.js';
import { StreamConsumer } from './consumer.js';
import { KclOutcomeConsumer, KclStreamConsumer, kclJarsDir, startKclConsumers, type KclConsumers } from './kcl-consumers.js';
import { kclJars } from './kcl-daemon.js';
import { OutcomeStreamConsumer, prefixedCheckpoints } from './outcome-consumer.js';
import { createStreamMetrics } from './metrics.js';

export interface StartStreamOptions {
  port?: number;
  envFile?: string;
  config?: PredictorStreamConfig;
  logger?: Logger;
  runtime?: Partial<Pick<ServingRuntimeOptions, 'loader' | 'resolve' | 'sink'>>;
  checkpoints?: CheckpointStore;
}

export interface RunningStreamPredictor {
  readonly port: number;
  readonly runtime: ServingRuntime;
  readonly consumer: StreamConsumer;
  readonly outcomes: OutcomeStreamConsumer;
  readonly registry: Registry;
  readonly ops: OpsServer;
  /** Stops polling, lets the current batch finish and checkpoint, flushes the prediction log. */
  close(): Promise<void>;
}

/** Starts /health and /metrics at once, and the consumers once the first model is loaded. */
export async function startStreamPredictor(options: StartStreamOptions = {}): Promise<RunningStreamPredictor> {
  const envFile = options.envFile ?? envFilePath();
  const config = options.config ?? loadPredictorStreamConfig(envFile);
  const logger = options.logger ?? createLogger('predictor-stream', { level: config.LOG_LEVEL });
  const registry = new Registry();
  const runtime = await createServingRuntime({ config, envFile, registry, logger, ...options.runtime });
  const streamMetrics = createStreamMetrics(registry);
  const kinesis = createKinesisClient(config);
  const mongo = new MongoClient(config.MONGODB_URI, { serverSelectionTimeoutMS: 2_000, connectTimeoutMS: 2_000 });
  const checkpoints = options.checkpoints ?? mongoCheckpoints(mongo.db(), config.STREAM_CHECKPOINT_COLLECTION, config.PREDICTIONS_STREAM);
  const kcl = config.STREAM_CONSUMER === 'kcl';
  // Missing jars fail the start, naming KCL_JARS, rather than a consumer that never consumes.
  if (kcl) kclJars(kclJarsDir(config, envFile));
  const consumer = new (kcl ? KclStreamConsumer : StreamConsumer)({
    kinesis,
    streams: { input: config.PREDICTIONS_STREAM, results: config.RESULTS_STREAM, dlq: config.DLQ_STREAM },
    holder: runtime.holder,
    log: runtime.log,
    checkpoints,
    metrics: runtime.metrics,
    streamMetrics,
    logger,
    batchSize: config.STREAM_BATCH_SIZE,
    pollIntervalMs: config.STREAM_POLL_INTERVAL,
    ...(runtime.onPrediction ? { onPrediction: runtime.onPrediction } : {}),
  });
  const outcomeStore = mongoOutcomeStore(mongo.db());
  outcomeStore.ensureIndexes().catch((error: unknown) => logger.warn({ err: error }, 'could not ensure the outcomes index (Mongo down?)'));
  const outcomes = new (kcl ? KclOutcomeConsumer : OutcomeStreamConsumer)({
    kinesis,
    stream: config.OUTCOMES_STREAM,
    dlq: config.DLQ_STREAM,
    checkpoints: prefixedCheckpoints(options.checkpoints ?? mongoCheckpoints(mongo.db(), config.STREAM_CHECKPOINT_COLLECTION, config.OUTCOMES_STREAM), `${config.OUTCOMES_STREAM}:`),
    store: outcomeStore,
    contract: () => runtime.holder.use(({ model }) => model.contract),
    metrics: outcomeMetrics(registry),
    logger,
    batchSize: config.STREAM_BATCH_SIZE,
    pollIntervalMs: config.STREAM_POLL_INTERVAL,
  });
  let consuming = false;
  let kclConsumers: KclConsumers | undefined;
  let closing = false;
  const ops = await startOpsServer({
    port: options.port ?? config.PREDICTOR_STREAM_PORT,
    host: config.PREDICTOR_STREAM_HOST,
    registry,
    health: () => {
      const runId = runtime.holder.runId;
      const ok = runId !== undefined && consuming && !closing && (kclConsumers?.running ?? true);
      return { ok, body: { status: ok ? 'ok' : 'loading', ...(runId ? { model_run_id: runId } : {}), stream: config.PREDICTIONS_STREAM } };
    },
  });
  const started = runtime.firstLoad.then(async () => {
    if (closing) return;
    if (consumer instanceof KclStreamConsumer && outcomes instanceof KclOutcomeConsumer) {
      kclConsumers = await startKclConsumers({ config, envFile, predictions: consumer, outcomes, logger });
      consuming = true;
      logger.info({ stream: config.PREDICTIONS_STREAM, outcomes: config.OUTCOMES_STREAM, port: ops.port }, 'consuming through the KCL');
      return;
    }
    for (let attempt = 0; !closing; attempt += 1) {
      try {
        await consumer.start();
        consuming = true;
        logger.info({ stream: config.PREDICTIONS_STREAM, port: ops.port }, 'consuming');
        return;
      } catch (error) {
        logger.warn({ err: error, attempt }, 'cannot list shards yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  });
  // The outcomes stream is optional infrastructure: without it predictions flow and this keeps looking, quietly.
  const outcomesStarted = runtime.firstLoad.then(async () => {
    for (let attempt = 0; !closing && !kcl; attempt += 1) {
      try {
        await outcomes.start();
        logger.info({ stream: config.OUTCOMES_STREAM }, 'consuming outcomes');
        return;
      } catch (error) {
        if (attempt === 0) logger.warn({ err: error, stream: config.OUTCOMES_STREAM }, 'cannot read the outcomes stream yet; retrying every 5 s');
        // In steps, so a close is not held up by the wait.
        for (let waited = 0; waited < 5_000 && !closing; waited += 250) await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  });
  let closed: Promise<void> | undefined;
  return {
    port: ops.port,
    runtime,
    consumer,
    outcomes,
    registry,
    ops,
    close() {
      closed ??= (async () => {
        closing = true;
        await Promise.all([consumer.stop(), outcomes.stop()]);
        await Promise.all([started, outcomesStarted]);
        await Promise.all([consumer.stop(), outcomes.stop(), kclConsumers?.stop()]);
        await runtime.close();
        await ops.close();
        await mongo.close();
        kinesis.destroy();
        logger.info('predictor-stream stopped');
      })();
      return closed;
    },
  };
}
