import { parseArgs } from 'node:util';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { createLogger, type Logger } from '@churn/logger';
import { MlflowClient } from '@churn/mlflow-client';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import { loadCliConfig, type CliConfig } from './config.js';
import { applySchedules, scheduleDefinitions } from './schedules.js';
import type { TuningInput, TuningProgress, TuningResult } from './workflows/types.js';

const USAGE = `usage: tsx workflows/src/cli.ts <command> [options]
  apply-schedules                 create or update the schedules "tuning" (TUNING_CRON) and "drift-report" (DRIFT_REPORT_EVERY)
  train-now [--dataset NAME] [--trials N] [--parallelism N] [--batch-size N] [--no-follow]
                                  start tuningWorkflow now on DATASET (or --dataset), follow its progress, print the best RUN_ID
  best-run [--workflow-id ID]     print the best RUN_ID: the champion's, else the best trial by validation AUC;
                                  with --workflow-id, the result of that tuning run`;

const countOption = (name: string) =>
  z.coerce
    .number({ message: `--${name} must be a number` })
    .int(`--${name} must be a whole number`)
    .positive(`--${name} must be positive`)
    .optional();

const trainOptionsSchema = z.object({ dataset: z.string().min(1, '--dataset must name a contract').optional(), trials: countOption('trials'), parallelism: countOption('parallelism'), 'batch-size': countOption('batch-size') });

async function temporalClient(config: CliConfig): Promise<Client> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

function mlflowClient(config: CliConfig): MlflowClient {
  return new MlflowClient({
    trackingUri: config.MLFLOW_TRACKING_URI,
    ...(config.MLFLOW_TRACKING_USERNAME ? { username: config.MLFLOW_TRACKING_USERNAME } : {}),
    ...(config.MLFLOW_TRACKING_PASSWORD ? { password: config.MLFLOW_TRACKING_PASSWORD } : {}),
    ...(config.MLFLOW_TRACKING_TOKEN ? { token: config.MLFLOW_TRACKING_TOKEN } : {}),
  });
}

/** Polls the progress query until the run ends: a bar on a terminal, a log line per finished trial otherwise. */
async function follow(handle: WorkflowHandle, logger: Logger): Promise<TuningResult> {
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar({ format: 'tuning [{bar}] {value}/{total} trials | failed {failed} | best AUC {best}', stream: process.stderr }, cliProgress.Presets.shades_classic)
    : undefined;
  let started = false;
  let lastDone = -1;
  let done = false;
  const result = handle.result() as Promise<TuningResult>;
  result.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) {
    const progress = await handle.query<TuningProgress>('progress').catch(() => undefined);
    if (progress) {
      const finished = progress.completed + progress.failed;
      const best = progress.best ? progress.best.validationAuc.toFixed(4) : '-';
      if (bar && !started) bar.start(progress.total, 0, { failed: 0, best });
      started = true;
      bar?.update(finished, { failed: progress.failed, best });
      if (!bar && finished !== lastDone) logger.info({ phase: progress.phase, finished, total: progress.total, best: progress.best }, 'tuning progress');
      lastDone = finished;
    }
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 1_000))]);
  }
  bar?.stop();
  return result;
}

