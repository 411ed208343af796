import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MlflowError, type MlflowClient } from '@churn/mlflow-client';
import { buildModelJson } from '@churn/xgboost';
import { ModelHolder } from './model-holder.js';
import { COMPLETE_MARKER, ModelSource, modelUriOf, readModelSelection } from './model-source.js';

/** Stands in for the registry client: counts downloads, can fail half-way. */
function fakeClient(options: { failAfterFirstFile?: boolean; delayMs?: number } = {}) {
  const calls: string[] = [];
  const client = {
    resolveModelUri: async (uri: string) => ({ runId: uri.includes('@champion') ? 'run-c' : 'run-x', artifactPath: 'model' }),
    downloadDir: async (runId: string, artifactPath: string, dest: string) => {
      calls.push(`${runId}/${artifactPath}`);
      await writeFile(join(dest, 'MLmodel'), 'flavors: {}');
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      if (options.failAfterFirstFile) throw new Error('connection reset');
      await writeFile(join(dest, 'model.json'), '{}');
      return ['MLmodel', 'model.json'];
    },
    downloadUri: async () => [],
  };
  return { client: client as unknown as MlflowClient, calls };
}

describe('model selection', () => {
  it('when RUN_ID is set, then it wins over MODEL_URI; when only MODEL_URI is set, then it is used; when neither, then none', () => {
    expect(modelUriOf({ RUN_ID: 'abc', MODEL_URI: 'models:/m@champion' })).toBe('runs:/abc/model');
    expect(modelUriOf({ RUN_ID: ' ', MODEL_URI: 'models:/m@champion' })).toBe('models:/m@champion');
    expect(modelUriOf({})).toBeUndefined();
  });

  it('when the env file is read, then RUN_ID and MODEL_URI come from the file as it is now', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sel-'));
    await writeFile(join(dir, '.env'), 'RUN_ID=one\nMODEL_URI=\n');
    expect(readModelSelection(join(dir, '.env'))).toEqual({ RUN_ID: 'one', MODEL_URI: '' });
  });
});

describe('ModelSource cache', () => {
  it('when a run is fetched twice, then it is downloaded once and the cached folder is marked complete', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'cache-'));
    const { client, calls } = fakeClient();
    const source = new ModelSource({ client, cacheDir });
    const first = await source.fetch('run-1');
    const second = await source.fetch('run-1');
    expect(first).toBe(second);
    expect(calls).toEqual(['run-1/model']);
    expect(existsSync(join(first, COMPLETE_MARKER))).toBe(true);
  });

  it('when two processes sharing the cache download the same run at once, then the copy the first one is loading is never removed', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'cache-'));
    // Two ModelSources stand for the HTTP and the stream predictor; both see no cached copy and download, the second more slowly.
    const fast = new ModelSource({ client: fakeClient().client, cacheDir });
    const slow = new ModelSource({ client: fakeClient({ delayMs: 100 }).client, cacheDir });
    const late = slow.fetch('run-3');
    const dir = await fast.fetch('run-3');
    const loading = statSync(dir).ino;
    expect(await late).toBe(dir);
    expect(statSync(dir).ino).toBe(loading);
    expect(readdirSync(dir).sort()).toEqual([COMPLETE_MARKER, 'MLmodel', 'model.json']);
    expect(readdirSync(cacheDir)).toEqual(['run-3']);
  });

  it('when a download fails half-way, then nothing is left in the cache and the next fetch downloads again', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'cache-'));
    const failing = new ModelSource({ client: fakeClient({ failAfterFirstFile: true }).client, cacheDir });
    await expect(failing.fetch('run-2')).rejects.toThrow('connection reset');
    expect(readdirSync(cacheDir)).toEqual([]);
    const { client, calls } = fakeClient();
    await new ModelSource({ client, cacheDir }).fetch('run-2');
    expect(calls).toHaveLength(1);
  });

  it('when a model URI is resolved, then the run id names the cache folder', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'cache-'));
    const { client, calls } = fakeClient();
    const source = new ModelSource({ client, cacheDir });
    const runId = await source.resolve('models:/churn-model@champion');
    expect(runId).toBe('run-c');
    expect(await source.fetch(runId)).toBe(join(cacheDir, 'run-c'));
    expect(calls).toEqual(['run-c/model']);
  });
});

