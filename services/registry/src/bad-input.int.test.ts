import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { startTestRegistry, type TestRegistry } from './testing/test-registry.js';

// Bad input of every kind gets a 4xx in MLflow's error shape, never a 5xx or a dropped connection.
let registry: TestRegistry;
let runId: string;
beforeAll(async () => {
  registry = await startTestRegistry({ REGISTRY_MAX_BODY: '64kb' });
  const created = await registry.api('/api/2.0/mlflow/runs/create', { body: { experiment_id: '0' } });
  runId = ((created.json.run as { info: { run_id: string } }).info).run_id;
});
afterAll(async () => {
  await registry?.close();
});

/** Sends the path byte for byte (fetch would normalise %2e%2e away before it left the client). */
function raw(method: string, path: string, body?: string | Buffer, contentType = 'application/json'): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(registry.url);
    const req = request({ hostname, port, path, method, headers: body === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> });
        } catch {
          reject(new Error(`not JSON (${res.statusCode}): ${text.slice(0, 200)}`));
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const API = '/api/2.0/mlflow';
const ART = '/api/2.0/mlflow-artifacts/artifacts';
const json = (value: unknown) => JSON.stringify(value);
const RUN = '<run>';

const cases: [string, string, string, string | Buffer | undefined, number, string][] = [
  ['malformed JSON', 'POST', `${API}/runs/create`, '{"experiment_id": ', 400, 'MALFORMED_REQUEST'],
  ['a JSON array body', 'POST', `${API}/experiments/create`, '[1, 2]', 400, 'MALFORMED_REQUEST'],
  ['a JSON string body', 'POST', `${API}/experiments/create`, '"name"', 400, 'MALFORMED_REQUEST'],
  ['a number where a string goes', 'POST', `${API}/experiments/create`, json({ name: 5 }), 400, 'INVALID_PARAMETER_VALUE'],
  ['a missing required field', 'GET', `${API}/runs/get`, undefined, 400, 'INVALID_PARAMETER_VALUE'],
  ['a non-numeric metric value', 'POST', `${API}/runs/log-metric`, json({ run_id: RUN, key: 'm', value: 'abc', timestamp: 1 }), 400, 'INVALID_PARAMETER_VALUE'],
  ['a fractional timestamp', 'POST', `${API}/runs/log-metric`, json({ run_id: RUN, key: 'm', value: 1, timestamp: 1.5 }), 400, 'INVALID_PARAMETER_VALUE'],
  ['metrics that are not a list', 'POST', `${API}/runs/log-batch`, json({ run_id: RUN, metrics: { key: 'm' } }), 400, 'INVALID_PARAMETER_VALUE'],
  ['too many metrics in a batch', 'POST', `${API}/runs/log-batch`, json({ run_id: RUN, metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i })) }), 400, 'INVALID_PARAMETER_VALUE'],
  ['a metric key with ..', 'POST', `${API}/runs/log-metric`, json({ run_id: RUN, key: '../evil', value: 1, timestamp: 1 }), 400, 'INVALID_PARAMETER_VALUE'],
  ['a param key over 250 characters', 'POST', `${API}/runs/log-parameter`, json({ run_id: RUN, key: 'k'.repeat(251), value: 'v' }), 400, 'INVALID_PARAMETER_VALUE'],
  ['an object as experiment id', 'POST', `${API}/runs/create`, json({ experiment_id: { id: 1 } }), 400, 'INVALID_PARAMETER_VALUE'],
  ['max_results that is not a number', 'GET', `${API}/registered-models/search?max_results=lots`, undefined, 400, 'INVALID_PARAMETER_VALUE'],
  ['max_results below 1', 'POST', `${API}/runs/search`, json({ experiment_ids: ['0'], max_results: -1 }), 400, 'INVALID_PARAMETER_VALUE'],
  ['a filter that does not parse', 'POST', `${API}/runs/search`, json({ experiment_ids: ['0'], filter: 'metrics.auc >> 1' }), 400, 'INVALID_PARAMETER_VALUE'],
  ['an OR filter', 'POST', `${API}/runs/search`, json({ experiment_ids: ['0'], filter: "params.a = '1' OR params.b = '2'" }), 400, 'INVALID_PARAMETER_VALUE'],
  ['an unknown order_by attribute', 'POST', `${API}/runs/search`, json({ experiment_ids: ['0'], order_by: ['attributes.colour DESC'] }), 400, 'INVALID_PARAMETER_VALUE'],
  ['a forged page token', 'POST', `${API}/runs/search`, json({ experiment_ids: ['0'], page_token: 'not-a-token' }), 400, 'INVALID_PARAMETER_VALUE'],
  ['a non-integer model version', 'GET', `${API}/model-versions/get?name=m&version=abc`, undefined, 400, 'INVALID_PARAMETER_VALUE'],
  ['an unknown stage', 'POST', `${API}/model-versions/transition-stage`, json({ name: 'm', version: '1', stage: 'Canary' }), 400, 'INVALID_PARAMETER_VALUE'],
  ['a NUL byte in a tag value', 'POST', `${API}/runs/set-tag`, json({ run_id: RUN, key: 'nul', value: 'a\u0000b' }), 400, 'INVALID_PARAMETER_VALUE'],
  ['a tag value over 8000 characters', 'POST', `${API}/runs/set-tag`, json({ run_id: RUN, key: 'long', value: 'v'.repeat(8001) }), 400, 'INVALID_PARAMETER_VALUE'],
  ['an unknown run', 'GET', `${API}/runs/get?run_id=doesnotexist`, undefined, 404, 'RESOURCE_DOES_NOT_EXIST'],
  ['a batch for an unknown run', 'POST', `${API}/runs/log-batch`, json({ run_id: 'nope', metrics: [{ key: 'm', value: 1, timestamp: 1 }] }), 404, 'RESOURCE_DOES_NOT_EXIST'],
  ['an unknown experiment', 'GET', `${API}/experiments/get?experiment_id=424242`, undefined, 404, 'RESOURCE_DOES_NOT_EXIST'],
  ['an experiment id beyond int64', 'GET', `${API}/experiments/get?experiment_id=99999999999999999999999`, undefined, 404, 'RESOURCE_DOES_NOT_EXIST'],
  ['a run in an unknown experiment', 'POST', `${API}/runs/create`, json({ experiment_id: 'abc' }), 404, 'RESOURCE_DOES_NOT_EXIST'],
  ['history of an unknown run', 'GET', `${API}/metrics/get-history?run_id=nope&metric_key=m`, undefined, 404, 'RESOURCE_DOES_NOT_EXIST'],
  ['an unknown registered model', 'GET', `${API}/registered-models/get?name=nobody`, undefined, 404, 'RESOURCE_DOES_NOT_EXIST'],
  ['a version of an unknown model', 'POST', `${API}/model-versions/create`, json({ name: 'nobody', source: 's3://b/k' }), 404, 'RESOURCE_DOES_NOT_EXIST'],
  ['an unknown alias', 'GET', `${API}/registered-models/alias?name=nobody&alias=champion`, undefined, 404, 'RESOURCE_DOES_NOT_EXIST'],
  ['an unknown logged model', 'GET', `${API}/logged-models/m-0000`, undefined, 404, 'RESOURCE_DOES_NOT_EXIST'],
  ['an unknown endpoint', 'POST', `${API}/runs/teleport`, json({}), 404, 'ENDPOINT_NOT_FOUND'],
  ['a body over the size limit', 'POST', `${API}/runs/log-batch`, json({ run_id: RUN, tags: [{ key: 'big', value: 'x'.repeat(100_000) }] }), 413, 'RESOURCE_LIMIT_EXCEEDED'],
  ['a download with an encoded ..', 'GET', `${ART}/0/%2e%2e/%2e%2e/etc/passwd`, undefined, 400, 'INVALID_PARAMETER_VALUE'],
  ['an upload with an encoded ..', 'PUT', `${ART}/0/run/%2E%2E/%2E%2E/escape.txt`, 'data', 400, 'INVALID_PARAMETER_VALUE'],
  ['a listing of ..', 'GET', `${ART}?path=../other-bucket`, undefined, 400, 'INVALID_PARAMETER_VALUE'],
  ['a listing of an absolute path', 'GET', `${ART}?path=/etc`, undefined, 400, 'INVALID_PARAMETER_VALUE'],
  ['a run listing that climbs out of the run', 'GET', `${API}/artifacts/list?run_id=${RUN}&path=../../`, undefined, 400, 'INVALID_PARAMETER_VALUE'],
  ['a get-artifact that climbs out of the run', 'GET', `/get-artifact?run_id=${RUN}&path=..%2F..%2Fsecret`, undefined, 400, 'INVALID_PARAMETER_VALUE'],
  ['a delete of a traversal path', 'DELETE', `${ART}/0/%2e%2e`, undefined, 400, 'INVALID_PARAMETER_VALUE'],
  ['a download of a missing artifact', 'GET', `${ART}/0/${RUN}/artifacts/missing.bin`, undefined, 404, 'RESOURCE_DOES_NOT_EXIST'],
];

