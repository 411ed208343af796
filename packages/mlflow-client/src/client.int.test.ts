import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '@churn/config';
import { registryConfigSchema, startRegistry, type RunningRegistry } from '@churn/registry';
import { MlflowClient } from './client.js';
import { MlflowError } from './errors.js';
import { startMlflowServer, type RunningMlflowServer } from './mlflow-server.js';

// One scenario, two servers: a real `mlflow server` (MLflow 3, SQLite + local artifacts behind its
// proxy) and our registry in-process (PostgreSQL and S3 of the native stack).
const ROOT = join(import.meta.dirname, '..', '..', '..');
const MODEL = 'churn-model';

function mlflowPython(): string | undefined {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
  } catch {
    console.warn('python3 is not installed: skipping the run against a real mlflow server');
    return undefined;
  }
  return execFileSync(join(ROOT, 'scripts/py-venv.sh'), ['mlflow3'], { encoding: 'utf8', timeout: 900_000 }).trim();
}

/** A model folder with nested files and binary content, like writeModelDir's output plus extras. */
async function makeModelDir(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>([
    ['MLmodel', Buffer.from('flavors:\n  xgboost:\n    model_format: json\n')],
    ['model.json', Buffer.from(JSON.stringify({ learner: { trees: Array.from({ length: 200 }, (_, i) => i) } }))],
    ['data/weights.bin', randomBytes(300_000)],
    ['data/deeper/empty-ish.txt', Buffer.from('x')],
  ]);
  for (const [rel, bytes] of files) {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), bytes);
  }
  return files;
}

async function scenario(client: MlflowClient, workDir: string): Promise<void> {
  const experimentName = `client-it-${Date.now()}-${randomBytes(3).toString('hex')}`;
  const experimentId = await client.getOrCreateExperiment(experimentName);
  expect(await client.getOrCreateExperiment(experimentName)).toBe(experimentId);
  expect((await client.getExperimentByName(experimentName))?.experiment_id).toBe(experimentId);
  expect(await client.getExperimentByName(`${experimentName}-missing`)).toBeUndefined();

  const best = await client.createRun({ experimentId, runName: 'best', tags: { trial: '1' } });
  const worse = await client.createRun({ experimentId, runName: 'worse', tags: { trial: '2' } });
  const other = await client.createRun({ experimentId, runName: 'other-eta', tags: { trial: '3' } });
  const runId = best.info.run_id;
  expect(best.info.artifact_uri).toMatch(/^mlflow-artifacts:/);

  await client.logBatch(runId, {
    params: [{ key: 'eta', value: '0.1' }, { key: 'max_depth', value: '6' }],
    metrics: Array.from({ length: 10 }, (_, step) => ({ key: 'loss', value: 1 / (step + 1), step, timestamp: 1_700_000_000_000 + step })),
    tags: [{ key: 'stage', value: 'tuning' }],
  });
  await client.logParam(runId, 'subsample', 0.8);
  await client.logMetric(runId, 'auc', 0.93);
  await client.setTag(runId, 'engine', 'native');
  await client.logBatch(worse.info.run_id, { params: [{ key: 'eta', value: '0.1' }], metrics: [{ key: 'auc', value: 0.81 }] });
  await client.logBatch(other.info.run_id, { params: [{ key: 'eta', value: '0.3' }], metrics: [{ key: 'auc', value: 0.99 }] });

  const modelDir = join(workDir, 'model-in');
  const files = await makeModelDir(modelDir);
  const uploaded = await client.uploadDir(runId, modelDir, 'model');
  expect(uploaded.sort()).toEqual([...files.keys()].sort());
  await client.uploadArtifact(runId, 'notes/readme.txt', 'hello');
  await client.updateRun(runId, { status: 'FINISHED' });

  const fetched = await client.getRun(runId);
  expect(fetched.info.status).toBe('FINISHED');
  expect(Object.fromEntries(fetched.data.params.map((p) => [p.key, p.value]))).toEqual({ eta: '0.1', max_depth: '6', subsample: '0.8' });
  expect(fetched.data.metrics.find((m) => m.key === 'auc')?.value).toBeCloseTo(0.93);
  expect(fetched.data.metrics.find((m) => m.key === 'loss')?.value).toBeCloseTo(0.1); // the latest step
  expect(Object.fromEntries(fetched.data.tags.map((t) => [t.key, t.value]))).toMatchObject({ trial: '1', stage: 'tuning', engine: 'native' });

  const found = await client.searchRuns({ experimentIds: [experimentId], filter: "params.eta = '0.1' and metrics.auc > 0.5", orderBy: ['metrics.auc DESC'] });
  expect(found.runs.map((r) => r.info.run_name)).toEqual(['best', 'worse']);
  const paged = await client.searchRuns({ experimentIds: [experimentId], orderBy: ['metrics.auc ASC'], maxResults: 2 });
  expect(paged.runs.map((r) => r.info.run_name)).toEqual(['worse', 'best']);
  expect(paged.nextPageToken).toBeDefined();
  expect((await client.searchAllRuns({ experimentIds: [experimentId], maxResults: 1 })).length).toBe(3);

  const history = await client.getMetricHistory(runId, 'loss');
  expect(history.map((m) => m.step).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(history.find((m) => m.step === 3)?.value).toBeCloseTo(0.25);

  const listed = await client.listArtifacts(runId, 'model');
  expect(listed.map((f) => [f.path, f.is_dir]).sort()).toEqual([['model/MLmodel', false], ['model/data', true], ['model/model.json', false]]);
  expect((await client.downloadArtifact(runId, 'notes/readme.txt')).toString()).toBe('hello');

  await client.ensureRegisteredModel(MODEL);
  await client.ensureRegisteredModel(MODEL);
  const version = await client.createModelVersion({ name: MODEL, source: `${best.info.artifact_uri}/model`, runId });
  expect(version).toMatchObject({ name: MODEL, run_id: runId });
  expect((await client.getModelVersion(MODEL, version.version)).source).toBe(`${best.info.artifact_uri}/model`);
  await client.setRegisteredModelAlias(MODEL, 'champion', version.version);
  expect((await client.getModelVersionByAlias(MODEL, 'champion'))?.version).toBe(version.version);

  const resolved = await client.resolveModelUri(`models:/${MODEL}@champion`);
  expect(resolved).toMatchObject({ runId, artifactPath: 'model' });
  expect(await client.resolveModelUri(`models:/${MODEL}/${version.version}`)).toMatchObject({ runId, artifactPath: 'model' });
  expect(await client.resolveModelUri(`runs:/${runId}/model`)).toMatchObject({ runId, artifactPath: 'model' });

  const outDir = join(workDir, 'model-out');
  const downloaded = await client.downloadDir(resolved.runId, resolved.artifactPath, outDir);
  // The folder's contents land directly in outDir, as loadModelDir expects them.
  expect(downloaded.sort()).toEqual([...files.keys()].sort());
  for (const [rel, bytes] of files) {
    expect((await readFile(join(outDir, rel))).equals(bytes)).toBe(true);
  }
  const byUri = join(workDir, 'model-by-uri');
  await client.downloadModel(`models:/${MODEL}@champion`, byUri);
  expect((await readFile(join(byUri, 'data/weights.bin'))).equals(files.get('data/weights.bin') ?? Buffer.alloc(0))).toBe(true);

  await client.deleteRegisteredModelAlias(MODEL, 'champion');
  expect(await client.getModelVersionByAlias(MODEL, 'champion')).toBeUndefined();

  const missing = await client.getRun('0123456789abcdef0123456789abcdef').catch((error: unknown) => error);
  expect(missing).toBeInstanceOf(MlflowError);
  expect(missing).toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
  await expect(client.uploadArtifact(runId, '../escape.txt', 'x')).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });

  await client.deleteRun(other.info.run_id);
  const active = await client.searchRuns({ experimentIds: [experimentId] });
  expect(active.runs.map((r) => r.info.run_id)).not.toContain(other.info.run_id);
}

