import { startTestRegistry, type TestRegistry } from './testing/test-registry.js';

// The REST API over HTTP against the stack's PostgreSQL and S3, in a fresh database per file.
let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry();
});
afterAll(async () => {
  await registry?.close();
});

const API = '/api/2.0/mlflow';
type Json = Record<string, unknown>;
const ok = async (path: string, init?: Parameters<TestRegistry['api']>[1]): Promise<Json> => {
  const response = await registry.api(path, init);
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${response.text}`);
  return response.json;
};
const createRun = async (experimentId: string, runName: string) => ((await ok(`${API}/runs/create`, { body: { experiment_id: experimentId, run_name: runName, start_time: Date.now() } })).run as { info: { run_id: string; artifact_uri: string } }).info;

describe('metrics', () => {
  it('when requests were served, then /metrics counts them by route pattern, with process metrics', async () => {
    await registry.api(`${API}/runs/get`, { query: { run_id: 'missing' } });
    const text = (await registry.api('/metrics')).text;
    expect(text).toMatch(/http_requests_total\{route="\/api\/2\.0\/mlflow\/runs\/get",method="GET",status="404"\} [1-9]/);
    expect(text).toContain('http_request_duration_seconds_bucket');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).not.toContain('run_id=missing');
  });
});

describe('experiments', () => {
  it('when the registry first starts, then the Default experiment has id 0', async () => {
    const body = await ok(`${API}/experiments/get-by-name`, { query: { experiment_name: 'Default' } });
    expect(body.experiment).toMatchObject({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active', artifact_location: 'mlflow-artifacts:/0' });
  });

  it('when an experiment is created, renamed, deleted and restored, then each read reflects it', async () => {
    const { experiment_id: id } = await ok(`${API}/experiments/create`, { body: { name: 'exp-lifecycle', tags: [{ key: 'team', value: 'churn' }] } });
    expect(id).toMatch(/^\d+$/);
    expect((await registry.api(`${API}/experiments/create`, { body: { name: 'exp-lifecycle' } })).json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    await ok(`${API}/experiments/update`, { body: { experiment_id: id, new_name: 'exp-renamed' } });
    const got = (await ok(`${API}/experiments/get`, { query: { experiment_id: String(id) } })).experiment as Json;
    expect(got).toMatchObject({ name: 'exp-renamed', tags: [{ key: 'team', value: 'churn' }], artifact_location: `mlflow-artifacts:/${String(id)}` });
    await ok(`${API}/experiments/delete`, { body: { experiment_id: id } });
    const active = (await ok(`${API}/experiments/search`, { body: { max_results: 100 } })).experiments as Json[];
    expect(active.map((e) => e.name)).not.toContain('exp-renamed');
    const deleted = (await ok(`${API}/experiments/search`, { body: { view_type: 'DELETED_ONLY' } })).experiments as Json[];
    expect(deleted.map((e) => e.name)).toContain('exp-renamed');
    await ok(`${API}/experiments/restore`, { body: { experiment_id: id } });
    const byFilter = (await ok(`${API}/experiments/search`, { body: { filter: "name LIKE 'exp-ren%' AND tags.team = 'churn'" } })).experiments as Json[];
    expect(byFilter.map((e) => e.experiment_id)).toEqual([id]);
  });
});

describe('runs', () => {
  it('when a batch is logged, then the run shows the latest metric per key, params and tags, and history keeps every point', async () => {
    const { experiment_id: exp } = await ok(`${API}/experiments/create`, { body: { name: 'runs-batch' } });
    const run = await createRun(String(exp), 'batch-run');
    expect(run.artifact_uri).toBe(`mlflow-artifacts:/${String(exp)}/${run.run_id}/artifacts`);
    const metrics = Array.from({ length: 500 }, (_, i) => ({ key: i % 2 ? 'auc' : 'loss', value: i / 1000, timestamp: 1000 + i, step: i }));
    await ok(`${API}/runs/log-batch`, { body: { run_id: run.run_id, metrics, params: [{ key: 'eta', value: '0.1' }], tags: [{ key: 'phase', value: 'tune' }] } });
    await ok(`${API}/runs/log-metric`, { body: { run_id: run.run_id, key: 'auc', value: 0.001, timestamp: 1, step: 0 } });
    await ok(`${API}/runs/log-metric`, { body: { run_id: run.run_id, key: 'nan_metric', value: 'NaN', timestamp: 1, step: 0 } });
    const got = ((await ok(`${API}/runs/get`, { query: { run_id: run.run_id } })).run as { data: { metrics: Json[]; params: Json[]; tags: Json[] } }).data;
    expect(got.metrics).toEqual([
      { key: 'auc', value: 0.499, timestamp: 1499, step: 499 },
      { key: 'loss', value: 0.498, timestamp: 1498, step: 498 },
      { key: 'nan_metric', value: 'NaN', timestamp: 1, step: 0 },
    ]);
    expect(got.params).toEqual([{ key: 'eta', value: '0.1' }]);
    expect(got.tags).toEqual(expect.arrayContaining([{ key: 'phase', value: 'tune' }, { key: 'mlflow.runName', value: 'batch-run' }]));
    const history = (await ok(`${API}/metrics/get-history`, { query: { run_id: run.run_id, metric_key: 'auc' } })).metrics as Json[];
    expect(history).toHaveLength(251);
    expect(history[0]).toMatchObject({ step: 0, value: 0.001 });
    const page = await ok(`${API}/metrics/get-history`, { query: { run_id: run.run_id, metric_key: 'auc', max_results: '100' } });
    expect((page.metrics as Json[]).length).toBe(100);
    expect(page.next_page_token).toEqual(expect.any(String));
  });

  it('when a param is re-logged with another value, then INVALID_PARAMETER_VALUE, and the same value is accepted', async () => {
    const run = await createRun('0', 'params-once');
    await ok(`${API}/runs/log-parameter`, { body: { run_id: run.run_id, key: 'depth', value: '3' } });
    await ok(`${API}/runs/log-parameter`, { body: { run_id: run.run_id, key: 'depth', value: '3' } });
    const changed = await registry.api(`${API}/runs/log-parameter`, { body: { run_id: run.run_id, key: 'depth', value: '4' } });
    expect(changed.status).toBe(400);
    expect(changed.json.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('when runs are searched with filters, order_by and pages, then MLflow semantics hold', async () => {
    const { experiment_id: exp } = await ok(`${API}/experiments/create`, { body: { name: 'runs-search' } });
    const ids: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const run = await createRun(String(exp), `trial-${i}`);
      ids.push(run.run_id);
      await ok(`${API}/runs/log-batch`, {
        body: {
          run_id: run.run_id,
          metrics: [{ key: 'val auc', value: 0.5 + i / 20, timestamp: 1, step: 0 }],
          params: [{ key: 'eta', value: i % 2 ? '0.1' : '0.3' }],
          tags: [{ key: 'kind', value: i < 3 ? 'baseline' : 'tuned' }],
        },
      });
    }
    await ok(`${API}/runs/update`, { body: { run_id: ids[5], status: 'FINISHED', end_time: Date.now() } });
    const search = async (body: Json) => ((await ok(`${API}/runs/search`, { body: { experiment_ids: [exp], ...body } })).runs as { info: { run_name: string } }[] | undefined)?.map((r) => r.info.run_name) ?? [];
    expect(await search({ filter: "metrics.`val auc` > 0.6 AND params.eta = '0.1'", order_by: ['metrics.`val auc` DESC'] })).toEqual(['trial-5', 'trial-3']);
    expect(await search({ filter: "tags.kind = 'baseline'", order_by: ['attributes.run_name ASC'] })).toEqual(['trial-0', 'trial-1', 'trial-2']);
    expect(await search({ filter: "attributes.status = 'FINISHED'" })).toEqual(['trial-5']);
    expect(await search({ filter: `attributes.run_id IN ('${ids[0]}', '${ids[4]}')`, order_by: ['run_name'] })).toEqual(['trial-0', 'trial-4']);
    expect(await search({ filter: "tags.kind ILIKE 'TUN%'", order_by: ['metrics.`val auc` ASC'] })).toEqual(['trial-3', 'trial-4', 'trial-5']);
    const first = await ok(`${API}/runs/search`, { body: { experiment_ids: [exp], max_results: 4, order_by: ['metrics.`val auc` ASC'] } });
    const second = await ok(`${API}/runs/search`, { body: { experiment_ids: [exp], max_results: 4, order_by: ['metrics.`val auc` ASC'], page_token: first.next_page_token } });
    expect([...(first.runs as Json[]), ...(second.runs as Json[])].map((r) => (r.info as Json).run_name)).toEqual(['trial-0', 'trial-1', 'trial-2', 'trial-3', 'trial-4', 'trial-5']);
    expect(second.next_page_token).toBeUndefined();
    // GET with repeated experiment_ids, the way MLflow's GET requests carry lists.
    const viaGet = await ok(`${API}/runs/search`, { query: { experiment_ids: [String(exp), '0'], filter: "params.eta = '0.3'", max_results: '10' } });
    expect((viaGet.runs as Json[]).length).toBe(3);
    await ok(`${API}/runs/delete`, { body: { run_id: ids[0] } });
    expect(await search({ filter: "tags.kind = 'baseline'", order_by: ['run_name'] })).toEqual(['trial-1', 'trial-2']);
    expect(await search({ run_view_type: 'DELETED_ONLY' })).toEqual(['trial-0']);
  });
});

describe('artifacts', () => {
  it('when a file is uploaded through the proxy, then it lists, downloads and deletes, and the run listing sees it', async () => {
    const run = await createRun('0', 'with-artifacts');
    const root = `/api/2.0/mlflow-artifacts/artifacts/0/${run.run_id}/artifacts`;
    const body = 'x'.repeat(100_000);
    expect((await registry.api(`${root}/model/MLmodel`, { method: 'PUT', raw: 'flavors: {}' })).status).toBe(200);
    expect((await registry.api(`${root}/model/model.json`, { method: 'PUT', raw: body })).status).toBe(200);
    const listed = await ok('/api/2.0/mlflow-artifacts/artifacts', { query: { path: `0/${run.run_id}/artifacts/model` } });
    expect(listed.files).toEqual([
      { path: 'MLmodel', is_dir: false, file_size: 11 },
      { path: 'model.json', is_dir: false, file_size: 100_000 },
    ]);
    const download = await registry.api(`${root}/model/model.json`);
    expect(download.text).toBe(body);
    const runList = await ok(`${API}/artifacts/list`, { query: { run_id: run.run_id } });
    expect(runList).toEqual({ root_uri: run.artifact_uri, files: [{ path: 'model', is_dir: true }] });
    const nested = await ok(`${API}/artifacts/list`, { query: { run_id: run.run_id, path: 'model' } });
    expect((nested.files as Json[]).map((f) => f.path)).toEqual(['model/MLmodel', 'model/model.json']);
    expect((await registry.api(`/get-artifact?run_id=${run.run_id}&path=model/MLmodel`)).text).toBe('flavors: {}');
    expect((await registry.api(`${root}/model/model.json`, { method: 'DELETE' })).status).toBe(200);
    expect((await registry.api(`${root}/model/model.json`)).json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe('large artifacts', () => {
  it('when a 12 MB file is uploaded, then it streams to S3 in parts and downloads byte for byte', async () => {
    const big = Buffer.alloc(12 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    const path = '/api/2.0/mlflow-artifacts/artifacts/0/large/artifacts/blob.bin';
    expect((await registry.api(path, { method: 'PUT', raw: big, headers: { 'content-type': 'application/octet-stream' } })).status).toBe(200);
    const response = await fetch(`${registry.url}${path}`);
    const downloaded = Buffer.from(await response.arrayBuffer());
    expect(downloaded.length).toBe(big.length);
    expect(downloaded.equals(big)).toBe(true);
  });
});

describe('model registry', () => {
  it('when versions are created, aliased, staged, renamed and deleted, then reads follow atomically', async () => {
    const run = await createRun('0', 'to-register');
    const created = await ok(`${API}/registered-models/create`, { body: { name: 'reg-model', description: 'churn' } });
    expect(created.registered_model).toMatchObject({ name: 'reg-model', description: 'churn', latest_versions: [] });
    const versions = await Promise.all(
      [1, 2, 3].map(() => ok(`${API}/model-versions/create`, { body: { name: 'reg-model', source: `runs:/${run.run_id}/model`, run_id: run.run_id } })),
    );
    expect(versions.map((v) => (v.model_version as Json).version).sort()).toEqual(['1', '2', '3']);
    const uri = await ok(`${API}/model-versions/get-download-uri`, { query: { name: 'reg-model', version: '2' } });
    expect(uri.artifact_uri).toBe(`${run.artifact_uri}/model`);
    await ok(`${API}/registered-models/alias`, { body: { name: 'reg-model', alias: 'champion', version: '2' } });
    await ok(`${API}/registered-models/alias`, { body: { name: 'reg-model', alias: 'champion', version: '3' } });
    const champion = await ok(`${API}/registered-models/alias`, { query: { name: 'reg-model', alias: 'champion' } });
    expect(champion.model_version).toMatchObject({ version: '3', aliases: ['champion'], run_id: run.run_id, status: 'READY' });
    const staged = await ok(`${API}/model-versions/transition-stage`, { body: { name: 'reg-model', version: '3', stage: 'production', archive_existing_versions: true } });
    expect(staged.model_version).toMatchObject({ current_stage: 'Production' });
    const latest = await ok(`${API}/registered-models/get-latest-versions`, { body: { name: 'reg-model', stages: ['Production'] } });
    expect((latest.model_versions as Json[]).map((v) => v.version)).toEqual(['3']);
    const searched = await ok(`${API}/model-versions/search`, { query: { filter: `name = 'reg-model' AND run_id = '${run.run_id}'`, order_by: 'version_number DESC' } });
    expect((searched.model_versions as Json[]).map((v) => v.version)).toEqual(['3', '2', '1']);
    await ok(`${API}/registered-models/rename`, { body: { name: 'reg-model', new_name: 'reg-model-2' } });
    expect((await ok(`${API}/registered-models/alias`, { query: { name: 'reg-model-2', alias: 'champion' } })).model_version).toMatchObject({ version: '3' });
    await ok(`${API}/registered-models/alias`, { method: 'DELETE', body: { name: 'reg-model-2', alias: 'champion' } });
    expect((await registry.api(`${API}/registered-models/alias`, { query: { name: 'reg-model-2', alias: 'champion' } })).status).toBe(404);
    const reserved = await registry.api(`${API}/registered-models/alias`, { body: { name: 'reg-model-2', alias: 'latest', version: '1' } });
    expect(reserved.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    // Deleting a version takes its alias with it, and the alias history says so.
    await ok(`${API}/registered-models/alias`, { body: { name: 'reg-model-2', alias: 'challenger', version: '1' } });
    await ok(`${API}/model-versions/delete`, { method: 'DELETE', body: { name: 'reg-model-2', version: '1' } });
    const history = (await ok(`${API}/registered-models/alias-history`, { query: { name: 'reg-model-2' } })).history as Json[];
    expect(history.slice(0, 2)).toMatchObject([{ alias: 'challenger', version: null }, { alias: 'challenger', version: '1' }]);
    // MLflow >= 2.21 clients add this clause to hide prompts; models without the tag must still match.
    const found = await ok(`${API}/registered-models/search`, { query: { filter: "name LIKE 'reg-%' AND tag.`mlflow.prompt.is_prompt` != 'true'" } });
    expect((found.registered_models as Json[]).map((m) => m.name)).toEqual(['reg-model-2']);
    await ok(`${API}/registered-models/delete`, { method: 'DELETE', body: { name: 'reg-model-2' } });
    expect((await registry.api(`${API}/registered-models/get`, { query: { name: 'reg-model-2' } })).status).toBe(404);
  });
});

describe('logged models (MLflow 3)', () => {
  it('when a model is created, finalized, tagged and searched by source run, then runs:/ resolves through it', async () => {
    const run = await createRun('0', 'with-logged-model');
    const created = (await ok('/api/2.0/mlflow/logged-models', { body: { experiment_id: '0', name: 'model', source_run_id: run.run_id, params: [{ key: 'eta', value: '0.1' }] } })).model as { info: Json };
    const id = created.info.model_id as string;
    expect(created.info).toMatchObject({ status: 'LOGGED_MODEL_PENDING', artifact_uri: `mlflow-artifacts:/0/models/${id}/artifacts` });
    await ok(`/api/2.0/mlflow/logged-models/${id}`, { method: 'PATCH', body: { model_id: id, status: 'LOGGED_MODEL_READY' } });
    await ok(`/api/2.0/mlflow/logged-models/${id}/tags`, { method: 'PATCH', body: { tags: [{ key: 'mlflow.modelVersions', value: '[]' }] } });
    await ok(`${API}/runs/log-batch`, { body: { run_id: run.run_id, metrics: [{ key: 'auc', value: 0.9, timestamp: 5, step: 0, model_id: id }] } });
    await ok(`${API}/runs/outputs`, { body: { run_id: run.run_id, models: [{ model_id: id, step: 0 }] } });
    const found = await ok('/api/2.0/mlflow/logged-models/search', {
      body: { experiment_ids: ['0'], filter: `source_run_id = '${run.run_id}' AND name = 'model'`, order_by: [{ field_name: 'creation_time', ascending: false }] },
    });
    const models = found.models as { info: Json; data: Json }[];
    expect(models).toHaveLength(1);
    expect(models[0]?.info).toMatchObject({ model_id: id, status: 'LOGGED_MODEL_READY', tags: [{ key: 'mlflow.modelVersions', value: '[]' }] });
    expect(models[0]?.data).toMatchObject({ params: [{ key: 'eta', value: '0.1' }], metrics: [{ key: 'auc', value: 0.9, model_id: id }] });
    const runJson = (await ok(`${API}/runs/get`, { query: { run_id: run.run_id } })).run as Json;
    expect(runJson.outputs).toEqual({ model_outputs: [{ model_id: id, step: 0 }] });
    await ok('/api/2.0/mlflow/registered-models/create', { body: { name: 'from-logged' } });
    await ok(`${API}/model-versions/create`, { body: { name: 'from-logged', source: `models:/${id}`, run_id: run.run_id, model_id: id } });
    const uri = await ok(`${API}/model-versions/get-download-uri`, { query: { name: 'from-logged', version: '1' } });
    expect(uri.artifact_uri).toBe(`mlflow-artifacts:/0/models/${id}/artifacts`);
    await ok(`/api/2.0/mlflow/logged-models/${id}`, { method: 'DELETE' });
    expect((await registry.api(`/api/2.0/mlflow/logged-models/${id}`)).json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});
