import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createS3Client } from '@churn/aws';
import { createLogger, type Logger } from '@churn/logger';
import { MlflowClient } from '@churn/mlflow-client';
import { createEngine } from '@churn/xgboost';
import { MongoClient } from 'mongodb';
import { Registry } from 'prom-client';
import { createActivities, s3ObjectStore, threadTrainer } from './activities/index.js';
import { loadWorkerConfig, type WorkerConfig } from './config.js';
import { createWorkerMetrics, instrumentActivities, serveMetrics } from './metrics.js';
import { WORKFLOWS_PATH } from './workflows-path.js';

export interface ChurnWorker {
  worker: Worker;
  metrics: Registry;
  /** Runs until shutdown (SIGINT/SIGTERM or worker.shutdown()), then closes every client. */
  run(): Promise<void>;
}

/** Wires the real clients into the activities and the worker; tests override options such as the task queue. */
export async function createChurnWorker(
  config: WorkerConfig,
  options: { logger?: Logger; worker?: Partial<WorkerOptions>; metricsPort?: number } = {},
): Promise<ChurnWorker> {
  const logger = options.logger ?? createLogger('workflow-worker', { level: config.LOG_LEVEL });
  const mongo = new MongoClient(config.MONGODB_URI);
  const engine = await createEngine(config.XGBOOST_ENGINE);
  const mlflow = new MlflowClient({
    trackingUri: config.MLFLOW_TRACKING_URI,
    // A trial's model directory is 8 small files: upload them all at once.
    artifactConcurrency: 8,
    ...(config.MLFLOW_TRACKING_USERNAME ? { username: config.MLFLOW_TRACKING_USERNAME } : {}),
    ...(config.MLFLOW_TRACKING_PASSWORD ? { password: config.MLFLOW_TRACKING_PASSWORD } : {}),
    ...(config.MLFLOW_TRACKING_TOKEN ? { token: config.MLFLOW_TRACKING_TOKEN } : {}),
  });
  const registry = new Registry();
  const metrics = createWorkerMetrics(registry);
  const s3 = createS3Client(config);
  // Training runs on its own thread so heartbeats and registry logging of other trials go on meanwhile.
  const trainer = threadTrainer(config.XGBOOST_ENGINE);
  const activities = createActivities({ s3: s3ObjectStore(s3), reportsS3: s3, mlflow, mongoDb: mongo.db(), engine, config, logger, trainer });

  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowsPath: WORKFLOWS_PATH,
    activities: instrumentActivities(activities, metrics),
    maxConcurrentActivityTaskExecutions: config.WORKER_ACTIVITY_CONCURRENCY,
    shutdownGraceTime: '30 seconds',
    ...options.worker,
  });
  logger.info({ taskQueue: worker.options.taskQueue, engine: engine.kind, address: config.TEMPORAL_ADDRESS }, 'worker ready');

  return {
    worker,
    metrics: registry,
    async run() {
      let server: Server | undefined;
      try {
        server = await serveMetrics(registry, options.metricsPort ?? config.WORKER_METRICS_PORT);
        const address = server.address();
        logger.info({ port: typeof address === 'object' ? address?.port : address }, 'metrics listening');
        await worker.run();
      } finally {
        server?.close();
        await connection.close();
        await mongo.close();
        await trainer.close();
        logger.info('worker stopped');
      }
    },
  };
}

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const logger = createLogger('workflow-worker', { level: config.LOG_LEVEL });
  try {
    // The SDK's runtime turns SIGINT/SIGTERM into a graceful shutdown: in-flight activities get the grace time.
    await (await createChurnWorker(config, { logger })).run();
  } catch (error) {
    logger.fatal({ err: error }, 'worker failed');
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
