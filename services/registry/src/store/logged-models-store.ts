import { randomUUID } from 'node:crypto';
import { invalid, notFound } from '../errors.js';
import { parseFilter } from '../search/filter-parser.js';
import { decodePageToken, nextToken } from '../search/page-token.js';
import { compileFilter, SqlParams, type SearchSpec } from '../search/sql.js';
import type { Db, Queryable } from './db.js';
import { inTransaction } from './db.js';
import { parseExperimentId } from './experiments-store.js';
import type { KeyValue, LoggedModel, Metric, Page } from './types.js';
import { lastByKey, validateKey } from './validation.js';

interface ModelRow {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  status: string;
  status_message: string | null;
  lifecycle_stage: string;
  model_type: string | null;
  source_run_id: string | null;
}

export const LOGGED_MODEL_STATUSES = ['LOGGED_MODEL_STATUS_UNSPECIFIED', 'LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'] as const;

const SPEC: SearchSpec = {
  resource: 'logged models',
  ownerColumn: 'lm.model_id',
  attributes: {
    model_id: { sql: 'lm.model_id', type: 'string' },
    name: { sql: 'lm.name', type: 'string' },
    status: { sql: 'lm.status', type: 'string' },
    model_type: { sql: 'lm.model_type', type: 'string' },
    source_run_id: { sql: 'lm.source_run_id', type: 'string' },
    creation_time: { sql: 'lm.creation_timestamp_ms', type: 'number' },
    creation_timestamp: { sql: 'lm.creation_timestamp_ms', type: 'number' },
    last_updated_timestamp: { sql: 'lm.last_updated_timestamp_ms', type: 'number' },
  },
  keyValue: {
    tag: { table: 'logged_model_tags', owner: 'model_id', numeric: false },
    param: { table: 'logged_model_params', owner: 'model_id', numeric: false },
    metric: { table: 'logged_model_metrics', owner: 'model_id', numeric: true },
  },
};

const ORDER_FIELDS: Record<string, string> = {
  creation_time: 'lm.creation_timestamp_ms',
  creation_timestamp: 'lm.creation_timestamp_ms',
  last_updated_timestamp: 'lm.last_updated_timestamp_ms',
  name: 'lm.name',
  model_id: 'lm.model_id',
};

export interface CreateLoggedModelInput {
  experimentId: string;
  name?: string | undefined;
  modelType?: string | undefined;
  sourceRunId?: string | undefined;
  params: KeyValue[];
  tags: KeyValue[];
}

/** MLflow 3 logged models: artifacts under <experiment root>/models/<model_id>/artifacts. */
export class LoggedModelStore {
  constructor(private readonly db: Db) {}

  async create(input: CreateLoggedModelInput): Promise<LoggedModel> {
    const expId = parseExperimentId(input.experimentId);
    const exp = (await this.db.query<{ artifact_location: string; lifecycle_stage: string }>('SELECT artifact_location, lifecycle_stage FROM experiments WHERE experiment_id = $1', [expId])).rows[0];
    if (!exp) throw notFound(`No Experiment with id=${input.experimentId} exists`);
    if (exp.lifecycle_stage !== 'active') throw invalid(`The experiment ${input.experimentId} must be in the 'active' state.`);
    for (const kv of [...input.params, ...input.tags]) validateKey('logged model param or tag', kv.key);
    const modelId = `m-${randomUUID().replaceAll('-', '')}`;
    const now = Date.now();
    await inTransaction(this.db, async (tx) => {
      await tx.query(
        `INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms, last_updated_timestamp_ms, model_type, source_run_id)
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7)`,
        [modelId, expId, input.name || modelId, `${exp.artifact_location.replace(/\/$/, '')}/models/${modelId}/artifacts`, now, input.modelType ?? null, input.sourceRunId ?? null],
      );
      await upsert(tx, 'logged_model_params', modelId, lastByKey(input.params));
      await upsert(tx, 'logged_model_tags', modelId, lastByKey(input.tags));
    });
    return this.get(modelId);
  }

  async get(modelId: string): Promise<LoggedModel> {
    const row = (await this.db.query<ModelRow>("SELECT * FROM logged_models WHERE model_id = $1 AND lifecycle_stage = 'active'", [modelId])).rows[0];
    if (!row) throw notFound(`Logged model with ID '${modelId}' not found.`);
    return (await this.hydrate([row]))[0] as LoggedModel;
  }

  async finalize(modelId: string, status: string): Promise<LoggedModel> {
    const result = await this.db.query("UPDATE logged_models SET status = $2, last_updated_timestamp_ms = $3 WHERE model_id = $1 AND lifecycle_stage = 'active'", [modelId, status, Date.now()]);
    if (!result.rowCount) throw notFound(`Logged model with ID '${modelId}' not found.`);
    return this.get(modelId);
  }

  async setTags(modelId: string, tags: KeyValue[]): Promise<void> {
    await this.get(modelId);
    for (const t of tags) validateKey('tag', t.key);
    await upsert(this.db, 'logged_model_tags', modelId, lastByKey(tags));
    await this.touch(modelId);
  }

  async deleteTag(modelId: string, key: string): Promise<void> {
    await this.get(modelId);
    const result = await this.db.query('DELETE FROM logged_model_tags WHERE model_id = $1 AND key = $2', [modelId, key]);
    if (!result.rowCount) throw notFound(`No tag with key '${key}' on logged model '${modelId}'`);
  }

