import { customer, startTestApp } from './test-support.js';

type TestApp = Awaited<ReturnType<typeof startTestApp>>;

const post = (app: TestApp, path: string, body: string, type = 'application/json') =>
  fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

describe('predictor-api', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ bodyLimit: '64kb' });
  });
  afterAll(() => app.close());

  it('when a valid customer is posted to /predict, then it answers the churn chance, the run id and the echoed customer id, and logs it', async () => {
    const response = await post(app, '/predict', JSON.stringify({ ...customer, customer_id: 'c-1' }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ 'churn chance': 0.05, model_run_id: 'run-test', customer_id: 'c-1' });
    const entry = app.logged.at(-1);
    expect(entry).toMatchObject({ model_run_id: 'run-test', source: 'http', churn_chance: 0.05, customer_id: 'c-1' });
    expect(entry?.features).toMatchObject({ gender: 'm', education_level: 3, credit_limit: 5000 });
  });

  const { credit_limit: _omitted, ...withoutCreditLimit } = customer;
  it.each([
    ['malformed JSON', '{"customer_age": 45,', 400, '(body)'],
    ['a JSON array', '[1,2]', 400, '(body)'],
    ['an empty body', '', 400, '(body)'],
    ['a missing field', JSON.stringify(withoutCreditLimit), 400, 'credit_limit'],
    ['a number as a string', JSON.stringify({ ...customer, customer_age: '45' }), 400, 'customer_age'],
    ['a fractional count', JSON.stringify({ ...customer, dependent_count: 1.5 }), 400, 'dependent_count'],
    ['an age out of range', JSON.stringify({ ...customer, customer_age: 7 }), 400, 'customer_age'],
    ['a negative credit limit', JSON.stringify({ ...customer, credit_limit: -1 }), 400, 'credit_limit'],
    ['an unknown card category', JSON.stringify({ ...customer, card_category: 'diamond' }), 400, 'card_category'],
    ['an unknown education label', JSON.stringify({ ...customer, education_level: 'kindergarten' }), 400, 'education_level'],
    ['an income code out of range', JSON.stringify({ ...customer, income_category: 9 }), 400, 'income_category'],
    ['a null field', JSON.stringify({ ...customer, gender: null }), 400, 'gender'],
    ['a huge body', JSON.stringify({ ...customer, padding: 'x'.repeat(200_000) }), 413, '(body)'],
  ])('when /predict gets %s, then it answers 4xx naming the field', async (_case, body, status, field) => {
    const response = await post(app, '/predict', body);
    expect(response.status).toBe(status);
    const json = (await response.json()) as { error: string; field: string };
    expect(json.field).toBe(field);
    expect(json.error).toContain(field === '(body)' ? '' : field);
  });

  it('when the body is compressed, then it answers 415 naming the body', async () => {
    const response = await fetch(`${app.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: 'xx' });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { field: string }).field).toBe('(body)');
  });

  it.each(['/predict/', '/predict?explain=false'])('when the customer is posted to %s, then it is scored as on /predict (as Express routes it)', async (path) => {
    const response = await post(app, path, JSON.stringify(customer));
    expect(response.status).toBe(200);
    expect(((await response.json()) as Record<string, unknown>)['churn chance']).toBe(0.05);
  });

  it('when /predict is fetched with GET, then Express answers 404 JSON', async () => {
    const response = await fetch(`${app.url}/predict`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not found' });
  });

  it('given no x-request-id, when /predict answers, then it returns the minted id in x-request-id and logs the prediction under it', async () => {
    const response = await fetch(`${app.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(customer) });
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(app.logged.at(-1)?.request_id).toBe(id);
  });

  it('when the caller sends an x-request-id, then the logged prediction carries it', async () => {
    await fetch(`${app.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'req-42' }, body: JSON.stringify(customer) });
    expect(app.logged.at(-1)?.request_id).toBe('req-42');
  });

  it('when the body has no content type, then it is still read as JSON', async () => {
    const response = await fetch(`${app.url}/predict`, { method: 'POST', body: JSON.stringify(customer) });
    expect(response.status).toBe(200);
  });

  it('when a model is loaded, then /health answers 200 with its run id', async () => {
    const response = await fetch(`${app.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', model_run_id: 'run-test' });
  });

  it('when requests were served, then /metrics shows them by route and status with the prediction histogram', async () => {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(/http_requests_total\{route="\/predict",method="POST",status="200"\} \d+/);
    expect(text).toMatch(/http_requests_total\{route="\/predict",method="POST",status="400"\} \d+/);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0.01",route="\/predict"/);
    expect(text).toMatch(/churn_prediction_chance_count\{source="http"\} \d+/);
    expect(text).toMatch(/churn_model_info\{run_id="run-test"\} 1/);
  });

  it('when /openapi.json is fetched, then it documents every route with schemas from zod', async () => {
    const doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, { required?: string[] }> } };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/predict', '/invocations', '/predict/batch', '/health', '/metrics']));
    expect(doc.components.schemas.PredictionRequest?.required).toContain('credit_limit');
  });

  it('when /docs and / are fetched, then they are self-contained HTML pages', async () => {
    for (const path of ['/docs', '/']) {
      const response = await fetch(`${app.url}${path}`);
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
      const html = await response.text();
      expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/);
    }
    expect(await (await fetch(`${app.url}/docs`)).text()).toContain('/predict/batch');
    expect(await (await fetch(`${app.url}/`)).text()).toContain('<form');
  });

  it('when a path does not exist, then it answers 404 JSON', async () => {
    const response = await fetch(`${app.url}/nope`);
    expect(response.status).toBe(404);
  });
});

describe('predictor-api before a model is loaded', () => {
  it('when no model is loaded, then /health and /predict answer 503', async () => {
    const app = await startTestApp({ loaded: false });
    try {
      expect((await fetch(`${app.url}/health`)).status).toBe(503);
      expect((await post(app, '/predict', JSON.stringify(customer))).status).toBe(503);
    } finally {
      await app.close();
    }
  });
});
