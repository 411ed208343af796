import { MlflowClient } from './client.js';
import { MlflowError } from './errors.js';
import type { FetchLike } from './transport.js';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** A fake server: answers in order and records what the client sent. */
function fakeFetch(answers: (Response | Error)[]): { fetch: FetchLike; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetch: FetchLike = (url, init) => {
    seen.push({ method: init?.method ?? 'GET', url, headers: (init?.headers ?? {}) as Record<string, string>, body: init?.body as string | undefined });
    const next = answers.shift();
    if (!next) throw new Error(`unexpected call ${url}`);
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
  return { fetch, seen };
}

const json = (body: unknown, status = 200): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const run = (id: string) => ({ info: { run_id: id, experiment_id: '1', artifact_uri: `mlflow-artifacts:/1/${id}/artifacts` } });

describe('MlflowClient request shaping', () => {
  it('when a token is given, then every call carries it as a bearer token', async () => {
    const { fetch, seen } = fakeFetch([json({ run: run('r1') })]);
    await new MlflowClient({ trackingUri: 'http://h:1/', token: 't0k', fetch }).getRun('r1');
    expect(seen[0]?.headers.authorization).toBe('Bearer t0k');
    expect(seen[0]?.url).toBe('http://h:1/api/2.0/mlflow/runs/get?run_id=r1');
  });

  it('when username and password are given, then calls use basic auth', async () => {
    const { fetch, seen } = fakeFetch([json({ run: run('r1') })]);
    await new MlflowClient({ trackingUri: 'http://h:1', username: 'u', password: 'p', fetch }).getRun('r1');
    expect(seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('when the server omits empty arrays (protobuf JSON), then the run still has metrics, params and tags arrays', async () => {
    const { fetch } = fakeFetch([json({ run: run('r1') })]);
    const got = await new MlflowClient({ trackingUri: 'http://h:1', fetch }).getRun('r1');
    expect(got.data).toEqual({ metrics: [], params: [], tags: [] });
  });

  it('when the server answers an MLflow error, then MlflowError carries its error code and status', async () => {
    const { fetch } = fakeFetch([json({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run x not found' }, 404)]);
    const error = await new MlflowClient({ trackingUri: 'http://h:1', fetch }).getRun('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowError);
    expect(error).toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
  });

  it('when an idempotent call meets 503 then a connection error, then it retries and succeeds', async () => {
    const { fetch, seen } = fakeFetch([json({ error_code: 'TEMPORARILY_UNAVAILABLE' }, 503), new TypeError('fetch failed'), json({ run: run('r1') })]);
    const got = await new MlflowClient({ trackingUri: 'http://h:1', fetch, backoffMs: 1 }).getRun('r1');
    expect(got.info.run_id).toBe('r1');
    expect(seen).toHaveLength(3);
  });

  it('when a non-idempotent create meets 503, then it is not sent twice', async () => {
    const { fetch, seen } = fakeFetch([json({ error_code: 'TEMPORARILY_UNAVAILABLE' }, 503)]);
    const client = new MlflowClient({ trackingUri: 'http://h:1', fetch, backoffMs: 1 });
    await expect(client.createRun({ experimentId: '1' })).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(1);
  });

  it('when retries run out, then the last error is thrown with its status', async () => {
    const { fetch, seen } = fakeFetch([json({}, 502), json({}, 502), json({}, 502)]);
    const client = new MlflowClient({ trackingUri: 'http://h:1', fetch, backoffMs: 1, maxRetries: 2 });
    await expect(client.getRun('r1')).rejects.toMatchObject({ errorCode: 'INTERNAL_ERROR', status: 502 });
    expect(seen).toHaveLength(3);
  });

  it('when a batch exceeds MLflow limits, then it is split into requests of at most 1000 entries and 100 params', async () => {
    const { fetch, seen } = fakeFetch([json({}), json({}), json({})]);
    const metrics = Array.from({ length: 2000 }, (_, i) => ({ key: 'loss', value: i, step: i }));
    const params = Array.from({ length: 150 }, (_, i) => ({ key: `p${i}`, value: String(i) }));
    await new MlflowClient({ trackingUri: 'http://h:1', fetch }).logBatch('r1', { metrics, params });
    const bodies = seen.map((s) => JSON.parse(s.body ?? '{}') as { metrics: unknown[]; params: unknown[]; tags: unknown[] });
    expect(bodies.map((b) => [b.metrics.length, b.params.length])).toEqual([[900, 100], [950, 50], [150, 0]]);
    expect(bodies.every((b) => b.metrics.length + b.params.length + b.tags.length <= 1000)).toBe(true);
  });

  it('when a metric is NaN or infinite, then it is sent in the spelling MLflow accepts', async () => {
    const { fetch, seen } = fakeFetch([json({})]);
    await new MlflowClient({ trackingUri: 'http://h:1', fetch }).logBatch('r1', { metrics: [{ key: 'a', value: NaN }, { key: 'b', value: -Infinity }] });
    const body = JSON.parse(seen[0]?.body ?? '{}') as { metrics: { value: unknown }[] };
    expect(body.metrics.map((m) => m.value)).toEqual(['NaN', '-Infinity']);
  });

  it('when uploading an artifact, then it goes through the proxy below the run artifact root, segments encoded', async () => {
    const { fetch, seen } = fakeFetch([json({ run: run('r1') }), new Response('', { status: 200 })]);
    await new MlflowClient({ trackingUri: 'http://h:1', fetch }).uploadArtifact('r1', 'model/a b.json', '{}');
    expect(seen[1]).toMatchObject({ method: 'PUT', url: 'http://h:1/api/2.0/mlflow-artifacts/artifacts/1/r1/artifacts/model/a%20b.json' });
  });

  it('when an artifact path climbs out with .., then it is refused before any upload', async () => {
    const { fetch, seen } = fakeFetch([json({ run: run('r1') })]);
    await expect(new MlflowClient({ trackingUri: 'http://h:1', fetch }).uploadArtifact('r1', '../../etc/passwd', 'x')).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE',
    });
    expect(seen.filter((s) => s.method === 'PUT')).toHaveLength(0);
  });

  it('when listing artifacts, then proxy base names become paths relative to the run root', async () => {
    const { fetch, seen } = fakeFetch([json({ run: run('r1') }), json({ files: [{ path: 'MLmodel', is_dir: false, file_size: 10 }, { path: 'sub', is_dir: true }] })]);
    const files = await new MlflowClient({ trackingUri: 'http://h:1', fetch }).listArtifacts('r1', 'model');
    expect(seen[1]?.url).toBe('http://h:1/api/2.0/mlflow-artifacts/artifacts?path=1%2Fr1%2Fartifacts%2Fmodel');
    expect(files).toEqual([
      { path: 'model/MLmodel', is_dir: false, file_size: 10 },
      { path: 'model/sub', is_dir: true },
    ]);
  });

  it('when an alias does not exist, then getModelVersionByAlias gives undefined', async () => {
    const { fetch } = fakeFetch([json({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Registered model alias champion not found.' }, 400)]);
    await expect(new MlflowClient({ trackingUri: 'http://h:1', fetch }).getModelVersionByAlias('m', 'champion')).resolves.toBeUndefined();
  });

  it('when resolving models:/name@alias, then the version source under its run gives the run and the artifact path', async () => {
    const { fetch } = fakeFetch([
      json({ model_version: { name: 'm', version: '3', run_id: 'r9', source: 'mlflow-artifacts:/1/r9/artifacts/model' } }),
      json({ run: run('r9') }),
    ]);
    const resolved = await new MlflowClient({ trackingUri: 'http://h:1', fetch }).resolveModelUri('models:/m@champion');
    expect(resolved).toMatchObject({ runId: 'r9', artifactPath: 'model', artifactUri: 'mlflow-artifacts:/1/r9/artifacts/model' });
  });

  it('when resolving a version whose source is an MLflow 3 logged model, then its artifact location is used', async () => {
    const { fetch } = fakeFetch([
      json({ model_version: { name: 'm', version: '1', run_id: 'r9', source: 'models:/m-abc' } }),
      json({ model: { info: { artifact_uri: 'mlflow-artifacts:/1/models/m-abc/artifacts', source_run_id: 'r9' } } }),
    ]);
    const resolved = await new MlflowClient({ trackingUri: 'http://h:1', fetch }).resolveModelUri('models:/m/1');
    expect(resolved).toMatchObject({ runId: 'r9', artifactUri: 'mlflow-artifacts:/1/models/m-abc/artifacts' });
  });

  it('when a run logged its model with MLflow 3, then loggedModelOfRun finds it by name and source run, across pages', async () => {
    const model = (runId: string, id: string) => ({ info: { artifact_uri: `mlflow-artifacts:/1/models/${id}/artifacts`, source_run_id: runId } });
    const { fetch, seen } = fakeFetch([
      json({ run: run('r9') }),
      json({ models: [model('other', 'm-1')], next_page_token: 'p2' }),
      json({ models: [model('r9', 'm-2')] }),
      json({ run: run('r8') }),
      json({}),
    ]);
    const client = new MlflowClient({ trackingUri: 'http://h:1', fetch });
    await expect(client.loggedModelOfRun('r9', 'model')).resolves.toBe('mlflow-artifacts:/1/models/m-2/artifacts');
    expect(JSON.parse(seen[1]?.body ?? '{}')).toMatchObject({ experiment_ids: ['1'], filter: "name = 'model'" });
    expect(JSON.parse(seen[2]?.body ?? '{}')).toMatchObject({ page_token: 'p2' });
    await expect(client.loggedModelOfRun('r8', 'model')).resolves.toBeUndefined();
  });

  it('when searching model versions with order_by, then each order clause is a repeated query key', async () => {
    const { fetch, seen } = fakeFetch([json({})]);
    await new MlflowClient({ trackingUri: 'http://h:1', fetch }).searchModelVersions({ filter: "name='m'", orderBy: ['version_number DESC', 'name'] });
    expect(new URL(seen[0]?.url ?? '').searchParams.getAll('order_by')).toEqual(['version_number DESC', 'name']);
  });
});
