import { randomUUID } from 'node:crypto';
import { invalid, notFound } from '../errors.js';
import { parseFilter, parseOrderBy } from '../search/filter-parser.js';
import { decodePageToken, nextToken } from '../search/page-token.js';
import { compileFilter, compileOrderBy, SqlParams, type SearchSpec } from '../search/sql.js';
import type { Db, Queryable, Tx } from './db.js';
import { inTransaction } from './db.js';
import { lifecycleCondition, parseExperimentId } from './experiments-store.js';
import { randomRunName } from './run-names.js';
import type { DatasetInput, KeyValue, Metric, Page, Run, RunInfo, SearchRequest } from './types.js';
import {
  lastByKey,
  MAX_BATCH,
  MAX_PARAM_VALUE_LENGTH,
  MAX_TAG_VALUE_LENGTH,
  validateKey,
  validateValue,
} from './validation.js';

interface RunRow {
  run_id: string;
  experiment_id: number;
  run_name: string;
  user_id: string;
  status: string;
  start_time: number | null;
  end_time: number | null;
  artifact_uri: string;
  lifecycle_stage: string;
}

export const RUN_NAME_TAG = 'mlflow.runName';
const LOG_MODEL_HISTORY_TAG = 'mlflow.log-model.history';

const RUN_SPEC: SearchSpec = {
  resource: 'runs',
  ownerColumn: 'r.run_id',
  attributes: {
    run_id: { sql: 'r.run_id', type: 'string' },
    run_name: { sql: 'r.run_name', type: 'string' },
    status: { sql: 'r.status', type: 'string' },
    user_id: { sql: 'r.user_id', type: 'string' },
    artifact_uri: { sql: 'r.artifact_uri', type: 'string' },
    lifecycle_stage: { sql: 'r.lifecycle_stage', type: 'string' },
    start_time: { sql: 'r.start_time', type: 'number' },
    end_time: { sql: 'r.end_time', type: 'number' },
    // Not in MLflow's grammar: the run's wall time, so the UI can sort by it (NULL while running).
    duration: { sql: '(r.end_time - r.start_time)', type: 'number' },
    created: { sql: 'r.start_time', type: 'number' },
    Created: { sql: 'r.start_time', type: 'number' },
  },
  keyValue: {
    metric: { table: 'latest_metrics', owner: 'run_id', numeric: true },
    param: { table: 'params', owner: 'run_id', numeric: false },
    tag: { table: 'tags', owner: 'run_id', numeric: false },
  },
};

export interface CreateRunInput {
  experimentId: string;
  userId?: string | undefined;
  startTime?: number | undefined;
  runName?: string | undefined;
  tags: KeyValue[];
}

export interface BatchInput {
  metrics: Metric[];
  params: KeyValue[];
  tags: KeyValue[];
}

/** MLflow's "latest" metric: the largest step, then timestamp, then value (NaN counts as largest). */
function isNewer(a: Metric, b: Metric): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  if (Number.isNaN(a.value)) return true;
  return !Number.isNaN(b.value) && a.value >= b.value;
}

export class RunStore {
  constructor(private readonly db: Db) {}

  async create(input: CreateRunInput): Promise<Run> {
    const expId = parseExperimentId(input.experimentId);
    const exp = (await this.db.query<{ artifact_location: string; lifecycle_stage: string }>(
      'SELECT artifact_location, lifecycle_stage FROM experiments WHERE experiment_id = $1',
      [expId],
    )).rows[0];
    if (!exp) throw notFound(`No Experiment with id=${input.experimentId} exists`);
    if (exp.lifecycle_stage !== 'active') throw invalid(`The experiment ${input.experimentId} must be in the 'active' state. Current state is ${exp.lifecycle_stage}.`);
    const tagName = input.tags.find((t) => t.key === RUN_NAME_TAG)?.value;
    if (input.runName && tagName && input.runName !== tagName) {
      throw invalid(`Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.runName}', mlflow.runName='${tagName}').`);
    }
    const runName = input.runName || tagName || randomRunName();
    const runId = randomUUID().replaceAll('-', '');
    const tags = lastByKey([...input.tags.filter((t) => t.key !== RUN_NAME_TAG), { key: RUN_NAME_TAG, value: runName }]);
    for (const t of tags) {
      validateKey('tag', t.key);
      validateValue('tag', t.key, t.value, MAX_TAG_VALUE_LENGTH);
    }
    await inTransaction(this.db, async (tx) => {
      await tx.query(
        `INSERT INTO runs (run_id, experiment_id, run_name, user_id, status, start_time, artifact_uri)
         VALUES ($1, $2, $3, $4, 'RUNNING', $5, $6)`,
        [runId, expId, runName, input.userId ?? '', input.startTime ?? Date.now(), `${exp.artifact_location.replace(/\/$/, '')}/${runId}/artifacts`],
      );
      await upsertRunTags(tx, runId, tags);
    });
    return this.get(runId);
  }

