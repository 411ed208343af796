import { Worker } from '@temporalio/worker';
import { stubActivities, type StubOptions } from '../testing/stub-activities.js';
import { MISSING_TEST_SERVER, timeSkippingServerPath, uniqueTaskQueue, useTimeSkipping } from '../testing/test-env.js';
import { qualityDrop, retrainWorkflowId } from './drift-report.js';
import type { DriftReportInput, DriftReportResult } from './types.js';

const serverPath = timeSkippingServerPath();
const describeWithServer = serverPath ? describe : describe.skip;
if (!serverPath) console.warn(MISSING_TEST_SERVER);

const DAY = 86_400_000;
const DRIFTED = { runId: 'served-run', rows: 800, driftedShare: 0.6, datasetDrift: true, driftedFeatures: ['credit_limit', 'customer_age'] };

describe('retrainWorkflowId', () => {
  it('when two times fall in the same cooldown period, then they share one id; the next period gets another', () => {
    const start = Date.UTC(2026, 10, 25);
    expect(retrainWorkflowId(start + 1_000, DAY)).toBe(retrainWorkflowId(start + DAY - 1, DAY));
    expect(retrainWorkflowId(start + DAY, DAY)).not.toBe(retrainWorkflowId(start, DAY));
    expect(retrainWorkflowId(start, DAY)).toBe('retrain-2026-11-25T00-00-00-000Z');
  }, 60_000);
});

describe('qualityDrop', () => {
  const quality = { labelled: 300, predictions: 2_000, auc: 0.84, estimatedAuc: 0.85, testAuc: 0.86 };

  it('when the realised AUC on enough outcomes is more than the margin below the test AUC, then it is a drop naming both', () => {
    expect(qualityDrop({ ...quality, auc: 0.78 }, 0.05, 200)).toBe('realised AUC 0.780 on 300 outcomes is more than 0.05 below the test AUC 0.860');
  });

  it('when only the estimate on enough predictions is below, then the estimate is the reason (no outcomes needed)', () => {
    expect(qualityDrop({ ...quality, labelled: 0, auc: null, estimatedAuc: 0.7 }, 0.05, 200)).toBe('estimated AUC 0.700 on 2000 predictions is more than 0.05 below the test AUC 0.860');
  });

  it.each([
    ['within the margin', { ...quality, auc: 0.82 }],
    ['a low AUC on too few outcomes and a fine estimate', { ...quality, labelled: 50, auc: 0.5 }],
    ['a low estimate on too few predictions', { ...quality, labelled: 0, auc: null, predictions: 100, estimatedAuc: 0.5 }],
    ['no test AUC logged for the run', { labelled: 300, predictions: 2_000, auc: 0.5, estimatedAuc: 0.5 }],
    ['no quality figures at all', undefined],
  ])('when %s, then it is no drop', (_case, figures) => {
    expect(qualityDrop(figures, 0.05, 200)).toBeUndefined();
  });
});

