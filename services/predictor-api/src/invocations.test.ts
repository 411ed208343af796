import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultContract } from '@churn/churn-data';
import { loadForeignModelDir } from '@churn/model';
import { customer, startTestApp } from './test-support.js';

type TestApp = Awaited<ReturnType<typeof startTestApp>>;

const second = { ...customer, credit_limit: 20_000, card_category: 'gold' };
const rows = [customer, second];
const expected = [0.05, 0.7];
const positional = rows.map((r) => defaultContract().featureNames.map((name) => r[name as keyof typeof r]));

describe('POST /invocations (MLflow scoring protocol)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  const invoke = (body: unknown) =>
    fetch(`${app.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it.each([
    ['dataframe_split', { dataframe_split: { columns: Object.keys(customer), data: rows.map((r) => Object.values(r)) } }],
    ['dataframe_split with index', { dataframe_split: { index: [0, 1], columns: Object.keys(customer), data: rows.map((r) => Object.values(r)) } }],
    ['dataframe_records', { dataframe_records: rows }],
    ['instances as records', { instances: rows }],
    ['instances as positional arrays', { instances: positional }],
    ['inputs as records', { inputs: rows }],
    ['inputs as columns', { inputs: Object.fromEntries(Object.keys(customer).map((k) => [k, rows.map((r) => r[k as keyof typeof customer])])) }],
  ])('when the body is %s, then it answers one prediction per row', async (_format, body) => {
    const response = await invoke(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ predictions: expected });
  });

  it('when the body is text/csv, then it answers one prediction per row, and a bad cell is a 400 naming it', async () => {
    const header = Object.keys(customer).join(',');
    const csv = `${header}\n${rows.map((r) => Object.values(r).join(',')).join('\n')}\n`;
    const ok = await fetch(`${app.url}/invocations`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(await ok.json()).toEqual({ predictions: expected });
    const bad = await fetch(`${app.url}/invocations`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `${header}\n${Object.values({ ...customer, credit_limit: 'lots' }).join(',')}\n` });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field: string }).field).toBe('rows[0].credit_limit');
  });

  it.each([
    ['no known key', { rows }, '(body)'],
    ['a bad row', { dataframe_records: [customer, { ...customer, gender: 'x' }] }, 'dataframe_records[1].gender'],
    ['a wrong type in a split', { dataframe_split: { columns: Object.keys(customer), data: [Object.values({ ...customer, credit_limit: 'lots' })] } }, 'dataframe_split.data[0].credit_limit'],
    ['a missing column', { inputs: [{ customer_age: 40 }] }, 'inputs[0].gender'],
    ['no rows', { instances: [] }, 'instances'],
    ['split data not an array', { dataframe_split: { columns: ['a'], data: 5 } }, 'dataframe_split.data'],
  ])('when the body has %s, then it answers 400 naming %s', async (_case, body, field) => {
    const response = await invoke(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { field: string }).field).toBe(field);
  });
});

describe('POST /invocations and /predict on a multi-class XGBoost model Python logged', () => {
  let app: TestApp;
  let scratch: string;
  // Two classes, one tree each on x0: below 0.5 class 1 gains, above it class 0.
  const tree = (low: number, high: number) => ({
    left_children: [1, -1, -1],
    right_children: [2, -1, -1],
    parents: [2147483647, 0, 0],
    split_indices: [0, 0, 0],
    split_conditions: [0.5, low, high],
    default_left: [1, 0, 0],
    base_weights: [0, low, high],
    loss_changes: [1, 0, 0],
    sum_hessian: [2, 1, 1],
  });
  const modelJson = {
    learner: {
      learner_model_param: { base_score: '5E-1', num_feature: '2', num_class: '2' },
      objective: { name: 'multi:softprob' },
      gradient_booster: { name: 'gbtree', model: { tree_info: [0, 1], trees: [tree(-1, 1), tree(1, -1)] } },
    },
  };
  const mlmodel = `flavors:\n  python_function:\n    loader_module: mlflow.xgboost\n    data: model.json\n  xgboost:\n    data: model.json\n    model_class: xgboost.core.Booster\nsignature:\n  inputs: '[{"type": "double", "name": "x0"}, {"type": "double", "name": "x1"}]'\n`;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'foreign-'));
    await writeFile(join(scratch, 'MLmodel'), mlmodel);
    await writeFile(join(scratch, 'model.json'), JSON.stringify(modelJson));
    app = await startTestApp({ loaded: false, models: { 'run-py': await loadForeignModelDir(scratch) } });
    await app.holder.load('run-py');
  });
  afterAll(async () => {
    await app.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('when rows are posted to /invocations, then it answers per-class probabilities per row as mlflow models serve does, and logs the top probability', async () => {
    const response = await fetch(`${app.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dataframe_split: { columns: ['x0', 'x1'], data: [[0.9, 0], [0.1, 0]] } }) });
    expect(response.status).toBe(200);
    const { predictions } = (await response.json()) as { predictions: number[][] };
    const high = 1 / (1 + Math.exp(-2));
    expect(predictions).toHaveLength(2);
    expect(predictions[0]?.[0]).toBeCloseTo(high, 6);
    expect(predictions[0]?.[1]).toBeCloseTo(1 - high, 6);
    expect(predictions[1]?.[1]).toBeCloseTo(high, 6);
    expect(app.logged.map((e) => e.churn_chance)).toEqual([predictions[0]?.[0], predictions[1]?.[1]]);
  });

  it('when a CSV is posted to /predict/batch, then each row gets its class and a probability column per class, and the log keeps them', async () => {
    const before = app.logged.length;
    const response = await fetch(`${app.url}/predict/batch`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'x0,x1\n0.9,0\nbad,0\n0.1,0\n' });
    expect(response.status).toBe(200);
    const [header, ...lines] = (await response.text()).trim().split('\n');
    expect(header).toBe('x0,x1,predicted_class,probability_0,probability_1,model_run_id,error');
    const high = 1 / (1 + Math.exp(-2));
    const first = lines[0]?.split(',') ?? [];
    expect(first[2]).toBe('0');
    expect(Number(first[3])).toBeCloseTo(high, 6);
    expect(lines[1]).toMatch(/^bad,0,,,,,.+/);
    expect(lines[2]?.split(',')[2]).toBe('1');
    const logged = app.logged.slice(before);
    expect(logged.map((e) => e.predicted_class)).toEqual([0, 1]);
    expect(logged[0]?.class_probabilities?.[0]).toBeCloseTo(high, 6);
  });

  it('when the form and OpenAPI are asked for, then they describe the signature columns', async () => {
    expect(await (await fetch(`${app.url}/openapi.json`)).text()).toContain('"x0"');
    const form = await fetch(`${app.url}/`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('x1');
  });

  it('when a row is posted to /predict, then it answers the most probable class and every class probability instead of one chance', async () => {
    const response = await fetch(`${app.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ x0: 0.1, x1: 0 }) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    const high = 1 / (1 + Math.exp(-2));
    expect(body).toMatchObject({ predicted_class: 1, model_run_id: 'run-py' });
    expect((body['class_probabilities'] as number[])[1]).toBeCloseTo(high, 6);
    expect(body).not.toHaveProperty('churn chance');
  });
});