  async get(runId: string): Promise<Run> {
    const row = (await this.db.query<RunRow>('SELECT * FROM runs WHERE run_id = $1', [runId])).rows[0];
    if (!row) throw notFound(`Run with id=${runId} not found`);
    return (await this.hydrate([row]))[0] as Run;
  }

  async update(runId: string, changes: { status?: string | undefined; endTime?: number | undefined; runName?: string | undefined }): Promise<RunInfo> {
    await inTransaction(this.db, async (tx) => {
      await activeRun(tx, runId);
      await tx.query(
        `UPDATE runs SET status = COALESCE($2, status), end_time = COALESCE($3, end_time), run_name = COALESCE($4, run_name) WHERE run_id = $1`,
        [runId, changes.status ?? null, changes.endTime ?? null, changes.runName || null],
      );
      if (changes.runName) await upsertRunTags(tx, runId, [{ key: RUN_NAME_TAG, value: changes.runName }]);
    });
    return (await this.get(runId)).info;
  }

  async setLifecycle(runId: string, stage: 'active' | 'deleted'): Promise<void> {
    const result = await this.db.query(
      `UPDATE runs SET lifecycle_stage = $2, deleted_time = ${stage === 'deleted' ? '$3' : 'NULL'} WHERE run_id = $1`,
      stage === 'deleted' ? [runId, stage, Date.now()] : [runId, stage],
    );
    if (!result.rowCount) throw notFound(`Run with id=${runId} not found`);
  }

