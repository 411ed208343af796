import { API_PREFIXES } from './http/route-table.js';
import { ROUTES } from './routes/index.js';
import { startTestRegistry, type TestRegistry } from './testing/test-registry.js';

// Every entry of the route table answers with its verb under every prefix: never "no such
// endpoint", never a 5xx, always a JSON body (a result or an MLflow error).
let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry();
});
afterAll(async () => {
  await registry?.close();
});

const cases = API_PREFIXES.flatMap((prefix) => ROUTES.map((r) => [r.method, `${prefix}${r.path.replace(':model_id', 'm-missing').replace(':tag_key', 'k')}`] as const));

it('when the table is listed, then it covers the endpoints MLflow clients call', () => {
  const endpoints = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
  for (const endpoint of [
    'POST /experiments/create', 'GET /experiments/get', 'GET /experiments/get-by-name', 'POST /experiments/search', 'POST /experiments/update',
    'POST /experiments/delete', 'POST /experiments/restore', 'POST /runs/create', 'GET /runs/get', 'POST /runs/update', 'POST /runs/delete',
    'POST /runs/restore', 'POST /runs/search', 'POST /runs/log-metric', 'POST /runs/log-parameter', 'POST /runs/log-batch', 'POST /runs/set-tag',
    'POST /runs/delete-tag', 'POST /runs/log-inputs', 'POST /runs/outputs', 'GET /metrics/get-history', 'GET /artifacts/list',
    'POST /registered-models/create', 'GET /registered-models/get', 'GET /registered-models/search', 'POST /registered-models/rename',
    'PATCH /registered-models/update', 'DELETE /registered-models/delete', 'POST /registered-models/alias', 'DELETE /registered-models/alias',
    'GET /registered-models/alias', 'POST /model-versions/create', 'GET /model-versions/get', 'GET /model-versions/search',
    'PATCH /model-versions/update', 'DELETE /model-versions/delete', 'POST /model-versions/transition-stage', 'GET /model-versions/get-download-uri',
    'POST /logged-models', 'GET /logged-models/:model_id', 'PATCH /logged-models/:model_id', 'PATCH /logged-models/:model_id/tags',
    'POST /logged-models/search', 'GET /server-info',
  ]) {
    expect(endpoints).toContain(endpoint);
  }
});

it.each(cases)('when %s %s is called, then it answers in JSON without a 5xx or ENDPOINT_NOT_FOUND', async (method, path) => {
  const response = await registry.api(path, { method, ...(method === 'GET' ? {} : { body: {} }) });
  expect(response.status).toBeLessThan(500);
  expect(response.json.error_code).not.toBe('ENDPOINT_NOT_FOUND');
  expect(() => JSON.parse(response.text) as unknown).not.toThrow();
  if (response.status >= 400) expect(response.json.message).toEqual(expect.any(String));
});

it('when a verb the table does not list is used, then ENDPOINT_NOT_FOUND in MLflow shape', async () => {
  const response = await registry.api('/api/2.0/mlflow/runs/create', { method: 'GET' });
  expect(response.status).toBe(404);
  expect(response.json).toEqual({ error_code: 'ENDPOINT_NOT_FOUND', message: expect.stringContaining('GET /api/2.0/mlflow/runs/create') });
});
