import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { buildReferenceProfile, type ChurnRow, type DatasetContract, type DatasetSplit, type ReferenceProfile } from '@churn/churn-data';
import type { Logger } from '@churn/logger';
import type { MlflowClient, Run } from '@churn/mlflow-client';
import { testPredictionsOf, writeModelDir } from '@churn/model';
import { Tuner, createTuner, type TrialParams as TunerParams } from '@churn/training';
import type { PreparedDataset } from './dataset.js';
import type { TrialTrainer } from './trainer.js';
import type { SuggestInput, Suggestion, TrialInput, TrialOutcome, TrialParams } from '../workflows/types.js';

export type TrialRegistry = Pick<MlflowClient, 'searchRuns' | 'createRun' | 'logBatch' | 'uploadDir' | 'updateRun'>;

export interface TrialDeps {
  mlflow: TrialRegistry;
  trainer: TrialTrainer;
  loadDataset: (datasetHash: string) => Promise<PreparedDataset>;
  config: { TRIAL_BOOST_ROUNDS: number; TRIAL_EARLY_STOPPING: number };
  logger: Logger;
}

const metricValue = (run: Run, key: string) => run.data.metrics.find((m) => m.key === key)?.value;

/** Filters compare quoted strings; keys are built from workflow ids, which never need escaping. */
function quoted(value: string): string {
  if (!/^[\w./:@+-]+$/.test(value)) throw new Error(`cannot use ${JSON.stringify(value)} in a run filter`);
  return `'${value}'`;
}

function outcomeOf(run: Run, input: TrialInput, reused: boolean): TrialOutcome {
  const validationAuc = metricValue(run, 'validation_auc');
  const testAuc = metricValue(run, 'test_auc');
  if (validationAuc === undefined || testAuc === undefined) throw new Error(`run ${run.info.run_id} is finished but has no validation_auc/test_auc`);
  return {
    trialIndex: input.trialIndex,
    runId: run.info.run_id,
    params: input.params,
    validationAuc,
    testAuc,
    durationMs: metricValue(run, 'training_duration_ms') ?? 0,
    reused,
  };
}