  /** One transaction with bulk inserts: history rows, the latest value per key, params, tags. */
  async logBatch(runId: string, batch: BatchInput): Promise<void> {
    const { metrics, params, tags } = batch;
    if (metrics.length > MAX_BATCH.metrics) throw invalid(`A batch logging request can contain at most ${MAX_BATCH.metrics} metrics. Got ${metrics.length} metrics.`);
    if (params.length > MAX_BATCH.params) throw invalid(`A batch logging request can contain at most ${MAX_BATCH.params} params. Got ${params.length} params.`);
    if (tags.length > MAX_BATCH.tags) throw invalid(`A batch logging request can contain at most ${MAX_BATCH.tags} tags. Got ${tags.length} tags.`);
    if (metrics.length + params.length + tags.length > MAX_BATCH.total) throw invalid(`A batch logging request can contain at most ${MAX_BATCH.total} total entities.`);
    for (const m of metrics) validateKey('metric', m.key);
    for (const p of params) {
      validateKey('param', p.key);
      validateValue('param', p.key, p.value, MAX_PARAM_VALUE_LENGTH);
    }
    for (const t of tags) {
      validateKey('tag', t.key);
      validateValue('tag', t.key, t.value, MAX_TAG_VALUE_LENGTH);
    }
    const uniqueParams = lastByKey(params);
    const seen = new Map(params.map((p) => [p.key, p.value]));
    for (const p of params) {
      if (seen.get(p.key) !== p.value) throw invalid(`Duplicate parameter keys have been submitted: ${p.key} with different values.`);
    }
    await inTransaction(this.db, async (tx) => {
      await activeRun(tx, runId);
      if (uniqueParams.length) await insertParams(tx, runId, uniqueParams);
      if (metrics.length) await insertMetrics(tx, runId, metrics);
      if (tags.length) {
        const unique = lastByKey(tags);
        await upsertRunTags(tx, runId, unique);
        const name = unique.find((t) => t.key === RUN_NAME_TAG);
        if (name) await tx.query('UPDATE runs SET run_name = $2 WHERE run_id = $1', [runId, name.value]);
      }
    });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      await activeRun(tx, runId);
      const result = await tx.query('DELETE FROM tags WHERE run_id = $1 AND key = $2', [runId, key]);
      if (!result.rowCount) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
    });
  }

  async logInputs(runId: string, datasets: DatasetInput[], models: { model_id: string }[]): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      await activeRun(tx, runId);
      for (const input of datasets) {
        const name = String(input.dataset['name'] ?? '');
        const digest = String(input.dataset['digest'] ?? '');
        if (!name || !digest) throw invalid('Each dataset input needs dataset.name and dataset.digest');
        await tx.query(
          `INSERT INTO run_inputs (run_id, name, digest, dataset, tags) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (run_id, name, digest) DO UPDATE SET dataset = EXCLUDED.dataset, tags = EXCLUDED.tags`,
          [runId, name, digest, JSON.stringify(input.dataset), JSON.stringify(input.tags)],
        );
      }
      for (const m of models) {
        await tx.query(`INSERT INTO run_model_io (run_id, model_id, direction) VALUES ($1, $2, 'input') ON CONFLICT DO NOTHING`, [runId, m.model_id]);
      }
    });
  }

  async logOutputs(runId: string, models: { model_id: string; step: number }[]): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      await activeRun(tx, runId);
      for (const m of models) {
        await tx.query(
          `INSERT INTO run_model_io (run_id, model_id, direction, step) VALUES ($1, $2, 'output', $3)
           ON CONFLICT (run_id, model_id, direction) DO UPDATE SET step = EXCLUDED.step`,
          [runId, m.model_id, m.step],
        );
      }
    });
  }

  /** MLflow 2's runs/log-model: appends the model's MLmodel JSON to the run's history tag. */
  async recordLoggedModel(runId: string, modelJson: string): Promise<void> {
    let model: unknown;
    try {
      model = JSON.parse(modelJson);
    } catch {
      throw invalid('model_json is not valid JSON');
    }
    await inTransaction(this.db, async (tx) => {
      await activeRun(tx, runId);
      const current = (await tx.query<{ value: string }>('SELECT value FROM tags WHERE run_id = $1 AND key = $2 FOR UPDATE', [runId, LOG_MODEL_HISTORY_TAG])).rows[0];
      const history = current ? (JSON.parse(current.value) as unknown[]) : [];
      history.push(model);
      await upsertRunTags(tx, runId, [{ key: LOG_MODEL_HISTORY_TAG, value: JSON.stringify(history) }]);
    });
  }

  async metricHistory(runId: string, key: string, maxResults: number | undefined, pageToken: string | undefined): Promise<Page<Metric>> {
    await this.get(runId);
    const offset = decodePageToken(pageToken);
    const limit = maxResults ?? 1_000_000_000;
    const rows = (await this.db.query<Metric & { model_id: string | null; dataset_name: string | null; dataset_digest: string | null }>(
      `SELECT key, value, timestamp, step, model_id, dataset_name, dataset_digest FROM metrics WHERE run_id = $1 AND key = $2
       ORDER BY step, timestamp LIMIT $3 OFFSET $4`,
      [runId, key, limit + 1, offset],
    )).rows;
    return { items: rows.slice(0, limit).map((r) => ({ ...metricJson(r), run_id: runId })), nextPageToken: nextToken(rows.length, limit, offset) };
  }

  /**
   * One metric's history for many runs in one query (MLflow's get-history-bulk-interval): runs with
   * more than maxPerRun points keep their first, every k-th and last, so a chart stays light.
   */
  async metricHistories(runIds: string[], key: string, maxPerRun: number): Promise<(Metric & { run_id: string })[]> {
    const rows = (await this.db.query<Metric & { run_id: string }>(
      `SELECT run_id, key, value, timestamp, step FROM (
         SELECT m.run_id, m.key, m.value, m.timestamp, m.step,
                row_number() OVER (PARTITION BY m.run_id ORDER BY m.step, m.timestamp) AS n,
                count(*) OVER (PARTITION BY m.run_id) AS total
         FROM metrics m WHERE m.run_id = ANY($1::text[]) AND m.key = $2) t
       WHERE total <= $3 OR (n - 1) % ceil(total::numeric / $3)::int = 0 OR n = total
       ORDER BY run_id, step, timestamp`,
      [runIds, key, maxPerRun],
    )).rows;
    return rows.map((r) => ({ ...metricJson(r), run_id: r.run_id }));
  }

  async search(experimentIds: string[], request: SearchRequest): Promise<Page<Run>> {
    const p = new SqlParams();
    const ids = experimentIds.map((id) => (/^\d{1,18}$/.test(id) ? Number(id) : -1));
    const where = compileFilter(parseFilter(request.filter), RUN_SPEC, p);
    const order = compileOrderBy((request.orderBy ?? []).map((o) => parseOrderBy(o)), RUN_SPEC, p, { numericParams: request.numericParamOrder });
    const offset = decodePageToken(request.pageToken);
    const sql = `SELECT r.* FROM runs r ${order.joins.join(' ')} WHERE r.experiment_id = ANY(${p.add(ids)}::bigint[])
      AND ${lifecycleCondition('r.lifecycle_stage', request.viewType)} AND ${where}
      ORDER BY ${[...order.terms, 'r.start_time DESC NULLS LAST', 'r.run_id ASC'].join(', ')}
      LIMIT ${p.add(request.maxResults + 1)} OFFSET ${p.add(offset)}`;
    const rows = (await this.db.query<RunRow>(sql, p.values)).rows;
    return { items: await this.hydrate(rows.slice(0, request.maxResults)), nextPageToken: nextToken(rows.length, request.maxResults, offset) };
  }

  private async hydrate(rows: RunRow[]): Promise<Run[]> {
    if (!rows.length) return [];
    const ids = rows.map((r) => r.run_id);
    const [params, tags, metrics, inputs, io] = await Promise.all([
      this.db.query<KeyValue & { run_id: string }>('SELECT run_id, key, value FROM params WHERE run_id = ANY($1::text[]) ORDER BY key', [ids]),
      this.db.query<KeyValue & { run_id: string }>('SELECT run_id, key, value FROM tags WHERE run_id = ANY($1::text[]) ORDER BY key', [ids]),
      this.db.query<Metric & { run_id: string }>('SELECT run_id, key, value, timestamp, step FROM latest_metrics WHERE run_id = ANY($1::text[]) ORDER BY key', [ids]),
      this.db.query<{ run_id: string; dataset: Record<string, unknown>; tags: KeyValue[] }>('SELECT run_id, dataset, tags FROM run_inputs WHERE run_id = ANY($1::text[])', [ids]),
      this.db.query<{ run_id: string; model_id: string; direction: string; step: number }>('SELECT run_id, model_id, direction, step FROM run_model_io WHERE run_id = ANY($1::text[])', [ids]),
    ]);
    const group = <T extends { run_id: string }>(items: T[]) => {
      const map = new Map<string, T[]>();
      for (const item of items) map.set(item.run_id, [...(map.get(item.run_id) ?? []), item]);
      return map;
    };
    const [byParams, byTags, byMetrics, byInputs, byIo] = [group(params.rows), group(tags.rows), group(metrics.rows), group(inputs.rows), group(io.rows)];
    return rows.map((r) => {
      const models = byIo.get(r.run_id) ?? [];
      const modelInputs = models.filter((m) => m.direction === 'input').map((m) => ({ model_id: m.model_id }));
      const modelOutputs = models.filter((m) => m.direction === 'output').map((m) => ({ model_id: m.model_id, step: m.step }));
      return {
        info: runInfo(r),
        data: {
          metrics: (byMetrics.get(r.run_id) ?? []).map(metricJson),
          params: (byParams.get(r.run_id) ?? []).map(({ key, value }) => ({ key, value })),
          tags: (byTags.get(r.run_id) ?? []).map(({ key, value }) => ({ key, value })),
        },
        inputs: {
          dataset_inputs: (byInputs.get(r.run_id) ?? []).map((i) => ({ tags: i.tags, dataset: i.dataset })),
          ...(modelInputs.length ? { model_inputs: modelInputs } : {}),
        },
        ...(modelOutputs.length ? { outputs: { model_outputs: modelOutputs } } : {}),
      };
    });
  }
}

