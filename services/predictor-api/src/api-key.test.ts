import { loadConfig } from '@churn/config';
import { predictorApiConfigSchema } from './config.js';
import { customer, startTestApp } from './test-support.js';

type TestApp = Awaited<ReturnType<typeof startTestApp>>;

const KEY = 'test-key-8f2d1c';
const predict = (app: TestApp, headers: Record<string, string> = {}) =>
  fetch(`${app.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(customer) });

describe('predictor-api config', () => {
  it('given the cloud profile, when PREDICTOR_API_KEY is missing, then loading fails naming it', () => {
    expect(() => loadConfig(predictorApiConfigSchema, { env: { CHURN_PROFILE: 'cloud' } })).toThrow(/^invalid configuration: PREDICTOR_API_KEY: must be set/);
  });

  it('given the cloud profile, when PREDICTOR_API_KEY is set, then it loads with the key', () => {
    expect(loadConfig(predictorApiConfigSchema, { env: { CHURN_PROFILE: 'cloud', PREDICTOR_API_KEY: KEY } }).PREDICTOR_API_KEY).toBe(KEY);
  });

  it('given the local profile, when no key is set, then it loads without one', () => {
    expect(loadConfig(predictorApiConfigSchema, { env: {} }).PREDICTOR_API_KEY).toBeUndefined();
  });
});

describe('predictor-api with an API key (cloud profile)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ apiKey: KEY });
  });
  afterAll(() => app.close());

  it.each([
    ['no key', {}],
    ['a wrong key', { 'x-api-key': 'wrong' }],
    ['the key as a bearer token', { authorization: `Bearer ${KEY}` }],
  ])('when /predict is called with %s, then it answers 401 and logs nothing', async (_case, headers) => {
    const before = app.logged.length;
    const response = await predict(app, headers);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'missing or wrong X-API-Key header' });
    expect(app.logged.length).toBe(before);
  });

  it.each(['/', '/openapi.json', '/docs'])('when GET %s has no key, then it answers 401', async (path) => {
    expect((await fetch(`${app.url}${path}`)).status).toBe(401);
  });

  it('when /predict is called with the key, then it answers 200 with the chance', async () => {
    const response = await predict(app, { 'x-api-key': KEY });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ model_run_id: 'run-test' });
  });

  it('when /invocations is called with the key, then it answers 200', async () => {
    const response = await fetch(`${app.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY },
      body: JSON.stringify({ dataframe_records: [customer] }),
    });
    expect(response.status).toBe(200);
  });

  it.each(['/health', '/metrics'])('when the probe %s has no key, then it answers 200 (internal network only)', async (path) => {
    expect((await fetch(`${app.url}${path}`)).status).toBe(200);
  });
});

describe('predictor-api without a key (local profile)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('when /predict is called without a key, then it answers 200', async () => {
    expect((await predict(app)).status).toBe(200);
  });
});
