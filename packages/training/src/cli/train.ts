import { resolve } from 'node:path';
import { assertAcceptable, buildReferenceProfile, ContractError, contractSplit, DatasetContract, loadCleanDataset, RejectedDataError } from '@churn/churn-data';
import { env, loadConfig } from '@churn/config';
import { createLogger } from '@churn/logger';
import { MlflowClient } from '@churn/mlflow-client';
import { testPredictionsOf, writeModelDir } from '@churn/model';
import { createEngine, nativeVersion, type XGBoostEngine } from '@churn/xgboost';
import { z } from 'zod';
import { TrialThreads } from '../trial-threads.js';
import { tune, tuneInThreads, type TrialSummary } from '../tune.js';
import { SUGGESTED_AHEAD, parseTrainArgs, type TrainArgs } from './args.js';
import { chooseParallel } from './parallelism.js';
import { registerBest } from './register.js';
import { bestTrialsTable } from './report.js';

// Local tuning without Temporal: `npm run train -- --trials 50 [--out dir]`.
const config = loadConfig(
  z.object({
    XGBOOST_ENGINE: z.enum(['native', 'wasm', 'auto']).default('auto'),
    LOG_LEVEL: z.string().default('info'),
    ...env.dataset,
    // Only for --register.
    ...env.mlflowClient,
    MLFLOW_EXPERIMENT: z.string().min(1).default('churn-tuning'),
    REGISTERED_MODEL: z.string().min(1).default('churn-model'),
  }),
  { envFiles: [process.env.ENV_FILE ?? resolve(import.meta.dirname, '../../../../.env.local')], exitOnError: true },
);
const logger = createLogger('train-cli');

async function main(): Promise<void> {
  let args;
  try {
    args = parseTrainArgs(process.argv.slice(2), { engine: config.XGBOOST_ENGINE, dataset: config.DATASET });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  const engine = await createEngine(args.engine);
  const parallel = chooseParallel(args.parallel, engine.kind, args.trials);
  // Started first: the threads load libxgboost while this thread reads the data.
  const threads = parallel > 1 ? TrialThreads.start(parallel) : undefined;
  try {
    await tuneAndSave(args, engine, threads);
  } finally {
    await threads?.close();
  }
}

async function tuneAndSave(args: TrainArgs, engine: XGBoostEngine, threads: TrialThreads | undefined): Promise<void> {
  const contract = DatasetContract.resolve(args.dataset);
  const source = args.data ? resolve(args.data) : contract.sourceLocation;
  const cleaned = loadCleanDataset(contract, source);
  assertAcceptable(contract, cleaned, source);
  const { rows, droppedMissing, invalid } = cleaned;
  const split = contractSplit(contract, rows);
  const parallel = threads ? `${threads.size} trials at a time on ${threads.size} threads` : engine.kind === 'native' ? 'one trial at a time' : 'one trial at a time (training threads run the native engine)';
  process.stdout.write(
    `data (${contract.name}): ${rows.length} rows (${droppedMissing} dropped for missing values, ${invalid.length} invalid); train ${split.train.length}, validation ${split.validation.length}, test ${split.test.length}\n` +
      `tuning ${args.trials} trials with TPE on the ${engine.kind === 'native' ? `native engine (libxgboost ${nativeVersion()})` : `${engine.kind} engine`}, nthread ${args.nthread}, ${parallel} (seed ${args.seed})\n`,
  );

  // Loaded for a terminal only: piped runs (scripts, the bench) print a line per trial.
  const cliProgress = process.stdout.isTTY ? (await import('cli-progress')).default : undefined;
  const bar = cliProgress
    ? new cliProgress.SingleBar({ format: 'tuning [{bar}] {value}/{total} trials | best val AUC {best} | {duration_formatted}' }, cliProgress.Presets.shades_classic)
    : undefined;
  bar?.start(args.trials, 0, { best: '-' });
  let bestAuc = 0;
  const options = {
    contract,
    split,
    engine,
    trials: args.trials,
    seed: args.seed,
    numBoostRound: args.rounds,
    earlyStoppingRounds: args['early-stopping'],
    nthread: args.nthread,
    // The same suggestions however many threads train them: one command, one model, on any machine.
    inFlight: SUGGESTED_AHEAD,
    onTrial: (trial: TrialSummary, done: number, total: number) => {
      bestAuc = Math.max(bestAuc, trial.metrics.validation.auc);
      if (bar) bar.update(done, { best: bestAuc.toFixed(4) });
      else process.stdout.write(`trial ${done}/${total}: val AUC ${trial.metrics.validation.auc.toFixed(4)} (best ${bestAuc.toFixed(4)}) in ${trial.durationMs.toFixed(0)} ms\n`);
    },
  };
  const result = threads ? await tuneInThreads({ ...options, threads }) : tune(options);
  bar?.stop();

  process.stdout.write(`\n${args.trials} trials in ${(result.wallMs / 1000).toFixed(1)} s. Best five by validation AUC:\n\n${bestTrialsTable(result.trials)}\n`);
  const { best } = result;
  process.stdout.write(
    `\nbest trial ${best.index}: test AUC ${best.metrics.test.auc.toFixed(4)}, log loss ${best.metrics.test.log_loss.toFixed(4)}, accuracy ${best.metrics.test.accuracy.toFixed(4)}, F1 ${best.metrics.test.f1.toFixed(4)}\n`,
  );
  if (args.out) {
    const out = resolve(args.out);
    const train = best.preprocessor.transform(split.train);
    const predictions = Array.from(best.booster.predict(train.data, train.rows, train.cols));
    const reference = buildReferenceProfile(contract, split.train, { seed: args.seed, predictions });
    await writeModelDir(out, { booster: best.booster, contract, preprocessor: best.preprocessor, reference, params: { ...best.params }, metrics: best.metrics, testPredictions: testPredictionsOf(best.testChances, split.test) });
    process.stdout.write(`model directory written to ${out}\n`);
  }
  if (args.register) {
    const mlflow = new MlflowClient({
      trackingUri: config.MLFLOW_TRACKING_URI,
      username: config.MLFLOW_TRACKING_USERNAME,
      password: config.MLFLOW_TRACKING_PASSWORD,
      token: config.MLFLOW_TRACKING_TOKEN,
    });
    const { runId, version } = await registerBest({
      mlflow,
      experiment: config.MLFLOW_EXPERIMENT,
      registeredModel: config.REGISTERED_MODEL,
      contract,
      split,
      result,
      seed: args.seed,
      engine: engine.kind,
    });
    process.stdout.write(`registered ${config.REGISTERED_MODEL} version ${version} from run ${runId}\nRUN_ID=${runId}\n`);
  }
  best.booster.dispose();
}

main().catch((error: unknown) => {
  if (error instanceof ContractError || error instanceof RejectedDataError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  logger.error({ err: error }, 'training failed');
  process.exit(1);
});