function runInfo(r: RunRow): RunInfo {
  return {
    run_id: r.run_id,
    run_uuid: r.run_id,
    run_name: r.run_name,
    experiment_id: String(r.experiment_id),
    user_id: r.user_id,
    status: r.status,
    ...(r.start_time === null ? {} : { start_time: r.start_time }),
    ...(r.end_time === null ? {} : { end_time: r.end_time }),
    artifact_uri: r.artifact_uri,
    lifecycle_stage: r.lifecycle_stage,
  };
}

function metricJson(m: Metric & { model_id?: string | null; dataset_name?: string | null; dataset_digest?: string | null }): Metric {
  return {
    key: m.key,
    value: m.value,
    timestamp: m.timestamp,
    step: m.step,
    ...(m.model_id ? { model_id: m.model_id } : {}),
    ...(m.dataset_name ? { dataset_name: m.dataset_name } : {}),
    ...(m.dataset_digest ? { dataset_digest: m.dataset_digest } : {}),
  };
}

/** Locks the run row for the transaction and checks it may be written to. */
async function activeRun(tx: Tx, runId: string): Promise<void> {
  const row = (await tx.query<{ lifecycle_stage: string }>('SELECT lifecycle_stage FROM runs WHERE run_id = $1 FOR SHARE', [runId])).rows[0];
  if (!row) throw notFound(`Run with id=${runId} not found`);
  if (row.lifecycle_stage !== 'active') throw invalid(`The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`);
}

