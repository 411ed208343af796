import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createS3Client, getObjectBuffer, newestKey, parseS3Uri } from '@churn/aws';
import { cleanRecords, contractSplit, DatasetContract, parseCsv } from '@churn/churn-data';
import { loadConfig } from '@churn/config';
import { readLabelledWindow } from '@churn/drift';
import { createLogger } from '@churn/logger';
import { MlflowClient } from '@churn/mlflow-client';
import { createTuner, runTrial, tune } from '@churn/training';
import { createEngine } from '@churn/xgboost';
import { MongoClient } from 'mongodb';
import { snapshotPrefix } from '../src/activities/dataset.js';
import { workerConfigSchema } from '../src/config.js';
import { REPO_ROOT, quietRuntime } from '../src/testing/test-env.js';
import { createChurnWorker } from '../src/worker.js';
import type { TuningResult } from '../src/workflows/types.js';

// Temporal + registry overhead: the same tuning (trials, split, rounds, seed) run through the
// tuning workflow on the native stack, every trial logged to the registry with its model directory,
// against plain in-process tuning (tune(), one trial at a time on one thread, as the workflow trains
// on one training thread; `npm run train` now trains two at once where it has two cores). Needs `make up-local`.
// BENCH_TRIALS (50) and BENCH_PARALLELISM (4) change the run.

const id = Date.now().toString(36);
const TRIALS = Number(process.env['BENCH_TRIALS'] ?? 50);
// Trials in flight: training is synchronous (one at a time per worker), so extra slots overlap the
// registry logging of finished trials with the training of the next ones.
const PARALLELISM = Number(process.env['BENCH_PARALLELISM'] ?? 4);
const config = loadConfig(workerConfigSchema, {
  envFiles: [join(REPO_ROOT, '.env.local')],
  env: { ...process.env, WORKER_ACTIVITY_CONCURRENCY: String(PARALLELISM), TEMPORAL_TASK_QUEUE: `bench-${id}`, MLFLOW_EXPERIMENT: `bench-tuning-${id}`, REGISTERED_MODEL: `bench-model-${id}`, LOG_LEVEL: 'warn' },
  exitOnError: true,
});
const BATCH = 10;
const SEED = 42;
const TARGET = 1.15;
quietRuntime();

// The data the workflow will read: the newest snapshot of the feature store, cleaned and split the same way.
const s3 = createS3Client(config);
const contract = DatasetContract.resolve(config.DATASET);
const store = parseS3Uri(snapshotPrefix(config.FEATURE_STORE_URI, contract));
const key = await newestKey(s3, store.bucket, store.key);
if (!key) throw new Error(`no snapshot under s3://${store.bucket}/${store.key}: run make up-local`);
const cleaned = cleanRecords(contract, parseCsv(await getObjectBuffer(s3, store.bucket, key)));
const split = contractSplit(contract, cleaned.rows, SEED);
const engine = await createEngine(config.XGBOOST_ENGINE);

function plain(): { wallMs: number; bestValidationAuc: number } {
  const result = tune({ contract, split, engine, trials: TRIALS, seed: SEED, numBoostRound: config.TRIAL_BOOST_ROUNDS, earlyStoppingRounds: config.TRIAL_EARLY_STOPPING });
  result.best.booster.dispose();
  return { wallMs: result.wallMs, bestValidationAuc: result.best.metrics.validation.auc };
}

/**
 * The workflow's own search in-process: batches of BATCH suggested from every earlier result, the
 * same trials in the same order, nothing logged. Its ratio is the pure orchestration + registry cost.
 */
function sameSearchInProcess(): { wallMs: number; bestValidationAuc: number } {
  const started = performance.now();
  const tuner = createTuner({ seed: SEED, trials: TRIALS });
  let best = 0;
  while (tuner.remaining > 0) {
    const batch = tuner.suggest(BATCH);
    const losses = batch.map((params) => {
      const result = runTrial({ contract, split, params, engine, seed: SEED, numBoostRound: config.TRIAL_BOOST_ROUNDS, earlyStoppingRounds: config.TRIAL_EARLY_STOPPING });
      result.booster.dispose();
      best = Math.max(best, result.metrics.validation.auc);
      return 1 - result.metrics.validation.auc;
    });
    batch.forEach((params, i) => tuner.observe(params, losses[i] as number));
  }
  return { wallMs: performance.now() - started, bestValidationAuc: best };
}

async function throughTemporal(): Promise<{ wallMs: number; result: TuningResult }> {
  const churnWorker = await createChurnWorker(config, { logger: createLogger('bench-worker', { level: 'warn' }), metricsPort: 0 });
  const running = churnWorker.run();
  const client = new Client({ connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }), namespace: config.TEMPORAL_NAMESPACE });
  try {
    // Warm-up: the worker's first workflow task and the registry's experiment, as in a long-lived worker.
    await client.workflow.execute('tuningWorkflow', { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: `bench-warmup-${id}`, args: [{ trials: 1, seed: SEED }] });
    // The measured run is the model's first tuning, as the peer's is: with the warm-up's champion in
    // place, selection would also score both models on the labelled window (measured apart below).
    await new MlflowClient({ trackingUri: config.MLFLOW_TRACKING_URI }).deleteRegisteredModelAlias(config.REGISTERED_MODEL, 'champion');
    const started = performance.now();
    const result = (await client.workflow.execute('tuningWorkflow', {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowId: `bench-${id}`,
      args: [{ trials: TRIALS, parallelism: PARALLELISM, batchSize: BATCH, seed: SEED }],
    })) as TuningResult;
    return { wallMs: performance.now() - started, result };
  } finally {
    await client.connection.close();
    churnWorker.worker.shutdown();
    await running;
  }
}

