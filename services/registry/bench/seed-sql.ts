import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** One generated run; the same list goes into both servers so their searches must agree. */
export interface SeedRun {
  name: string;
  startTime: number;
  engine: string;
  params: Record<string, string>;
  metrics: Record<string, number>;
}

/** mulberry32: deterministic data for both servers. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateRuns(count: number, seed = 42): SeedRun[] {
  const random = prng(seed);
  return Array.from({ length: count }, (_, i) => ({
    name: `trial-${i}`,
    startTime: 1_700_000_000_000 + i * 1000,
    engine: i % 3 ? 'native' : 'wasm',
    params: { max_depth: String(3 + Math.floor(random() * 8)), eta: ['0.01', '0.05', '0.1', '0.2', '0.3'][Math.floor(random() * 5)] ?? '0.1', trial: String(i) },
    metrics: { auc: 0.7 + random() * 0.25, log_loss: 0.2 + random() * 0.4 },
  }));
}

interface Flat {
  ids: string[];
  kv: { run: string[]; key: string[]; value: string[] }[];
  metrics: { run: string[]; key: string[]; value: number[]; ts: number[] };
}

function push(columns: { run: string[]; key: string[]; value: string[] }, run: string, key: string, value: string): void {
  columns.run.push(run);
  columns.key.push(key);
  columns.value.push(value);
}

function flatten(runs: SeedRun[], ids: string[]): Flat {
  const params = { run: [] as string[], key: [] as string[], value: [] as string[] };
  const tags = { run: [] as string[], key: [] as string[], value: [] as string[] };
  const metrics = { run: [] as string[], key: [] as string[], value: [] as number[], ts: [] as number[] };
  runs.forEach((r, i) => {
    const id = ids[i] ?? '';
    for (const [k, v] of Object.entries(r.params)) push(params, id, k, v);
    for (const [k, v] of Object.entries({ 'mlflow.runName': r.name, 'mlflow.user': 'bench', engine: r.engine })) push(tags, id, k, v);
    for (const [k, v] of Object.entries(r.metrics)) {
      metrics.run.push(id);
      metrics.key.push(k);
      metrics.value.push(v);
      metrics.ts.push(r.startTime);
    }
  });
  return { ids, kv: [params, tags], metrics };
}

/**
 * Bulk-inserts finished runs straight into a server's own schema: creating 10,000 runs over REST
 * takes many minutes on a loaded 2-core machine (the REST create path is measured separately).
 */
export async function seedRuns(databaseUrl: string, schema: 'ours' | 'mlflow', experimentId: string, runs: SeedRun[]): Promise<void> {
  const ids = runs.map(() => randomBytes(16).toString('hex'));
  const flat = flatten(runs, ids);
  const starts = runs.map((r) => r.startTime);
  const ends = runs.map((r) => r.startTime + 500);
  const names = runs.map((r) => r.name);
  const uris = ids.map((id) => `mlflow-artifacts:/${experimentId}/${id}/artifacts`);
  const [params, tags] = flat.kv as [Flat['kv'][0], Flat['kv'][0]];
  const m = flat.metrics;
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query('BEGIN');
    if (schema === 'ours') {
      await db.query(
        `INSERT INTO runs (run_id, experiment_id, run_name, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage)
         SELECT id, $1, n, 'bench', 'FINISHED', s, e, u, 'active' FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[]) AS t(id, n, s, e, u)`,
        [experimentId, ids, names, starts, ends, uris],
      );
      await db.query('INSERT INTO params (run_id, key, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])', [params.run, params.key, params.value]);
      await db.query('INSERT INTO tags (run_id, key, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])', [tags.run, tags.key, tags.value]);
      for (const table of ['metrics', 'latest_metrics']) {
        await db.query(`INSERT INTO ${table} (run_id, key, value, timestamp, step) SELECT r, k, v, ts, 0 FROM unnest($1::text[], $2::text[], $3::float8[], $4::bigint[]) AS t(r, k, v, ts)`, [m.run, m.key, m.value, m.ts]);
      }
    } else {
      await db.query(
        `INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id)
         SELECT id, n, 'UNKNOWN', '', '', 'bench', 'FINISHED', s, e, '', 'active', u, $1 FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[]) AS t(id, n, s, e, u)`,
        [Number(experimentId), ids, names, starts, ends, uris],
      );
      await db.query('INSERT INTO params (run_uuid, key, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])', [params.run, params.key, params.value]);
      await db.query('INSERT INTO tags (run_uuid, key, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])', [tags.run, tags.key, tags.value]);
      for (const table of ['metrics', 'latest_metrics']) {
        await db.query(`INSERT INTO ${table} (run_uuid, key, value, timestamp, step, is_nan) SELECT r, k, v, ts, 0, false FROM unnest($1::text[], $2::text[], $3::float8[], $4::bigint[]) AS t(r, k, v, ts)`, [m.run, m.key, m.value, m.ts]);
      }
    }
    await db.query('COMMIT');
    // Fresh planner statistics for both, as after a day of normal use.
    await db.query('VACUUM ANALYZE');
  } catch (error) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await db.end();
  }
}