describeWithServer('driftReportWorkflow (stubbed activities, time-skipping server)', () => {
  const suite = useTimeSkipping(serverPath as string);

  async function withWorker<T>(options: StubOptions, body: (taskQueue: string) => Promise<T>) {
    const stub = stubActivities(options);
    const taskQueue = uniqueTaskQueue('drift');
    const worker = await Worker.create({ connection: suite.env.nativeConnection, taskQueue, workflowBundle: suite.bundle, activities: stub.activities });
    return { result: await worker.runUntil(body(taskQueue)), ...stub };
  }

  const report = (taskQueue: string, input: DriftReportInput) =>
    suite.env.client.workflow.execute('driftReportWorkflow', { taskQueue, workflowId: `drift-test-${Math.random().toString(36).slice(2)}`, args: [input] }) as Promise<DriftReportResult>;

  it('when the drifted share is under the threshold, then a report is made and no retrain starts', async () => {
    const { result, calls } = await withWorker({ drift: { ...DRIFTED, driftedShare: 0.2, datasetDrift: false } }, (q) => report(q, { retrainShare: 0.5 }));
    expect(calls.drift).toBe(1);
    expect(result.report.driftedShare).toBe(0.2);
    expect(result.retrain).toMatchObject({ started: false, reason: expect.stringMatching(/below 0.5/) });
  }, 60_000);

  it('when no model served predictions in the window, then nothing is retrained', async () => {
    const { result } = await withWorker({ drift: { rows: 0, driftedShare: 0, datasetDrift: false, driftedFeatures: [], skipped: 'no predictions in the window' } }, (q) =>
      report(q, { retrainShare: 0 }),
    );
    expect(result.retrain).toMatchObject({ started: false, reason: 'no report: no predictions in the window' });
  }, 60_000);

  it('when drift repeats within the cooldown, then tuning starts once; after the cooldown it starts again', async () => {
    // A short real-time period (the test server skips time only while it waits on a result):
    // start just after a period boundary so the first two reports fall in the same period.
    const period = 10_000;
    const input: DriftReportInput = { retrainShare: 0.5, cooldownMs: period, tuning: { trials: 2, batchSize: 2 } };
    const untilNextPeriod = async (margin: number) => {
      const now = await suite.env.currentTimeMs();
      await new Promise((r) => setTimeout(r, period - (now % period) + margin));
    };
    const { result, calls } = await withWorker({ drift: DRIFTED }, async (q) => {
      await untilNextPeriod(100);
      const first = await report(q, input);
      const second = await report(q, input);
      await untilNextPeriod(100);
      const third = await report(q, input);
      const firstChild = first.retrain.workflowId ? await suite.env.client.workflow.getHandle(first.retrain.workflowId).result() : undefined;
      return { first, second, third, firstChild };
    });
    expect(result.first.retrain).toMatchObject({ started: true, workflowId: expect.stringMatching(/^retrain-/) });
    expect(result.firstChild).toMatchObject({ completed: 2 });
    expect(result.second.retrain).toMatchObject({ started: false, workflowId: result.first.retrain.workflowId, reason: expect.stringMatching(/already ran/) });
    expect(result.third.retrain.started).toBe(true);
    expect(result.third.retrain.workflowId).not.toBe(result.first.retrain.workflowId);
    expect(calls.drift).toBe(3);
    // The retrain is a real tuning run: its trials ran on the same task queue, keyed by the child's id.
    expect(calls.trials.filter((t) => t.trialKey.startsWith(`${result.first.retrain.workflowId}/`))).toHaveLength(2);
  }, 60_000);

  it('when quality drops without drift twice within the cooldown, then one retrain starts for the drop and the second report starts none', async () => {
    const period = 60_000;
    const input: DriftReportInput = { retrainShare: 0.5, cooldownMs: period, tuning: { trials: 2, batchSize: 2 }, retrainIdPrefix: 'quality-retrain' };
    const dropped = { ...DRIFTED, driftedShare: 0.1, datasetDrift: false, quality: { labelled: 400, predictions: 3_000, auc: 0.7, estimatedAuc: 0.72, testAuc: 0.85 } };
    const { result, calls } = await withWorker({ drift: dropped }, async (q) => {
      // Not at the very end of a period, so both reports fall in the same one.
      const now = await suite.env.currentTimeMs();
      if (period - (now % period) < 5_000) await new Promise((r) => setTimeout(r, period - (now % period) + 100));
      const first = await report(q, input);
      const second = await report(q, input);
      return { first, second };
    });
    expect(result.first.retrain).toMatchObject({ started: true, workflowId: expect.stringMatching(/^quality-retrain-/), reason: 'realised AUC 0.700 on 400 outcomes is more than 0.05 below the test AUC 0.850' });
    expect(result.second.retrain).toMatchObject({ started: false, workflowId: result.first.retrain.workflowId, reason: expect.stringMatching(/already ran/) });
    expect(calls.drift).toBe(2);
  }, 60_000);

  it('when quality holds and nothing drifted, then no retrain starts', async () => {
    const fine = { ...DRIFTED, driftedShare: 0.1, datasetDrift: false, quality: { labelled: 400, predictions: 3_000, auc: 0.84, estimatedAuc: 0.83, testAuc: 0.85 } };
    const { result } = await withWorker({ drift: fine }, (q) => report(q, { retrainShare: 0.5, cooldownMs: 60_000 }));
    expect(result.retrain).toMatchObject({ started: false, reason: 'drifted share 0.10 below 0.5' });
  }, 60_000);
});
