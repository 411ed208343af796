import { invalid, notFound } from '../errors.js';
import { parseFilter, parseOrderBy } from '../search/filter-parser.js';
import { decodePageToken, nextToken } from '../search/page-token.js';
import { compileFilter, compileOrderBy, PROMPT_TAG_DEFAULTS, SqlParams, type SearchSpec } from '../search/sql.js';
import type { Db, Queryable } from './db.js';
import { inTransaction } from './db.js';
import type { KeyValue, ModelVersion, Page, SearchRequest } from './types.js';
import { lastByKey, validateKey } from './validation.js';

export interface VersionRow {
  name: string;
  version: number;
  creation_time: number;
  last_updated_time: number;
  description: string;
  user_id: string;
  current_stage: string;
  source: string;
  run_id: string | null;
  run_link: string | null;
  status: string;
  status_message: string | null;
  storage_location: string | null;
  model_id: string | null;
}

export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;

const SPEC: SearchSpec = {
  resource: 'model versions',
  ownerColumn: 'mv.name',
  attributes: {
    name: { sql: 'mv.name', type: 'string' },
    run_id: { sql: 'mv.run_id', type: 'string' },
    source_path: { sql: 'mv.source', type: 'string' },
    source: { sql: 'mv.source', type: 'string' },
    version_number: { sql: 'mv.version', type: 'number' },
    current_stage: { sql: 'mv.current_stage', type: 'string' },
    creation_timestamp: { sql: 'mv.creation_time', type: 'number' },
    last_updated_timestamp: { sql: 'mv.last_updated_time', type: 'number' },
  },
  keyValue: {},
};

/** Versions of a registered model; numbering and aliases change inside transactions. */
export class ModelVersionStore {
  constructor(private readonly db: Db) {}

  async create(input: { name: string; source: string; runId?: string | undefined; runLink?: string | undefined; description?: string | undefined; tags: KeyValue[]; modelId?: string | undefined }): Promise<ModelVersion> {
    for (const t of input.tags) validateKey('tag', t.key);
    const version = await inTransaction(this.db, async (tx) => {
      const model = await tx.query('SELECT 1 FROM registered_models WHERE name = $1 FOR UPDATE', [input.name]);
      if (!model.rowCount) throw notFound(`Registered Model with name=${input.name} not found`);
      const next = Number((await tx.query<{ v: number }>('SELECT COALESCE(MAX(version), 0) + 1 AS v FROM model_versions WHERE name = $1', [input.name])).rows[0]?.v);
      const storage = await storageLocation(tx, input.source, input.modelId);
      const now = Date.now();
      await tx.query(
        `INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, source, run_id, run_link, storage_location, model_id)
         VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9)`,
        [input.name, next, now, input.description ?? '', input.source, input.runId || null, input.runLink || null, storage, input.modelId || null],
      );
      await tx.query('UPDATE registered_models SET last_updated_time = $2 WHERE name = $1', [input.name, now]);
      await upsertTags(tx, input.name, next, lastByKey(input.tags));
      return next;
    });
    return this.get(input.name, String(version));
  }

  async get(name: string, version: string): Promise<ModelVersion> {
    const row = (await this.db.query<VersionRow>('SELECT * FROM model_versions WHERE name = $1 AND version = $2', [name, versionNumber(name, version)])).rows[0];
    if (!row) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
    return (await hydrateVersions(this.db, [row]))[0] as ModelVersion;
  }

  async update(name: string, version: string, description: string | undefined): Promise<ModelVersion> {
    await this.get(name, version);
    if (description !== undefined) {
      await this.db.query('UPDATE model_versions SET description = $3, last_updated_time = $4 WHERE name = $1 AND version = $2', [name, Number(version), description, Date.now()]);
    }
    return this.get(name, version);
  }

  /** Deleting a version takes its aliases with it; the alias history records each as removed. */
  async delete(name: string, version: string): Promise<void> {
    const number = versionNumber(name, version);
    await inTransaction(this.db, async (tx) => {
      const removed = await tx.query<{ alias: string }>('DELETE FROM registered_model_aliases WHERE name = $1 AND version = $2 RETURNING alias', [name, number]);
      const result = await tx.query('DELETE FROM model_versions WHERE name = $1 AND version = $2', [name, number]);
      if (!result.rowCount) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
      const now = Date.now();
      for (const { alias } of removed.rows) {
        await tx.query('INSERT INTO registered_model_alias_history (name, alias, version, changed_at) VALUES ($1, $2, NULL, $3)', [name, alias, now]);
      }
    });
  }

  async transitionStage(name: string, version: string, stage: string, archiveExisting: boolean): Promise<ModelVersion> {
    const canonical = STAGES.find((s) => s.toLowerCase() === stage.toLowerCase());
    if (!canonical) throw invalid(`Invalid Model Version stage: ${stage}. Value must be one of ${STAGES.join(', ')}.`);
    await this.get(name, version);
    await inTransaction(this.db, async (tx) => {
      const now = Date.now();
      if (archiveExisting && (canonical === 'Staging' || canonical === 'Production')) {
        await tx.query(`UPDATE model_versions SET current_stage = 'Archived', last_updated_time = $3 WHERE name = $1 AND current_stage = $2 AND version <> $4`, [name, canonical, now, Number(version)]);
      }
      await tx.query('UPDATE model_versions SET current_stage = $3, last_updated_time = $4 WHERE name = $1 AND version = $2', [name, Number(version), canonical, now]);
    });
    return this.get(name, version);
  }

  /** Where the version's files are: the logged model's or run's artifact folder, else its source. */
  async downloadUri(name: string, version: string): Promise<string> {
    const row = (await this.db.query<VersionRow>('SELECT * FROM model_versions WHERE name = $1 AND version = $2', [name, versionNumber(name, version)])).rows[0];
    if (!row) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
    return row.storage_location ?? row.source;
  }

