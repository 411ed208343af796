import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import type { DatasetRef, DriftSummary, FinishParentInput, SelectInput, SuggestInput, TrialInput, TrialOutcome } from '../workflows/types.js';

// Activities with the real signatures and canned results, for workflow tests and recorded histories.

export const STUB_DATASET: DatasetRef = {
  dataset: 'bankchurners',
  datasetHash: 'f'.repeat(64),
  splitUri: 's3://churn-features/splits/fff/split.json',
  sourceUri: 's3://churn-features/snapshots/test.csv',
  rows: 100,
  train: 60,
  validation: 20,
  test: 20,
  droppedMissing: 0,
  invalid: 0,
};

export interface StubOptions {
  /** Trials whose index is listed fail on every attempt. */
  failingTrials?: number[];
  /** How long each trial takes (real time; trials heartbeat and honour cancellation). */
  trialMs?: number;
  /** The test AUC every trial reports (the quality gate reads it). */
  testAuc?: number;
  minTestAuc?: number;
  drift?: DriftSummary;
}

export type StubActivities = Pick<
  Activities,
  'prepareDataset' | 'createParentRun' | 'suggestTrials' | 'runTrial' | 'selectAndRegister' | 'finishParentRun' | 'driftReport'
>;

export function stubActivities(options: StubOptions = {}) {
  const calls = { suggest: [] as SuggestInput[], trials: [] as TrialInput[], select: [] as SelectInput[], finish: [] as FinishParentInput[], drift: 0 };
  const concurrency = { now: 0, max: 0 };
  const activities: StubActivities = {
    prepareDataset: async () => STUB_DATASET,
    createParentRun: async () => ({ runId: 'parent-run', experimentId: '1' }),
    async suggestTrials(input) {
      calls.suggest.push(input);
      const seen = (input.state as { seen?: number } | null)?.seen ?? 0;
      return {
        params: Array.from({ length: input.count }, (_, i) => ({ max_depth: 2 + ((seen + i) % 6), eta: 0.05 + (input.observations.length > 0 ? 0.01 : 0) })),
        state: { seen: seen + input.count, observed: input.observations.length },
      };
    },
    async runTrial(input): Promise<TrialOutcome> {
      calls.trials.push(input);
      concurrency.now += 1;
      concurrency.max = Math.max(concurrency.max, concurrency.now);
      try {
        const context = Context.current();
        const deadline = Date.now() + (options.trialMs ?? 5);
        while (Date.now() < deadline) {
          context.heartbeat();
          await Promise.race([context.cancelled, context.sleep(Math.min(50, deadline - Date.now()))]);
        }
        if (options.failingTrials?.includes(input.trialIndex)) throw ApplicationFailure.nonRetryable(`trial ${input.trialIndex} broke`, 'XGBoostError');
        // AUC rises with the index so the best trial is predictable.
        const validationAuc = 0.8 + input.trialIndex / 1_000;
        return { trialIndex: input.trialIndex, runId: `run-${input.trialIndex}`, params: input.params, validationAuc, testAuc: options.testAuc ?? 0.85, durationMs: 5, reused: false };
      } finally {
        concurrency.now -= 1;
      }
    },
    async selectAndRegister(input) {
      calls.select.push(input);
      const best = [...input.candidates].sort((a, b) => b.validationAuc - a.validationAuc)[0];
      if (!best) throw new Error('no candidates');
      if (best.testAuc < (options.minTestAuc ?? 0.75)) throw ApplicationFailure.nonRetryable(`test AUC ${best.testAuc} under the gate`, 'QualityGateError');
      return { runId: best.runId, version: '1', validationAuc: best.validationAuc, testAuc: best.testAuc, champion: true };
    },
    async finishParentRun(input) {
      calls.finish.push(input);
    },
    async driftReport() {
      calls.drift += 1;
      return options.drift ?? { runId: 'served-run', rows: 500, driftedShare: 0.1, datasetDrift: false, driftedFeatures: ['credit_limit'] };
    },
  };
  return { activities, calls, concurrency };
}
