import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '@churn/aws';
import { loadCleanDataset } from '@churn/churn-data';
import { MlflowClient } from '@churn/mlflow-client';
import { MongoClient, type Db } from 'mongodb';
import { ChurnFlow } from '../../scripts/demo/flow.js';
import { promQuery, waitUntil } from '../../scripts/demo/processes.js';
import { readState, ROOT, siblingTrial } from './e2e-state.js';

// The whole flow, from the CSV in the S3 feature store to a served, logged, monitored prediction,
// then a second model promoted by editing RUN_ID while traffic flows. The global setup ran the flow.
const state = readState();
const flow = new ChurnFlow(ROOT, state.envFile);
const api = flow.url('PREDICTOR_API_PORT', 9696);
const mlflow = new MlflowClient({ trackingUri: flow.env['MLFLOW_TRACKING_URI'] ?? 'http://127.0.0.1:5051' });
const customer = { ...loadCleanDataset().rows[0] } as Record<string, unknown>;
delete customer['churned'];
// Ids unique to this run: the prediction log keeps earlier runs' documents.
const id = (name: string) => `${name}-${Date.now()}`;

let mongo: MongoClient;
let db: Db;

beforeAll(async () => {
  mongo = await MongoClient.connect(flow.env['MONGODB_URI'] ?? '');
  db = mongo.db();
});
afterAll(() => mongo.close());

const predict = async (body: object) => {
  const response = await fetch(`${api}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const loggedPrediction = (filter: object) =>
  waitUntil(`prediction log ${JSON.stringify(filter)}`, 30_000, async () => ((await db.collection('predictions').findOne(filter)) ? true : 'not logged yet'));

describe('the whole flow', () => {
  it('when tuning ran through Temporal on the S3 snapshot, then the best run holds an MLflow model and is a registered version', async () => {
    const run = await mlflow.getRun(state.runId);
    expect(run.info.status).toBe('FINISHED');
    const files = (await mlflow.listArtifacts(state.runId, 'model')).map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['model/MLmodel', 'model/model.json', 'model/preprocessor.json', 'model/reference.json']));
    const { modelVersions: versions } = await mlflow.searchModelVersions({ filter: `run_id = '${state.runId}'` });
    expect(versions.map((v) => v.name)).toEqual(['churn-model']);
  });

  it('when a customer is posted, then the promoted model answers with its churn chance', async () => {
    const customerId = id('e2e-http');
    const { status, body } = await predict({ ...customer, customer_id: customerId });
    expect(status).toBe(200);
    expect(body['model_run_id']).toBe(state.runId);
    expect(body['customer_id']).toBe(customerId);
    expect(body['churn chance']).toBeGreaterThan(0);
    expect(body['churn chance']).toBeLessThan(1);
  });

  it('when a prediction is served, then it is logged to Mongo with its model, features, source and latency', async () => {
    const customerId = id('e2e-http');
    await predict({ ...customer, customer_id: customerId });
    await loggedPrediction({ customer_id: customerId });
    const doc = await db.collection('predictions').findOne({ customer_id: customerId });
    expect(doc).toMatchObject({ model_run_id: state.runId, source: 'http', features: { credit_limit: customer['credit_limit'] } });
    expect(typeof doc?.['latency_ms']).toBe('number');
    expect(doc?.['created_at']).toBeInstanceOf(Date);
  });

  it('when a record is put on the predictions stream, then the stream predictor scores and logs it', async () => {
    const customerId = id('e2e-stream');
    const kinesis = createKinesisClient(flow.env as never);
    await kinesis.send(new PutRecordCommand({ StreamName: 'predictions', PartitionKey: 'e2e', Data: Buffer.from(JSON.stringify({ ...customer, customer_id: customerId })) }));
    kinesis.destroy();
    await loggedPrediction({ customer_id: customerId, source: 'stream', model_run_id: state.runId });
  });

  it('when drifted traffic flows, then the live drift gauge of the shifted feature rises in Prometheus', async () => {
    await waitUntil('credit_limit drift gauge above 0.1', 120_000, async () => {
      const series = await promQuery('http://127.0.0.1:9090', 'churn_feature_drift_score{job="predictor-api",feature="credit_limit"}');
      const value = Number(series[0]?.value[1] ?? 0);
      return value > 0.1 || `score ${value}`;
    });
  });

  it('when the drift report ran, then it marks the shifted feature and nginx serves it and the index', async () => {
    expect(state.report.runId).toBe(state.runId);
    expect(state.report.driftedFeatures).toContain('credit_limit');
    const index = await fetch('http://127.0.0.1:8888/');
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    const html = await index.text();
    expect(html).toContain(state.runId);
    const file = (state.report.reportPath ?? '').split('/').pop() ?? '';
    const report = await fetch(`http://127.0.0.1:8888/${file}`);
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toMatch(/text\/html/);
    expect(await report.text()).toContain('credit_limit');
  });

  it('when another run is promoted by editing RUN_ID under load, then it is served within seconds and no request fails', async () => {
    const nextRunId = (await siblingTrial(mlflow, state.runId)).info.run_id;

    const outcomes: { status: number; runId: unknown }[] = [];
    let loading = true;
    const client = async () => {
      while (loading) {
        const { status, body } = await predict(customer).catch(() => ({ status: 0, body: {} as Record<string, unknown> }));
        outcomes.push({ status, runId: body['model_run_id'] });
      }
    };
    const clients = Array.from({ length: 4 }, client);
    await new Promise((r) => setTimeout(r, 1_000));
    const promotedAt = Date.now();
    flow.promote(nextRunId);
    await waitUntil('new run served', 30_000, async () => outcomes.at(-1)?.runId === nextRunId || 'old run still served');
    const switchSeconds = (Date.now() - promotedAt) / 1000;
    await new Promise((r) => setTimeout(r, 1_000));
    loading = false;
    await Promise.all(clients);

    expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
    expect(switchSeconds).toBeLessThan(30);
    const firstNew = outcomes.findIndex((o) => o.runId === nextRunId);
    // Once switched, every later answer comes from the new model.
    expect(outcomes.slice(firstNew).every((o) => o.runId === nextRunId)).toBe(true);
    flow.promote(state.runId);
  });
});