describe('ModelSource with models Python logged', () => {
  const put = async (files: Record<string, string>, dest: string) => {
    // As the client does for a path with no files under it.
    if (Object.keys(files).length === 0) throw new MlflowError('no artifacts under it', 'RESOURCE_DOES_NOT_EXIST', 404);
    for (const [name, text] of Object.entries(files)) await writeFile(join(dest, name), text);
    return Object.keys(files);
  };
  /** A registry holding one model directory per run, given as files; `logged` runs keep theirs in an MLflow 3 logged model. */
  const registryOf = (runs: Record<string, Record<string, string>>, logged: Record<string, Record<string, string>> = {}) =>
    ({
      downloadDir: async (runId: string, _artifactPath: string, dest: string) => put(runs[runId] ?? {}, dest),
      loggedModelOfRun: async (runId: string, name: string) => (logged[runId] && name === 'model' ? `mlflow-artifacts:/1/models/m-${runId}/artifacts` : undefined),
      downloadUri: async (uri: string, dest: string) => put(logged[/m-([^/]+)/.exec(uri)?.[1] ?? ''] ?? {}, dest),
    }) as unknown as MlflowClient;
  // A one-tree booster on two columns: x0 < 0.5 scores margin -1, else +1.
  const modelJson = buildModelJson({
    objective: 'binary:logistic',
    baseScore: 0.5,
    numFeature: 2,
    trees: [{ left: [1, -1, -1], right: [2, -1, -1], parents: [-1, 0, 0], splitIndices: [0, 0, 0], splitConditions: [0.5, -1, 1], defaultLeft: [true, false, false], baseWeights: [0, -1, 1], lossChanges: [1, 0, 0], sumHessian: [2, 1, 1] }],
  });
  const xgboostRun = {
    MLmodel: `flavors:\n  python_function:\n    loader_module: mlflow.xgboost\n    data: model.json\n  xgboost:\n    data: model.json\n    model_class: xgboost.core.Booster\nsignature:\n  inputs: '[{"type": "double", "name": "x0"}, {"type": "double", "name": "x1"}]'\n`,
    'model.json': modelJson,
  };
  const sklearnRun = { MLmodel: 'flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n  sklearn:\n    pickled_model: model.pkl\n', 'model.pkl': 'pickle' };

  it('when RUN_ID names an xgboost model Python logged, then it is served; when the next names a sklearn model, then the load fails naming the flavor and the xgboost model keeps serving', async () => {
    const source = new ModelSource({ client: registryOf({ 'run-xgb': xgboostRun, 'run-sk': sklearnRun }), cacheDir: await mkdtemp(join(tmpdir(), 'cache-')) });
    const holder = new ModelHolder(source.load);
    await holder.load('run-xgb');
    const rows = [{ x0: 0.9, x1: 0 }];
    expect(holder.use(({ model }) => model.score?.(rows).predictions)).toEqual([Math.fround(1 / (1 + Math.exp(-1)))]);
    await expect(holder.load('run-sk')).rejects.toThrow(/is a sklearn model; only the xgboost flavor can be served/);
    expect(holder.runId).toBe('run-xgb');
    expect(holder.use(({ model }) => Array.from(model.predict(rows)))).toEqual([Math.fround(1 / (1 + Math.exp(-1)))]);
  });

  it('when RUN_ID names a run whose model MLflow 3 logged as a logged model (nothing under the run), then that model is downloaded and served', async () => {
    const source = new ModelSource({ client: registryOf({}, { 'run-3': xgboostRun }), cacheDir: await mkdtemp(join(tmpdir(), 'cache-')) });
    const holder = new ModelHolder(source.load);
    await holder.load('run-3');
    expect(holder.use(({ model }) => Array.from(model.predict([{ x0: 0.1, x1: 0 }])))).toEqual([Math.fround(1 / (1 + Math.exp(1)))]);
  });
});
