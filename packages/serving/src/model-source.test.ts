import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MlflowClient } from '@churn/mlflow-client';
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
