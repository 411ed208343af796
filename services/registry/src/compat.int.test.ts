import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestRegistry, type TestRegistry } from './testing/test-registry.js';

// The real MLflow Python clients (newest 2.x and 3.x, pinned in python/mlflow{2,3}.requirements.txt)
// run services/registry/compat/scenario.py against this registry, started in-process on port 0.
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCENARIO = fileURLToPath(new URL('../compat/scenario.py', import.meta.url));
const hasPython = (() => {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
if (!hasPython) console.warn('compat test skipped: python3 is not installed');

type Result = Record<string, unknown>;
let registry: TestRegistry;
beforeAll(async () => {
  if (hasPython) registry = await startTestRegistry();
});
afterAll(async () => {
  await registry?.close();
});

// Builds the virtualenv on first use (a few minutes), then reuses it.
const venvPython = async (client: string) => (await run('bash', [`${ROOT}scripts/py-venv.sh`, client], { cwd: ROOT, timeout: 900_000 })).stdout.trim();

async function scenario(client: 'mlflow2' | 'mlflow3'): Promise<Result> {
  const python = await venvPython(client);
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '/tmp',
    MLFLOW_TRACKING_URI: registry.url,
    COMPAT_EXPERIMENT: `compat-${client}`,
    COMPAT_MODEL: `churn-model-${client}`,
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
    MLFLOW_HTTP_REQUEST_TIMEOUT: '60',
    GIT_PYTHON_REFRESH: 'quiet',
  };
  const { stdout } = await run(python, [SCENARIO], { env, cwd: ROOT, timeout: 600_000, maxBuffer: 20 * 1024 * 1024 }).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`scenario with ${client} failed:\n${error.stderr ?? ''}\n${error.stdout ?? ''}`);
  });
  const line = stdout.split('\n').find((l) => l.startsWith('COMPAT_RESULT '));
  if (!line) throw new Error(`scenario printed no result:\n${stdout}`);
  return JSON.parse(line.slice('COMPAT_RESULT '.length)) as Result;
}

const describeIf = hasPython ? describe : describe.skip;

