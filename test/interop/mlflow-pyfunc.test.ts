// Issue 16, "shows it works": our model directory loaded by the real MLflow 2.x and 3.x pyfunc
// loaders and served by the real `mlflow models serve` takes the contract's raw rows and gives the
// probabilities our own /invocations gives, within 1e-6, for the shipped contracts (BankChurners,
// its behavioural columns, telco: booleans, an ordinal, an imputed column).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildReferenceProfile, contractSplit, DatasetContract, defaultContract, loadCleanDataset } from '@churn/churn-data';
import { createLogger } from '@churn/logger';
import { startMlflowModelServer } from '@churn/mlflow-client';
import { loadModelDir, signatureRowsJson, writeModelDir } from '@churn/model';
import { createServingMetrics, ModelHolder } from '@churn/serving';
import { runTrial } from '@churn/training';
import { createEngine } from '@churn/xgboost';
import { Registry } from 'prom-client';
import { createPredictor } from '../../services/predictor-api/src/app.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ROWS = 1_000;
const params = { max_depth: 4, eta: 0.2, subsample: 0.9, colsample_bytree: 0.9, min_child_weight: 1, lambda: 1 };

interface Case {
  modelDir: string;
  /** The raw test rows as MLflow's split-orient JSON. */
  rowsJson: string;
  /** What our /invocations answers for them. */
  ours: number[];
}

/** Trains a small model on the contract, writes its directory and scores the test rows through our predictor's /invocations. */
async function prepare(dir: string, contract: DatasetContract): Promise<Case> {
  const split = contractSplit(contract, loadCleanDataset(contract).rows);
  const engine = await createEngine('auto');
  const trial = runTrial({ contract, split, params, engine, seed: 5, numBoostRound: 40, earlyStoppingRounds: 10, nthread: 1 });
  const modelDir = join(dir, contract.name);
  await writeModelDir(modelDir, {
    booster: trial.booster,
    contract,
    preprocessor: trial.preprocessor,
    reference: buildReferenceProfile(contract, split.train, { seed: 5 }),
    params: { ...params },
    runId: `run-${contract.name}`,
  });
  trial.booster.dispose();
  const rows = split.test.slice(0, ROWS);
  expect(rows).toHaveLength(ROWS);
  const rowsJson = signatureRowsJson(contract, rows);

  const model = await loadModelDir(modelDir, engine);
  const registry = new Registry();
  const holder = new ModelHolder(async () => model);
  await holder.load(`run-${contract.name}`);
  const handler = createPredictor({
    holder,
    log: { log: () => undefined },
    metrics: createServingMetrics(registry, { defaultMetrics: false }),
    registry,
    logger: createLogger('mlflow-pyfunc-test', { level: 'silent' }),
    contract,
  });
  const server: Server = createServer(handler).listen(0, '127.0.0.1');
  try {
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const response = await fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"dataframe_split":${rowsJson}}` });
    expect(response.status).toBe(200);
    const { predictions } = (await response.json()) as { predictions: number[] };
    return { modelDir, rowsJson, ours: predictions };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    holder.close();
  }
}

function expectClose(theirs: readonly number[], ours: readonly number[]) {
  expect(theirs).toHaveLength(ours.length);
  const worst = Math.max(...theirs.map((p, i) => Math.abs(p - (ours[i] ?? Number.NaN))));
  expect(worst).toBeLessThan(1e-6);
}

describe.each([
  ['BankChurners', () => defaultContract()],
  ['bankchurners-behaviour', () => DatasetContract.load(join(root, 'datasets/bankchurners-behaviour.yaml'))],
  ['telco', () => DatasetContract.load(join(root, 'datasets/telco.yaml'))],
])('our %s model directory in MLflow', (_name, contractOf) => {
  let dir = '';
  let c: Case;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mlflow-pyfunc-'));
    c = await prepare(dir, contractOf());
    writeFileSync(join(dir, 'rows.json'), c.rowsJson);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(['mlflow2', 'mlflow3'])(
    'when %s loads it with mlflow.pyfunc.load_model, then raw rows give our /invocations probabilities and the xgboost flavor is the bare booster',
    (venv) => {
      const python = execFileSync(join(root, 'scripts/py-venv.sh'), [venv], { encoding: 'utf8' }).trim();
      // MLflow makes ./mlruns in its working folder: the test's temporary one.
      const result = JSON.parse(
        execFileSync(python, [join(root, 'packages/model/python/pyfunc_predict.py'), c.modelDir, join(dir, 'rows.json')], { encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'], cwd: dir }),
      ) as { mlflow: string; predictions: number[]; example: number[]; xgboost_flavor: string };
      expect(result.mlflow).toMatch(venv === 'mlflow2' ? /^2\./ : /^3\./);
      expectClose(result.predictions, c.ours);
      expect(result.example).toHaveLength(1);
      expect(result.xgboost_flavor).toBe('Booster');
    },
    900_000,
  );

  test('when `mlflow models serve` serves it, then its /invocations gives ours for the same raw rows', async () => {
    const python = execFileSync(join(root, 'scripts/py-venv.sh'), ['mlflow3'], { encoding: 'utf8' }).trim();
    const served = await startMlflowModelServer({ python, modelDir: c.modelDir });
    try {
      const response = await fetch(`${served.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"dataframe_split":${c.rowsJson}}` });
      const body = await response.text();
      expect({ status: response.status, body: response.status === 200 ? '' : body }).toEqual({ status: 200, body: '' });
      expectClose((JSON.parse(body) as { predictions: number[] }).predictions, c.ours);
    } finally {
      await served.stop();
    }
  }, 900_000);
});