export function createTrialActivities({ mlflow, trainer, loadDataset, config, logger }: TrialDeps) {
  // The training rows' profile is the same for every trial of a dataset; only the model's
  // predictions differ. Built once with each row's index as its "prediction", which records
  // which rows the seeded sample kept.
  const profiles = new Map<string, ReferenceProfile>();
  function referenceFor(datasetHash: string, contract: DatasetContract, split: DatasetSplit<ChurnRow>, seed: number, trainPredictions: Float32Array): ReferenceProfile {
    const key = `${datasetHash}/${seed}`;
    let base = profiles.get(key);
    if (!base) {
      base = buildReferenceProfile(contract, split.train, { seed, predictions: split.train.map((_, i) => i) });
      profiles.set(key, base);
    }
    return { ...base, predictions: (base.predictions ?? []).map((i) => trainPredictions[i] as number) };
  }

  /** The tuner is rebuilt from its state for each batch, so the search survives worker restarts. */
  async function suggestTrials(input: SuggestInput): Promise<Suggestion> {
    const tuner = input.state ? Tuner.fromState(input.state) : createTuner({ seed: input.seed, trials: input.trials });
    for (const { params, loss } of input.observations) tuner.observe(params as unknown as TunerParams, loss);
    const params = tuner.suggest(input.count) as unknown as TrialParams[];
    return { params, state: tuner.state };
  }

  async function findTrialRun(experimentId: string, trialKey: string): Promise<Run | undefined> {
    const { runs } = await mlflow.searchRuns({ experimentIds: [experimentId], filter: `tags.trial_key = ${quoted(trialKey)}`, maxResults: 5 });
    // Prefer a finished run; otherwise continue the one an interrupted attempt left behind.
    return runs.find((r) => r.info.status === 'FINISHED') ?? runs[0];
  }

  /**
   * Trains one model and logs it as its own run (params, metrics, model directory under `model`).
   * Idempotent by the trial key tag: a retry reuses the finished run, or continues the unfinished one.
   */
  async function runTrial(input: TrialInput): Promise<TrialOutcome> {
    const context = Context.current();
    context.heartbeat({ stage: 'lookup' });
    // Only a retry can find an earlier attempt's run; the first attempt skips the search.
    const existing = context.info.attempt > 1 ? await findTrialRun(input.experimentId, input.trialKey) : undefined;
    if (existing?.info.status === 'FINISHED') {
      logger.info({ runId: existing.info.run_id, trialKey: input.trialKey }, 'trial already finished: reusing its run');
      return outcomeOf(existing, input, true);
    }
    const marks: Record<string, number> = {};
    let last = performance.now();
    const mark = (stage: string) => {
      const now = performance.now();
      marks[stage] = Math.round(now - last);
      last = now;
    };
    const { contract, split } = await loadDataset(input.datasetHash);
    mark('split');
    const run =
      existing ??
      (await mlflow.createRun({
        experimentId: input.experimentId,
        runName: `trial-${String(input.trialIndex).padStart(3, '0')}`,
        tags: {
          'mlflow.parentRunId': input.parentRunId,
          trial_key: input.trialKey,
          trial_index: String(input.trialIndex),
          dataset_hash: input.datasetHash,
          dataset: contract.name,
          run_kind: 'trial',
        },
      }));
    const runId = run.info.run_id;
    mark('createRun');
    const loggedParams = new Set(run.data.params.map((p) => p.key));
    let stage: { stage: string; runId: string } = { stage: 'train', runId };
    context.heartbeat(stage);
    // Beat all along, not only between stages: training (or waiting for this worker's training thread)
    // and uploading can outlast the heartbeat timeout, which would start a second attempt of a live
    // trial; the timeout must only mean that the worker is gone.
    const timeoutMs = context.info.heartbeatTimeoutMs;
    const dir = await mkdtemp(join(tmpdir(), 'churn-trial-'));
    const beating = timeoutMs ? setInterval(() => context.heartbeat(stage), Math.max(10, Math.min(1_000, timeoutMs / 4))) : undefined;
    try {
      const result = await trainer.train({
        datasetHash: input.datasetHash,
        contract,
        split,
        params: input.params as unknown as TunerParams,
        seed: input.seed,
        numBoostRound: config.TRIAL_BOOST_ROUNDS,
        earlyStoppingRounds: config.TRIAL_EARLY_STOPPING,
      });
      mark('train');
      stage = { stage: 'log', runId };
      context.heartbeat(stage);
      if (context.cancellationSignal.aborted) throw new CancelledFailure('trial cancelled after training');

      const reference = referenceFor(input.datasetHash, contract, split, input.seed, result.trainPredictions);
      const metrics = Object.fromEntries(
        (['validation', 'test'] as const).flatMap((part) => Object.entries(result.metrics[part]).map(([k, v]) => [`${part}_${k}`, Number(v)])),
      );
      metrics['training_duration_ms'] = result.durationMs;
      if (result.bestIteration !== undefined) metrics['best_iteration'] = result.bestIteration;
      const testPredictions = testPredictionsOf(result.testChances, split.test);
      await writeModelDir(dir, { booster: result.booster, contract, preprocessor: result.preprocessor, reference, params: input.params, metrics, runId, testPredictions });
      mark('modelDir');

      const params = { ...input.params, num_boost_round: config.TRIAL_BOOST_ROUNDS, early_stopping_rounds: config.TRIAL_EARLY_STOPPING, seed: input.seed };
      const now = Date.now();
      // FINISHED only once both the model directory and the metrics are in: a retry trusts a finished run.
      await Promise.all([
        mlflow.uploadDir(runId, dir, 'model'),
        mlflow.logBatch(runId, {
          metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: now, step: 0 })),
          params: Object.entries(params)
            .filter(([key]) => !loggedParams.has(key))
            .map(([key, value]) => ({ key, value: String(value) })),
        }),
      ]);
      mark('upload');
      await mlflow.updateRun(runId, { status: 'FINISHED', endTime: Date.now() });
      mark('finish');
      const outcome: TrialOutcome = {
        trialIndex: input.trialIndex,
        runId,
        params: input.params,
        validationAuc: result.metrics.validation.auc,
        testAuc: result.metrics.test.auc,
        durationMs: result.durationMs,
        reused: false,
      };
      logger.info({ runId, trialIndex: input.trialIndex, validationAuc: outcome.validationAuc, attempt: context.info.attempt, stageMs: marks }, 'trial finished');
      return outcome;
    } catch (error) {
      const cancelled = error instanceof CancelledFailure || context.cancellationSignal.aborted;
      // Timed out (or unknown to the server): a newer attempt, maybe on another worker, owns this run
      // now and may already have finished it; marking it KILLED would hide a trial the workflow counts.
      const details = context.cancellationDetails;
      if (cancelled && (details?.timedOut || details?.notFound)) {
        logger.warn({ runId, trialKey: input.trialKey, attempt: context.info.attempt }, 'trial attempt superseded; leaving its run to the next attempt');
        throw error;
      }
      // A retry continues this run (found by its trial key); the status tells readers what happened meanwhile.
      await mlflow.updateRun(runId, { status: cancelled ? 'KILLED' : 'FAILED', endTime: Date.now() }).catch((e: unknown) => {
        logger.warn({ runId, error: String(e) }, 'could not mark the trial run');
      });
      throw error;
    } finally {
      clearInterval(beating);
      await rm(dir, { recursive: true, force: true });
    }
  }

  return { suggestTrials, runTrial };
}
