import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { Observation, TrialOutcome, TrialParams, TuningInput, TuningProgress, TuningResult } from './types.js';

export const DEFAULT_TUNING = { trials: 50, parallelism: 2, batchSize: 10, seed: 42, trialHeartbeatTimeoutMs: 60_000 } as const;

export const progressQuery = defineQuery<TuningProgress>('progress');

const short = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

const data = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes: ['DatasetError'] },
});

// Trials heartbeat (a lost worker is noticed within the heartbeat timeout); on cancellation they
// get to mark their run KILLED before the workflow moves on.
const trialActivities = (heartbeatTimeoutMs: number) =>
  proxyActivities<Activities>({
    startToCloseTimeout: '20 minutes',
    heartbeatTimeout: heartbeatTimeoutMs,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: ['DatasetError'] },
  });

const registry = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes: ['QualityGateError'] },
});

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw ApplicationFailure.nonRetryable(`${name} must be a positive integer, got ${value}`, 'InvalidInput');
  }
  return value;
}

/** Runs `work` over items with at most `limit` in flight; results keep the input order. */
async function boundedAll<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/**
 * Tunes churn models: prepares one content-addressed split, runs the trials in batches (each batch
 * suggested from every earlier result), logs each trial as a child of one parent run, then
 * registers the best model. Cancelling stops new trials and marks the parent run KILLED.
 */
export async function tuningWorkflow(input: TuningInput = {}): Promise<TuningResult> {
  const progress: TuningProgress = { phase: 'preparing', total: input.trials ?? DEFAULT_TUNING.trials, launched: 0, completed: 0, failed: 0 };
  setHandler(progressQuery, () => progress);
  const total = positiveInt('trials', progress.total);
  const parallelism = positiveInt('parallelism', input.parallelism ?? DEFAULT_TUNING.parallelism);
  const batchSize = positiveInt('batchSize', input.batchSize ?? DEFAULT_TUNING.batchSize);
  const seed = input.seed ?? DEFAULT_TUNING.seed;
  const { workflowId } = workflowInfo();
  const trials = trialActivities(positiveInt('trialHeartbeatTimeoutMs', input.trialHeartbeatTimeoutMs ?? DEFAULT_TUNING.trialHeartbeatTimeoutMs));

  const dataset = await data.prepareDataset({ dataset: input.dataset, featureStoreUri: input.featureStoreUri });
  progress.datasetHash = dataset.datasetHash;
  const parent = await short.createParentRun({ workflowId, datasetHash: dataset.datasetHash, trials: total, seed, reason: input.reason ?? 'manual' });
  progress.parentRunId = parent.runId;

  const outcomes: TrialOutcome[] = [];
  const finishParent = (status: 'FINISHED' | 'FAILED' | 'KILLED', metrics?: Record<string, number>, tags?: Record<string, string>) =>
    CancellationScope.nonCancellable(() => short.finishParentRun({ runId: parent.runId, status, metrics, tags }));

  const runOne = async (trialIndex: number, params: TrialParams): Promise<TrialOutcome | undefined> => {
    try {
      const outcome = await trials.runTrial({
        experimentId: parent.experimentId,
        parentRunId: parent.runId,
        datasetHash: dataset.datasetHash,
        trialIndex,
        trialKey: `${workflowId}/${trialIndex}`,
        params,
        seed,
      });
      progress.completed += 1;
      if (!progress.best || outcome.validationAuc > progress.best.validationAuc) {
        progress.best = { runId: outcome.runId, trialIndex, validationAuc: outcome.validationAuc, testAuc: outcome.testAuc };
      }
      return outcome;
    } catch (error) {
      if (isCancellation(error)) throw error;
      // One broken trial should not waste the others: the search goes on without it.
      progress.failed += 1;
      log.warn('trial failed', { trialIndex, error: String(error) });
      return undefined;
    }
  };

  try {
    progress.phase = 'tuning';
    let state: unknown = null;
    let pending: Observation[] = [];
    while (progress.launched < total) {
      const count = Math.min(batchSize, total - progress.launched);
      const suggestion = await short.suggestTrials({ state, seed, trials: total, observations: pending, count });
      state = suggestion.state;
      const batch = suggestion.params.slice(0, count).map((params, i) => ({ trialIndex: progress.launched + i, params }));
      progress.launched += batch.length;
      const results = await boundedAll(batch, parallelism, ({ trialIndex, params }) => runOne(trialIndex, params));
      const finished = results.filter((r): r is TrialOutcome => r !== undefined);
      outcomes.push(...finished);
      pending = finished.map((r) => ({ params: r.params, loss: 1 - r.validationAuc }));
    }
    if (outcomes.length === 0) throw ApplicationFailure.nonRetryable(`all ${total} trials failed`, 'AllTrialsFailed');

    progress.phase = 'registering';
    const selection = await registry.selectAndRegister({ parentRunId: parent.runId, datasetHash: dataset.datasetHash, candidates: outcomes });
    await finishParent(
      'FINISHED',
      { best_validation_auc: selection.validationAuc, best_test_auc: selection.testAuc, trials_completed: outcomes.length, trials_failed: progress.failed },
      { best_run_id: selection.runId, registered_version: selection.version, champion: String(selection.champion) },
    );
    progress.phase = 'done';
    return {
      bestRunId: selection.runId,
      metrics: { validation_auc: selection.validationAuc, test_auc: selection.testAuc },
      version: selection.version,
      champion: selection.champion,
      parentRunId: parent.runId,
      datasetHash: dataset.datasetHash,
      completed: outcomes.length,
      failed: progress.failed,
    };
  } catch (error) {
    const cancelled = isCancellation(error);
    progress.phase = cancelled ? 'cancelled' : 'failed';
    await finishParent(cancelled ? 'KILLED' : 'FAILED', undefined, { failure: String(error).slice(0, 500) });
    throw error;
  }
}
