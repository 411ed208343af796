import { alreadyExists, invalid, notFound } from '../errors.js';
import { parseFilter, parseOrderBy } from '../search/filter-parser.js';
import { decodePageToken, nextToken } from '../search/page-token.js';
import { compileFilter, compileOrderBy, PROMPT_TAG_DEFAULTS, SqlParams, type SearchSpec } from '../search/sql.js';
import type { Db, Queryable } from './db.js';
import { inTransaction } from './db.js';
import { hydrateVersions, STAGES, type VersionRow } from './model-versions-store.js';
import type { KeyValue, ModelVersion, Page, RegisteredModel, SearchRequest } from './types.js';
import { lastByKey, validateKey } from './validation.js';

interface ModelRow {
  name: string;
  creation_time: number;
  last_updated_time: number;
  description: string;
}

const SPEC: SearchSpec = {
  resource: 'registered models',
  ownerColumn: 'rm.name',
  attributes: {
    name: { sql: 'rm.name', type: 'string' },
    creation_timestamp: { sql: 'rm.creation_time', type: 'number' },
    last_updated_timestamp: { sql: 'rm.last_updated_time', type: 'number' },
    timestamp: { sql: 'rm.last_updated_time', type: 'number' },
  },
  keyValue: { tag: { table: 'registered_model_tags', owner: 'name', numeric: false } },
  tagDefaults: PROMPT_TAG_DEFAULTS,
};

// MLflow reserves these alias shapes: they would be ambiguous with version references.
const RESERVED_ALIAS = /^(latest|v\d+|version\d+)$/i;

export class RegisteredModelStore {
  constructor(private readonly db: Db) {}

  async create(name: string, description: string | undefined, tags: KeyValue[]): Promise<RegisteredModel> {
    if (!name.trim()) throw invalid('Registered model name cannot be empty.');
    for (const t of tags) validateKey('tag', t.key);
    await inTransaction(this.db, async (tx) => {
      const now = Date.now();
      const inserted = await tx.query('INSERT INTO registered_models (name, creation_time, last_updated_time, description) VALUES ($1, $2, $2, $3) ON CONFLICT DO NOTHING', [name, now, description ?? '']);
      if (!inserted.rowCount) throw alreadyExists(`Registered Model (name=${name}) already exists.`);
      await upsertTags(tx, name, lastByKey(tags));
    });
    return this.get(name);
  }

  async get(name: string): Promise<RegisteredModel> {
    const row = (await this.db.query<ModelRow>('SELECT * FROM registered_models WHERE name = $1', [name])).rows[0];
    if (!row) throw notFound(`Registered Model with name=${name} not found`);
    return (await this.hydrate([row]))[0] as RegisteredModel;
  }

  async rename(name: string, newName: string): Promise<RegisteredModel> {
    if (!newName.trim()) throw invalid('Registered model name cannot be empty.');
    // The primary key decides between concurrent renames to one name (in any registry copy): a
    // check before the update would let both pass and the loser fail with a bare constraint error.
    const result = await this.db.query('UPDATE registered_models SET name = $2, last_updated_time = $3 WHERE name = $1', [name, newName, Date.now()]).catch((error: unknown) => {
      if ((error as { code?: string }).code === '23505') throw alreadyExists(`Registered Model (name=${newName}) already exists.`);
      throw error;
    });
    if (!result.rowCount) throw notFound(`Registered Model with name=${name} not found`);
    return this.get(newName);
  }

  async update(name: string, description: string | undefined): Promise<RegisteredModel> {
    await this.get(name);
    if (description !== undefined) await this.db.query('UPDATE registered_models SET description = $2, last_updated_time = $3 WHERE name = $1', [name, description, Date.now()]);
    return this.get(name);
  }

  async delete(name: string): Promise<void> {
    const result = await this.db.query('DELETE FROM registered_models WHERE name = $1', [name]);
    if (!result.rowCount) throw notFound(`Registered Model with name=${name} not found`);
  }

  async setTag(name: string, tag: KeyValue): Promise<void> {
    validateKey('tag', tag.key);
    await this.get(name);
    await upsertTags(this.db, name, [tag]);
  }

  async deleteTag(name: string, key: string): Promise<void> {
    await this.get(name);
    const result = await this.db.query('DELETE FROM registered_model_tags WHERE name = $1 AND key = $2', [name, key]);
    if (!result.rowCount) throw notFound(`No tag with key '${key}' on registered model ${name}`);
  }

  /** Points the alias at the version, replacing any previous target, atomically. */
  async setAlias(name: string, alias: string, version: string): Promise<void> {
    if (!alias.trim() || RESERVED_ALIAS.test(alias)) throw invalid(`Invalid alias name: '${alias}'. Aliases cannot be empty, 'latest' or of the form 'v<number>'.`);
    if (!/^\d{1,9}$/.test(version)) throw invalid(`Model version must be an integer, got '${version}'`);
    await inTransaction(this.db, async (tx) => {
      const exists = await tx.query('SELECT 1 FROM model_versions WHERE name = $1 AND version = $2 FOR SHARE', [name, Number(version)]);
      if (!exists.rowCount) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
      await tx.query(
        `INSERT INTO registered_model_aliases (name, alias, version) VALUES ($1, $2, $3) ON CONFLICT (name, alias) DO UPDATE SET version = EXCLUDED.version`,
        [name, alias, Number(version)],
      );
      const now = Date.now();
      await tx.query('UPDATE registered_models SET last_updated_time = $2 WHERE name = $1', [name, now]);
      await tx.query('INSERT INTO registered_model_alias_history (name, alias, version, changed_at) VALUES ($1, $2, $3, $4)', [name, alias, Number(version), now]);
    });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.get(name);
    await inTransaction(this.db, async (tx) => {
      const result = await tx.query('DELETE FROM registered_model_aliases WHERE name = $1 AND alias = $2', [name, alias]);
      if (!result.rowCount) throw notFound(`Registered model alias ${alias} not found.`);
      await tx.query('INSERT INTO registered_model_alias_history (name, alias, version, changed_at) VALUES ($1, $2, NULL, $3)', [name, alias, Date.now()]);
    });
  }

