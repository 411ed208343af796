import { invalid } from '../errors.js';
import type { Comparison, Entity, OrderClause } from './filter-parser.js';

/** Collects bind values; `add` returns the placeholder. Values never enter the SQL text. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export interface AttributeColumn {
  sql: string;
  type: 'string' | 'number';
}

/**
 * How one resource's entities map to SQL. Key-value entities (metrics, params, tags) give the
 * table and join column of a correlated subquery; attributes give a column each.
 */
export interface SearchSpec {
  resource: string;
  attributes: Record<string, AttributeColumn>;
  keyValue: Partial<Record<Exclude<Entity, 'attribute'>, { table: string; owner: string; numeric: boolean }>>;
  /** The outer row's id column that the key-value tables reference. */
  ownerColumn: string;
  /** Tags whose absence reads as a value (MLflow: a model without mlflow.prompt.is_prompt is not a prompt). */
  tagDefaults?: Record<string, string>;
}

/** MLflow marks prompts (stored as registered models) with this tag; plain models lack it. */
export const PROMPT_TAG_DEFAULTS = { 'mlflow.prompt.is_prompt': 'false' };

const NUMERIC_OPS = new Set(['=', '!=', '<', '>', '<=', '>=']);
const STRING_OPS = new Set(['=', '!=', 'LIKE', 'ILIKE']);

function comparisonSql(column: string, c: Comparison, numeric: boolean, p: SqlParams, label: string): string {
  if (c.op === 'IS NULL' || c.op === 'IS NOT NULL') return `${column} ${c.op}`;
  if (numeric) {
    if (!NUMERIC_OPS.has(c.op)) throw invalid(`invalid comparator '${c.op}' for ${label}: expected one of ${[...NUMERIC_OPS].join(', ')}`);
    const value = typeof c.value === 'string' && c.value.trim() !== '' && !Number.isNaN(Number(c.value)) ? Number(c.value) : c.value;
    if (typeof value !== 'number') throw invalid(`expected a numeric value for ${label}, got '${String(c.value)}'`);
    return `${column} ${c.op} ${p.add(value)}`;
  }
  if (c.op === 'IN' || c.op === 'NOT IN') {
    const list = p.add(c.value);
    return c.op === 'IN' ? `${column} = ANY(${list}::text[])` : `NOT (${column} = ANY(${list}::text[]))`;
  }
  if (!STRING_OPS.has(c.op)) throw invalid(`invalid comparator '${c.op}' for ${label}: expected one of ${[...STRING_OPS].join(', ')}`);
  if (typeof c.value !== 'string') throw invalid(`expected a quoted string value for ${label}, got ${String(c.value)}`);
  return `${column} ${c.op} ${p.add(c.value)}`;
}

/** Translates parsed comparisons to a WHERE fragment (joined by AND), or 'TRUE' when empty. */
export function compileFilter(comparisons: Comparison[], spec: SearchSpec, p: SqlParams): string {
  const parts = comparisons.map((c) => {
    const label = `${c.entity}.${c.key}`;
    if (c.entity === 'attribute') {
      const column = spec.attributes[c.key];
      if (!column) throw invalid(`invalid attribute key '${c.key}' for ${spec.resource} search: expected one of ${Object.keys(spec.attributes).join(', ')}`);
      if ((c.op === 'IN' || c.op === 'NOT IN') && column.type !== 'string') throw invalid(`IN is only supported for string attributes, not ${c.key}`);
      return comparisonSql(column.sql, c, column.type === 'number', p, label);
    }
    const kv = spec.keyValue[c.entity];
    if (!kv) throw invalid(`${c.entity}s cannot be used in a ${spec.resource} search`);
    if (c.op === 'IN' || c.op === 'NOT IN') throw invalid(`IN is only supported for attributes, not ${label}`);
    const key = p.add(c.key);
    const fallback = c.entity === 'tag' ? spec.tagDefaults?.[c.key] : undefined;
    if (fallback !== undefined && c.op !== 'IS NULL' && c.op !== 'IS NOT NULL') {
      const value = `COALESCE((SELECT kv.value FROM ${kv.table} kv WHERE kv.${kv.owner} = ${spec.ownerColumn} AND kv.key = ${key}), ${p.add(fallback)})`;
      return comparisonSql(value, c, false, p, label);
    }
    if (c.op === 'IS NULL') return `NOT EXISTS (SELECT 1 FROM ${kv.table} kv WHERE kv.${kv.owner} = ${spec.ownerColumn} AND kv.key = ${key})`;
    const cond = c.op === 'IS NOT NULL' ? 'TRUE' : comparisonSql('kv.value', c, kv.numeric, p, label);
    return `EXISTS (SELECT 1 FROM ${kv.table} kv WHERE kv.${kv.owner} = ${spec.ownerColumn} AND kv.key = ${key} AND ${cond})`;
  });
  return parts.length ? parts.join(' AND ') : 'TRUE';
}

// A decimal number as PostgreSQL's numeric reads it (no NaN or Infinity, which would sort as numbers).
const NUMBER_PATTERN = '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$';

/**
 * ORDER BY terms for the clauses, with the LEFT JOINs they need (one per metric/param/tag key, which
 * is unique per owner, so rows never multiply; a join beats a per-row subquery on large result
 * sets). Missing values sort last either way, as in MLflow.
 */
export function compileOrderBy(clauses: OrderClause[], spec: SearchSpec, p: SqlParams, options: { numericParams?: boolean | undefined } = {}): { joins: string[]; terms: string[] } {
  const joins: string[] = [];
  const terms = clauses.map((o, i) => {
    const direction = o.ascending ? 'ASC' : 'DESC';
    if (o.entity === 'attribute') {
      const column = spec.attributes[o.key];
      if (!column) throw invalid(`invalid order_by attribute '${o.key}' for ${spec.resource}: expected one of ${Object.keys(spec.attributes).join(', ')}`);
      return `${column.sql} ${direction} NULLS LAST`;
    }
    const kv = spec.keyValue[o.entity];
    if (!kv) throw invalid(`cannot order ${spec.resource} by ${o.entity}s`);
    joins.push(`LEFT JOIN ${kv.table} ob${i} ON ob${i}.${kv.owner} = ${spec.ownerColumn} AND ob${i}.key = ${p.add(o.key)}`);
    // numeric, not float8: '1e999' must sort, not fail the search.
    if (o.entity === 'param' && options.numericParams) return `CASE WHEN ob${i}.value ~ '${NUMBER_PATTERN}' THEN ob${i}.value::numeric END ${direction} NULLS LAST, ob${i}.value ${direction} NULLS LAST`;
    return `ob${i}.value ${direction} NULLS LAST`;
  });
  return { joins, terms };
}