describe('MlflowClient against a real mlflow server', () => {
  let server: RunningMlflowServer | undefined;
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'mlflow-client-it-'));
    const python = mlflowPython();
    if (!python) return;
    server = await startMlflowServer({
      python,
      backendStoreUri: `sqlite:///${join(workDir, 'mlflow.db')}`,
      artifactsDestination: join(workDir, 'artifacts'),
      startTimeoutMs: 600_000,
    });
  }, 900_000);

  afterAll(async () => {
    await server?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('when the whole client scenario runs against MLflow 3, then every call behaves as MLflow does', async () => {
    if (!server) return;
    await scenario(new MlflowClient({ trackingUri: server.url }), workDir);
  }, 300_000);
});

describe('MlflowClient against our registry', () => {
  let registry: RunningRegistry;
  let workDir: string;
  let adminUrl: string;
  const database = 'mlflow_client_it';

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'mlflow-client-it-'));
    const config = loadConfig(registryConfigSchema, { envFiles: [join(ROOT, '.env.local')] });
    // A database and bucket of the test's own, so churn-model@champion of the running stack is untouched.
    adminUrl = config.REGISTRY_DATABASE_URL.replace(/\/[^/?]+(\?|$)/, '/postgres$1');
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    registry = await startRegistry({
      ...config,
      REGISTRY_PORT: 0,
      REGISTRY_DATABASE_URL: config.REGISTRY_DATABASE_URL.replace(/\/[^/?]+(\?|$)/, `/${database}$1`),
      ARTIFACTS_BUCKET: 'mlflow-client-it',
      LOG_LEVEL: 'warn',
    });
  }, 120_000);

  afterAll(async () => {
    await registry?.close();
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    await rm(workDir, { recursive: true, force: true });
  });

  it('when the whole client scenario runs against our registry, then it behaves as MLflow does', async () => {
    await scenario(new MlflowClient({ trackingUri: registry.url }), workDir);
  }, 300_000);
});
