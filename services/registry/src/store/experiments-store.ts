import { alreadyExists, invalid, notFound } from '../errors.js';
import { parseFilter, parseOrderBy } from '../search/filter-parser.js';
import { decodePageToken, nextToken } from '../search/page-token.js';
import { compileFilter, compileOrderBy, SqlParams, type SearchSpec } from '../search/sql.js';
import type { Db, Queryable } from './db.js';
import { inTransaction } from './db.js';
import type { Experiment, KeyValue, Page, SearchRequest } from './types.js';
import { lastByKey } from './validation.js';

interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
}

const SPEC: SearchSpec = {
  resource: 'experiments',
  ownerColumn: 'e.experiment_id',
  attributes: {
    name: { sql: 'e.name', type: 'string' },
    experiment_id: { sql: 'e.experiment_id::text', type: 'string' },
    creation_time: { sql: 'e.creation_time', type: 'number' },
    last_update_time: { sql: 'e.last_update_time', type: 'number' },
  },
  keyValue: { tag: { table: 'experiment_tags', owner: 'experiment_id', numeric: false } },
};

export function lifecycleCondition(column: string, viewType: string | undefined): string {
  if (viewType === 'ALL') return 'TRUE';
  return viewType === 'DELETED_ONLY' ? `${column} = 'deleted'` : `${column} = 'active'`;
}

export function parseExperimentId(id: string): number {
  if (!/^\d{1,18}$/.test(id)) throw notFound(`No Experiment with id=${id} exists`);
  return Number(id);
}

export class ExperimentStore {
  constructor(private readonly db: Db) {}

  async create(name: string, artifactLocation: string | undefined, tags: KeyValue[]): Promise<string> {
    if (!name.trim()) throw invalid("Invalid experiment name: ''");
    return inTransaction(this.db, async (tx) => {
      const id = Number((await tx.query<{ id: string }>("SELECT nextval('experiments_id_seq') AS id")).rows[0]?.id);
      const now = Date.now();
      // The unique name decides between concurrent creators (here or in another registry copy): a
      // check before the insert would let both pass.
      const inserted = await tx.query(
        'INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (name) DO NOTHING',
        [id, name, artifactLocation || `mlflow-artifacts:/${id}`, now],
      );
      if (!inserted.rowCount) throw alreadyExists(`Experiment '${name}' already exists.`);
      if (tags.length) await upsertTags(tx, id, lastByKey(tags));
      return String(id);
    });
  }

  async get(id: string): Promise<Experiment> {
    const rows = await this.db.query<ExperimentRow>('SELECT * FROM experiments WHERE experiment_id = $1', [parseExperimentId(id)]);
    const row = rows.rows[0];
    if (!row) throw notFound(`No Experiment with id=${id} exists`);
    return (await this.hydrate([row]))[0] as Experiment;
  }

  async getByName(name: string): Promise<Experiment> {
    const row = (await this.db.query<ExperimentRow>('SELECT * FROM experiments WHERE name = $1', [name])).rows[0];
    if (!row) throw notFound(`Could not find experiment with name '${name}'`);
    return (await this.hydrate([row]))[0] as Experiment;
  }

  async search(request: SearchRequest): Promise<Page<Experiment>> {
    const p = new SqlParams();
    const where = compileFilter(parseFilter(request.filter), SPEC, p);
    const order = compileOrderBy((request.orderBy ?? []).map((o) => parseOrderBy(o)), SPEC, p);
    const offset = decodePageToken(request.pageToken);
    const sql = `SELECT e.* FROM experiments e ${order.joins.join(' ')} WHERE ${lifecycleCondition('e.lifecycle_stage', request.viewType)} AND ${where}
      ORDER BY ${[...order.terms, 'e.creation_time DESC', 'e.experiment_id ASC'].join(', ')} LIMIT ${p.add(request.maxResults + 1)} OFFSET ${p.add(offset)}`;
    const rows = (await this.db.query<ExperimentRow>(sql, p.values)).rows;
    return { items: await this.hydrate(rows.slice(0, request.maxResults)), nextPageToken: nextToken(rows.length, request.maxResults, offset) };
  }

  /** Active runs per experiment and the newest start, for the UI's experiments list (not an MLflow endpoint). */
  async runStats(ids: string[]): Promise<{ experiment_id: string; run_count: number; last_run_time: number | null }[]> {
    const rows = await this.db.query<{ experiment_id: string; run_count: string; last_run_time: string | null }>(
      `SELECT experiment_id::text, count(*) AS run_count, max(start_time) AS last_run_time FROM runs
       WHERE lifecycle_stage = 'active' AND experiment_id = ANY($1::bigint[]) GROUP BY experiment_id`,
      [ids.map(parseExperimentId)],
    );
    return rows.rows.map((r) => ({ experiment_id: r.experiment_id, run_count: Number(r.run_count), last_run_time: r.last_run_time === null ? null : Number(r.last_run_time) }));
  }

