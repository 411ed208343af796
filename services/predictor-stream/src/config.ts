import { env, loadConfig } from '@churn/config';
import { envFilePath, servingConfigShape } from '@churn/serving';
import { z } from 'zod';

const streamName = (fallback: string) => z.string().regex(/^[a-zA-Z0-9_.-]{1,128}$/, 'must be a Kinesis stream name').default(fallback);

export const predictorStreamConfigSchema = z.object({
  ...servingConfigShape,
  ...env.aws,
  PREDICTOR_STREAM_PORT: env.port(9697),
  PREDICTOR_STREAM_HOST: z.string().default('127.0.0.1'),
  PREDICTIONS_STREAM: streamName('predictions'),
  RESULTS_STREAM: streamName('results'),
  DLQ_STREAM: streamName('predictions-dlq'),
  /** Observed outcomes (POST /outcomes' records); refused ones go to DLQ_STREAM too. */
  OUTCOMES_STREAM: streamName('outcomes'),
  STREAM_BATCH_SIZE: env.positiveInt(1000),
  STREAM_POLL_INTERVAL: env.duration('200ms'),
  STREAM_CHECKPOINT_COLLECTION: z.string().regex(/^[a-zA-Z0-9_.-]{1,100}$/, 'must be a collection name').default('stream_checkpoints'),
  /**
   * `reader`: this process reads every shard itself (checkpoints in Mongo): one copy only. `kcl`: the
   * Kinesis Client Library's MultiLangDaemon leases shards among every copy (leases in DynamoDB).
   */
  STREAM_CONSUMER: z.enum(['reader', 'kcl']).default('reader'),
  /** The KCL application: copies with the same name share shards; it names the lease table (outcomes: NAME-outcomes). */
  KCL_APPLICATION_NAME: z.string().regex(/^[a-zA-Z0-9_.-]{3,200}$/, 'must be a DynamoDB table name').default('churn-predictor-stream'),
  /** Kinesis for the KCL, which speaks only HTTP/2 (the local stack's kinesalite has a second listener); empty: AWS. */
  KCL_KINESIS_ENDPOINT: z.url({ message: 'must be a URL' }).optional(),
  /** DynamoDB for the KCL's leases (dynalite natively, localstack in compose); empty: AWS. */
  AWS_ENDPOINT_URL_DYNAMODB: z.url({ message: 'must be a URL' }).optional(),
  /** A lease not renewed for this long is taken over by another copy. */
  KCL_FAILOVER_TIME: env.duration('10s'),
  /** How often the KCL looks for new shards (resharding). */
  KCL_SHARD_SYNC_INTERVAL: env.duration('10s'),
  /** The MultiLangDaemon's jars (scripts/stack/install.sh kcl); relative to the env file's folder. */
  KCL_JARS: z.string().min(1).default('.stack/kcl/jars'),
});

export type PredictorStreamConfig = z.infer<typeof predictorStreamConfigSchema>;

export function loadPredictorStreamConfig(envFile = envFilePath()): PredictorStreamConfig {
  return loadConfig(predictorStreamConfigSchema, { envFiles: [envFile], exitOnError: true });
}