/** A run on a queue nobody polls just waits: say so instead of showing a frozen progress bar. */
async function warnWithoutWorker(client: Client, config: CliConfig, logger: Logger): Promise<void> {
  const queue = await client.workflowService
    .describeTaskQueue({ namespace: config.TEMPORAL_NAMESPACE, taskQueue: { name: config.TEMPORAL_TASK_QUEUE }, taskQueueType: 1 })
    .catch(() => undefined);
  if (queue && (queue.pollers ?? []).length === 0) {
    logger.warn({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'no worker polls this task queue yet: start one with `make worker` (the run waits for it)');
  }
}

async function trainNow(config: CliConfig, args: string[], logger: Logger): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { dataset: { type: 'string' }, trials: { type: 'string' }, parallelism: { type: 'string' }, 'batch-size': { type: 'string' }, 'no-follow': { type: 'boolean' } },
  });
  const parsed = trainOptionsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? 'bad option');
  const input: TuningInput = {
    dataset: parsed.data.dataset ?? config.DATASET,
    trials: parsed.data.trials ?? config.TUNING_TRIALS,
    parallelism: parsed.data.parallelism ?? config.TUNING_PARALLELISM,
    batchSize: parsed.data['batch-size'] ?? config.TUNING_BATCH_SIZE,
    reason: 'cli',
  };
  const client = await temporalClient(config);
  try {
    await warnWithoutWorker(client, config, logger);
    const workflowId = `tuning-cli-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const handle = await client.workflow.start('tuningWorkflow', { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId, args: [input] });
    logger.info({ workflowId, ...input }, 'tuning started');
    if (values['no-follow']) {
      process.stdout.write(`${workflowId}\n`);
      return;
    }
    // Ctrl-C cancels the run: in-flight trials finish or stop, and the parent run is marked KILLED.
    const onInterrupt = () => {
      logger.warn({ workflowId }, 'cancelling the tuning run');
      handle.cancel().catch((error: unknown) => logger.error({ err: error }, 'could not cancel'));
    };
    process.once('SIGINT', onInterrupt);
    try {
      const result = await follow(handle, logger);
      logger.info({ ...result }, 'tuning finished');
      process.stdout.write(`${result.bestRunId}\n`);
    } finally {
      process.off('SIGINT', onInterrupt);
    }
  } finally {
    await client.connection.close();
  }
}

async function bestRun(config: CliConfig, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { 'workflow-id': { type: 'string' } } });
  if (values['workflow-id']) {
    const client = await temporalClient(config);
    try {
      const result = (await client.workflow.getHandle(values['workflow-id']).result()) as TuningResult;
      process.stdout.write(`${result.bestRunId}\n`);
    } finally {
      await client.connection.close();
    }
    return;
  }
  const mlflow = mlflowClient(config);
  const champion = await mlflow.getModelVersionByAlias(config.REGISTERED_MODEL, 'champion');
  if (champion?.run_id) {
    process.stdout.write(`${champion.run_id}\n`);
    return;
  }
  const experiment = await mlflow.getExperimentByName(config.MLFLOW_EXPERIMENT);
  const { runs } = experiment
    ? await mlflow.searchRuns({
        experimentIds: [experiment.experiment_id],
        filter: "tags.run_kind = 'trial' and attributes.status = 'FINISHED'",
        orderBy: ['metrics.validation_auc DESC'],
        maxResults: 1,
      })
    : { runs: [] };
  const best = runs[0];
  if (!best) throw new NothingFoundError(`no champion of ${config.REGISTERED_MODEL} and no finished trial in ${config.MLFLOW_EXPERIMENT}: run \`make tune\` first`);
  process.stdout.write(`${best.info.run_id}\n`);
}

/** A wrong command or option: print the reason and the usage, exit 2. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The registry has nothing to answer with yet: print the reason, exit 1. */
class NothingFoundError extends Error {
  override readonly name = 'NothingFoundError';
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const config = loadCliConfig();
  // stdout carries only results (a RUN_ID), so `$(make -s best-run)` works; logs go to stderr.
  const logger = createLogger('workflows-cli', { level: config.LOG_LEVEL }, process.stderr);
  try {
    if (command === 'apply-schedules') {
      const client = await temporalClient(config);
      try {
        for (const applied of await applySchedules(client, scheduleDefinitions(config))) logger.info(applied, 'schedule applied');
      } finally {
        await client.connection.close();
      }
    } else if (command === 'train-now') await trainNow(config, rest, logger);
    else if (command === 'best-run') await bestRun(config, rest);
    else throw new UsageError(command ? `unknown command ${command}` : 'missing command');
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    if (error instanceof NothingFoundError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    logger.error({ err: error }, 'command failed');
    process.exitCode = 1;
  }
}

await main(process.argv.slice(2));
