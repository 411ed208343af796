import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '@churn/config';
import { createLogger } from '@churn/logger';
import { MlflowClient, type Run } from '@churn/mlflow-client';
import { workerConfigSchema, type WorkerConfig } from './config.js';
import { REPO_ROOT, quietRuntime } from './testing/test-env.js';
import { createChurnWorker } from './worker.js';
import type { TuningProgress, TuningResult } from './workflows/types.js';

// Against the native stack (make up-local): the real Temporal dev server, S3 feature store,
// registry and Mongo. Each test uses its own task queue, experiment and registered model.

const id = `${Date.now().toString(36)}${process.pid}`;
const overrides = (name: string) => ({
  TEMPORAL_TASK_QUEUE: `int-${name}-${id}`,
  MLFLOW_EXPERIMENT: `int-${name}-${id}`,
  REGISTERED_MODEL: `int-${name}-model-${id}`,
  WORKER_METRICS_PORT: '0',
  LOG_LEVEL: 'warn',
});
const configFor = (name: string): WorkerConfig =>
  loadConfig(workerConfigSchema, { envFiles: [`${REPO_ROOT}.env.local`], env: { ...process.env, ...overrides(name) } });

let client: Client;
let mlflow: MlflowClient;

beforeAll(async () => {
  quietRuntime();
  const config = configFor('setup');
  client = new Client({ connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }), namespace: config.TEMPORAL_NAMESPACE });
  mlflow = new MlflowClient({ trackingUri: config.MLFLOW_TRACKING_URI });
});

afterAll(async () => {
  await client?.connection.close();
});

async function runsOf(experimentName: string): Promise<Run[]> {
  const experiment = await mlflow.getExperimentByName(experimentName);
  if (!experiment) return [];
  return mlflow.searchAllRuns({ experimentIds: [experiment.experiment_id] });
}

const tag = (run: Run, key: string) => run.data.tags.find((t) => t.key === key)?.value;

function expectOneRunPerTrial(runs: Run[], result: TuningResult, trials: number) {
  const parents = runs.filter((r) => tag(r, 'run_kind') === 'tuning');
  const children = runs.filter((r) => tag(r, 'mlflow.parentRunId') === result.parentRunId);
  expect(parents.map((r) => r.info.run_id)).toEqual([result.parentRunId]);
  expect(runs).toHaveLength(trials + 1);
  expect(children).toHaveLength(trials);
  expect(new Set(children.map((r) => tag(r, 'trial_key'))).size).toBe(trials);
  expect(children.every((r) => r.info.status === 'FINISHED')).toBe(true);
  expect(parents[0]?.info.status).toBe('FINISHED');
}

describe('tuningWorkflow on the native stack', () => {
  it('when 4 trials run, then the registry holds 4 trial runs under 1 parent, one version with both aliases, and the model directory', async () => {
    const config = configFor('tune');
    const churnWorker = await createChurnWorker(config, { logger: createLogger('int-worker', { level: 'warn' }), metricsPort: 0 });
    const running = churnWorker.run();
    try {
      const result = (await client.workflow.execute('tuningWorkflow', {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId: `int-tune-${id}`,
        args: [{ trials: 4, batchSize: 2, parallelism: 2 }],
      })) as TuningResult;

      expect(result).toMatchObject({ completed: 4, failed: 0, version: '1', champion: true });
      expect(result.metrics.validation_auc).toBeGreaterThan(0.75);
      expectOneRunPerTrial(await runsOf(config.MLFLOW_EXPERIMENT), result, 4);

      const { modelVersions } = await mlflow.searchModelVersions({ filter: `name = '${config.REGISTERED_MODEL}'` });
      expect(modelVersions.map((v) => v.run_id)).toEqual([result.bestRunId]);
      expect((await mlflow.getModelVersionByAlias(config.REGISTERED_MODEL, 'champion'))?.run_id).toBe(result.bestRunId);
      expect((await mlflow.getModelVersionByAlias(config.REGISTERED_MODEL, 'challenger'))?.run_id).toBe(result.bestRunId);
      const files = (await mlflow.listArtifacts(result.bestRunId, 'model')).map((f) => f.path);
      expect(files).toEqual(expect.arrayContaining(['model/MLmodel', 'model/model.json', 'model/preprocessor.json', 'model/reference.json']));

      const metrics = await churnWorker.metrics.metrics();
      expect(metrics).toMatch(/churn_activities_total\{activity="runTrial",outcome="ok"\} 4/);
      expect(metrics).toMatch(/churn_trial_duration_seconds_count 4/);
    } finally {
      churnWorker.worker.shutdown();
      await running;
    }
  }, 180_000);

  it('when the worker is killed mid-run and started again, then the run finishes with no duplicate runs', async () => {
    const name = 'kill';
    const config = configFor(name);
    const log = createWriteStream(`/tmp/churn-int-worker-${id}.log`);
    const startWorker = (): ChildProcess => {
      // node itself (not npx) so SIGKILL hits the worker, not a wrapper.
      const child = spawn(process.execPath, ['--import', 'tsx', 'workflows/src/worker.ts'], { cwd: REPO_ROOT, env: { ...process.env, ...overrides(name) }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.pipe(log, { end: false });
      child.stderr?.pipe(log, { end: false });
      return child;
    };
    const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));

    const trials = 6;
    const handle = await client.workflow.start('tuningWorkflow', {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowId: `int-kill-${id}`,
      // A short heartbeat timeout so the killed worker's trials are retried within seconds.
      args: [{ trials, batchSize: 3, parallelism: 2, trialHeartbeatTimeoutMs: 8_000 }],
    });
    let worker = startWorker();
    try {
      // Kill while trials are in flight: one finished and the next ones running.
      let progress: TuningProgress | undefined;
      for (let i = 0; i < 600; i += 1) {
        progress = await handle.query<TuningProgress>('progress').catch(() => undefined);
        if (progress && progress.completed >= 1 && progress.launched > progress.completed) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(progress?.completed).toBeGreaterThanOrEqual(1);
      worker.kill('SIGKILL');
      await exited(worker);

      worker = startWorker();
      const result = (await handle.result()) as TuningResult;
      expect(result).toMatchObject({ completed: trials, failed: 0 });
      expectOneRunPerTrial(await runsOf(config.MLFLOW_EXPERIMENT), result, trials);
      const { modelVersions } = await mlflow.searchModelVersions({ filter: `name = '${config.REGISTERED_MODEL}'` });
      expect(modelVersions).toHaveLength(1);

      // The kill did interrupt a trial: it finished on a later attempt (on the new worker).
      const history = await handle.fetchHistory();
      const retried = (history.events ?? []).filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
      expect(retried.length).toBeGreaterThanOrEqual(1);
    } finally {
      worker.kill('SIGTERM');
      await exited(worker);
      log.end();
    }
  }, 240_000);
});
