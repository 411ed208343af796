import type { S3Client } from '@aws-sdk/client-s3';
import { DatasetContract, defaultContract, type ReferenceProfile } from '@churn/churn-data';
import { PREDICTIONS_COLLECTION, runDriftReport } from '@churn/drift';
import type { Logger } from '@churn/logger';
import { MlflowError, type MlflowClient } from '@churn/mlflow-client';
import { parseTestPredictions, TEST_PREDICTIONS_FILE, type TestPredictions } from '@churn/model';
import { z } from 'zod';
import type { Db } from 'mongodb';
import type { DriftSummary, DriftWindow } from '../workflows/types.js';

export interface DriftDeps {
  mlflow: Pick<MlflowClient, 'downloadArtifact' | 'getRun'>;
  mongoDb: Db;
  /** Where reports are copied besides REPORTS_DIR (REPORTS_BUCKET); optional. */
  reportsS3?: S3Client | undefined;
  config: { REPORTS_DIR: string; REPORTS_BUCKET?: string | undefined; DRIFT_MAX_ROWS: number; QUALITY_WINDOW: number };
  logger: Logger;
}

const windowSchema = z.object({ from: z.iso.datetime(), to: z.iso.datetime() });

export function createDriftActivities({ mlflow, mongoDb, reportsS3, config, logger }: DriftDeps) {
  /** The contract the run's model was trained with; models written before contracts are BankChurners'. */
  async function modelContract(runId: string): Promise<DatasetContract> {
    const path = 'model/contract.yaml';
    try {
      return DatasetContract.parse((await mlflow.downloadArtifact(runId, path)).toString('utf8'), `${runId}/${path}`);
    } catch (error) {
      if (error instanceof MlflowError && error.isNotFound) return defaultContract();
      throw error;
    }
  }

  /** The run's test-split predictions; a model without them (written before they existed, or logged by Python) has none. */
  async function testPredictionsOf(runId: string): Promise<TestPredictions | undefined> {
    const path = `model/${TEST_PREDICTIONS_FILE}`;
    let body: Buffer;
    try {
      body = await mlflow.downloadArtifact(runId, path);
    } catch (error) {
      if (error instanceof MlflowError && error.isNotFound) {
        logger.info({ runId }, `the model has no ${TEST_PREDICTIONS_FILE}: the quality estimate calibrates on the window's labelled predictions`);
        return undefined;
      }
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new Error(`${runId}/${path} is not valid JSON`, { cause: error });
    }
    return parseTestPredictions(value, `${runId}/${path}`);
  }

  /** The run's logged test AUC, the yardstick of a quality drop; a run without one (or unknown to the registry) has none. */
  async function testAucOf(runId: string): Promise<number | undefined> {
    try {
      return (await mlflow.getRun(runId)).data.metrics.find((m) => m.key === 'test_auc')?.value;
    } catch (error) {
      if (error instanceof MlflowError && error.isNotFound) return undefined;
      throw error;
    }
  }

  /**
   * Compares the window's logged predictions with the reference profile of the model that made them
   * (the newest prediction's model_run_id, i.e. the served model) and publishes the HTML report.
   */
  async function driftReport(input: DriftWindow): Promise<DriftSummary> {
    const { from, to } = windowSchema.parse(input);
    const window = { from: new Date(from), to: new Date(to) };
    const newest = await mongoDb
      .collection(PREDICTIONS_COLLECTION)
      .find({ created_at: { $gte: window.from, $lt: window.to } }, { projection: { _id: 0, model_run_id: 1 } })
      .sort({ created_at: -1 })
      .limit(1)
      .next();
    const runId = typeof newest?.['model_run_id'] === 'string' ? newest['model_run_id'] : undefined;
    if (!runId) {
      logger.info({ from, to }, 'no predictions in the window: no drift report');
      return { rows: 0, driftedShare: 0, datasetDrift: false, driftedFeatures: [], skipped: 'no predictions in the window' };
    }
    const [reference, contract, testAuc, testPredictions] = await Promise.all([
      mlflow.downloadArtifact(runId, 'model/reference.json').then((body) => JSON.parse(body.toString('utf8')) as ReferenceProfile),
      modelContract(runId),
      testAucOf(runId),
      testPredictionsOf(runId),
    ]);
    const outcome = await runDriftReport({
      db: mongoDb,
      ...(reportsS3 && config.REPORTS_BUCKET ? { s3: reportsS3, bucket: config.REPORTS_BUCKET } : {}),
      reportsDir: config.REPORTS_DIR,
      contract,
      reference,
      ...(testPredictions ? { testPredictions } : {}),
      runId,
      window,
      qualityWindow: { from: new Date(window.to.getTime() - config.QUALITY_WINDOW), to: window.to },
      limit: config.DRIFT_MAX_ROWS,
    });
    if (outcome.skippedDocuments > 0) {
      logger.warn({ runId, skipped: outcome.skippedDocuments, reason: outcome.firstSkipReason }, 'prediction-log documents the model contract refuses were left out of the drift report');
    }
    logger.info({ runId, dataset: contract.name, rows: outcome.currentRows, driftedShare: outcome.driftedShare, quality: outcome.quality, path: outcome.path }, 'drift report published');
    return {
      runId,
      rows: outcome.currentRows,
      driftedShare: outcome.driftedShare,
      datasetDrift: outcome.datasetDrift,
      driftedFeatures: [...outcome.driftedFeatures],
      quality: { ...outcome.quality, ...(testAuc !== undefined ? { testAuc } : {}) },
      reportPath: outcome.path,
      ...(outcome.key ? { reportKey: outcome.key } : {}),
    };
  }

  return { driftReport };
}
