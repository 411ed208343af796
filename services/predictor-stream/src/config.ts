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
});

export type PredictorStreamConfig = z.infer<typeof predictorStreamConfigSchema>;

export function loadPredictorStreamConfig(envFile = envFilePath()): PredictorStreamConfig {
  return loadConfig(predictorStreamConfigSchema, { envFiles: [envFile], exitOnError: true });
}
