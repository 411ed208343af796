import { randomUUID } from 'node:crypto';
import { defaultContract, type ChurnRow } from '@churn/churn-data';

const FEATURE_NAMES = defaultContract().featureNames;
import { createLogger } from '@churn/logger';
import { type LoadedModel } from '@churn/model';
import { datasetSplit, findLoggedPredictions, loadLocal, registerTestModel, trainTestModel, updateEnvFile, waitFor, writeEnvFile, TcpProxy } from '@churn/serving/testing';
import { MongoClient } from 'mongodb';
import { parse } from 'csv-parse/sync';
import { loadPredictorApiConfig } from './config.js';
import { start, type RunningPredictor } from './server.js';

// Against the native stack (make up-local): the registry on 5051, FerretDB on 27017.
const TRACKING_URI = 'http://127.0.0.1:5051';
const MONGO = { host: '127.0.0.1', port: 27017 };
const logger = createLogger('predictor-api-int', { level: 'warn' });

const requestOf = (row: ChurnRow, i: number) => {
  const body: Record<string, unknown> = { customer_id: `c${i}` };
  for (const name of FEATURE_NAMES) body[name] = row[name];
  return body;
};

const postJson = (base: string, path: string, body: unknown) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });


let dirA: string;
let dirB: string;
let runA: string;
let runB: string;
let modelA: LoadedModel;
let modelB: LoadedModel;
const rows = datasetSplit().test.slice(0, 100);
const dbName = `churn_int_${randomUUID().slice(0, 8)}`;
const mongo = new MongoClient(`mongodb://${MONGO.host}:${MONGO.port}/?directConnection=true`);

beforeAll(async () => {
  dirA = await trainTestModel({ max_depth: 3 }, 20);
  dirB = await trainTestModel({ max_depth: 6, eta: 0.3 }, 40);
  [runA, runB] = await Promise.all([registerTestModel(TRACKING_URI, dirA, 'model-a'), registerTestModel(TRACKING_URI, dirB, 'model-b')]);
  [modelA, modelB] = await Promise.all([loadLocal(dirA), loadLocal(dirB)]);
}, 120_000);

afterAll(async () => {
  modelA.dispose();
  modelB.dispose();
  await mongo.db(dbName).dropDatabase().catch(() => undefined);
  await mongo.close();
});

async function startPredictor(values: Record<string, string>): Promise<{ predictor: RunningPredictor; envFile: string }> {
  const envFile = await writeEnvFile({
    RUN_ID: runA,
    MODEL_URI: '',
    MLFLOW_TRACKING_URI: TRACKING_URI,
    MODEL_CACHE_DIR: `${dirA}-cache`,
    MONGODB_URI: `mongodb://${MONGO.host}:${MONGO.port}/${dbName}?directConnection=true`,
    PREDICTION_LOG_FLUSH_INTERVAL: '100ms',
    ...values,
  });
  const predictor = await start({ port: 0, envFile, config: loadPredictorApiConfig(envFile), logger });
  await predictor.runtime.firstLoad;
  return { predictor, envFile };
}

