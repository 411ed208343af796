import { env, loadConfig } from '@churn/config';
import { z } from 'zod';

const s3Uri = (fallback: string) => z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]+[a-z0-9](\/.*)?$/, 'must be an s3://bucket/prefix URI').default(fallback);
const share = (fallback: number) => z.coerce.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').default(fallback);

const temporal = {
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('churn'),
};

const registry = {
  ...env.mlflowClient,
  /** Experiment of the tuning runs and name of the registered model (ARCHITECTURE names). */
  MLFLOW_EXPERIMENT: z.string().min(1).default('churn-tuning'),
  REGISTERED_MODEL: z.string().min(1).default('churn-model'),
};

/** What the activities read; the worker passes it to createActivities. */
export const activitiesConfigSchema = z.object({
  ...registry,
  ...env.dataset,
  FEATURE_STORE_URI: s3Uri('s3://churn-features/snapshots/'),
  /** Where prepared splits are stored under their content hash. */
  SPLITS_URI: s3Uri('s3://churn-features/splits/'),
  /** Quality gate: a best model under this test AUC is never registered and the run fails. */
  MIN_TEST_AUC: share(0.75),
  /** Promotion gate: champion and challenger are scored on the labelled predictions of this far back... */
  PROMOTION_WINDOW: env.duration('30d'),
  /** ...when there are at least this many (else the test split decides, as without outcomes)... */
  PROMOTION_MIN_LABELLED: env.positiveInt(200),
  /** ...and the challenger becomes champion only with an AUC above the champion's by more than this. */
  PROMOTION_AUC_MARGIN: share(0),
  /** Boosting rounds and early-stopping patience of each trial (the same defaults as `npm run train`). */
  TRIAL_BOOST_ROUNDS: env.positiveInt(500),
  TRIAL_EARLY_STOPPING: env.positiveInt(30),
  REPORTS_DIR: z.string().min(1).default('.stack/reports'),
  REPORTS_BUCKET: z.string().optional(),
  /** Most predictions read into one drift report. */
  DRIFT_MAX_ROWS: env.positiveInt(20_000),
  /** The report's model quality judges the served run's predictions this far back (outcomes come weeks later), as the predictor's gauges do. */
  QUALITY_WINDOW: env.duration('30d'),
});
export type ActivitiesConfig = z.infer<typeof activitiesConfigSchema>;

export const workerConfigSchema = activitiesConfigSchema.extend({
  ...temporal,
  ...env.aws,
  MONGODB_URI: z.string().min(1).default('mongodb://127.0.0.1:27017/churn?directConnection=true'),
  WORKER_METRICS_PORT: env.port(9699),
  /** Activities (trials) run at once by this worker; training is CPU-bound, so about the core count. */
  WORKER_ACTIVITY_CONCURRENCY: env.positiveInt(2),
  XGBOOST_ENGINE: z.enum(['native', 'wasm', 'auto']).default('auto'),
  LOG_LEVEL: env.logLevel,
});
export type WorkerConfig = z.infer<typeof workerConfigSchema>;

export const cliConfigSchema = z.object({
  ...temporal,
  ...env.dataset,
  ...registry,
  TUNING_TRIALS: env.positiveInt(50),
  TUNING_PARALLELISM: env.positiveInt(2),
  TUNING_BATCH_SIZE: env.positiveInt(10),
  /** Cron of the `tuning` schedule (UTC). */
  TUNING_CRON: z.string().min(1).default('0 3 * * *'),
  DRIFT_REPORT_EVERY: env.duration('3h'),
  DRIFT_RETRAIN_SHARE: share(0.5),
  /** At most one drift-triggered retrain per this period; 0s disables drift-triggered retraining. */
  DRIFT_RETRAIN_COOLDOWN: env.duration('24h'),
  /** The drift report also retrains (same cooldown) when the served run's realised or estimated AUC is this far below its test AUC. */
  QUALITY_RETRAIN_MARGIN: share(0.05),
  LOG_LEVEL: env.logLevel,
});
export type CliConfig = z.infer<typeof cliConfigSchema>;

const envFiles = () => [process.env['ENV_FILE'] ?? '.env.local'];

export const loadWorkerConfig = () => loadConfig(workerConfigSchema, { envFiles: envFiles(), exitOnError: true });
export const loadCliConfig = () => loadConfig(cliConfigSchema, { envFiles: envFiles(), exitOnError: true });
