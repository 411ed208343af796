import { readdirSync } from 'node:fs';
import pg from 'pg';
import { createLogger } from '@churn/logger';
import type { RegistryConfig } from './config.js';
import { startRegistry, type RunningRegistry } from './server.js';
import { MIGRATIONS_DIR } from './store/migrate.js';
import { apiClient, createTestDatabase, loadTestConfig, startTestRegistry, type TestRegistry } from './testing/test-registry.js';

// Two registry copies on one database and one artifact store, hit at random by concurrent clients,
// must end in the state one registry reaches doing the same work one call after another.
const API = '/api/2.0/mlflow';
const EXPERIMENTS = ['exp-a', 'exp-b', 'exp-c'];
const RUNS_PER_EXPERIMENT = 4;
const BATCHES_PER_RUN = 5;
const MODELS = ['model-a', 'model-b'];
const VERSIONS_PER_MODEL = 15;
const ALIAS_OPS_PER_MODEL = 24;
const RACERS = 6;

type Api = TestRegistry['api'];
type Pick = () => Api;
interface Json { [key: string]: unknown }

/** The call's outcome: OK or the MLflow error code, which is what clients branch on. */
async function outcome(api: Api, path: string, init: Parameters<Api>[1]): Promise<{ code: string; json: Json }> {
  const response = await api(path, init);
  if (response.status >= 500) throw new Error(`${path}: ${response.status} ${response.text}`);
  return { code: response.status === 200 ? 'OK' : String(response.json.error_code), json: response.json };
}

async function ok(api: Api, path: string, init: Parameters<Api>[1]): Promise<Json> {
  const result = await outcome(api, path, init);
  if (result.code !== 'OK') throw new Error(`${path}: ${result.code} ${JSON.stringify(result.json)}`);
  return result.json;
}

/** All at once (the replicas) or one after another (the control). */
async function each<T, R>(items: readonly T[], parallel: boolean, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (parallel) return Promise.all(items.map(work));
  const results: R[] = [];
  for (const [index, item] of items.entries()) results.push(await work(item, index));
  return results;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const tally = (codes: string[]) => codes.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c]: (acc[c] ?? 0) + 1 }), {});

/** The workload; `pick` chooses the registry of each call. Returns the outcomes of the contested calls. */
async function workload(pick: Pick, parallel: boolean) {
  const contested = await each(range(RACERS), parallel, async () => {
    const result = await outcome(pick(), `${API}/experiments/create`, { body: { name: 'contested' } });
    return result.code === 'OK' ? 'OK' : `${result.code}: ${String(result.json.message)}`;
  });
  const experimentIds = await each(EXPERIMENTS, parallel, async (name) => String((await ok(pick(), `${API}/experiments/create`, { body: { name } })).experiment_id));
  const runs = (await each(experimentIds, parallel, (experimentId, e) => each(range(RUNS_PER_EXPERIMENT), parallel, async (r) => {
    const created = await ok(pick(), `${API}/runs/create`, { body: { experiment_id: experimentId, run_name: `${EXPERIMENTS[e]}-run-${r}` } });
    return ((created.run as Json).info as Json).run_id as string;
  }))).flat();
  await each(runs.flatMap((runId) => range(BATCHES_PER_RUN).map((b) => [runId, b] as const)), parallel, ([runId, b]) => ok(pick(), `${API}/runs/log-batch`, {
    body: {
      run_id: runId,
      metrics: range(10).map((s) => ({ key: 'loss', value: 1 / (1 + b * 10 + s), timestamp: 1_000 + b * 10 + s, step: b * 10 + s })),
      // 'lr' is re-logged with the same value by every batch: allowed, stored once.
      params: [{ key: `p${b}`, value: `v${b}` }, { key: 'lr', value: '0.1' }],
      tags: [{ key: `t${b}`, value: `b${b}` }],
    },
  }));
  const seeds = await each(range(RACERS), parallel, async (i) => ({ value: `seed-${i}`, code: (await outcome(pick(), `${API}/runs/log-parameter`, { body: { run_id: runs[0], key: 'seed', value: `seed-${i}` } })).code }));
  const models = await each(MODELS.flatMap((name) => [name, name]), parallel, async (name) => (await outcome(pick(), `${API}/registered-models/create`, { body: { name } })).code);
  const renames = await each(range(RACERS), parallel, async (i) => {
    await ok(pick(), `${API}/registered-models/create`, { body: { name: `draft-${i}` } });
    const result = await outcome(pick(), `${API}/registered-models/rename`, { body: { name: `draft-${i}`, new_name: 'renamed' } });
    return result.code === 'OK' ? 'OK' : `${result.code}: ${String(result.json.message)}`;
  });
  const versions = Object.fromEntries(await Promise.all(MODELS.map(async (name) => [name, await each(range(VERSIONS_PER_MODEL), parallel, async () =>
    ((await ok(pick(), `${API}/model-versions/create`, { body: { name, source: `s3://models/${name}` } })).model_version as Json).version as string)] as const)));
  // Champion moves between versions; challenger is set and removed; removals of a missing alias are 404s.
  const aliasOps = await each(MODELS.flatMap((name) => range(ALIAS_OPS_PER_MODEL).map((i) => [name, i] as const)), parallel, async ([name, i]) => {
    if (i % 2 === 0) return (await outcome(pick(), `${API}/registered-models/alias`, { body: { name, alias: 'champion', version: String((i % VERSIONS_PER_MODEL) + 1) } })).code;
    if (i % 4 === 1) return (await outcome(pick(), `${API}/registered-models/alias`, { body: { name, alias: 'challenger', version: String(i % VERSIONS_PER_MODEL + 1) } })).code;
    return (await outcome(pick(), `${API}/registered-models/alias`, { method: 'DELETE', body: { name, alias: 'challenger' } })).code;
  });
  return { contested, seeds, models, renames, versions, aliasOps, runs };
}