  /**
   * Every metric, param and tag key of the experiment's active runs, for the column chooser. Keys are
   * few and shared across runs, so this walks the distinct keys on each table's key index (a skip scan)
   * and asks, per key, for one run of the experiment holding it: well under a millisecond on 10,000
   * runs, where a DISTINCT over the experiment's rows takes tens of ms. A key held only by many runs
   * of other experiments costs a scan of those rows.
   */
  async runKeys(id: string): Promise<{ metrics: string[]; params: string[]; tags: string[] }> {
    const experiment = Number((await this.get(id)).experiment_id);
    const keys = async (table: 'latest_metrics' | 'params' | 'tags') =>
      (
        await this.db.query<{ key: string }>(
          `WITH RECURSIVE k AS (
             (SELECT key FROM ${table} ORDER BY key LIMIT 1)
             UNION ALL
             SELECT (SELECT t.key FROM ${table} t WHERE t.key > k.key ORDER BY t.key LIMIT 1) FROM k WHERE k.key IS NOT NULL
           )
           SELECT k.key FROM k CROSS JOIN LATERAL (
             SELECT 1 FROM ${table} t JOIN runs r ON r.run_id = t.run_id WHERE t.key = k.key AND r.experiment_id = $1 AND r.lifecycle_stage = 'active' LIMIT 1
           ) held WHERE k.key IS NOT NULL ORDER BY k.key`,
          [experiment],
        )
      ).rows.map((r) => r.key);
    const [metrics, params, tags] = await Promise.all([keys('latest_metrics'), keys('params'), keys('tags')]);
    return { metrics, params, tags };
  }

  async rename(id: string, newName: string): Promise<void> {
    if (!newName.trim()) throw invalid("Invalid experiment name: ''");
    const exp = await this.get(id);
    if (exp.lifecycle_stage !== 'active') throw invalid(`Cannot rename a non-active experiment ${id}`);
    const clash = await this.db.query('SELECT 1 FROM experiments WHERE name = $1 AND experiment_id <> $2', [newName, Number(id)]);
    if (clash.rowCount) throw alreadyExists(`Experiment '${newName}' already exists.`);
    await this.db.query('UPDATE experiments SET name = $2, last_update_time = $3 WHERE experiment_id = $1', [Number(id), newName, Date.now()]);
  }

  async setLifecycle(id: string, stage: 'active' | 'deleted'): Promise<void> {
    const exp = await this.get(id);
    if (stage === 'deleted' && id === '0') throw invalid('Cannot delete the default experiment (id 0)');
    if (exp.lifecycle_stage === stage) throw invalid(`Experiment ${id} is already ${stage}`);
    const now = Date.now();
    await inTransaction(this.db, async (tx) => {
      await tx.query('UPDATE experiments SET lifecycle_stage = $2, last_update_time = $3 WHERE experiment_id = $1', [Number(id), stage, now]);
      // MLflow deletes and restores the experiment's runs along with it.
      await tx.query(`UPDATE runs SET lifecycle_stage = $2, deleted_time = ${stage === 'deleted' ? '$3' : 'NULL'} WHERE experiment_id = $1`, stage === 'deleted' ? [Number(id), stage, now] : [Number(id), stage]);
    });
  }

  async setTag(id: string, tag: KeyValue): Promise<void> {
    await this.get(id);
    await upsertTags(this.db, Number(id), [tag]);
  }

  async deleteTag(id: string, key: string): Promise<void> {
    await this.get(id);
    const result = await this.db.query('DELETE FROM experiment_tags WHERE experiment_id = $1 AND key = $2', [Number(id), key]);
    if (!result.rowCount) throw notFound(`No tag with name: ${key} in experiment ${id}`);
  }

  private async hydrate(rows: ExperimentRow[]): Promise<Experiment[]> {
    if (!rows.length) return [];
    const tags = await this.db.query<{ experiment_id: number; key: string; value: string }>(
      'SELECT experiment_id, key, value FROM experiment_tags WHERE experiment_id = ANY($1::bigint[]) ORDER BY key',
      [rows.map((r) => r.experiment_id)],
    );
    return rows.map((r) => ({
      experiment_id: String(r.experiment_id),
      name: r.name,
      artifact_location: r.artifact_location,
      lifecycle_stage: r.lifecycle_stage,
      last_update_time: r.last_update_time,
      creation_time: r.creation_time,
      tags: tags.rows.filter((t) => t.experiment_id === r.experiment_id).map(({ key, value }) => ({ key, value })),
    }));
  }
}

async function upsertTags(q: Queryable, id: number, tags: KeyValue[]): Promise<void> {
  await q.query(
    `INSERT INTO experiment_tags (experiment_id, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v)
     ON CONFLICT (experiment_id, key) DO UPDATE SET value = EXCLUDED.value`,
    [id, tags.map((t) => t.key), tags.map((t) => t.value)],
  );
}
