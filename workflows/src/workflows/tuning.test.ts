import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { stubActivities, type StubOptions } from '../testing/stub-activities.js';
import { MISSING_TEST_SERVER, timeSkippingServerPath, uniqueTaskQueue, useTimeSkipping } from '../testing/test-env.js';
import type { TuningInput, TuningProgress, TuningResult } from './types.js';

const serverPath = timeSkippingServerPath();
const describeWithServer = serverPath ? describe : describe.skip;
if (!serverPath) console.warn(MISSING_TEST_SERVER);

describeWithServer('tuningWorkflow (stubbed activities, time-skipping server)', () => {
  const suite = useTimeSkipping(serverPath as string);

  async function run(input: TuningInput, options: StubOptions = {}, during?: (handle: Awaited<ReturnType<typeof suite.env.client.workflow.start>>) => Promise<void>) {
    const stub = stubActivities(options);
    const taskQueue = uniqueTaskQueue('tuning');
    const worker = await Worker.create({ connection: suite.env.nativeConnection, taskQueue, workflowBundle: suite.bundle, activities: stub.activities });
    const workflowId = `tuning-test-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const outcome = await worker.runUntil(async () => {
      const handle = await suite.env.client.workflow.start('tuningWorkflow', { taskQueue, workflowId, args: [input] });
      if (during) await during(handle);
      const result = await handle.result().then(
        (value: TuningResult) => ({ value, error: undefined }),
        (error: unknown) => ({ value: undefined, error }),
      );
      const progress = await handle.query<TuningProgress>('progress');
      const history = await handle.fetchHistory();
      return { ...result, progress, history };
    });
    return { ...outcome, ...stub, workflowId };
  }

  it('when 7 trials run in batches of 3 with parallelism 2, then every trial runs once, later batches see earlier results, and the best run is returned', async () => {
    const { value, progress, calls, concurrency, workflowId } = await run({ trials: 7, batchSize: 3, parallelism: 2 }, { trialMs: 30 });

    expect(calls.trials.map((t) => t.trialIndex).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(calls.trials.every((t) => t.trialKey === `${workflowId}/${t.trialIndex}` && t.parentRunId === 'parent-run')).toBe(true);
    expect(concurrency.max).toBe(2);
    // Model-based search: each batch is suggested from the tuner state and the previous batch's results.
    expect(calls.suggest.map((s) => [s.count, s.observations.length])).toEqual([
      [3, 0],
      [3, 3],
      [1, 3],
    ]);
    expect(calls.suggest[1]?.state).toEqual({ seen: 3, observed: 0 });
    expect(calls.suggest[1]?.observations[0]?.loss).toBeCloseTo(1 - 0.8, 6);
    expect(value).toMatchObject({ bestRunId: 'run-6', version: '1', champion: true, parentRunId: 'parent-run', completed: 7, failed: 0 });
    expect(progress).toMatchObject({ phase: 'done', total: 7, launched: 7, completed: 7, failed: 0, best: { runId: 'run-6', trialIndex: 6 } });
    expect(calls.finish).toEqual([expect.objectContaining({ runId: 'parent-run', status: 'FINISHED' })]);
  }, 60_000);

  it('when one trial fails for good, then the search goes on without it and counts it as failed', async () => {
    const { value, progress, calls } = await run({ trials: 4, batchSize: 2, parallelism: 2 }, { failingTrials: [1] });
    expect(value).toMatchObject({ bestRunId: 'run-3', completed: 3, failed: 1 });
    expect(progress).toMatchObject({ completed: 3, failed: 1 });
    expect(calls.select[0]?.candidates.map((c) => c.trialIndex)).toEqual([0, 2, 3]);
    // The failed trial is not fed back to the tuner.
    expect(calls.suggest[1]?.observations).toHaveLength(1);
  }, 60_000);

  it('when the best model is under the quality gate, then the workflow fails with QualityGateError and the parent run is FAILED', async () => {
    const { value, error, progress, calls } = await run({ trials: 2, batchSize: 2 }, { testAuc: 0.6, minTestAuc: 0.75 });
    expect(value).toBeUndefined();
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause?.cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.type).toBe('QualityGateError');
    expect(cause.message).toMatch(/under the gate/);
    expect(progress.phase).toBe('failed');
    expect(calls.finish).toEqual([expect.objectContaining({ status: 'FAILED' })]);
  }, 60_000);

  it('when the run is cancelled mid-way, then no further trials start and the parent run is KILLED', async () => {
    const { error, progress, calls } = await run({ trials: 20, batchSize: 4, parallelism: 2 }, { trialMs: 2_000 }, async (handle) => {
      // Wait for the first trials to be in flight, then cancel.
      for (let i = 0; i < 100; i += 1) {
        const p = await handle.query<TuningProgress>('progress');
        if (p.launched > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await handle.cancel();
    });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause?.name).toBe('CancelledFailure');
    expect(progress.phase).toBe('cancelled');
    expect(calls.trials.length).toBeLessThanOrEqual(2);
    expect(calls.suggest).toHaveLength(1);
    expect(calls.select).toHaveLength(0);
    expect(calls.finish).toEqual([expect.objectContaining({ runId: 'parent-run', status: 'KILLED' })]);
  }, 60_000);

  it('when trials is 0, then the workflow fails at once naming the input', async () => {
    const { error, calls } = await run({ trials: 0 });
    expect((error as WorkflowFailedError).cause?.message).toMatch(/trials must be a positive integer, got 0/);
    expect(calls.trials).toHaveLength(0);
  }, 60_000);
});
