import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@churn/logger';
import type { MlflowClient } from '@churn/mlflow-client';
import type { XGBoostEngine } from '@churn/xgboost';
import { readLabelledWindow } from '@churn/drift';
import type { Db } from 'mongodb';
import type { ActivitiesConfig } from '../config.js';
import { createDatasetActivities } from './dataset.js';
import { createDriftActivities } from './drift.js';
import type { ObjectStore } from './object-store.js';
import { createRegistryActivities } from './registry.js';
import { inProcessTrainer, type TrialTrainer } from './trainer.js';
import { createTrialActivities } from './trials.js';

export { s3ObjectStore, type ObjectStore } from './object-store.js';
export { DatasetError, QualityGateError } from './errors.js';
export { inProcessTrainer, threadTrainer, type TrialTrainer } from './trainer.js';

export interface ActivityDeps {
  /** S3 (the feature store and the stored splits). */
  s3: ObjectStore;
  mlflow: MlflowClient;
  /** Copies drift reports to REPORTS_BUCKET when given. */
  reportsS3?: S3Client | undefined;
  /** The `churn` database of logged predictions and outcomes (drift reports, the promotion gate). */
  mongoDb: Db;
  engine: XGBoostEngine;
  config: ActivitiesConfig;
  logger: Logger;
  /** Where trials train: a worker thread in the worker, the calling thread by default. */
  trainer?: TrialTrainer;
}

/** Every activity of the task queue, bound to its clients: the worker passes real ones, tests fakes. */
export function createActivities({ s3, mlflow, reportsS3, mongoDb, engine, config, logger, trainer = inProcessTrainer(engine) }: ActivityDeps) {
  const { prepareDataset, loadDataset } = createDatasetActivities({ store: s3, config, logger });
  return {
    prepareDataset,
    ...createTrialActivities({ mlflow, trainer, loadDataset, config, logger }),
    ...createRegistryActivities({ mlflow, engine, loadDataset, labelledPredictions: (window) => readLabelledWindow(mongoDb, window), config, logger }),
    ...createDriftActivities({ mlflow, mongoDb, reportsS3, config, logger }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
