import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '@churn/config';
import { MlflowClient, type Run } from '@churn/mlflow-client';
import { workerConfigSchema } from './config.js';
import { REPO_ROOT } from './testing/test-env.js';
import type { TuningProgress, TuningResult } from './workflows/types.js';

// Two worker processes on one task queue of this test's own, against the native stack's Temporal
// (7233), registry, S3 and Mongo: they share one 50-trial tuning run, and one is SIGKILLed halfway.

const id = `${Date.now().toString(36)}${process.pid}`;
const overrides = {
  TEMPORAL_TASK_QUEUE: `int-workers-${id}`,
  MLFLOW_EXPERIMENT: `int-workers-${id}`,
  REGISTERED_MODEL: `int-workers-model-${id}`,
  WORKER_METRICS_PORT: '0',
  LOG_LEVEL: 'warn',
};
const config = loadConfig(workerConfigSchema, { envFiles: [`${REPO_ROOT}.env.local`], env: { ...process.env, ...overrides } });
const TRIALS = 50;

const tag = (run: Run, key: string) => run.data.tags.find((t) => t.key === key)?.value;
const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

describe('tuning workers in 2 copies', () => {
  it('when 2 workers share a 50-trial run and one is SIGKILLed halfway, then the run completes with every trial recorded exactly once', async () => {
    const client = new Client({ connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }), namespace: config.TEMPORAL_NAMESPACE });
    const mlflow = new MlflowClient({ trackingUri: config.MLFLOW_TRACKING_URI });
    const log = createWriteStream(`/tmp/churn-int-workers-${id}.log`);
    // node itself (not npx) so SIGKILL hits the worker; its identity is `<pid>@<host>`, which names it in the history.
    const startWorker = (): ChildProcess => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'workflows/src/worker.ts'], { cwd: REPO_ROOT, env: { ...process.env, ...overrides }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.pipe(log, { end: false });
      child.stderr?.pipe(log, { end: false });
      return child;
    };
    const workers = [startWorker(), startWorker()];
    const pidOf = (identity: string | null | undefined) => Number(identity?.split('@')[0]);
    try {
      const handle = await client.workflow.start('tuningWorkflow', {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId: `int-workers-${id}`,
        // Two trials at once (one per core here); a short heartbeat timeout so the killed worker's trial moves within seconds.
        args: [{ trials: TRIALS, batchSize: 10, parallelism: 2, trialHeartbeatTimeoutMs: 5_000 }],
      });

      // Halfway, kill a worker that holds a trial right now.
      let victim: ChildProcess | undefined;
      for (let i = 0; i < 1_200 && !victim; i += 1) {
        const progress = await handle.query<TuningProgress>('progress').catch(() => undefined);
        if (progress && progress.completed >= TRIALS / 2) {
          const pending = (await handle.describe()).raw.pendingActivities ?? [];
          const holder = pending.find((a) => a.activityType?.name === 'runTrial' && a.lastWorkerIdentity)?.lastWorkerIdentity;
          victim = workers.find((w) => w.pid === pidOf(holder));
        }
        if (!victim) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(victim).toBeDefined();
      const survivor = workers.find((w) => w !== victim) as ChildProcess;
      // Both shared the work before the kill.
      const before = (await handle.fetchHistory()).events ?? [];
      const startedBy = (pid: number | undefined) => before.filter((e) => pidOf(e.activityTaskStartedEventAttributes?.identity) === pid).length;
      expect(startedBy(victim?.pid)).toBeGreaterThan(0);
      expect(startedBy(survivor.pid)).toBeGreaterThan(0);
      victim?.kill('SIGKILL');
      await exited(victim as ChildProcess);

      const result = (await handle.result()) as TuningResult;
      expect(result).toMatchObject({ completed: TRIALS, failed: 0 });

      // Exactly once in the registry: one parent, one FINISHED run per trial key, nothing else.
      const experiment = await mlflow.getExperimentByName(config.MLFLOW_EXPERIMENT);
      const runs = await mlflow.searchAllRuns({ experimentIds: [experiment?.experiment_id as string] });
      const trials = runs.filter((r) => tag(r, 'mlflow.parentRunId') === result.parentRunId);
      expect(runs.filter((r) => tag(r, 'run_kind') === 'tuning').map((r) => r.info.run_id)).toEqual([result.parentRunId]);
      expect(runs).toHaveLength(TRIALS + 1);
      expect(new Set(trials.map((r) => tag(r, 'trial_key'))).size).toBe(TRIALS);
      expect(trials.every((r) => r.info.status === 'FINISHED' && r.data.metrics.some((m) => m.key === 'validation_auc'))).toBe(true);
      const { modelVersions } = await mlflow.searchModelVersions({ filter: `name = '${config.REGISTERED_MODEL}'` });
      expect(modelVersions.map((v) => v.run_id)).toEqual([result.bestRunId]);

      // The kill interrupted a trial, which a later attempt finished on the survivor.
      const events = (await handle.fetchHistory()).events ?? [];
      const retried = events.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
      expect(retried.length).toBeGreaterThanOrEqual(1);
      expect(retried.every((e) => pidOf(e.activityTaskStartedEventAttributes?.identity) === survivor.pid)).toBe(true);
    } finally {
      for (const worker of workers) worker.kill('SIGTERM');
      await Promise.all(workers.map(exited));
      log.end();
      await client.connection.close();
    }
  }, 240_000);
});
