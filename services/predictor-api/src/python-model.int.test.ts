// Issue 16, "shows it works": an XGBoost model a Python team trains and logs with MLflow
// (mlflow.xgboost.log_model with a signature) is served by RUN_ID, and our /invocations answers what
// mlflow.pyfunc predicts within 1e-6; a scikit-learn model is refused at load naming its flavor while
// the previous model keeps serving. Three ways: MLflow 3 (xgboost 3.1, model.ubj) to our registry and
// to a real `mlflow server`, and MLflow 2 with xgboost 2.1 saving model.json to our registry.
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLogger } from '@churn/logger';
import { startMlflowServer, type RunningMlflowServer } from '@churn/mlflow-client';
import { findLoggedPredictions, updateEnvFile, waitFor, writeEnvFile } from '@churn/serving/testing';
import { MongoClient } from 'mongodb';
import { loadPredictorApiConfig } from './config.js';
import { start, type RunningPredictor } from './server.js';

// Against the native stack (make up-local): the registry on 5051, FerretDB on 27017.
const TRACKING_URI = 'http://127.0.0.1:5051';
const MONGO = 'mongodb://127.0.0.1:27017';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);
const logger = createLogger('python-model-int', { level: 'warn' });

const hasPython = (() => {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
if (!hasPython) console.warn('python3 is absent: skipping the test of models Python logged');
const describeIf = hasPython ? describe : describe.skip;

interface Logged {
  versions: { mlflow: string; xgboost: string };
  rows: Record<string, number>[];
  binary: { run_id: string; predictions: number[] };
  multi: { run_id: string; predictions: number[][] };
  softmax: { run_id: string; predictions: number[] };
  sklearn: { run_id: string };
}

const maxDiff = (a: readonly number[], b: readonly number[]) => Math.max(...a.map((v, i) => Math.abs(v - (b[i] ?? Number.NaN))));

const CASES = [
  { venv: 'mlflow3', server: 'our registry', format: undefined, file: 'model.ubj', versions: /^3\./ },
  { venv: 'mlflow3', server: 'a real mlflow server', format: undefined, file: 'model.ubj', versions: /^3\./ },
  { venv: 'mlflow2', server: 'our registry', format: 'json', file: 'model.json', versions: /^2\./ },
] as const;

describeIf.each(CASES)('models Python logged with $venv to $server, saved as $file, served by RUN_ID', ({ venv, server, format, file, versions }) => {
  let logged: Logged;
  let predictor: RunningPredictor;
  let envFile: string;
  let base: string;
  let cacheDir: string;
  let workDir: string;
  let mlflowServer: RunningMlflowServer | undefined;
  const dbName = `churn_pyint_${randomUUID().slice(0, 8)}`;
  /** Every load the env file triggers, so a refused one can be awaited. */
  const loads: { runId: string; done: Promise<void> }[] = [];

  beforeAll(async () => {
    const python = (await run('bash', [join(ROOT, 'scripts/py-venv.sh'), venv], { cwd: ROOT, timeout: 900_000 })).stdout.trim();
    workDir = await mkdtemp(join(tmpdir(), 'python-model-'));
    if (server === 'a real mlflow server') {
      const mlflow3 = (await run('bash', [join(ROOT, 'scripts/py-venv.sh'), 'mlflow3'], { cwd: ROOT, timeout: 900_000 })).stdout.trim();
      mlflowServer = await startMlflowServer({ python: mlflow3, backendStoreUri: `sqlite:///${join(workDir, 'mlflow.db')}`, artifactsDestination: join(workDir, 'artifacts'), startTimeoutMs: 600_000 });
    }
    const trackingUri = mlflowServer?.url ?? TRACKING_URI;
    const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', MLFLOW_TRACKING_URI: trackingUri, GIT_PYTHON_REFRESH: 'quiet' };
    const script = join(ROOT, 'services/predictor-api/python/log_python_models.py');
    const experiment = `python-models-${randomUUID().slice(0, 8)}`;
    const args = [script, join(ROOT, 'data/credit_card_churn.csv'), experiment, ...(format ? [format] : [])];
    const { stdout } = await run(python, args, { env, cwd: ROOT, timeout: 600_000, maxBuffer: 20 * 1024 * 1024 });
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`the Python script printed no result:\n${stdout}`);
    logged = JSON.parse(line.slice('RESULT '.length)) as Logged;

    cacheDir = join(workDir, 'cache');
    envFile = await writeEnvFile({
      RUN_ID: logged.binary.run_id,
      MODEL_URI: '',
      MLFLOW_TRACKING_URI: trackingUri,
      MODEL_CACHE_DIR: cacheDir,
      MONGODB_URI: `${MONGO}/${dbName}?directConnection=true`,
      PREDICTION_LOG_FLUSH_INTERVAL: '100ms',
      // The signature's columns are the raw export's: the data file itself is the training rows' drift reference.
      DRIFT_REFERENCE_CSV: join(ROOT, 'data/credit_card_churn.csv'),
      LIVE_DRIFT_MIN_INTERVAL: '0s',
    });
    predictor = await start({ port: 0, envFile, config: loadPredictorApiConfig(envFile), logger });
    const { holder } = predictor.runtime;
    const load = holder.load.bind(holder);
    holder.load = (runId: string) => {
      const done = load(runId);
      loads.push({ runId, done });
      return done;
    };
    await waitFor(() => holder.ready, { timeoutMs: 120_000, what: 'the first model', intervalMs: 100 });
    base = `http://127.0.0.1:${predictor.port}`;
  }, 1_500_000);

  afterAll(async () => {
    await predictor?.close();
    await mlflowServer?.stop();
    const mongo = new MongoClient(`${MONGO}/?directConnection=true`);
    await mongo.db(dbName).dropDatabase().catch(() => undefined);
    await mongo.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const invoke = async (rows: Record<string, number>[]) => {
    const columns = Object.keys(rows[0] ?? {});
    const response = await fetch(`${base}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dataframe_split: { columns, data: rows.map((row) => columns.map((c) => row[c])) } }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { predictions: unknown[] }).predictions;
  };

  it('when RUN_ID names a binary Booster, then /invocations answers what mlflow.pyfunc predicts for 1,000 rows within 1e-6, and /predict its chance', async () => {
    expect(logged.versions.mlflow).toMatch(versions);
    expect(logged.versions.xgboost).toMatch(versions);
    expect(predictor.runtime.holder.runId).toBe(logged.binary.run_id);
    expect(existsSync(join(cacheDir, logged.binary.run_id, file))).toBe(true);
    const ours = (await invoke(logged.rows)) as number[];
    expect(ours).toHaveLength(1_000);
    expect(maxDiff(logged.binary.predictions, ours)).toBeLessThan(1e-6);
    const single = await fetch(`${base}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(logged.rows[0]) });
    expect(((await single.json()) as Record<string, number>)['churn chance']).toBeCloseTo(logged.binary.predictions[0] ?? Number.NaN, 6);
    // Live drift against the profile of DRIFT_REFERENCE_CSV, as for our models against reference.json.
    expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ monitoring: { drift: { on: true }, quality: { on: true } } });
    await waitFor(async () => /churn_feature_drift_score\{feature="Customer_Age"\} \d/.test(await (await fetch(`${base}/metrics`)).text()), { timeoutMs: 20_000, what: 'the drift gauges', intervalMs: 200 });
  });

  it('when RUN_ID is switched to a multi:softprob Booster, then /invocations answers the per-class probabilities mlflow.pyfunc predicts within 1e-6', async () => {
    await updateEnvFile(envFile, { RUN_ID: logged.multi.run_id });
    await waitFor(() => predictor.runtime.holder.runId === logged.multi.run_id, { timeoutMs: 60_000, what: 'the multi-class model', intervalMs: 100 });
    const ours = (await invoke(logged.rows)) as number[][];
    expect(ours).toHaveLength(1_000);
    expect(ours.every((p) => p.length === 4)).toBe(true);
    expect(maxDiff(logged.multi.predictions.flat(), ours.flat())).toBeLessThan(1e-6);
  });

  it('when a multi:softprob Booster serves, then /predict and /predict/batch answer its class and every class probability as pyfunc within 1e-6, and the log keeps them', async () => {
    expect(predictor.runtime.holder.runId).toBe(logged.multi.run_id);
    const want = logged.multi.predictions;
    const argmax = (p: readonly number[]) => p.indexOf(Math.max(...p));
    for (const [i, row] of logged.rows.slice(0, 50).entries()) {
      const response = await fetch(`${base}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': `multi-${dbName}-${i}` }, body: JSON.stringify(row) });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { predicted_class: number; class_probabilities: number[]; model_run_id: string };
      expect(body.model_run_id).toBe(logged.multi.run_id);
      expect(maxDiff(want[i] ?? [], body.class_probabilities)).toBeLessThan(1e-6);
      expect(body.predicted_class).toBe(argmax(want[i] ?? []));
    }
    const columns = Object.keys(logged.rows[0] ?? {});
    const csv = [columns.join(','), ...logged.rows.map((row) => columns.map((c) => row[c]).join(','))].join('\n');
    const batch = await fetch(`${base}/predict/batch`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(batch.status).toBe(200);
    const [header, ...lines] = (await batch.text()).trim().split('\n');
    const names = header?.split(',') ?? [];
    expect(names).toEqual([...columns, 'predicted_class', 'probability_0', 'probability_1', 'probability_2', 'probability_3', 'model_run_id', 'error']);
    expect(lines).toHaveLength(1_000);
    const at = names.indexOf('probability_0');
    const probabilities = lines.map((l) => l.split(',').slice(at, at + 4).map(Number));
    expect(maxDiff(want.flat(), probabilities.flat())).toBeLessThan(1e-6);
    expect(lines.map((l) => Number(l.split(',')[at - 1]))).toEqual(want.map(argmax));
    // The prediction log keeps every class's probability; churn_chance is the most probable one's.
    const mongo = new MongoClient(`${MONGO}/${dbName}?directConnection=true`);
    try {
      const first = `multi-${dbName}-0`;
      const loggedFirst = () => findLoggedPredictions(mongo.db().collection('predictions'), { request_id: first }, (row) => row['request_id'] === first);
      await waitFor(async () => (await loggedFirst()).length === 1, { timeoutMs: 30_000, what: 'the logged multi-class prediction', intervalMs: 200 });
      const [doc] = await loggedFirst();
      expect(maxDiff(want[0] ?? [], doc?.['class_probabilities'] as number[])).toBeLessThan(1e-6);
      expect(doc?.['predicted_class']).toBe(argmax(want[0] ?? []));
      expect(doc?.['churn_chance']).toBeCloseTo(Math.max(...(want[0] ?? [])), 6);
    } finally {
      await mongo.close();
    }
  });

  it('when RUN_ID is switched to a scikit-learn model, then its load is refused naming the flavor and the previous model keeps serving', async () => {
    const before = loads.length;
    await updateEnvFile(envFile, { RUN_ID: logged.sklearn.run_id });
    await waitFor(() => loads.slice(before).some((l) => l.runId === logged.sklearn.run_id), { timeoutMs: 60_000, what: 'the load of the sklearn run', intervalMs: 100 });
    const attempt = loads.slice(before).find((l) => l.runId === logged.sklearn.run_id);
    await expect(attempt?.done).rejects.toThrow(/is a sklearn model; only the xgboost flavor can be served/);
    expect(predictor.runtime.holder.runId).toBe(logged.multi.run_id);
    expect(await (await fetch(`${base}/health`)).json()).toMatchObject({
      status: 'ok',
      model_run_id: logged.multi.run_id,
      // Drift against DRIFT_REFERENCE_CSV; no binary quality for 4 classes, which /health says.
      monitoring: { drift: { on: true }, quality: { on: false, why: expect.stringMatching(/4-class model/) } },
    });
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/churn_model_monitoring\{check="quality"\} 0/);
    const ours = (await invoke(logged.rows.slice(0, 10))) as number[][];
    expect(maxDiff(logged.multi.predictions.slice(0, 10).flat(), ours.flat())).toBeLessThan(1e-6);
  });

  it('when RUN_ID is switched to a multi:softmax Booster, then /invocations answers the classes mlflow.pyfunc predicts and /predict the same class', async () => {
    await updateEnvFile(envFile, { RUN_ID: logged.softmax.run_id });
    await waitFor(() => predictor.runtime.holder.runId === logged.softmax.run_id, { timeoutMs: 60_000, what: 'the softmax model', intervalMs: 100 });
    expect(await invoke(logged.rows)).toEqual(logged.softmax.predictions);
    const single = await fetch(`${base}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(logged.rows[0]) });
    expect(((await single.json()) as { predicted_class: number }).predicted_class).toBe(logged.softmax.predictions[0]);
  });
});
