import { env, loadConfig } from '@churn/config';
import { envFilePath, servingConfigShape } from '@churn/serving';
import { z } from 'zod';

/** The cloud profile refuses to start without PREDICTOR_API_KEY; locally the API is open unless it is set. */
export const predictorApiConfigSchema = z.object({
  ...servingConfigShape,
  ...env.profile,
  PREDICTOR_API_PORT: env.port(9696),
  PREDICTOR_API_HOST: z.string().default('127.0.0.1'),
  PREDICTOR_API_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'must be a size such as 512kb or 1mb').default('1mb'),
  PREDICTOR_API_BATCH_CHUNK_ROWS: env.positiveInt(1000),
  /** Most rows one /invocations or /predict/batch request may send; batches stream, so this bounds time, not memory. */
  PREDICTOR_API_MAX_BATCH_ROWS: env.positiveInt(1_000_000),
  PREDICTOR_API_KEY: z.string().min(1).optional(),
  /** Realised quality gauges: predictions this far back are joined to their outcomes, every QUALITY_EVERY (0s: off). */
  QUALITY_WINDOW: env.duration('30d'),
  QUALITY_EVERY: env.duration('1m'),
}).superRefine(env.requiredInCloud(['PREDICTOR_API_KEY']));

export type PredictorApiConfig = z.infer<typeof predictorApiConfigSchema>;

export function loadPredictorApiConfig(envFile = envFilePath()): PredictorApiConfig {
  return loadConfig(predictorApiConfigSchema, { envFiles: [envFile], exitOnError: true });
}