/** Sets the aliases to fixed targets, so the final state no longer depends on who came last. */
async function settleAliases(api: Api): Promise<void> {
  for (const name of MODELS) {
    await ok(api, `${API}/registered-models/alias`, { body: { name, alias: 'champion', version: String(VERSIONS_PER_MODEL) } });
    await ok(api, `${API}/registered-models/alias`, { body: { name, alias: 'challenger', version: '1' } });
  }
}

/** Everything a client can read back, keyed by names (ids differ between databases); seed is one of the racers'. */
async function snapshot(api: Api) {
  const experiments = ((await ok(api, `${API}/experiments/search`, { body: { max_results: 1000, view_type: 'ALL' } })).experiments as Json[])
    .map((e) => ({ id: e.experiment_id as string, name: e.name as string }));
  const runs = [];
  for (const experiment of experiments) {
    for (const run of ((await ok(api, `${API}/runs/search`, { body: { experiment_ids: [experiment.id], max_results: 1000 } })).runs as Json[] | undefined) ?? []) {
      const info = run.info as Json;
      const data = run.data as { params?: { key: string; value: string }[]; metrics?: { key: string; value: number; step: number }[]; tags?: { key: string; value: string }[] };
      const history = (await ok(api, `${API}/metrics/get-history`, { query: { run_id: info.run_id as string, metric_key: 'loss' } })).metrics as Json[];
      runs.push({
        experiment: experiment.name,
        name: info.run_name,
        params: Object.fromEntries((data.params ?? []).map((p) => [p.key, p.key === 'seed' ? /^seed-\d+$/.test(p.value) : p.value])),
        metrics: data.metrics?.map(({ key, value, step }) => ({ key, value, step })),
        history: history.length,
        tags: (data.tags ?? []).filter((t) => /^t\d+$/.test(t.key)).sort((a, b) => a.key.localeCompare(b.key)),
      });
    }
  }
  const models = [];
  for (const name of MODELS) {
    const model = (await ok(api, `${API}/registered-models/get`, { query: { name } })).registered_model as Json;
    const versions = ((await ok(api, `${API}/model-versions/search`, { query: { filter: `name='${name}'`, max_results: '1000' } })).model_versions as Json[])
      .map((v) => Number(v.version)).sort((a, b) => a - b);
    models.push({ name, versions, aliases: model.aliases });
  }
  return { experiments: experiments.map((e) => e.name).sort(), runs: runs.sort((a, b) => String(a.name).localeCompare(String(b.name))), models };
}

