import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@churn/logger';
import type { MlflowClient } from '@churn/mlflow-client';
import { evaluate, loadModelDir } from '@churn/model';
import type { XGBoostEngine } from '@churn/xgboost';
import type { FinishParentInput, ParentRun, SelectInput, Selection } from '../workflows/types.js';
import type { PreparedDataset } from './dataset.js';
import { QualityGateError, nonRetryable } from './errors.js';

export type RegistryClient = Pick<
  MlflowClient,
  | 'getOrCreateExperiment'
  | 'searchRuns'
  | 'createRun'
  | 'getRun'
  | 'logBatch'
  | 'updateRun'
  | 'setTag'
  | 'ensureRegisteredModel'
  | 'searchModelVersions'
  | 'createModelVersion'
  | 'setRegisteredModelAlias'
  | 'getModelVersionByAlias'
  | 'downloadModel'
>;

export interface RegistryDeps {
  mlflow: RegistryClient;
  engine: XGBoostEngine;
  loadDataset: (datasetHash: string) => Promise<PreparedDataset>;
  config: { MLFLOW_EXPERIMENT: string; REGISTERED_MODEL: string; MIN_TEST_AUC: number };
  logger: Logger;
}

export const CHAMPION = 'champion';
export const CHALLENGER = 'challenger';

export function createRegistryActivities({ mlflow, engine, loadDataset, config, logger }: RegistryDeps) {
  const modelName = config.REGISTERED_MODEL;

  /** The run grouping a tuning run's trials; found again by workflow id when the activity is retried. */
  async function createParentRun(input: { workflowId: string; datasetHash: string; trials: number; seed: number; reason: string }): Promise<ParentRun> {
    const experimentId = await mlflow.getOrCreateExperiment(config.MLFLOW_EXPERIMENT);
    const { runs } = await mlflow.searchRuns({
      experimentIds: [experimentId],
      filter: `tags.workflow_id = '${input.workflowId.replaceAll("'", '')}' and tags.run_kind = 'tuning'`,
      maxResults: 1,
    });
    const found = runs[0];
    if (found) return { runId: found.info.run_id, experimentId };
    const run = await mlflow.createRun({
      experimentId,
      runName: input.workflowId,
      tags: { workflow_id: input.workflowId, run_kind: 'tuning', dataset_hash: input.datasetHash, reason: input.reason },
    });
    await mlflow.logBatch(run.info.run_id, {
      params: [
        { key: 'trials', value: String(input.trials) },
        { key: 'seed', value: String(input.seed) },
        { key: 'dataset_hash', value: input.datasetHash },
      ],
    });
    logger.info({ runId: run.info.run_id, workflowId: input.workflowId }, 'parent run created');
    return { runId: run.info.run_id, experimentId };
  }

  async function finishParentRun({ runId, status, metrics = {}, tags = {} }: FinishParentInput): Promise<void> {
    const now = Date.now();
    await mlflow.logBatch(runId, {
      metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: now, step: 0 })),
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    });
    await mlflow.updateRun(runId, { status, endTime: now });
  }

  /**
   * The current champion's AUC on this run's test split, so both models are judged on the same rows;
   * undefined when the champion serves another dataset (its contract differs), which no AUC compares.
   */
  async function championTestAuc(datasetHash: string): Promise<{ auc?: number; dataset: string }> {
    const dir = await mkdtemp(join(tmpdir(), 'churn-champion-'));
    try {
      await mlflow.downloadModel(`models:/${modelName}@${CHAMPION}`, dir);
      const model = await loadModelDir(dir, engine);
      try {
        const { contract, split } = await loadDataset(datasetHash);
        if (model.contract.name !== contract.name) return { dataset: model.contract.name };
        const { test } = split;
        return {
          dataset: model.contract.name,
          auc: evaluate(
            test.map((r) => r.churned),
            model.predict(test),
          ).auc,
        };
      } finally {
        model.dispose();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Registers the trial with the best validation AUC as a new version with alias challenger, and
   * moves champion to it when it beats the current champion on the same test split. A model under
   * MIN_TEST_AUC is never registered: the activity fails for good and so does the workflow.
   */
  async function selectAndRegister({ parentRunId, datasetHash, candidates }: SelectInput): Promise<Selection> {
    const best = [...candidates].sort((a, b) => b.validationAuc - a.validationAuc || a.trialIndex - b.trialIndex)[0];
    if (!best) throw new Error('selectAndRegister needs at least one finished trial');
    if (!(best.testAuc >= config.MIN_TEST_AUC)) {
      await mlflow.setTag(parentRunId, 'quality_gate', `failed: test AUC ${best.testAuc.toFixed(4)} < ${config.MIN_TEST_AUC}`);
      throw nonRetryable(new QualityGateError(best.runId, best.testAuc, config.MIN_TEST_AUC));
    }

    await mlflow.ensureRegisteredModel(modelName);
    // A retried attempt finds the version it already created instead of adding another.
    const { modelVersions } = await mlflow.searchModelVersions({ filter: `name = '${modelName}' and run_id = '${best.runId}'`, maxResults: 5 });
    let version = modelVersions.find((v) => v.run_id === best.runId);
    if (!version) {
      const [run, { contract }] = await Promise.all([mlflow.getRun(best.runId), loadDataset(datasetHash)]);
      version = await mlflow.createModelVersion({
        name: modelName,
        source: `${run.info.artifact_uri.replace(/\/+$/, '')}/model`,
        runId: best.runId,
        tags: { dataset: contract.name, dataset_hash: datasetHash, validation_auc: best.validationAuc.toFixed(6), test_auc: best.testAuc.toFixed(6), parent_run_id: parentRunId },
      });
    }
    await mlflow.setRegisteredModelAlias(modelName, CHALLENGER, version.version);

    const current = await mlflow.getModelVersionByAlias(modelName, CHAMPION);
    let champion = true;
    let previousChampion: Selection['previousChampion'];
    if (current && current.run_id !== best.runId) {
      try {
        const scored = await championTestAuc(datasetHash);
        if (scored.auc === undefined) {
          // Switching the served dataset is a decision for a person (`make promote`), not a score.
          champion = false;
          logger.warn({ champion: current.version, championDataset: scored.dataset }, 'the champion serves another dataset: not compared; registered as challenger only');
        } else {
          previousChampion = { runId: current.run_id, version: current.version, testAuc: scored.auc };
          champion = best.testAuc > scored.auc;
        }
      } catch (error) {
        // A champion that cannot be loaded cannot be served either: replacing it is the safe choice.
        logger.warn({ error: String(error), champion: current.version }, 'could not score the current champion; replacing it');
      }
    }
    if (champion) await mlflow.setRegisteredModelAlias(modelName, CHAMPION, version.version);
    logger.info({ runId: best.runId, version: version.version, champion, previousChampion }, 'model registered');
    return { runId: best.runId, version: version.version, validationAuc: best.validationAuc, testAuc: best.testAuc, champion, ...(previousChampion ? { previousChampion } : {}) };
  }

  return { createParentRun, finishParentRun, selectAndRegister };
}
