import { cp, readdir } from 'node:fs/promises';
import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { Run } from '@churn/mlflow-client';
import type { ObjectStore } from '../activities/object-store.js';

// In-memory stand-ins for the activities' clients, for unit tests with MockActivityEnvironment.

export function memoryStore(): ObjectStore & { objects: Map<string, Buffer> } {
  const objects = new Map<string, Buffer>();
  return {
    objects,
    async newestKey(bucket, prefix) {
      const keys = [...objects.keys()].filter((k) => k.startsWith(`${bucket}/${prefix}`) && k.endsWith('.csv')).sort();
      return keys.at(-1)?.slice(bucket.length + 1);
    },
    async get(bucket, key) {
      return objects.get(`${bucket}/${key}`);
    },
    async put(bucket, key, body) {
      objects.set(`${bucket}/${key}`, Buffer.from(body));
    },
  };
}

interface FakeVersion {
  name: string;
  version: string;
  run_id: string;
  source: string;
  tags: { key: string; value: string }[];
  aliases: string[];
  current_stage: string;
  description: string;
  status: string;
}

/** A registry that understands the filters the activities send (equality on tags, name, run_id). */
export function fakeRegistry() {
  const runs = new Map<string, Run>();
  const artifacts = new Map<string, string[]>();
  const versions: FakeVersion[] = [];
  const aliases = new Map<string, string>();
  const modelDirs = new Map<string, string>();
  let next = 0;

  const matches = (run: Run, filter: string | undefined) =>
    (filter ?? '')
      .split(/\s+and\s+/i)
      .filter(Boolean)
      .every((clause) => {
        const m = /^tags\.(\S+)\s*=\s*'(.*)'$/.exec(clause.trim());
        if (!m) throw new Error(`fake registry cannot filter on ${clause}`);
        return run.data.tags.some((t) => t.key === m[1] && t.value === m[2]);
      });

  const client = {
    getOrCreateExperiment: async () => '1',
    async searchRuns({ filter }: { experimentIds: string[]; filter?: string }) {
      return { runs: [...runs.values()].filter((r) => matches(r, filter)) };
    },
    async createRun({ experimentId, runName, tags = {} }: { experimentId: string; runName?: string; tags?: Record<string, string> }): Promise<Run> {
      next += 1;
      const run_id = `run${next}`;
      const run: Run = {
        info: { run_id, experiment_id: experimentId, run_name: runName ?? '', status: 'RUNNING', artifact_uri: `mlflow-artifacts:/1/${run_id}/artifacts`, lifecycle_stage: 'active' },
        data: { metrics: [], params: [], tags: Object.entries(tags).map(([key, value]) => ({ key, value })) },
      };
      runs.set(run_id, run);
      return structuredClone(run);
    },
    async getRun(runId: string) {
      const run = runs.get(runId);
      if (!run) throw new Error(`no run ${runId}`);
      return structuredClone(run);
    },
    async logBatch(runId: string, batch: { metrics?: { key: string; value: number }[]; params?: { key: string; value: string }[]; tags?: { key: string; value: string }[] }) {
      const run = runs.get(runId);
      if (!run) throw new Error(`no run ${runId}`);
      for (const m of batch.metrics ?? []) run.data.metrics.push({ key: m.key, value: m.value, timestamp: 0, step: 0 });
      for (const p of batch.params ?? []) {
        if (run.data.params.some((q) => q.key === p.key)) throw new Error(`param ${p.key} logged twice`);
        run.data.params.push(p);
      }
      for (const t of batch.tags ?? []) run.data.tags.push(t);
    },
    async setTag(runId: string, key: string, value: string) {
      runs.get(runId)?.data.tags.push({ key, value });
    },
    async updateRun(runId: string, update: { status?: string }) {
      const run = runs.get(runId);
      if (run && update.status) run.info.status = update.status;
      return run?.info;
    },
    async uploadDir(runId: string, localDir: string, artifactPath: string) {
      const files = await readdir(localDir);
      artifacts.set(runId, files.map((f) => `${artifactPath}/${f}`));
      return files;
    },
    async ensureRegisteredModel(name: string) {
      return { name };
    },
    async searchModelVersions({ filter }: { filter?: string }) {
      const runId = /run_id = '([^']+)'/.exec(filter ?? '')?.[1];
      return { modelVersions: versions.filter((v) => v.run_id === runId) };
    },
    async createModelVersion({ name, source, runId, tags }: { name: string; source: string; runId?: string; tags?: Record<string, string> }) {
      const version: FakeVersion = { name, version: String(versions.length + 1), run_id: runId ?? '', source, tags: Object.entries(tags ?? {}).map(([key, value]) => ({ key, value })), aliases: [], current_stage: 'None', description: '', status: 'READY' };
      versions.push(version);
      return version;
    },
    async setRegisteredModelAlias(_name: string, alias: string, version: string | number) {
      aliases.set(alias, String(version));
    },
    async getModelVersionByAlias(_name: string, alias: string) {
      const version = aliases.get(alias);
      return versions.find((v) => v.version === version);
    },
    async downloadModel(uri: string, destDir: string) {
      // models:/name@alias or runs:/<run id>/model
      const alias = uri.split('@')[1] ?? '';
      const runId = uri.startsWith('runs:/') ? uri.split('/')[1] : versions.find((v) => v.version === aliases.get(alias))?.run_id;
      const dir = runId && modelDirs.get(runId);
      if (!runId || !dir) throw new Error(`no model behind ${uri}`);
      await cp(dir, destDir, { recursive: true });
      return { runId, artifactPath: 'model' };
    },
  };
  return { client, runs, artifacts, versions, aliases, modelDirs };
}

/** A mock activity environment that keeps the SDK's activity logs (expected failures) out of test output. */
export function quietActivityEnv(info: Partial<Info> = {}): MockActivityEnvironment {
  return new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });
}

/** env.run with the activity's own result type (the SDK's generic infers unknown here). */
export function runIn<A extends unknown[], R>(env: MockActivityEnvironment, fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return env.run(fn, ...args) as Promise<R>;
}
