import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReferenceProfile, type ChurnRow, type DatasetContract, type DatasetSplit } from '@churn/churn-data';
import type { MlflowClient } from '@churn/mlflow-client';
import { testPredictionsOf, writeModelDir } from '@churn/model';
import type { TuneResult } from '../tune.js';

export interface RegisterOptions {
  mlflow: Pick<MlflowClient, 'getOrCreateExperiment' | 'createRun' | 'uploadDir' | 'logBatch' | 'updateRun' | 'ensureRegisteredModel' | 'createModelVersion'>;
  experiment: string;
  registeredModel: string;
  contract: DatasetContract;
  split: DatasetSplit<ChurnRow>;
  result: TuneResult;
  seed: number;
  engine: string;
}

/**
 * Logs the best trial as one registry run (params, validation/test metrics, the model directory
 * under `model`) and registers it as a new version; aliases are left to `make promote`.
 */
export async function registerBest(o: RegisterOptions): Promise<{ runId: string; version: string }> {
  const { best } = o.result;
  const experimentId = await o.mlflow.getOrCreateExperiment(o.experiment);
  const run = await o.mlflow.createRun({
    experimentId,
    runName: `local-train-${new Date().toISOString().slice(0, 19)}`,
    tags: { run_kind: 'local-train', engine: o.engine, trials: String(o.result.trials.length), dataset: o.contract.name },
  });
  const runId = run.info.run_id;
  const dir = await mkdtemp(join(tmpdir(), 'churn-train-'));
  try {
    const train = best.preprocessor.transform(o.split.train);
    const predictions = Array.from(best.booster.predict(train.data, train.rows, train.cols));
    const reference = buildReferenceProfile(o.contract, o.split.train, { seed: o.seed, predictions });
    await writeModelDir(dir, { booster: best.booster, contract: o.contract, preprocessor: best.preprocessor, reference, params: { ...best.params }, metrics: best.metrics, runId, testPredictions: testPredictionsOf(best.testChances, o.split.test) });
    await o.mlflow.uploadDir(runId, dir, 'model');
    const now = Date.now();
    const metrics = (['validation', 'test'] as const).flatMap((part) =>
      Object.entries(best.metrics[part]).map(([k, value]) => ({ key: `${part}_${k}`, value, timestamp: now, step: 0 })),
    );
    metrics.push({ key: 'training_duration_ms', value: best.durationMs, timestamp: now, step: 0 });
    if (best.bestIteration !== undefined) metrics.push({ key: 'best_iteration', value: best.bestIteration, timestamp: now, step: 0 });
    await o.mlflow.logBatch(runId, { metrics, params: Object.entries(best.params).map(([key, value]) => ({ key, value: String(value) })) });
    await o.mlflow.updateRun(runId, { status: 'FINISHED', endTime: Date.now() });
    await o.mlflow.ensureRegisteredModel(o.registeredModel);
    const version = await o.mlflow.createModelVersion({ name: o.registeredModel, source: `${run.info.artifact_uri}/model`, runId });
    return { runId, version: String(version.version) };
  } catch (error) {
    await o.mlflow.updateRun(runId, { status: 'FAILED', endTime: Date.now() }).catch(() => undefined);
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
