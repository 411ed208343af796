import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '@churn/aws';
import { contractSplit, DatasetContract, defaultContract, loadCleanDataset, parseRequest, type FeatureRow } from '@churn/churn-data';
import { MlflowClient } from '@churn/mlflow-client';
import { findLoggedPredictions } from '@churn/serving/testing';
import { MongoClient, type Db } from 'mongodb';
import { ChurnFlow } from '../../scripts/demo/flow.js';
import { nodeWarningsSinceStart, promQuery, waitUntil } from '../../scripts/demo/processes.js';
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

/** The customer's logged prediction: the log stores chunks of predictions, a query by customer_id finds the one holding it. */
const loggedRowOf = async (customerId: string) => (await findLoggedPredictions(db.collection('predictions'), { customer_id: customerId }, (row) => row['customer_id'] === customerId))[0];

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
    const doc = await loggedRowOf(customerId);
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
    // Later tests expect the tuned run served again: wait for the switch back, not only the edit.
    flow.promote(state.runId);
    await waitUntil('tuned run served again', 30_000, async () => (await predict(customer)).body['model_run_id'] === state.runId || 'sibling still served');
  });
});

describe('a second dataset, declared only by its contract file', () => {
  const second = DatasetContract.resolve(state.secondDataset);
  const secondCustomer = (() => {
    const row: FeatureRow = contractSplit(second, loadCleanDataset(second).rows).test[0] ?? {};
    return Object.fromEntries(second.featureNames.map((name) => [name, row[name]]));
  })();
  const ofDataset = (features: Record<string, unknown>, contract: DatasetContract) => contract.featureNames.every((name) => name in features);

  it('when tuning ran on its S3 snapshot, then its best run is a registered version carrying its contract', async () => {
    const run = await mlflow.getRun(state.secondRunId);
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.tags?.find((t) => t.key === 'dataset')?.value).toBe(second.name);
    const files = (await mlflow.listArtifacts(state.secondRunId, 'model')).map((f) => f.path);
    expect(files).toContain('model/contract.yaml');
    const { modelVersions } = await mlflow.searchModelVersions({ filter: `run_id = '${state.secondRunId}'` });
    expect(modelVersions.map((v) => v.tags?.find((t) => t.key === 'dataset')?.value)).toEqual([second.name]);
    // The champion serves BankChurners: a model of another dataset is not compared with it, only registered.
    expect((await mlflow.getModelVersionByAlias('churn-model', 'champion'))?.run_id).not.toBe(state.secondRunId);
  });

  it('when it is promoted under mixed traffic, then schema and model switch together: no 5xx, and every 200 comes from the model of the request\'s dataset', async () => {
    const outcomes: { status: number; runId: unknown; dataset: string }[] = [];
    let loading = true;
    const client = (body: Record<string, unknown>, dataset: string) => async () => {
      while (loading) {
        const { status, body: answer } = await predict(body).catch(() => ({ status: 0, body: {} as Record<string, unknown> }));
        outcomes.push({ status, runId: answer['model_run_id'], dataset });
      }
    };
    const clients = [client(customer, 'bankchurners'), client(secondCustomer, second.name), client(customer, 'bankchurners'), client(secondCustomer, second.name)].map((c) => c());
    await new Promise((r) => setTimeout(r, 1_000));
    flow.promote(state.secondRunId);
    await waitUntil('second dataset served', 30_000, async () => outcomes.some((o) => o.runId === state.secondRunId) || 'not switched yet');
    await new Promise((r) => setTimeout(r, 1_000));
    loading = false;
    await Promise.all(clients);

    expect(outcomes.filter((o) => o.status !== 200 && o.status !== 400)).toEqual([]);
    const served = outcomes.filter((o) => o.status === 200);
    expect(served.filter((o) => (o.dataset === 'bankchurners' ? o.runId !== state.runId : o.runId !== state.secondRunId))).toEqual([]);
    // Both sides were answered: the old schema before the switch, the new one after.
    expect(new Set(served.map((o) => o.dataset))).toEqual(new Set(['bankchurners', second.name]));
    const refused = await predict(customer);
    expect(refused.status).toBe(400);
    // The field the contract itself names first (BankChurners' gender "M" is not a telco level).
    const expected = parseRequest(second, customer, 'json');
    expect(expected.ok).toBe(false);
    expect(refused.body['field']).toBe(expected.ok ? undefined : expected.field);
  });

  it('when it is served, then the form, the OpenAPI document and the stream follow its contract', async () => {
    const form = await (await fetch(`${api}/`)).text();
    for (const name of second.featureNames) expect(form).toContain(`name="${name}"`);
    const openapi = (await (await fetch(`${api}/openapi.json`)).json()) as { components: { schemas: { PredictionRequest: { properties: Record<string, unknown> } } } };
    expect(Object.keys(openapi.components.schemas.PredictionRequest.properties)).toEqual(expect.arrayContaining(second.featureNames as string[]));
    const customerId = id('e2e-second-stream');
    const kinesis = createKinesisClient(flow.env as never);
    await kinesis.send(new PutRecordCommand({ StreamName: 'predictions', PartitionKey: 'e2e', Data: Buffer.from(JSON.stringify({ ...secondCustomer, customer_id: customerId })) }));
    kinesis.destroy();
    await loggedPrediction({ customer_id: customerId, source: 'stream', model_run_id: state.secondRunId });
    const doc = await loggedRowOf(customerId);
    expect(ofDataset(doc?.['features'] as Record<string, unknown>, second)).toBe(true);
    expect(ofDataset(doc?.['features'] as Record<string, unknown>, defaultContract())).toBe(false);
  });

  it('when its simulator replays drifted customers, then the drift report on its model marks the shifted column', async () => {
    const shifted = second.features.find((f) => f.kind === 'numeric')?.name ?? '';
    flow.startSimulator('simulator-second', { DATASET: second.name, SIMULATOR_PORT: '0', SIMULATOR_TARGETS: 'http,stream', SIMULATOR_RATE_PER_SEC: '40', SIMULATOR_DRIFT: `${shifted}*3` });
    await waitUntil('second dataset predictions logged', 120_000, async () => {
      const count = (await findLoggedPredictions(db.collection('predictions'), { model_run_id: state.secondRunId })).length;
      return count >= 300 || `${count} logged`;
    });
    const { report } = await flow.driftReport(10 * 60_000);
    expect(report.runId).toBe(state.secondRunId);
    expect(report.driftedFeatures).toContain(shifted);
    const html = await (await fetch(`http://127.0.0.1:8888/${(report.reportPath ?? '').split('/').pop() ?? ''}`)).text();
    expect(html).toContain(shifted);
    await flow.processes.stop('simulator-second');
    flow.promote(state.runId);
  });
});

describe('the runtime', () => {
  it('when the services have run the flow on the pinned Node, then none printed a deprecation or support warning', () => {
    expect(process.version).toBe(`v${readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim()}`);
    const logs = ['registry', 'worker', 'predictor-api', 'predictor-stream', 'simulator'].filter((name) => existsSync(join(ROOT, '.stack/logs', `${name}.log`)));
    expect(logs).toEqual(expect.arrayContaining(['registry', 'worker', 'predictor-api', 'predictor-stream']));
    const warnings = Object.fromEntries(logs.map((name) => [name, nodeWarningsSinceStart(join(ROOT, '.stack/logs', `${name}.log`))]));
    expect(warnings).toEqual(Object.fromEntries(logs.map((name) => [name, []])));
  });
});
