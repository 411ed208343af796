import { defaultContract, loadCleanDataset, splitDataset, type ChurnRow, type DatasetSplit } from '@churn/churn-data';
import { createLogger } from '@churn/logger';
import { createTuner } from '@churn/training';
import { ActivityCancellationDetails } from '@temporalio/common';
import { createEngine, type XGBoostEngine } from '@churn/xgboost';
import { fakeRegistry, quietActivityEnv, runIn } from '../testing/fakes.js';
import type { TrialInput } from '../workflows/types.js';
import { inProcessTrainer } from './trainer.js';
import { createTrialActivities, type TrialRegistry } from './trials.js';

const logger = createLogger('test', { level: 'silent' });
const contract = defaultContract();
const split: DatasetSplit<ChurnRow> = splitDataset(loadCleanDataset().rows.slice(0, 1_500), 42);
const params = { max_depth: 3, eta: 0.3, subsample: 0.9, colsample_bytree: 0.9, min_child_weight: 1, lambda: 1 };
const input: TrialInput = { experimentId: '1', parentRunId: 'parent', datasetHash: 'h', trialIndex: 3, trialKey: 'wf-1/3', params, seed: 42 };
let engine: XGBoostEngine;

beforeAll(async () => {
  engine = await createEngine('auto');
});

function setup() {
  const registry = fakeRegistry();
  const activities = createTrialActivities({
    mlflow: registry.client as unknown as TrialRegistry,
    trainer: inProcessTrainer(engine),
    loadDataset: async () => ({ contract, split }),
    config: { TRIAL_BOOST_ROUNDS: 30, TRIAL_EARLY_STOPPING: 5 },
    logger,
  });
  return { registry, activities };
}

describe('runTrial', () => {
  it('when a trial runs, then it is one finished run under the parent with params, metrics and the model directory', async () => {
    const { registry, activities } = setup();
    const outcome = await runIn(quietActivityEnv(), activities.runTrial, input);

    expect(registry.runs.size).toBe(1);
    const run = registry.runs.get(outcome.runId);
    expect(run?.info.status).toBe('FINISHED');
    expect(run?.data.tags).toEqual(expect.arrayContaining([{ key: 'mlflow.parentRunId', value: 'parent' }, { key: 'trial_key', value: 'wf-1/3' }]));
    expect(run?.data.params).toEqual(expect.arrayContaining([{ key: 'max_depth', value: '3' }, { key: 'num_boost_round', value: '30' }]));
    const metric = (key: string) => run?.data.metrics.find((m) => m.key === key)?.value;
    expect(metric('validation_auc')).toBe(outcome.validationAuc);
    expect(metric('test_auc')).toBe(outcome.testAuc);
    expect(outcome.validationAuc).toBeGreaterThan(0.6);
    expect(registry.artifacts.get(outcome.runId)).toEqual(expect.arrayContaining(['model/MLmodel', 'model/model.json', 'model/preprocessor.json', 'model/reference.json']));
    expect(outcome).toMatchObject({ trialIndex: 3, reused: false, params });
  }, 30_000);

  it('when a finished trial is retried, then its run is reused and no run is created', async () => {
    const { registry, activities } = setup();
    const first = await runIn(quietActivityEnv(), activities.runTrial, input);
    const again = await runIn(quietActivityEnv({ attempt: 2 }), activities.runTrial, input);
    expect(registry.runs.size).toBe(1);
    expect(again).toMatchObject({ runId: first.runId, validationAuc: first.validationAuc, testAuc: first.testAuc, reused: true });
  }, 30_000);

  it('when a retry finds the unfinished run of a crashed attempt, then it finishes that run instead of creating one', async () => {
    const { registry, activities } = setup();
    const crashed = await registry.client.createRun({ experimentId: '1', tags: { trial_key: input.trialKey, 'mlflow.parentRunId': 'parent' } });
    await registry.client.logBatch(crashed.info.run_id, { params: [{ key: 'max_depth', value: '3' }] });
    const outcome = await runIn(quietActivityEnv({ attempt: 2 }), activities.runTrial, input);
    expect(registry.runs.size).toBe(1);
    expect(outcome).toMatchObject({ runId: crashed.info.run_id, reused: false });
    expect(registry.runs.get(crashed.info.run_id)?.info.status).toBe('FINISHED');
  }, 30_000);

  it('when training outlasts the heartbeat timeout, then the trial keeps heartbeating meanwhile, so Temporal does not start a second attempt of a live trial', async () => {
    const registry = fakeRegistry();
    const inner = inProcessTrainer(engine);
    const activities = createTrialActivities({
      mlflow: registry.client as unknown as TrialRegistry,
      // As a big dataset, or a trial queued behind another on the worker's training thread.
      trainer: { ...inner, train: async (trial) => (await new Promise((resolve) => setTimeout(resolve, 600)), inner.train(trial)) },
      loadDataset: async () => ({ contract, split }),
      config: { TRIAL_BOOST_ROUNDS: 30, TRIAL_EARLY_STOPPING: 5 },
      logger,
    });
    const env = quietActivityEnv({ heartbeatTimeoutMs: 200 });
    const beats: number[] = [];
    env.on('heartbeat', (details: { stage?: string }) => {
      if (details?.stage === 'train') beats.push(Date.now());
    });
    await runIn(env, activities.runTrial, input);
    // 600 ms of training at a 200 ms timeout: a beat every 50 ms, never a gap near the timeout.
    expect(beats.length).toBeGreaterThanOrEqual(6);
    const gaps = beats.slice(1).map((t, i) => t - (beats[i] as number));
    expect(Math.max(...gaps)).toBeLessThan(200);
  }, 30_000);

  it('when the trial is cancelled while training, then its run is marked KILLED and the activity reports the cancellation', async () => {
    const { registry, activities } = setup();
    const env = quietActivityEnv();
    const running = runIn(env, activities.runTrial, input);
    env.cancel();
    await expect(running).rejects.toMatchObject({ name: 'CancelledFailure' });
    expect([...registry.runs.values()].map((r) => r.info.status)).toEqual(['KILLED']);
  }, 30_000);
});