  async setTag(name: string, version: string, tag: KeyValue): Promise<void> {
    validateKey('tag', tag.key);
    await this.get(name, version);
    await upsertTags(this.db, name, Number(version), [tag]);
  }

  async deleteTag(name: string, version: string, key: string): Promise<void> {
    await this.get(name, version);
    const result = await this.db.query('DELETE FROM model_version_tags WHERE name = $1 AND version = $2 AND key = $3', [name, Number(version), key]);
    if (!result.rowCount) throw notFound(`No tag with key '${key}' on model version (name=${name}, version=${version})`);
  }

  async search(request: SearchRequest): Promise<Page<ModelVersion>> {
    const p = new SqlParams();
    const filters = parseFilter(request.filter);
    const tagFilters = filters.filter((f) => f.entity === 'tag');
    const where = [compileFilter(filters.filter((f) => f.entity !== 'tag'), SPEC, p)];
    for (const t of tagFilters) {
      if (t.op !== '=' && t.op !== '!=' && t.op !== 'LIKE' && t.op !== 'ILIKE') throw invalid(`invalid comparator '${t.op}' for tags.${t.key}`);
      const fallback = PROMPT_TAG_DEFAULTS[t.key as keyof typeof PROMPT_TAG_DEFAULTS];
      const tagValue = `(SELECT t.value FROM model_version_tags t WHERE t.name = mv.name AND t.version = mv.version AND t.key = ${p.add(t.key)})`;
      const lhs = fallback === undefined ? tagValue : `COALESCE(${tagValue}, ${p.add(fallback)})`;
      where.push(`${lhs} ${t.op} ${p.add(String(t.value))}`);
    }
    const order = compileOrderBy((request.orderBy ?? []).map((o) => parseOrderBy(o)), SPEC, p);
    const offset = decodePageToken(request.pageToken);
    const sql = `SELECT mv.* FROM model_versions mv ${order.joins.join(' ')} WHERE ${where.join(' AND ')}
      ORDER BY ${[...order.terms, 'mv.name ASC', 'mv.version DESC'].join(', ')} LIMIT ${p.add(request.maxResults + 1)} OFFSET ${p.add(offset)}`;
    const rows = (await this.db.query<VersionRow>(sql, p.values)).rows;
    return { items: await hydrateVersions(this.db, rows.slice(0, request.maxResults)), nextPageToken: nextToken(rows.length, request.maxResults, offset) };
  }
}

function versionNumber(name: string, version: string): number {
  if (!/^\d{1,9}$/.test(version)) throw invalid(`Model version must be an integer, got '${version}' for model ${name}`);
  return Number(version);
}

/** models:/<model_id> sources point at a logged model; runs:/<id>/<path> at a run's artifacts. */
async function storageLocation(q: Queryable, source: string, modelId: string | undefined): Promise<string | null> {
  const loggedId = modelId || /^models:\/(m-[0-9a-f]+)\/?$/.exec(source)?.[1];
  if (loggedId) {
    const row = (await q.query<{ artifact_location: string }>('SELECT artifact_location FROM logged_models WHERE model_id = $1', [loggedId])).rows[0];
    if (row && source.startsWith('models:/')) return row.artifact_location;
  }
  const runs = /^runs:\/([^/]+)\/?(.*)$/.exec(source);
  if (runs) {
    const row = (await q.query<{ artifact_uri: string }>('SELECT artifact_uri FROM runs WHERE run_id = $1', [runs[1]])).rows[0];
    if (!row) throw invalid(`Unable to find the run for source ${source}`);
    return runs[2] ? `${row.artifact_uri}/${runs[2].replace(/\/$/, '')}` : row.artifact_uri;
  }
  return null;
}

async function upsertTags(q: Queryable, name: string, version: number, tags: KeyValue[]): Promise<void> {
  if (!tags.length) return;
  await q.query(
    `INSERT INTO model_version_tags (name, version, key, value) SELECT $1, $2, k, v FROM unnest($3::text[], $4::text[]) AS t(k, v)
     ON CONFLICT (name, version, key) DO UPDATE SET value = EXCLUDED.value`,
    [name, version, tags.map((t) => t.key), tags.map((t) => t.value)],
  );
}

export async function hydrateVersions(q: Queryable, rows: VersionRow[]): Promise<ModelVersion[]> {
  if (!rows.length) return [];
  const names = [...new Set(rows.map((r) => r.name))];
  const [tags, aliases] = await Promise.all([
    q.query<{ name: string; version: number; key: string; value: string }>('SELECT name, version, key, value FROM model_version_tags WHERE name = ANY($1::text[]) ORDER BY key', [names]),
    q.query<{ name: string; version: number; alias: string }>('SELECT name, version, alias FROM registered_model_aliases WHERE name = ANY($1::text[]) ORDER BY alias', [names]),
  ]);
  return rows.map((r) => ({
    name: r.name,
    version: String(r.version),
    creation_timestamp: r.creation_time,
    last_updated_timestamp: r.last_updated_time,
    user_id: r.user_id,
    current_stage: r.current_stage,
    description: r.description,
    source: r.source,
    run_id: r.run_id ?? '',
    status: r.status,
    ...(r.status_message ? { status_message: r.status_message } : {}),
    run_link: r.run_link ?? '',
    tags: tags.rows.filter((t) => t.name === r.name && t.version === r.version).map(({ key, value }) => ({ key, value })),
    aliases: aliases.rows.filter((a) => a.name === r.name && a.version === r.version).map((a) => a.alias),
    ...(r.model_id ? { model_id: r.model_id } : {}),
  }));
}

