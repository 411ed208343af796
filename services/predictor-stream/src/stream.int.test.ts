import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKinesisClient } from '@churn/aws';
import { loadConfig } from '@churn/config';
import { createLogger } from '@churn/logger';
import type { LoadedModel } from '@churn/model';
import { datasetSplit, findLoggedPredictions, loadLocal, registerTestModel, trainTestModel, waitFor, writeEnvFile } from '@churn/serving/testing';
import { readLabelledWindow } from '@churn/drift/outcomes';
import { MongoClient } from 'mongodb';
import { loadPredictorStreamConfig, predictorStreamConfigSchema } from './config.js';
import { startStreamPredictor } from './server.js';
import { createTestStreams, putPayloads, readAll, requestOf } from './stream-test-support.js';

// Against the native stack: kinesalite on 4566, the registry on 5051, FerretDB on 27017.
const TRACKING_URI = 'http://127.0.0.1:5051';
const MONGODB = 'mongodb://127.0.0.1:27017/churn_stream_int?directConnection=true';
const root = join(import.meta.dirname, '..', '..', '..');
const aws = loadConfig(predictorStreamConfigSchema, { envFiles: [join(root, '.env.local')] });
const kinesis = createKinesisClient(aws);
const mongo = new MongoClient(MONGODB);
const rows = datasetSplit().test;

let dir: string;
let runId: string;
let model: LoadedModel;

beforeAll(async () => {
  dir = await trainTestModel({ max_depth: 5 }, 30);
  runId = await registerTestModel(TRACKING_URI, dir, 'stream-model');
  model = await loadLocal(dir);
}, 120_000);

afterAll(async () => {
  model.dispose();
  await mongo.db().dropDatabase().catch(() => undefined);
  await mongo.close();
  kinesis.destroy();
});

const envFor = (streams: Awaited<ReturnType<typeof createTestStreams>>, extra: Record<string, string> = {}) =>
  writeEnvFile(
    {
      RUN_ID: runId,
      MODEL_URI: '',
      MLFLOW_TRACKING_URI: TRACKING_URI,
      MODEL_CACHE_DIR: `${dir}-cache`,
      MONGODB_URI: MONGODB,
      PREDICTIONS_STREAM: streams.input,
      RESULTS_STREAM: streams.results,
      DLQ_STREAM: streams.dlq,
      OUTCOMES_STREAM: streams.outcomes,
      STREAM_CHECKPOINT_COLLECTION: streams.checkpoints,
      STREAM_POLL_INTERVAL: '50ms',
      PREDICTION_LOG_FLUSH_INTERVAL: '100ms',
      PREDICTOR_STREAM_PORT: '0',
      LOG_LEVEL: 'warn',
      ...extra,
    },
    join(root, '.env.local'),
  );