describeIf.each([
  ['mlflow2', /^2\.22\./],
  ['mlflow3', /^3\./],
] as const)('the MLflow Python client from %s', (client, version) => {
  let result: Result;
  beforeAll(async () => {
    result = await scenario(client);
  }, 1_500_000);

  it('when it logs params, metrics, a batch and tags, then get_run and the metric history return them', () => {
    expect(result.mlflow_version).toMatch(version);
    expect(result.params).toEqual({ eta: '0.3', max_depth: '3', seed: '42', batch_param: 'from-log-batch' });
    expect(result.metrics).toEqual({ auc: 0.91, log_loss: 0.2, batch_metric: 9.9 });
    expect(result.tags).toEqual({ 'mlflow.runName': 'compat-best', purpose: 'compat', batch_tag: 'yes' });
    expect(result.experiment_tags).toEqual({ team: 'churn' });
    expect(result.datasets).toEqual([['train', ['training']]]);
    expect(result.status).toBe('FINISHED');
    expect(result.auc_history).toEqual([[0, 0.5], [1, 0.91]]);
    expect(result.batch_metric_points).toBe(100);
  });

  it('when it logs an artifact, then listing and download through the proxy return it', () => {
    expect(result.artifact_uri).toMatch(new RegExp(`^mlflow-artifacts:/${String(result.experiment_id)}/[0-9a-f]{32}/artifacts$`));
    expect(result.artifacts).toEqual(client === 'mlflow2' ? ['model', 'notes'] : ['notes']);
    expect(result.notes).toEqual(['notes/note.txt']);
    expect(result.note_text).toBe('hello registry');
  });

  it('when it searches runs with a filter, order_by and pages, then it gets MLflow ordering', () => {
    expect(result.search_df_run_names).toEqual(['compat-best', 'compat-worse']);
    expect(result.search_page1).toEqual(['compat-worse', 'compat-best']);
    expect(result.search_page2).toEqual(['compat-other']);
    expect(result.search_backticks).toEqual(['compat-other']);
    expect(result.children).toEqual(['compat-child']);
    expect(result.search_experiments).toEqual([`compat-${client}`]);
  });

  it('when it registers the logged xgboost model and sets alias champion, then models:/<name>@champion loads and predicts like the booster', () => {
    expect(result.registered_version).toBe('1');
    expect(result.alias_version).toBe('1');
    expect(result.alias_run_id_matches).toBe(true);
    expect(result.registered_model_aliases).toEqual({ champion: '1' });
    expect(result.registered_model_description).toBe('churn model');
    expect(result.search_registered_models).toEqual([`churn-model-${client}`]);
    expect(result.search_model_versions).toEqual([[`churn-model-${client}`, '1']]);
    expect(result.predictions_match).toBe(true);
    expect(result.runs_uri_predictions_match).toBe(true);
    expect((result.predictions as number[]).length).toBe(5);
  });

  it('when it stages, renames and un-aliases the model, then the registry follows', () => {
    expect(result.stage).toBe('Production');
    expect(result.latest_production).toEqual(['1']);
    expect(result.alias_after_rename).toBe('1');
    expect(result.aliases_after_delete).toEqual({});
  });

  it('when it reads a missing run and deletes/restores a run, then it sees MLflow error codes and lifecycle stages', () => {
    expect(result.missing_run_error).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(result.deleted_stage).toBe('deleted');
    expect(result.active_after_delete).toEqual(['compat-best', 'compat-other']);
    expect(result.restored_stage).toBe('active');
  });

  it('when the model was logged, then the server holds it where this client looks for it', async () => {
    if (client === 'mlflow3') {
      const id = result.logged_model_id as string;
      expect(result.logged_model).toEqual({ name: 'model', status: 'READY', source_run_id: result.run_id });
      expect(result.logged_models_of_run).toEqual([id]);
      expect(result.model_uri).toBe(`models:/${id}`);
      const model = (await registry.api(`/api/2.0/mlflow/logged-models/${id}`)).json.model as { info: Record<string, unknown> };
      expect(model.info).toMatchObject({ status: 'LOGGED_MODEL_READY', name: 'model', artifact_uri: `mlflow-artifacts:/${String(result.experiment_id)}/models/${id}/artifacts` });
      const files = (await registry.api('/api/2.0/mlflow-artifacts/artifacts', { query: { path: `${String(result.experiment_id)}/models/${id}/artifacts` } })).json.files as { path: string }[];
      expect(files.map((f) => f.path)).toContain('MLmodel');
    } else {
      const runId = /^runs:\/([0-9a-f]{32})\/model$/.exec(result.model_uri as string)?.[1] ?? '';
      const run = (await registry.api('/api/2.0/mlflow/runs/get', { query: { run_id: runId } })).json.run as { data: { tags: { key: string; value: string }[] } };
      const history = run.data.tags.find((t) => t.key === 'mlflow.log-model.history');
      expect(JSON.parse(history?.value ?? '[]')).toEqual([expect.objectContaining({ artifact_path: 'model', flavors: expect.objectContaining({ xgboost: expect.any(Object) }) })]);
    }
  });
});

const AUTH_PROBE = `
import json, mlflow
from mlflow.exceptions import MlflowException
try:
    names = [e.name for e in mlflow.MlflowClient().search_experiments()]
    print(json.dumps({"names": names}))
except MlflowException as e:
    print(json.dumps({"error": e.error_code}))
`;

describeIf.each(['mlflow2', 'mlflow3'] as const)('the MLflow Python client from %s with auth on the server', (client) => {
  let secured: TestRegistry;
  beforeAll(async () => {
    secured = await startTestRegistry({ MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: 's3cret', MLFLOW_TRACKING_TOKEN: 'tok-123' });
  });
  afterAll(async () => {
    await secured?.close();
  });

  const probe = async (credentials: Record<string, string>) => {
    const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', MLFLOW_TRACKING_URI: secured.url, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', ...credentials };
    const { stdout } = await run(await venvPython(client), ['-c', AUTH_PROBE], { env, timeout: 120_000 });
    return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { names?: string[]; error?: string };
  };

  it('when it sends MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN, then it is served; without them it is refused', async () => {
    expect(await probe({ MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: 's3cret' })).toEqual({ names: ['Default'] });
    expect(await probe({ MLFLOW_TRACKING_TOKEN: 'tok-123' })).toEqual({ names: ['Default'] });
    expect(await probe({})).toEqual({ error: 'UNAUTHENTICATED' });
  }, 900_000);
});