async function upsertRunTags(q: Queryable, runId: string, tags: KeyValue[]): Promise<void> {
  await q.query(
    `INSERT INTO tags (run_id, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v)
     ON CONFLICT (run_id, key) DO UPDATE SET value = EXCLUDED.value`,
    [runId, tags.map((t) => t.key), tags.map((t) => t.value)],
  );
}

/**
 * Params are write-once in MLflow: re-logging the same value is fine, a different one is an error.
 * Insert first, then compare with what is stored: the insert waits for a concurrent writer of the
 * same key (in any registry copy), so a check before it could pass for both and drop one value silently.
 */
async function insertParams(tx: Tx, runId: string, params: KeyValue[]): Promise<void> {
  await tx.query(
    `INSERT INTO params (run_id, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v) ON CONFLICT DO NOTHING`,
    [runId, params.map((p) => p.key), params.map((p) => p.value)],
  );
  const stored = await tx.query<KeyValue>('SELECT key, value FROM params WHERE run_id = $1 AND key = ANY($2::text[])', [runId, params.map((p) => p.key)]);
  const old = new Map(stored.rows.map((r) => [r.key, r.value]));
  const changed = params.find((p) => old.get(p.key) !== p.value);
  if (changed) {
    throw invalid(`Changing param values is not allowed. Param with key='${changed.key}' was already logged with value='${old.get(changed.key)}' for run ID='${runId}'. Attempted logging new value '${changed.value}'.`);
  }
}

/** History and latest values in one statement (a data-modifying CTE), the model copies in a second. */
async function insertMetrics(tx: Tx, runId: string, metrics: Metric[]): Promise<void> {
  const col = <K extends keyof Metric>(k: K, items = metrics) => items.map((m) => m[k] ?? null);
  const latest = new Map<string, Metric>();
  for (const m of metrics) {
    const current = latest.get(m.key);
    if (!current || isNewer(m, current)) latest.set(m.key, m);
  }
  const newest = [...latest.values()];
  await tx.query(
    `WITH history AS (
       INSERT INTO metrics (run_id, key, value, timestamp, step, model_id, dataset_name, dataset_digest)
       SELECT $1, * FROM unnest($2::text[], $3::float8[], $4::int8[], $5::int8[], $6::text[], $7::text[], $8::text[])
       ON CONFLICT DO NOTHING
     )
     INSERT INTO latest_metrics (run_id, key, value, timestamp, step)
     SELECT $1, * FROM unnest($9::text[], $10::float8[], $11::int8[], $12::int8[])
     ON CONFLICT (run_id, key) DO UPDATE SET value = EXCLUDED.value, timestamp = EXCLUDED.timestamp, step = EXCLUDED.step
     WHERE (EXCLUDED.step, EXCLUDED.timestamp, EXCLUDED.value) >= (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`,
    [
      runId, col('key'), col('value').map(pgFloat), col('timestamp'), col('step'), col('model_id'), col('dataset_name'), col('dataset_digest'),
      col('key', newest), col('value', newest).map(pgFloat), col('timestamp', newest), col('step', newest),
    ],
  );
  const forModels = metrics.filter((m) => m.model_id);
  if (forModels.length) {
    await tx.query(
      `INSERT INTO logged_model_metrics (run_id, model_id, key, value, timestamp, step, dataset_name, dataset_digest)
       SELECT $1, m.* FROM unnest($2::text[], $3::text[], $4::float8[], $5::int8[], $6::int8[], $7::text[], $8::text[]) AS m(model_id, key, value, timestamp, step, dataset_name, dataset_digest)
       WHERE EXISTS (SELECT 1 FROM logged_models lm WHERE lm.model_id = m.model_id)
       ON CONFLICT DO NOTHING`,
      [runId, col('model_id', forModels), col('key', forModels), col('value', forModels).map(pgFloat), col('timestamp', forModels), col('step', forModels), col('dataset_name', forModels), col('dataset_digest', forModels)],
    );
  }
}

/** node-postgres sends NaN/Infinity as JSON-ish text that PostgreSQL's float8 parser accepts by name. */
function pgFloat(value: number | null): string | number | null {
  if (value === null) return null;
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}