it.each(cases)('when the request has %s, then %#: %s answers the expected 4xx in MLflow shape', async (_name, method, path, body, status, code) => {
  const withRun = (s: string) => s.replaceAll(RUN, runId);
  const response = await raw(method, withRun(path), typeof body === 'string' ? withRun(body) : body);
  expect(response.json).toEqual({ error_code: code, message: expect.any(String) });
  expect(response.status).toBe(status);
});

it('when values are as long as MLflow allows, then they are stored and searchable (no index size limit)', async () => {
  // Random text: btree entries are compressed, so only incompressible values reach the size limit.
  const value = randomBytes(6000).toString('base64').slice(0, 8000);
  const param = randomBytes(4500).toString('base64').slice(0, 6000);
  expect((await registry.api(`${API}/runs/log-batch`, { body: { run_id: runId, params: [{ key: 'long', value: param }], tags: [{ key: 'long', value }] } })).status).toBe(200);
  const found = await registry.api(`${API}/runs/search`, { body: { experiment_ids: ['0'], filter: `tags.long = '${value}' AND params.long = '${param}'` } });
  expect((found.json.runs as unknown[]).length).toBe(1);
});

it('when the same experiment is created concurrently, then one wins and the rest get RESOURCE_ALREADY_EXISTS', async () => {
  const responses = await Promise.all(Array.from({ length: 8 }, () => registry.api(`${API}/experiments/create`, { body: { name: 'raced' } })));
  expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
  for (const r of responses.filter((x) => x.status !== 200)) expect(r.json).toEqual({ error_code: 'RESOURCE_ALREADY_EXISTS', message: expect.any(String) });
});

