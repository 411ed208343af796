import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Logger } from '@churn/logger';
import type { PredictorStreamConfig } from './config.js';
import { StreamConsumer } from './consumer.js';
import { startKclDaemon, type KclDaemon } from './kcl-daemon.js';
import { startRelayServer, type BatchHandler } from './kcl-batches.js';
import { OutcomeStreamConsumer } from './outcome-consumer.js';

export const kclJarsDir = (config: PredictorStreamConfig, envFile: string) =>
  isAbsolute(config.KCL_JARS) ? config.KCL_JARS : resolve(dirname(envFile), config.KCL_JARS);

/** The predictions consumer with its batch step callable by the KCL relays instead of its own shard loop. */
export class KclStreamConsumer extends StreamConsumer {
  readonly handleBatch: BatchHandler = (shardId, records) => this.processBatch(shardId, records);
}

/** The outcomes consumer, likewise. */
export class KclOutcomeConsumer extends OutcomeStreamConsumer {
  readonly handleBatch: BatchHandler = (shardId, records) => this.processBatch(shardId, records);
}

export interface KclConsumers {
  /** Both daemons still run (health). */
  readonly running: boolean;
  /** Graceful: each daemon has its processors checkpoint and gives up its leases, then the socket closes. */
  stop(): Promise<void>;
}

/**
 * One MultiLangDaemon per stream (predictions, outcomes), both relaying to this process's socket: the
 * KCL decides which shards this copy reads (leases), checkpoints after each acknowledged batch, moves
 * a dead copy's shards to the others and reads parents before children.
 */
export async function startKclConsumers(options: {
  config: PredictorStreamConfig;
  envFile: string;
  predictions: KclStreamConsumer;
  outcomes: KclOutcomeConsumer;
  logger: Logger;
}): Promise<KclConsumers> {
  const { config, logger } = options;
  const relay = await startRelayServer({ [config.PREDICTIONS_STREAM]: options.predictions.handleBatch, [config.OUTCOMES_STREAM]: options.outcomes.handleBatch }, logger);
  const workerId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const common = {
    workerId,
    region: config.AWS_REGION,
    jarsDir: kclJarsDir(config, options.envFile),
    java: 'java',
    ...(config.KCL_KINESIS_ENDPOINT ? { kinesisEndpoint: config.KCL_KINESIS_ENDPOINT } : {}),
    ...(config.AWS_ENDPOINT_URL_DYNAMODB ? { dynamoDbEndpoint: config.AWS_ENDPOINT_URL_DYNAMODB } : {}),
    maxRecords: config.STREAM_BATCH_SIZE,
    pollIntervalMs: config.STREAM_POLL_INTERVAL,
    failoverMs: config.KCL_FAILOVER_TIME,
    shardSyncIntervalMs: config.KCL_SHARD_SYNC_INTERVAL,
    // Within main's 30 s close budget.
    shutdownGraceMs: 20_000,
    relaySocket: relay.socketPath,
    // The KCL's DefaultCredentialsProvider reads these from the environment; the env file may hold them instead.
    env: { ...process.env, AWS_ACCESS_KEY_ID: config.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: config.AWS_SECRET_ACCESS_KEY, AWS_REGION: config.AWS_REGION },
    logger,
  };
  const daemons: KclDaemon[] = [];
  try {
    daemons.push(await startKclDaemon({ ...common, applicationName: config.KCL_APPLICATION_NAME, stream: config.PREDICTIONS_STREAM }));
    daemons.push(await startKclDaemon({ ...common, applicationName: `${config.KCL_APPLICATION_NAME}-outcomes`, stream: config.OUTCOMES_STREAM }));
  } catch (error) {
    await Promise.all(daemons.map((d) => d.stop()));
    await relay.close();
    throw error;
  }
  return {
    get running() {
      return daemons.every((d) => d.running);
    },
    async stop() {
      await Promise.all(daemons.map((d) => d.stop()));
      await relay.close();
    },
  };
}
