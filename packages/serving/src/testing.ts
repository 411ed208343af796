// Helpers for the predictors' integration tests and benchmarks: a small real model trained on the
// bundled dataset, registered in the registry as a run's `model` directory, and env files to point
// a predictor at it. Not used by the services themselves.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReferenceProfile, contractSplit, defaultContract, loadCleanDataset, type ChurnRow, type DatasetContract, type DatasetSplit } from '@churn/churn-data';
import { MlflowClient } from '@churn/mlflow-client';
import { loadModelDir, testPredictionsOf, writeModelDir, type LoadedModel } from '@churn/model';
import { runTrial, type TrialParams } from '@churn/training';
import { createEngine } from '@churn/xgboost';

export { waitFor } from './wait-for.js';

const splits = new Map<DatasetContract, DatasetSplit<ChurnRow>>();

/** A contract's fixed-seed split of its CSV (cleaned once per process); BankChurners by default. */
export function datasetSplit(contract: DatasetContract = defaultContract()): DatasetSplit<ChurnRow> {
  let split = splits.get(contract);
  if (!split) {
    split = contractSplit(contract, loadCleanDataset(contract).rows);
    splits.set(contract, split);
  }
  return split;
}

/** POST /predict bodies (and stream records) for the first `count` test-split customers, ids 0..count-1. */
export function customerRequests(count: number, contract: DatasetContract = defaultContract()): string[] {
  return datasetSplit(contract)
    .test.slice(0, count)
    .map((row, i) => JSON.stringify({ customer_id: i, ...Object.fromEntries(contract.featureNames.map((name) => [name, row[name]])) }));
}

const PARAMS: TrialParams = { max_depth: 4, eta: 0.2, subsample: 0.9, colsample_bytree: 0.9, min_child_weight: 1, lambda: 1 };

/** Trains a small real model (few rounds) on a contract's data and writes its MLflow model directory; returns the folder. */
export async function trainTestModel(overrides: Partial<TrialParams> = {}, rounds = 30, contract: DatasetContract = defaultContract()): Promise<string> {
  const split = datasetSplit(contract);
  const engine = await createEngine('auto');
  const trial = runTrial({ contract, split, params: { ...PARAMS, ...overrides }, engine, numBoostRound: rounds, earlyStoppingRounds: rounds, nthread: 1 });
  const dir = await mkdtemp(join(tmpdir(), 'churn-model-'));
  await writeModelDir(dir, {
    booster: trial.booster,
    contract,
    preprocessor: trial.preprocessor,
    reference: buildReferenceProfile(contract, split.train),
    params: { ...PARAMS, ...overrides },
    metrics: trial.metrics,
    testPredictions: testPredictionsOf(trial.testChances, split.test),
  });
  trial.booster.dispose();
  return dir;
}

/** Uploads a model folder as the `model` artifact of a new finished run; returns the run id. */
export async function registerTestModel(trackingUri: string, dir: string, runName = 'serving-test'): Promise<string> {
  const client = new MlflowClient({ trackingUri });
  const experimentId = await client.getOrCreateExperiment('serving-integration-tests');
  const run = await client.createRun({ experimentId, runName });
  await client.uploadDir(run.info.run_id, dir, 'model');
  await client.updateRun(run.info.run_id, { status: 'FINISHED', endTime: Date.now() });
  return run.info.run_id;
}

/** Loads a model folder locally: the reference predictions the services must reproduce. */
export async function loadLocal(dir: string): Promise<LoadedModel> {
  return loadModelDir(dir, await createEngine('auto'));
}

/** A private env file: .env.local's values with overrides, so a test can rewrite RUN_ID safely. */
export async function writeEnvFile(values: Record<string, string>, base = '.env.local'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'churn-env-'));
  const path = join(dir, '.env');
  const text = await readFile(base, 'utf8').catch(() => '');
  await writeFile(path, setEnvValues(text, values));
  return path;
}

/** Rewrites `KEY=value` lines (appending missing keys), the way `make promote` edits RUN_ID. */
export function setEnvValues(text: string, values: Record<string, string>): string {
  let out = text;
  for (const [key, value] of Object.entries(values)) {
    const line = new RegExp(`^${key}=.*$`, 'm');
    out = line.test(out) ? out.replace(line, `${key}=${value}`) : `${out.trimEnd()}\n${key}=${value}\n`;
  }
  return out;
}

export async function updateEnvFile(path: string, values: Record<string, string>): Promise<void> {
  await writeFile(path, setEnvValues(await readFile(path, 'utf8'), values));
}

/** A TCP proxy the test can cut and restore on the same port (a Mongo outage without stopping Mongo). */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async open(): Promise<number> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this.port;
  }

  /** Refuses new connections and drops the open ones. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
export { findLoggedPredictions } from './logged-predictions.js';