  async logParams(modelId: string, params: KeyValue[]): Promise<void> {
    await this.get(modelId);
    for (const p of params) validateKey('param', p.key);
    await upsert(this.db, 'logged_model_params', modelId, lastByKey(params));
    await this.touch(modelId);
  }

  async delete(modelId: string): Promise<void> {
    const result = await this.db.query("UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_timestamp_ms = $2 WHERE model_id = $1 AND lifecycle_stage = 'active'", [modelId, Date.now()]);
    if (!result.rowCount) throw notFound(`Logged model with ID '${modelId}' not found.`);
  }

  async search(request: { experimentIds: string[]; filter?: string | undefined; orderBy: { field_name: string; ascending?: boolean | undefined }[]; maxResults: number; pageToken?: string | undefined }): Promise<Page<LoggedModel>> {
    const p = new SqlParams();
    const ids = request.experimentIds.map((id) => (/^\d{1,18}$/.test(id) ? Number(id) : -1));
    const where = compileFilter(parseFilter(request.filter), SPEC, p);
    const order = request.orderBy.map((o) => {
      const column = ORDER_FIELDS[o.field_name.replace(/^attributes\./, '')];
      if (!column) throw invalid(`Invalid order_by field '${o.field_name}' for logged models: expected one of ${Object.keys(ORDER_FIELDS).join(', ')}`);
      return `${column} ${o.ascending === false ? 'DESC' : 'ASC'}`;
    });
    const offset = decodePageToken(request.pageToken);
    const sql = `SELECT lm.* FROM logged_models lm WHERE lm.experiment_id = ANY(${p.add(ids)}::bigint[]) AND lm.lifecycle_stage = 'active' AND ${where}
      ORDER BY ${[...order, 'lm.creation_timestamp_ms DESC', 'lm.model_id ASC'].join(', ')} LIMIT ${p.add(request.maxResults + 1)} OFFSET ${p.add(offset)}`;
    const rows = (await this.db.query<ModelRow>(sql, p.values)).rows;
    return { items: await this.hydrate(rows.slice(0, request.maxResults)), nextPageToken: nextToken(rows.length, request.maxResults, offset) };
  }

  private async touch(modelId: string): Promise<void> {
    await this.db.query('UPDATE logged_models SET last_updated_timestamp_ms = $2 WHERE model_id = $1', [modelId, Date.now()]);
  }

  private async hydrate(rows: ModelRow[]): Promise<LoggedModel[]> {
    if (!rows.length) return [];
    const ids = rows.map((r) => r.model_id);
    const [tags, params, metrics, versions] = await Promise.all([
      this.db.query<KeyValue & { model_id: string }>('SELECT model_id, key, value FROM logged_model_tags WHERE model_id = ANY($1::text[]) ORDER BY key', [ids]),
      this.db.query<KeyValue & { model_id: string }>('SELECT model_id, key, value FROM logged_model_params WHERE model_id = ANY($1::text[]) ORDER BY key', [ids]),
      this.db.query<Metric & { model_id: string }>(
        'SELECT model_id, key, value, timestamp, step, run_id, dataset_name, dataset_digest FROM logged_model_metrics WHERE model_id = ANY($1::text[]) ORDER BY key, step',
        [ids],
      ),
      this.db.query<{ model_id: string; name: string; version: number }>('SELECT model_id, name, version FROM model_versions WHERE model_id = ANY($1::text[]) ORDER BY name, version', [ids]),
    ]);
    return rows.map((r) => ({
      info: {
        model_id: r.model_id,
        experiment_id: String(r.experiment_id),
        name: r.name,
        artifact_uri: r.artifact_location,
        creation_timestamp_ms: r.creation_timestamp_ms,
        last_updated_timestamp_ms: r.last_updated_timestamp_ms,
        status: r.status,
        ...(r.status_message ? { status_message: r.status_message } : {}),
        lifecycle_stage: r.lifecycle_stage,
        ...(r.model_type ? { model_type: r.model_type } : {}),
        ...(r.source_run_id ? { source_run_id: r.source_run_id } : {}),
        tags: tags.rows.filter((t) => t.model_id === r.model_id).map(({ key, value }) => ({ key, value })),
        registrations: versions.rows.filter((v) => v.model_id === r.model_id).map((v) => ({ name: v.name, version: String(v.version) })),
      },
      data: {
        params: params.rows.filter((t) => t.model_id === r.model_id).map(({ key, value }) => ({ key, value })),
        metrics: metrics.rows
          .filter((m) => m.model_id === r.model_id)
          .map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step, model_id: m.model_id, ...(m.run_id ? { run_id: m.run_id } : {}), ...(m.dataset_name ? { dataset_name: m.dataset_name, dataset_digest: m.dataset_digest ?? '' } : {}) })),
      },
    }));
  }
}

async function upsert(q: Queryable, table: 'logged_model_tags' | 'logged_model_params', modelId: string, items: KeyValue[]): Promise<void> {
  if (!items.length) return;
  await q.query(
    `INSERT INTO ${table} (model_id, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v)
     ON CONFLICT (model_id, key) DO UPDATE SET value = EXCLUDED.value`,
    [modelId, items.map((i) => i.key), items.map((i) => i.value)],
  );
}