  /** Every change of the model's aliases, newest first; version null means the alias was removed. */
  async aliasHistory(name: string): Promise<{ alias: string; version: string | null; changed_at: number }[]> {
    await this.get(name);
    const rows = await this.db.query<{ alias: string; version: number | null; changed_at: string }>(
      'SELECT alias, version, changed_at FROM registered_model_alias_history WHERE name = $1 ORDER BY changed_at DESC, id DESC',
      [name],
    );
    return rows.rows.map((r) => ({ alias: r.alias, version: r.version === null ? null : String(r.version), changed_at: Number(r.changed_at) }));
  }

  async versionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const row = (await this.db.query<VersionRow>(
      'SELECT mv.* FROM registered_model_aliases a JOIN model_versions mv ON mv.name = a.name AND mv.version = a.version WHERE a.name = $1 AND a.alias = $2',
      [name, alias],
    )).rows[0];
    if (!row) throw notFound(`Registered model alias ${alias} not found.`);
    return (await hydrateVersions(this.db, [row]))[0] as ModelVersion;
  }

  async latestVersions(name: string, stages: string[]): Promise<ModelVersion[]> {
    await this.get(name);
    const wanted = stages.length ? stages.map((s) => STAGES.find((x) => x.toLowerCase() === s.toLowerCase()) ?? invalidStage(s)) : [...STAGES];
    const rows = (await this.db.query<VersionRow>(
      `SELECT DISTINCT ON (current_stage) * FROM model_versions WHERE name = $1 AND current_stage = ANY($2::text[]) ORDER BY current_stage, version DESC`,
      [name, wanted],
    )).rows;
    return hydrateVersions(this.db, rows.sort((a, b) => a.version - b.version));
  }

  async search(request: SearchRequest): Promise<Page<RegisteredModel>> {
    const p = new SqlParams();
    const where = compileFilter(parseFilter(request.filter), SPEC, p);
    const order = compileOrderBy((request.orderBy ?? []).map((o) => parseOrderBy(o)), SPEC, p);
    const offset = decodePageToken(request.pageToken);
    const sql = `SELECT rm.* FROM registered_models rm ${order.joins.join(' ')} WHERE ${where}
      ORDER BY ${[...order.terms, 'rm.name ASC'].join(', ')} LIMIT ${p.add(request.maxResults + 1)} OFFSET ${p.add(offset)}`;
    const rows = (await this.db.query<ModelRow>(sql, p.values)).rows;
    return { items: await this.hydrate(rows.slice(0, request.maxResults)), nextPageToken: nextToken(rows.length, request.maxResults, offset) };
  }

  private async hydrate(rows: ModelRow[]): Promise<RegisteredModel[]> {
    if (!rows.length) return [];
    const names = rows.map((r) => r.name);
    const [tags, aliases, latest] = await Promise.all([
      this.db.query<KeyValue & { name: string }>('SELECT name, key, value FROM registered_model_tags WHERE name = ANY($1::text[]) ORDER BY key', [names]),
      this.db.query<{ name: string; alias: string; version: number }>('SELECT name, alias, version FROM registered_model_aliases WHERE name = ANY($1::text[]) ORDER BY alias', [names]),
      this.db.query<VersionRow>('SELECT DISTINCT ON (name, current_stage) * FROM model_versions WHERE name = ANY($1::text[]) ORDER BY name, current_stage, version DESC', [names]),
    ]);
    const versions = await hydrateVersions(this.db, latest.rows.sort((a, b) => a.version - b.version));
    return rows.map((r) => ({
      name: r.name,
      creation_timestamp: r.creation_time,
      last_updated_timestamp: r.last_updated_time,
      description: r.description,
      latest_versions: versions.filter((v) => v.name === r.name),
      tags: tags.rows.filter((t) => t.name === r.name).map(({ key, value }) => ({ key, value })),
      aliases: aliases.rows.filter((a) => a.name === r.name).map((a) => ({ alias: a.alias, version: String(a.version) })),
    }));
  }
}

function invalidStage(stage: string): never {
  throw invalid(`Invalid Model Version stage: ${stage}. Value must be one of ${STAGES.join(', ')}.`);
}

async function upsertTags(q: Queryable, name: string, tags: KeyValue[]): Promise<void> {
  if (!tags.length) return;
  await q.query(
    `INSERT INTO registered_model_tags (name, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v)
     ON CONFLICT (name, key) DO UPDATE SET value = EXCLUDED.value`,
    [name, tags.map((t) => t.key), tags.map((t) => t.value)],
  );
}
