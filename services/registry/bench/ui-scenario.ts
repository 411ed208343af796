import type { MlflowClient } from '@churn/mlflow-client';
import { generateRuns, prng, seedRuns } from './seed-sql.js';

/** What the UI benchmark opens on each server once the scenario is loaded. */
export interface UiScenario {
  experimentId: string;
  parentId: string;
  trialIds: string[];
  championId: string;
}

/**
 * The registry UI test's data on any MLflow-compatible server: `otherRuns` finished runs bulk-inserted
 * into the server's own schema, then a tuning run with its trials over REST as the workflow logs them,
 * and a model whose v1 is @champion and v2 @challenger.
 */
export async function loadUiScenario(client: MlflowClient, databaseUrl: string, schema: 'ours' | 'mlflow', options: { otherRuns: number; trials: number }): Promise<UiScenario> {
  const experimentId = await client.createExperiment('churn-tuning');
  await seedRuns(databaseUrl, schema, experimentId, generateRuns(options.otherRuns));
  const parent = await client.createRun({ experimentId, runName: 'tuning-bankchurners', tags: { run_kind: 'tuning' } });
  const parentId = parent.info.run_id;
  const random = prng(7);
  const trialIds: string[] = [];
  for (let i = 0; i < options.trials; i++) {
    const run = await client.createRun({ experimentId, runName: `trial-${String(i).padStart(3, '0')}`, tags: { 'mlflow.parentRunId': parentId, run_kind: 'trial', trial_index: String(i) } });
    const testAuc = 0.8 + random() * 0.15;
    await client.logBatch(run.info.run_id, {
      params: [{ key: 'max_depth', value: String(3 + (i % 8)) }, { key: 'eta', value: String(0.01 + random() * 0.3) }],
      // A short curve per trial, so the compare view has histories to overlay.
      metrics: [
        ...Array.from({ length: 10 }, (_, step) => ({ key: 'train_auc', value: 0.5 + (testAuc - 0.5) * ((step + 1) / 10), step })),
        { key: 'validation_auc', value: testAuc + (random() - 0.5) * 0.02 },
        { key: 'test_auc', value: testAuc },
      ],
    });
    await client.updateRun(run.info.run_id, { status: 'FINISHED' });
    trialIds.push(run.info.run_id);
  }
  await client.updateRun(parentId, { status: 'FINISHED' });
  await client.ensureRegisteredModel('churn-model');
  for (const [i, alias] of [[0, 'champion'], [1, 'challenger']] as const) {
    const runId = trialIds[i] ?? '';
    const version = await client.createModelVersion({ name: 'churn-model', source: `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`, runId });
    await client.setRegisteredModelAlias('churn-model', alias, version.version);
  }
  return { experimentId, parentId, trialIds, championId: trialIds[0] ?? '' };
}