describe('runTrial when an attempt is superseded', () => {
  it('when an attempt times out after a newer attempt finished its run, then the old attempt leaves the run FINISHED', async () => {
    const registry = fakeRegistry();
    const inner = inProcessTrainer(engine);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const activities = createTrialActivities({
      mlflow: registry.client as unknown as TrialRegistry,
      // The first attempt stalls in training (a frozen worker); later ones train at once.
      trainer: { ...inner, train: async (trial) => ((calls += 1) === 1 ? (await gate, inner.train(trial)) : inner.train(trial)) },
      loadDataset: async () => ({ contract, split }),
      config: { TRIAL_BOOST_ROUNDS: 30, TRIAL_EARLY_STOPPING: 5 },
      logger,
    });
    const stalled = quietActivityEnv();
    const running = runIn(stalled, activities.runTrial, input);
    await waitUntil(() => registry.runs.size === 1);
    // Temporal gave the trial to another worker, which found the run by its trial key and finished it.
    const finished = await runIn(quietActivityEnv({ attempt: 2 }), activities.runTrial, input);
    stalled.cancel('TIMED_OUT', new ActivityCancellationDetails({ timedOut: true }));
    release();
    await expect(running).rejects.toMatchObject({ name: 'CancelledFailure' });
    expect(registry.runs.size).toBe(1);
    expect(registry.runs.get(finished.runId)?.info.status).toBe('FINISHED');
  }, 30_000);
});

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
}

describe('suggestTrials', () => {
  it('when the state travels between batches, then the suggestions equal one tuner run continuously', async () => {
    const { activities } = setup();
    const env = quietActivityEnv();
    const first = await runIn(env, activities.suggestTrials, { state: null, seed: 7, trials: 12, observations: [], count: 6 });
    const observations = first.params.map((p, i) => ({ params: p, loss: 0.1 + i / 100 }));
    const second = await runIn(env, activities.suggestTrials, { state: JSON.parse(JSON.stringify(first.state)), seed: 7, trials: 12, observations, count: 6 });

    const tuner = createTuner({ seed: 7, trials: 12 });
    const direct = tuner.suggest(6);
    direct.forEach((p, i) => tuner.observe(p, 0.1 + i / 100));
    expect(first.params).toEqual(direct);
    expect(second.params).toEqual(tuner.suggest(6));
  }, 30_000);
});