// In-process runs before and after the workflow run; the faster of each pair is the peer (the box is shared).
const plainBefore = plain();
const sameBefore = sameSearchInProcess();
const temporal = await throughTemporal();
const plainAfter = plain();
const sameAfter = sameSearchInProcess();
const peer = plainBefore.wallMs <= plainAfter.wallMs ? plainBefore : plainAfter;
const same = sameBefore.wallMs <= sameAfter.wallMs ? sameBefore : sameAfter;
const ratio = temporal.wallMs / peer.wallMs;

/** What the promotion gate adds when a champion exists: reading the labelled window it scores both models on. */
async function promotionGateRead(): Promise<{ wallMs: number; labelled: number; predictions: number }> {
  const mongo = await new MongoClient(config.MONGODB_URI, { serverSelectionTimeoutMS: 5_000 }).connect();
  try {
    const to = new Date();
    const started = performance.now();
    const window = await readLabelledWindow(mongo.db(), { from: new Date(to.getTime() - config.PROMOTION_WINDOW), to });
    return { wallMs: performance.now() - started, labelled: window.rows.length, predictions: window.predictions };
  } finally {
    await mongo.close();
  }
}
const gate = await promotionGateRead();

const command = 'npx tsx workflows/bench/tuning-overhead.bench.ts';
const rows = [
  { metric: `tuning wall time, ${TRIALS} trials, Temporal + registry vs in-process (s)`, ours: temporal.wallMs / 1000, peer: peer.wallMs / 1000, ratio, target: `ratio <= ${TARGET}`, pass: ratio <= TARGET },
  {
    metric: `same trials in-process (the workflow's batched search, nothing logged) (s)`,
    ours: temporal.wallMs / 1000,
    peer: same.wallMs / 1000,
    ratio: temporal.wallMs / same.wallMs,
    target: 'info (pure orchestration + registry cost)',
  },
  { metric: 'per-trial overhead vs the same trials in-process (ms)', ours: (temporal.wallMs - same.wallMs) / TRIALS, target: 'info' },
  {
    metric: `promotion gate's read when a champion exists: labelled predictions of the last ${config.PROMOTION_WINDOW / 86_400_000} days (s)`,
    ours: gate.wallMs / 1000,
    target: `info (${gate.labelled.toLocaleString('en')} labelled among ${gate.predictions.toLocaleString('en')} predictions in ${config.MONGODB_URI.replace(/\?.*$/, '')})`,
  },
  { metric: 'best validation AUC', ours: temporal.result.metrics.validation_auc, peer: peer.bestValidationAuc, ratio: temporal.result.metrics.validation_auc - peer.bestValidationAuc, target: 'info (ours - peer)' },
  { metric: 'plain run before / after (s)', ours: plainBefore.wallMs / 1000, peer: plainAfter.wallMs / 1000, target: 'info (noise)' },
  { metric: 'same-trials run before / after (s)', ours: sameBefore.wallMs / 1000, peer: sameAfter.wallMs / 1000, target: 'info (noise)' },
];
const fmt = (n: number | undefined) => (n === undefined ? '—' : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toFixed(4));
console.log(
  [
    '| command | metric | ours | peer (in-process tune(), one trial at a time) | ratio | target | pass |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| \`${command}\` | ${r.metric} | ${fmt(r.ours)} | ${fmt(r.peer)} | ${fmt(r.ratio)} | ${r.target} | ${r.pass === undefined ? '—' : r.pass ? 'yes' : 'no'} |`),
  ].join('\n'),
);
console.log(
  `\nSplit ${split.train.length}/${split.validation.length}/${split.test.length} rows from ${key}; ${config.TRIAL_BOOST_ROUNDS} rounds max, early stopping ${config.TRIAL_EARLY_STOPPING}, ` +
    `${engine.kind} engine, seed ${SEED}. Workflow: parallelism ${PARALLELISM}, batches of ${BATCH}, worker activity slots ${config.WORKER_ACTIVITY_CONCURRENCY}; ` +
    'each trial is its own registry run with params, metrics and the model directory; the best model is registered. tune(): sequential TPE (one suggestion per result) on one thread, nothing logged; its trials differ from the batched search, so their training time differs too.',
);
mkdirSync(join(REPO_ROOT, '.stack/bench'), { recursive: true });
writeFileSync(
  join(REPO_ROOT, '.stack/bench/tuning-overhead.json'),
  `${JSON.stringify({ name: 'tuning-overhead', command, peer: 'in-process tune(), one trial at a time', trials: TRIALS, rows, measuredAt: new Date().toISOString() }, null, 2)}\n`,
);