describe('two registries on one database', () => {
  const log = createLogger('registry-test', { level: 'silent' });
  let database: { url: string; drop: () => Promise<void> };
  let replicas: RunningRegistry[] = [];
  let control: TestRegistry;
  let apis: Api[];
  beforeAll(async () => {
    const base = loadTestConfig();
    database = await createTestDatabase(base.REGISTRY_DATABASE_URL);
    const config: RegistryConfig = { ...base, REGISTRY_PORT: 0, REGISTRY_DATABASE_URL: database.url, ARTIFACTS_BUCKET: 'registry-test', LOG_LEVEL: 'silent' };
    replicas = await Promise.all([startRegistry(config, log), startRegistry(config, log)]);
    apis = replicas.map((r) => apiClient(r.url));
    control = await startTestRegistry();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await control?.close();
    await database?.drop();
  });

  it('given a fresh database, when two registries start at once, then every migration is applied once and Default exists once', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();
      expect((await client.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).rows.map((r) => r.name)).toEqual(files);
      expect((await client.query('SELECT experiment_id, name FROM experiments')).rows).toEqual([{ experiment_id: 0, name: 'Default' }]);
    } finally {
      await client.end();
    }
  });

  it('given concurrent clients on both registries, when they race on names, params, versions and aliases, then every race has one consistent result and the state equals one registry doing the same work in sequence', async () => {
    // when
    const random: Pick = () => apis[Math.floor(Math.random() * apis.length)] as Api;
    const [concurrent, sequential] = await Promise.all([workload(random, true), workload(() => control.api, false)]);

    // then: exactly one creator of a name wins, the others get MLflow's RESOURCE_ALREADY_EXISTS
    for (const result of [concurrent, sequential]) {
      expect(tally(result.contested)).toEqual({ OK: 1, "RESOURCE_ALREADY_EXISTS: Experiment 'contested' already exists.": RACERS - 1 });
      expect(tally(result.models)).toEqual({ OK: MODELS.length, RESOURCE_ALREADY_EXISTS: MODELS.length });
      expect(tally(result.renames)).toEqual({ OK: 1, 'RESOURCE_ALREADY_EXISTS: Registered Model (name=renamed) already exists.': RACERS - 1 });
      expect(tally(result.seeds.map((s) => s.code))).toEqual({ OK: 1, INVALID_PARAMETER_VALUE: RACERS - 1 });
      // version numbers are 1..N, no gap, no duplicate
      for (const name of MODELS) expect(result.versions[name]?.map(Number).sort((a, b) => a - b)).toEqual(range(VERSIONS_PER_MODEL).map((i) => i + 1));
      expect(result.aliasOps.every((code) => code === 'OK' || code === 'RESOURCE_DOES_NOT_EXIST')).toBe(true);
    }
    // the param that was kept is the one whose writer was told OK
    const winner = concurrent.seeds.find((s) => s.code === 'OK')?.value;
    const run = await ok(apis[1] as Api, `${API}/runs/get`, { query: { run_id: concurrent.runs[0] as string } });
    expect(((run.run as Json).data as { params: { key: string; value: string }[] }).params.find((p) => p.key === 'seed')?.value).toBe(winner);

    // then: after the alias storm, each alias's target is the last change recorded, read alike through both registries
    for (const name of MODELS) {
      const [a, b] = await Promise.all(apis.map(async (api) => ((await ok(api, `${API}/registered-models/get`, { query: { name } })).registered_model as Json).aliases as { alias: string; version: string }[]));
      expect(a).toEqual(b);
      const history = (await ok(apis[0] as Api, `${API}/registered-models/alias-history`, { query: { name } })).history as { alias: string; version: string | null }[];
      for (const alias of ['champion', 'challenger']) {
        const target = a?.find((x) => x.alias === alias)?.version ?? null;
        expect(history.find((h) => h.alias === alias)?.version ?? null).toBe(target);
        if (target) expect(((await ok(apis[1] as Api, `${API}/registered-models/alias`, { query: { name, alias } })).model_version as Json).aliases).toContain(alias);
      }
    }

    // then: the full state matches through A, through B and on the control
    await Promise.all([settleAliases(apis[0] as Api), settleAliases(control.api)]);
    const [viaA, viaB, single] = await Promise.all([snapshot(apis[0] as Api), snapshot(apis[1] as Api), snapshot(control.api)]);
    expect(viaA).toEqual(viaB);
    expect(viaA).toEqual(single);
    expect(viaA.runs).toHaveLength(EXPERIMENTS.length * RUNS_PER_EXPERIMENT);
    expect(viaA.runs.every((r) => r.history === BATCHES_PER_RUN * 10)).toBe(true);
  }, 120_000);
});
