import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { buildReferenceProfile, defaultContract, loadCleanDataset, splitDataset, type FeatureRow } from '@churn/churn-data';
import { loadConfig } from '@churn/config';
import { createLogger } from '@churn/logger';
import { MlflowClient } from '@churn/mlflow-client';
import { TEST_PREDICTIONS_FILE } from '@churn/model';
import { MongoClient } from 'mongodb';
import { workerConfigSchema } from './config.js';
import { REPO_ROOT, quietRuntime } from './testing/test-env.js';
import { createChurnWorker } from './worker.js';
import type { DriftReportResult, TuningResult } from './workflows/types.js';

// The drift-report workflow with its real activities on the native stack: logged predictions in
// Mongo (a database of its own), the served model's reference.json from the registry, the report on
// disk, and a drift-triggered retrain through the real tuning workflow.

const id = `${Date.now().toString(36)}${process.pid}`;
const reportsDir = mkdtempSync(join(tmpdir(), 'churn-int-reports-'));
const base = loadConfig(workerConfigSchema, { envFiles: [`${REPO_ROOT}.env.local`], env: process.env });
const mongoUri = base.MONGODB_URI.replace(/\/[^/?]*(\?|$)/, `/int_drift_${id}$1`);
const config = loadConfig(workerConfigSchema, {
  envFiles: [`${REPO_ROOT}.env.local`],
  env: {
    ...process.env,
    TEMPORAL_TASK_QUEUE: `int-drift-${id}`,
    MLFLOW_EXPERIMENT: `int-drift-${id}`,
    REGISTERED_MODEL: `int-drift-model-${id}`,
    MONGODB_URI: mongoUri,
    REPORTS_DIR: reportsDir,
    REPORTS_BUCKET: '',
    MIN_TEST_AUC: '0.5',
    LOG_LEVEL: 'warn',
  },
});

describe('driftReportWorkflow on the native stack', () => {
  const mongo = new MongoClient(mongoUri);
  let client: Client;

  beforeAll(async () => {
    quietRuntime();
    client = new Client({ connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }), namespace: config.TEMPORAL_NAMESPACE });
  });

  afterAll(async () => {
    await mongo.db().dropDatabase().catch(() => undefined);
    await mongo.close();
    await client?.connection.close();
  });

  it('when served traffic has drifted, then the report names the drifted features and one retrain runs', async () => {
    // A "served model": a run whose model/reference.json profiles the training rows.
    const mlflow = new MlflowClient({ trackingUri: config.MLFLOW_TRACKING_URI });
    const contract = defaultContract();
    const { train } = splitDataset(loadCleanDataset(contract).rows, 42);
    const run = await mlflow.createRun({ experimentId: await mlflow.getOrCreateExperiment(config.MLFLOW_EXPERIMENT), runName: 'served' });
    await mlflow.uploadArtifact(run.info.run_id, 'model/reference.json', JSON.stringify(buildReferenceProfile(contract, train, { seed: 42 })));
    await mlflow.uploadArtifact(run.info.run_id, 'model/contract.yaml', contract.toYaml());
    // Its test split's predictions, what the quality estimate calibrates on (one churner in three at every chance).
    const testPredictions = { chances: Array.from({ length: 300 }, (_, i) => i / 299), labels: Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 1 : 0)) };
    await mlflow.uploadArtifact(run.info.run_id, `model/${TEST_PREDICTIONS_FILE}`, JSON.stringify(testPredictions));

    // Traffic in the last hour: real rows with much higher credit limits and older customers.
    const now = Date.now();
    const docs = train.slice(0, 400).map((row, i) => {
      const { churned: _label, ...features } = row;
      const shifted: FeatureRow = { ...features, credit_limit: Number(features['credit_limit']) * 4 + 20_000, customer_age: Number(features['customer_age']) + 25 };
      return { model_run_id: run.info.run_id, source: 'http', features: shifted, churn_chance: 0.2, latency_ms: 1, created_at: new Date(now - 60_000 - i * 1_000) };
    });
    await mongo.db().collection('predictions').insertMany(docs);

    const churnWorker = await createChurnWorker(config, { logger: createLogger('int-worker', { level: 'warn' }), metricsPort: 0 });
    const running = churnWorker.run();
    try {
      const input = { windowMs: 3 * 3_600_000, retrainShare: 0.1, cooldownMs: 3_600_000, tuning: { trials: 2, batchSize: 2 }, retrainIdPrefix: `retrain-int-${id}` };
      const result = (await client.workflow.execute('driftReportWorkflow', { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: `int-drift-${id}`, args: [input] })) as DriftReportResult;

      expect(result.report).toMatchObject({ runId: run.info.run_id, rows: 400 });
      expect(result.report.driftedShare).toBeGreaterThanOrEqual(2 / 11);
      expect(result.report.driftedFeatures).toEqual(expect.arrayContaining(['credit_limit', 'customer_age']));
      expect(result.report.reportPath && existsSync(result.report.reportPath)).toBeTruthy();
      expect(readFileSync(join(reportsDir, 'index.html'), 'utf8')).toContain(run.info.run_id);
      // No outcomes were sent: the quality section says so and shows the label-free estimate.
      // One chance for all: no ranking. The run logged no test_auc, so quality cannot trigger a retrain.
      expect(result.report.quality).toEqual({ labelled: 0, predictions: 400, auc: null, estimatedAuc: 0.5 });
      const html = readFileSync(result.report.reportPath as string, 'utf8');
      expect(html).toContain('<p id="no-outcomes">No outcomes yet for the model run\'s 400 predictions of the last 30 days');
      // The estimate calibrated on the run's test-predictions.json, not on (absent) labelled predictions.
      expect(html).toContain("calibrated on the model's test split");
      expect(result.retrain).toMatchObject({ started: true, workflowId: expect.stringMatching(new RegExp(`^retrain-int-${id}-`)) });

      const retrain = (await client.workflow.getHandle(result.retrain.workflowId as string).result()) as TuningResult;
      expect(retrain).toMatchObject({ completed: 2, failed: 0 });

      // A second report in the same cooldown period does not retrain again.
      const second = (await client.workflow.execute('driftReportWorkflow', { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: `int-drift-2-${id}`, args: [input] })) as DriftReportResult;
      expect(second.retrain).toMatchObject({ started: false, workflowId: result.retrain.workflowId });
    } finally {
      churnWorker.worker.shutdown();
      await running;
    }
  }, 240_000);
});