describe('predictor-stream against kinesalite, the registry and Mongo', () => {
  it('when valid and invalid records arrive on two shards, then results equal the batch predictions and the invalid ones reach the DLQ with a reason', async () => {
    const streams = await createTestStreams(kinesis, 2);
    const envFile = await envFor(streams);
    const predictor = await startStreamPredictor({ port: 0, envFile, config: loadPredictorStreamConfig(envFile), logger: createLogger('stream-int', { level: 'warn' }) });
    try {
      const valid = rows.slice(0, 300);
      const bad: [string | Uint8Array, string][] = [
        ['not json at all', '(record)'],
        [Uint8Array.from([0xc3, 0x28]), '(record)'],
        [JSON.stringify({ ...requestOf(valid[0]!, 9000), card_category: 'diamond' }), 'card_category'],
        [JSON.stringify({ ...requestOf(valid[0]!, 9001), customer_age: 'old' }), 'customer_age'],
        [JSON.stringify({ ...requestOf(valid[0]!, 9002), credit_limit: -5 }), 'credit_limit'],
        [JSON.stringify({ customer_id: 1 }), 'customer_age'],
      ];
      const payloads = [...valid.map((row, i) => JSON.stringify(requestOf(row, i))), ...bad.map(([payload]) => payload)];
      const sequenceNumbers = await putPayloads(kinesis, streams.input, payloads);
      await waitFor(async () => (await readAll(kinesis, streams.results)).length >= valid.length, { timeoutMs: 60_000, what: 'results', intervalMs: 200 });
      const results = await readAll(kinesis, streams.results);
      const expected = model.predict(valid);
      const byCustomer = new Map(results.map((r) => [r.customer_id as number, r]));
      expect(byCustomer.size).toBe(valid.length);
      valid.forEach((_, i) => {
        expect(byCustomer.get(i)).toMatchObject({ 'churn chance': expected[i], model_run_id: runId, request_id: `r${i}`, sequence_number: sequenceNumbers[i] });
      });
      await waitFor(async () => (await readAll(kinesis, streams.dlq)).length >= bad.length, { timeoutMs: 20_000, what: 'DLQ records', intervalMs: 200 });
      const dead = await readAll(kinesis, streams.dlq);
      expect(dead.map((d) => d.field).sort()).toEqual(bad.map(([, field]) => field).sort());
      expect(dead.every((d) => typeof d.reason === 'string' && typeof d.sequence_number === 'string')).toBe(true);
      const metrics = await (await fetch(`http://127.0.0.1:${predictor.port}/metrics`)).text();
      expect(metrics).toMatch(/churn_stream_records_total\{outcome="ok"\} 300/);
      expect(metrics).toMatch(new RegExp(`churn_stream_records_total\\{outcome="invalid"\\} ${bad.length}`));
      expect(metrics).toMatch(/churn_stream_lag_ms\{shard="shardId-000000000001"\}/);
      expect((await fetch(`http://127.0.0.1:${predictor.port}/health`)).status).toBe(200);
    } finally {
      await predictor.close();
      await streams.remove();
    }
    const checkpoints = await mongo.db().collection(streams.checkpoints).find().toArray();
    expect(checkpoints.map((c) => c._id).sort()).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    const logged = await findLoggedPredictions(mongo.db().collection('predictions'), { source: 'stream', model_run_id: runId });
    expect(logged.length).toBeGreaterThanOrEqual(300);
    // Each logged with its own record's sequence number (chunks hold them per row).
    expect(logged.every((row) => typeof row['sequence_number'] === 'string')).toBe(true);
  });

  it('when the process is killed with SIGKILL mid-stream and restarted, then every input sequence number gets a result', async () => {
    const streams = await createTestStreams(kinesis, 1);
    const envFile = await envFor(streams, { STREAM_BATCH_SIZE: '25' });
    const total = 2_000;
    const payloads = Array.from({ length: total }, (_, i) => JSON.stringify(requestOf(rows[i % rows.length]!, i)));
    const sequenceNumbers = await putPayloads(kinesis, streams.input, payloads);
    const spawnPredictor = (): ChildProcess =>
      // node --import tsx, not the tsx wrapper: SIGKILL must hit the consuming process itself.
      spawn(process.execPath, ['--import', 'tsx', join(root, 'services/predictor-stream/src/main.ts')], { cwd: root, env: { ...process.env, ENV_FILE: envFile }, stdio: 'ignore' });
    let child = spawnPredictor();
    try {
      await waitFor(async () => (await readAll(kinesis, streams.results)).length > 100, { timeoutMs: 60_000, what: 'the first results', intervalMs: 200 });
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const beforeRestart = (await readAll(kinesis, streams.results)).length;
      expect(beforeRestart).toBeLessThan(total);
      child = spawnPredictor();
      const resultSequences = async () => new Set((await readAll(kinesis, streams.results)).map((r) => r.sequence_number as string));
      await waitFor(async () => (await resultSequences()).size >= total, { timeoutMs: 120_000, what: 'every result after the restart', intervalMs: 200 });
      const seen = await resultSequences();
      expect(sequenceNumbers.filter((s) => !seen.has(s))).toEqual([]);
      child.kill('SIGTERM');
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await streams.remove();
    }
  }, 240_000);

  it('given predictions and an outcomes stream with duplicated, early, unknown and bad records, when consumed, then each prediction is labelled once and the bad ones reach the DLQ', async () => {
    const streams = await createTestStreams(kinesis, 1);
    const envFile = await envFor(streams);
    const predictor = await startStreamPredictor({ port: 0, envFile, config: loadPredictorStreamConfig(envFile), logger: createLogger('stream-int', { level: 'warn' }) });
    const tag = `o${Date.now()}`;
    const outcome = (i: number, label = rows[i]!.churned) => JSON.stringify({ request_id: `${tag}-${i}`, churned: label === 1 });
    try {
      // 40-49 arrive before their predictions.
      await putPayloads(kinesis, streams.outcomes, Array.from({ length: 10 }, (_, k) => outcome(40 + k)));
      const predictions = rows.slice(0, 50).map((row, i) => JSON.stringify({ ...requestOf(row, i), request_id: `${tag}-${i}` }));
      await putPayloads(kinesis, streams.input, predictions);
      const bad = ['not json', JSON.stringify({ request_id: `${tag}-1`, churned: 'perhaps' }), JSON.stringify({ churned: true })];
      await putPayloads(kinesis, streams.outcomes, [...Array.from({ length: 40 }, (_, i) => outcome(i)), outcome(0, rows[0]!.churned === 1 ? 0 : 1), outcome(1), JSON.stringify({ request_id: `${tag}-unknown`, churned: false }), ...bad]);
      const metric = async (name: string) => Number(/\s(\d+)$/.exec((await (await fetch(`http://127.0.0.1:${predictor.port}/metrics`)).text()).split('\n').find((l) => l.startsWith(`${name} `)) ?? '')?.[1]);
      await waitFor(async () => (await metric('churn_outcomes_received_total')) === 56, { timeoutMs: 30_000, what: 'the outcomes', intervalMs: 200 });
      expect(await metric('churn_outcomes_invalid_total')).toBe(3);
      await waitFor(async () => (await readAll(kinesis, streams.dlq)).length >= bad.length, { timeoutMs: 20_000, what: 'DLQ records', intervalMs: 200 });
      expect((await readAll(kinesis, streams.dlq)).map((d) => [d.field, d.stream]).sort()).toEqual([
        ['(record)', streams.outcomes],
        ['churned', streams.outcomes],
        ['request_id', streams.outcomes],
      ]);
      const tagged = (row: Record<string, unknown>) => String(row['request_id']).startsWith(`${tag}-`);
      await waitFor(async () => (await findLoggedPredictions(mongo.db().collection('predictions'), { request_id: { $regex: `^${tag}-` } }, tagged)).length === 50, { timeoutMs: 20_000, what: 'the prediction log', intervalMs: 200 });
      const window = await readLabelledWindow(mongo.db(), { runId, from: new Date(Date.now() - 600_000), to: new Date(Date.now() + 1000) });
      // The two repeats: not stored when they share a batch with the first, ignored when read otherwise.
      expect((await metric('churn_outcomes_duplicate_total')) + window.duplicates).toBe(2);
      const expected = model.predict(rows.slice(0, 50));
      const pairs = (list: [number, number][]) => list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      expect(pairs(window.rows.map((r) => [r.chance, r.label]))).toEqual(pairs(rows.slice(0, 50).map((row, i) => [expected[i] as number, row.churned])));
    } finally {
      await predictor.close();
      await streams.remove();
    }
  });

  it('when the served model is a multi-class Booster Python saved, then each result and log entry carries its class and every class probability as pyfunc within 1e-6', async () => {
    const python = execFileSync(join(root, 'scripts/py-venv.sh'), ['mlflow3'], { encoding: 'utf8' }).trim();
    const out = mkdtempSync(join(tmpdir(), 'stream-multi-'));
    const streams = await createTestStreams(kinesis, 1);
    try {
      execFileSync(python, [join(root, 'packages/model/python/mlflow_xgboost_models.py'), out], { stdio: ['ignore', 'ignore', 'pipe'] });
      const expected = JSON.parse(readFileSync(join(out, 'expected.json'), 'utf8')) as { rows: Record<string, unknown>[]; cases: Record<string, number[][]> };
      const want = expected.cases['booster-multi'] ?? [];
      const multiRun = await registerTestModel(TRACKING_URI, join(out, 'booster-multi'), 'stream-multi');
      const envFile = await envFor(streams, { RUN_ID: multiRun });
      const predictor = await startStreamPredictor({ port: 0, envFile, config: loadPredictorStreamConfig(envFile), logger: createLogger('stream-int', { level: 'warn' }) });
      try {
        await putPayloads(kinesis, streams.input, expected.rows.map((row, i) => JSON.stringify({ ...row, request_id: `${streams.input}-${i}` })));
        await waitFor(async () => (await readAll(kinesis, streams.results)).length >= want.length, { timeoutMs: 60_000, what: 'multi-class results', intervalMs: 200 });
        const results = new Map((await readAll(kinesis, streams.results)).map((r) => [r['request_id'] as string, r]));
        want.forEach((probabilities, i) => {
          const result = results.get(`${streams.input}-${i}`) as { predicted_class: number; class_probabilities: number[]; model_run_id: string };
          expect(result.model_run_id).toBe(multiRun);
          expect(Math.max(...probabilities.map((p, c) => Math.abs(p - (result.class_probabilities[c] ?? Number.NaN))))).toBeLessThan(1e-6);
          expect(result.predicted_class).toBe(probabilities.indexOf(Math.max(...probabilities)));
        });
        const first = `${streams.input}-0`;
        const loggedFirst = () => findLoggedPredictions(mongo.db().collection('predictions'), { request_id: first }, (row) => row['request_id'] === first);
        await waitFor(async () => (await loggedFirst()).length === 1, { timeoutMs: 30_000, what: 'the logged prediction', intervalMs: 200 });
        const [logged] = await loggedFirst();
        expect(logged?.['class_probabilities']).toHaveLength(want[0]?.length ?? 0);
        expect(logged?.['predicted_class']).toBe(want[0]?.indexOf(Math.max(...(want[0] ?? []))));
      } finally {
        await predictor.close();
      }
    } finally {
      await streams.remove();
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
