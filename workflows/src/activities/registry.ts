import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRequest, type DatasetContract, type FeatureRow } from '@churn/churn-data';
import type { Logger } from '@churn/logger';
import type { MlflowClient } from '@churn/mlflow-client';
import { evaluate, loadModelDir, type LoadedModel } from '@churn/model';
import type { XGBoostEngine } from '@churn/xgboost';
import type { FinishParentInput, ParentRun, SelectInput, Selection } from '../workflows/types.js';
import type { PreparedDataset } from './dataset.js';
import { QualityGateError, nonRetryable } from './errors.js';
import { decidePromotion, type RecentScores } from './promotion.js';

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

/** Logged predictions of [from, to), of any run, joined to their outcomes (@churn/drift's readLabelledWindow). */
export type LabelledPredictions = (window: { from: Date; to: Date; minOutcomes?: number }) => Promise<{ rows: readonly { features: Record<string, unknown>; label: 0 | 1 }[] }>;

export interface RegistryDeps {
  mlflow: RegistryClient;
  engine: XGBoostEngine;
  loadDataset: (datasetHash: string) => Promise<PreparedDataset>;
  /** What the promotion gate scores champion and challenger on. */
  labelledPredictions: LabelledPredictions;
  config: {
    MLFLOW_EXPERIMENT: string;
    REGISTERED_MODEL: string;
    MIN_TEST_AUC: number;
    PROMOTION_WINDOW: number;
    PROMOTION_MIN_LABELLED: number;
    PROMOTION_AUC_MARGIN: number;
  };
  logger: Logger;
}

export const CHAMPION = 'champion';
export const CHALLENGER = 'challenger';

