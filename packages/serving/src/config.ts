import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { env } from '@churn/config';
import { z } from 'zod';

/** The variables both predictors read (each service adds its own). */
export const servingConfigShape = {
  RUN_ID: z.string().optional(),
  MODEL_URI: z.string().optional(),
  /** How often a MODEL_URI alias (models:/name@alias) is resolved again, so every replica follows a promotion; 0s: only when the env file changes. */
  MODEL_URI_RESOLVE_EVERY: env.duration('5s'),
  /** The contract the predictors describe before a model is loaded; afterwards the served model's own. */
  ...env.dataset,
  ...env.mlflowClient,
  MODEL_CACHE_DIR: z.string().default('.stack/model-cache'),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URI').default('mongodb://127.0.0.1:27017/churn?directConnection=true'),
  PREDICTION_LOG_BATCH_SIZE: env.positiveInt(500),
  PREDICTION_LOG_FLUSH_INTERVAL: env.duration('1s'),
  PREDICTION_LOG_MAX_BUFFERED: env.positiveInt(100_000),
  LIVE_DRIFT_WINDOW: z.coerce.number().int().min(0).default(500),
  /** A CSV of training rows whose profile is the drift reference of a served model that has none (one Python logged); relative to the env file. */
  DRIFT_REFERENCE_CSV: z.string().optional(),
  LIVE_DRIFT_EVERY: env.positiveInt(500),
  LIVE_DRIFT_MIN_INTERVAL: env.duration('1s'),
  XGBOOST_ENGINE: z.enum(['native', 'wasm', 'auto']).default('auto'),
  LOG_LEVEL: env.logLevel,
};

export const servingConfigSchema = z.object(servingConfigShape);
export type ServingConfig = z.infer<typeof servingConfigSchema>;

const REPO_ENV_FILE = fileURLToPath(new URL('../../../.env.local', import.meta.url));

/**
 * The env file a service reads and watches: ENV_FILE, else .env.local in the working directory, else
 * the repository's (so `npm start` inside a service folder finds it).
 */
export function envFilePath(environment: Record<string, string | undefined> = process.env): string {
  if (environment.ENV_FILE) return environment.ENV_FILE;
  return existsSync('.env.local') ? '.env.local' : REPO_ENV_FILE;
}