describe('predictor-api against the registry and Mongo', () => {
  it('when customers are scored over /predict, /invocations and /predict/batch, then every answer equals the model batch prediction', async () => {
    const { predictor } = await startPredictor({});
    try {
      const base = `http://127.0.0.1:${predictor.port}`;
      const expected = modelA.predict(rows);
      const single = await Promise.all(rows.map(async (row, i) => (await (await postJson(base, '/predict', requestOf(row, i))).json()) as Record<string, unknown>));
      single.forEach((answer, i) => {
        expect(answer).toEqual({ 'churn chance': expected[i], model_run_id: runA, customer_id: `c${i}` });
      });
      const invoked = (await (await postJson(base, '/invocations', { dataframe_records: rows.map(requestOf) })).json()) as { predictions: number[] };
      expect(invoked.predictions).toEqual(Array.from(expected));
      const csv = [['customer_id', ...FEATURE_NAMES].join(','), ...rows.map((row, i) => [`c${i}`, ...FEATURE_NAMES.map((n) => row[n])].join(','))].join('\n');
      const batch = parse(await (await fetch(`${base}/predict/batch`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv })).text(), { columns: true }) as Record<string, string>[];
      expect(batch.map((r) => Number(r['churn chance']))).toEqual(Array.from(expected));
      expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ status: 'ok', model_run_id: runA, monitoring: { drift: { on: true }, quality: { on: true } } });
    } finally {
      await predictor.close();
    }
    // Every scored row reached Mongo after the graceful close flushed the log.
    // (a /predict/batch chunk is one columnar document of `rows` predictions)
    const docs = await mongo.db(dbName).collection('predictions').find({ model_run_id: runA, source: 'http' }, { projection: { _id: 0, rows: 1 } }).toArray();
    expect(docs.reduce((n, d) => n + (typeof d['rows'] === 'number' ? d['rows'] : 1), 0)).toBeGreaterThanOrEqual(rows.length * 3);
  });

  it('when RUN_ID is rewritten in the watched env file under load, then the new model is served within seconds and no request fails', async () => {
    const { predictor, envFile } = await startPredictor({});
    const base = `http://127.0.0.1:${predictor.port}`;
    const expectedB = modelB.predict(rows);
    const failures: string[] = [];
    const seen: string[] = [];
    let stop = false;
    const client = async (worker: number) => {
      for (let i = worker; !stop; i = (i + 4) % rows.length) {
        const response = await postJson(base, '/predict', requestOf(rows[i] as ChurnRow, i));
        const answer = (await response.json()) as { 'churn chance': number; model_run_id: string };
        if (response.status !== 200) failures.push(`${response.status} ${JSON.stringify(answer)}`);
        else {
          seen.push(answer.model_run_id);
          if (answer.model_run_id === runB && answer['churn chance'] !== expectedB[i]) failures.push(`row ${i}: ${answer['churn chance']} != ${expectedB[i]}`);
        }
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    try {
      await waitFor(() => seen.length > 40, { timeoutMs: 20_000, what: 'load', intervalMs: 50 });
      const promotedAt = Date.now();
      await updateEnvFile(envFile, { RUN_ID: runB });
      await waitFor(() => seen.at(-1) === runB, { timeoutMs: 20_000, what: 'the promoted run', intervalMs: 50 });
      const switchMs = Date.now() - promotedAt;
      const countAtSwitch = seen.length;
      await waitFor(() => seen.length > countAtSwitch + 40, { timeoutMs: 20_000, what: 'load after the switch', intervalMs: 50 });
      stop = true;
      await Promise.all(clients);
      expect(failures).toEqual([]);
      expect(switchMs).toBeLessThan(10_000);
      expect(seen.slice(countAtSwitch + 10)).not.toContain(runA);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain(`churn_model_info{run_id="${runB}"} 1`);
      expect(metrics).not.toContain(`churn_model_info{run_id="${runA}"}`);
    } finally {
      stop = true;
      await Promise.all(clients);
      await predictor.close();
    }
  });

  it('when Mongo is unreachable for a while, then the predictor keeps answering and every prediction within the buffer bound is logged once it is back', async () => {
    const proxy = new TcpProxy(MONGO.host, MONGO.port);
    const port = await proxy.open();
    const { predictor } = await startPredictor({ MONGODB_URI: `mongodb://127.0.0.1:${port}/${dbName}?directConnection=true`, PREDICTION_LOG_BATCH_SIZE: '20' });
    const base = `http://127.0.0.1:${predictor.port}`;
    const tag = randomUUID();
    let slowest = 0;
    const send = async (from: number, count: number) => {
      for (let i = from; i < from + count; i += 1) {
        const sentAt = Date.now();
        const response = await fetch(`${base}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': `${tag}-${i}` },
          body: JSON.stringify(requestOf(rows[i % rows.length] as ChurnRow, i)),
        });
        expect(response.status).toBe(200);
        slowest = Math.max(slowest, Date.now() - sentAt);
      }
    };
    const collection = mongo.db(dbName).collection('predictions');
    // The request ids of the logged predictions of this test (a chunk document holds many).
    const loggedIds = async () => (await findLoggedPredictions(collection, { request_id: { $regex: `^${tag}` } }, (row) => String(row['request_id']).startsWith(tag))).map((row) => row['request_id']);
    try {
      await send(0, 20);
      await waitFor(async () => (await loggedIds()).length === 20, { timeoutMs: 10_000, what: 'the first 20 logs', intervalMs: 50 });
      await proxy.cut();
      slowest = 0;
      await send(20, 80);
      // The driver gives up on a server after 2 s: a response waiting on Mongo would show it.
      expect(slowest).toBeLessThan(1_500);
      expect(predictor.runtime.log.buffered).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await proxy.open();
      await waitFor(async () => (await loggedIds()).length >= 100, { timeoutMs: 30_000, what: 'the buffered logs', intervalMs: 50 });
      const ids = await loggedIds();
      expect(new Set(ids).size).toBe(100);
      expect(ids).toHaveLength(100);
      expect(predictor.runtime.log.dropped).toBe(0);
    } finally {
      await predictor.close();
      await proxy.cut();
    }
  });

  it('when a 200,000-row CSV is posted to /predict/batch with a 20,000-document log buffer, then the batch waits for FerretDB and every row is logged', async () => {
    // Given a predictor whose prediction log holds at most 20,000 documents
    const { predictor } = await startPredictor({ PREDICTION_LOG_MAX_BUFFERED: '20000' });
    const tag = randomUUID();
    const total = 200_000;
    const lines = rows.map((row, i) => [`c${i}`, ...FEATURE_NAMES.map((n) => row[n])].join(','));
    const csv = [['customer_id', ...FEATURE_NAMES].join(','), ...Array.from({ length: total }, (_, i) => lines[i % lines.length])].join('\n');
    try {
      // When the whole file is sent in one request
      const response = await fetch(`http://127.0.0.1:${predictor.port}/predict/batch`, { method: 'POST', headers: { 'content-type': 'text/csv', 'x-request-id': tag }, body: csv });
      const answered = (await response.text()).trimEnd().split('\n');
      // Then every row is answered and none of its documents was dropped
      expect(response.status).toBe(200);
      expect(answered).toHaveLength(total + 1);
      expect(predictor.runtime.log.dropped).toBe(0);
    } finally {
      await predictor.close();
    }
    // And after the graceful close Mongo holds every row, one columnar document per 1,000-row chunk
    const docs = await mongo.db(dbName).collection('predictions').find({ request_id: tag }, { projection: { _id: 0, rows: 1 } }).toArray();
    expect(docs.reduce((n, d) => n + (d['rows'] as number), 0)).toBe(total);
    expect(docs).toHaveLength(total / 1_000);
  }, 180_000);

  it('when the registry run does not exist, then /health stays 503 and /predict answers 503, never 500', async () => {
    const envFile = await writeEnvFile({ RUN_ID: 'does-not-exist', MLFLOW_TRACKING_URI: TRACKING_URI, MODEL_CACHE_DIR: `${dirA}-cache` });
    const predictor = await start({ port: 0, envFile, config: loadPredictorApiConfig(envFile), logger: createLogger('predictor-api-int', { level: 'silent' }) });
    try {
      const base = `http://127.0.0.1:${predictor.port}`;
      expect((await fetch(`${base}/health`)).status).toBe(503);
      expect((await postJson(base, '/predict', requestOf(rows[0] as ChurnRow, 0))).status).toBe(503);
    } finally {
      await predictor.close();
    }
  });
});
