import { defaultContract } from '@churn/churn-data';
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