it('when all the bad requests are done, then the registry is still healthy', async () => {
  expect((await registry.api('/health')).status).toBe(200);
});

describe('authentication', () => {
  let secured: TestRegistry;
  beforeAll(async () => {
    secured = await startTestRegistry({ MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: 's3cret', MLFLOW_TRACKING_TOKEN: 'tok-123' });
  });
  afterAll(async () => {
    await secured?.close();
  });

  it('when credentials are configured, then requests without them get 401 UNAUTHENTICATED and /health stays open', async () => {
    const denied = await secured.api(`${API}/experiments/get-by-name?experiment_name=Default`);
    expect(denied.status).toBe(401);
    expect(denied.json.error_code).toBe('UNAUTHENTICATED');
    const wrong = await secured.api(`${API}/experiments/get-by-name?experiment_name=Default`, { headers: { authorization: 'Bearer wrong' } });
    expect(wrong.status).toBe(401);
    expect((await secured.api('/health')).status).toBe(200);
    expect((await secured.api('/api/3.0/mlflow/server-info')).json).toMatchObject({ store_type: 'SqlStore', workspaces_enabled: false });
  });

  it('when basic or bearer credentials match, then the request is served', async () => {
    const basic = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
    expect((await secured.api(`${API}/experiments/get-by-name?experiment_name=Default`, { headers: { authorization: basic } })).status).toBe(200);
    expect((await secured.api(`${API}/experiments/get-by-name?experiment_name=Default`, { headers: { authorization: 'Bearer tok-123' } })).status).toBe(200);
  });
});