export function createRegistryActivities({ mlflow, engine, loadDataset, labelledPredictions, config, logger }: RegistryDeps) {
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

  /** AUC, or null when the labels hold one class only (no ranking to judge). */
  const aucOf = (labels: readonly (0 | 1)[], chances: Float64Array) => (labels.includes(0) && labels.includes(1) ? evaluate(labels, chances).auc : null);

  /**
   * Champion and challenger on the recent labelled predictions the contract accepts (another dataset's
   * are left out); the challenger is only downloaded when there are enough of them to decide.
   */
  async function recentScores(contract: DatasetContract, champion: LoadedModel, challengerRunId: string, dir: string): Promise<RecentScores> {
    const to = new Date();
    const { rows } = await labelledPredictions({ from: new Date(to.getTime() - config.PROMOTION_WINDOW), to, minOutcomes: config.PROMOTION_MIN_LABELLED });
    const features: FeatureRow[] = [];
    const labels: (0 | 1)[] = [];
    for (const row of rows) {
      const parsed = parseRequest(contract, row.features, 'json');
      if (!parsed.ok) continue;
      features.push(parsed.features);
      labels.push(row.label);
    }
    if (features.length < config.PROMOTION_MIN_LABELLED) return { rows: features.length, championAuc: null, challengerAuc: null };
    await mlflow.downloadModel(`runs:/${challengerRunId}/model`, dir);
    const challenger = await loadModelDir(dir, engine);
    try {
      return { rows: features.length, championAuc: aucOf(labels, champion.predict(features)), challengerAuc: aucOf(labels, challenger.predict(features)) };
    } finally {
      challenger.dispose();
    }
  }

  /**
   * The current champion's AUC on this run's test split, so both models are judged on the same rows,
   * and both models on the recent labelled predictions; no figures when the champion serves another
   * dataset (its contract differs), which no AUC compares.
   */
  async function scoreChampion(datasetHash: string, challengerRunId: string): Promise<{ dataset: string; testAuc?: number; recent?: RecentScores }> {
    const dir = await mkdtemp(join(tmpdir(), 'churn-champion-'));
    try {
      await mlflow.downloadModel(`models:/${modelName}@${CHAMPION}`, join(dir, 'champion'));
      const model = await loadModelDir(join(dir, 'champion'), engine);
      try {
        const { contract, split } = await loadDataset(datasetHash);
        if (model.contract.name !== contract.name) return { dataset: model.contract.name };
        const { test } = split;
        const testAuc = evaluate(
          test.map((r) => r.churned),
          model.predict(test),
        ).auc;
        const recent = await recentScores(contract, model, challengerRunId, join(dir, 'challenger')).catch((error: unknown): RecentScores => {
          // The gate is a refinement: without Mongo the test split still decides, and the reason says so.
          logger.warn({ error: String(error) }, 'could not score on the recent labelled predictions');
          return { rows: 0, championAuc: null, challengerAuc: null, unavailable: String(error).slice(0, 200) };
        });
        return { dataset: model.contract.name, testAuc, recent };
      } finally {
        model.dispose();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Why the champion moved or stayed, on the tuning run: tags to read, metrics to chart. */
  async function recordPromotion(parentRunId: string, promotion: NonNullable<Selection['promotion']>): Promise<void> {
    const now = Date.now();
    const metrics = { promotion_labelled_rows: promotion.recentRows, promotion_champion_recent_auc: promotion.championRecentAuc, promotion_challenger_recent_auc: promotion.challengerRecentAuc };
    await mlflow.logBatch(parentRunId, {
      tags: [
        { key: 'promotion', value: promotion.promote ? 'promoted' : 'kept champion' },
        { key: 'promotion_basis', value: promotion.basis },
        { key: 'promotion_reason', value: promotion.reason },
      ],
      metrics: Object.entries(metrics)
        .filter((entry): entry is [string, number] => entry[1] !== null)
        .map(([key, value]) => ({ key, value, timestamp: now, step: 0 })),
    });
  }

  /**
   * Registers the trial with the best validation AUC as a new version with alias challenger, and
   * moves champion to it when it beats the current champion on the recent labelled predictions
   * (decidePromotion), or on the same test split when there are too few of them. A model under
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
    let promotion: Selection['promotion'];
    if (current && current.run_id !== best.runId) {
      try {
        const scored = await scoreChampion(datasetHash, best.runId);
        if (scored.testAuc === undefined || scored.recent === undefined) {
          // Switching the served dataset is a decision for a person (`make promote`), not a score.
          champion = false;
          logger.warn({ champion: current.version, championDataset: scored.dataset }, 'the champion serves another dataset: not compared; registered as challenger only');
        } else {
          previousChampion = { runId: current.run_id, version: current.version, testAuc: scored.testAuc };
          const decision = decidePromotion(
            { minRows: config.PROMOTION_MIN_LABELLED, margin: config.PROMOTION_AUC_MARGIN, windowMs: config.PROMOTION_WINDOW },
            scored.recent,
            { challengerAuc: best.testAuc, championAuc: scored.testAuc },
          );
          champion = decision.promote;
          promotion = { ...decision, recentRows: scored.recent.rows, championRecentAuc: scored.recent.championAuc, challengerRecentAuc: scored.recent.challengerAuc };
        }
      } catch (error) {
        // A champion that cannot be loaded cannot be served either: replacing it is the safe choice.
        logger.warn({ error: String(error), champion: current.version }, 'could not score the current champion; replacing it');
      }
    }
    // Outside the try: a registry error here fails the attempt (retried) instead of replacing the champion.
    if (promotion) await recordPromotion(parentRunId, promotion);
    if (champion) await mlflow.setRegisteredModelAlias(modelName, CHAMPION, version.version);
    logger.info({ runId: best.runId, version: version.version, champion, previousChampion, promotion }, 'model registered');
    return {
      runId: best.runId,
      version: version.version,
      validationAuc: best.validationAuc,
      testAuc: best.testAuc,
      champion,
      ...(previousChampion ? { previousChampion } : {}),
      ...(promotion ? { promotion } : {}),
    };
  }

  return { createParentRun, finishParentRun, selectAndRegister };
}
