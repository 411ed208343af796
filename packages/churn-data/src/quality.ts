import { LABEL_COLUMN, normaliseRecords, type CleanResult } from './clean.js';
import type { FeatureKind, MissingPolicy } from './contract-schema.js';
import type { DatasetContract } from './contract.js';
import { MISSING, parseValue } from './values.js';

/** More levels than this make a categorical hard to learn from (one one-hot column each): infer ignores such text, check flags it. */
export const HIGH_CARDINALITY = 50;

export interface ColumnQuality {
  /** The contract's name for the column. */
  column: string;
  role: FeatureKind | 'id' | 'target';
  /** Rows where the value is absent, blank or a missing token. */
  missing: number;
  /** Distinct present values, after trimming and case folding. */
  distinct: number;
  /** Smallest and largest number seen (numeric and integer features). */
  min?: number;
  max?: number;
  policy?: MissingPolicy;
}

/** What `dataset check` summarises about a CSV beyond the rows the contract refuses. */
export interface QualityReport {
  records: number;
  /** The id, the target and the features, in that order. */
  columns: ColumnQuality[];
  /** Features with at most one distinct value: nothing to learn from. */
  constant: string[];
  highCardinality: { column: string; levels: number }[];
  /** Labels of the rows cleaning kept, and the rows refused for a target value that is neither positive nor negative. */
  classBalance: { positive: number; negative: number; unlabelled: number };
  /** CSV columns the contract does not mention (not a feature, the id, the target or ignored). */
  unknownColumns: string[];
  /** Columns the contract names that the CSV lacks. */
  absentColumns: string[];
}

interface Tally {
  missing: number;
  distinct: Set<string>;
  min?: number;
  max?: number;
}

function tally(values: readonly (string | undefined)[], isMissing: (raw: string | undefined) => boolean, normalise: (text: string) => string, numeric: boolean): Tally {
  const result: Tally = { missing: 0, distinct: new Set() };
  for (const raw of values) {
    if (raw === undefined || isMissing(raw)) {
      result.missing += 1;
      continue;
    }
    result.distinct.add(normalise(raw));
    const n = Number(raw);
    if (numeric && raw.trim() !== '' && Number.isFinite(n)) {
      result.min = Math.min(result.min ?? n, n);
      result.max = Math.max(result.max ?? n, n);
    }
  }
  return result;
}

/** Summarises a CSV's records against the contract; `cleaned` is cleanRecords' result for the same records. */
export function assessQuality(contract: DatasetContract, records: readonly Record<string, string>[], cleaned: CleanResult): QualityReport {
  const normalised = normaliseRecords(contract, records);
  const fold = (text: string) => contract.normaliseValue(text);
  const globalTokens = new Set(['', ...contract.spec.missing_tokens].map(fold));
  const column = (name: string) => normalised.map((r) => r[name]);
  const columns: ColumnQuality[] = [];

  const { id, target } = contract.spec;
  if (id) {
    const t = tally(column(id), (raw) => globalTokens.has(fold(raw ?? '')), fold, false);
    columns.push({ column: id, role: 'id', missing: t.missing, distinct: t.distinct.size });
  }
  const labels = tally(column(target.column), (raw) => globalTokens.has(fold(raw ?? '')), fold, false);
  columns.push({ column: target.column, role: 'target', missing: labels.missing, distinct: labels.distinct.size });
  for (const feature of contract.features) {
    const numeric = feature.kind === 'numeric' || feature.kind === 'integer';
    const t = tally(column(feature.name), (raw) => parseValue(contract, feature, raw, 'text') === MISSING, fold, numeric);
    const range = t.min !== undefined && t.max !== undefined ? { min: t.min, max: t.max } : {};
    columns.push({ column: feature.name, role: feature.kind, missing: t.missing, distinct: t.distinct.size, ...range, policy: feature.missing });
  }

  const headers = Object.keys(normalised[0] ?? {});
  const known = new Set([...contract.featureNames, ...contract.spec.ignore.map((c) => contract.normaliseColumn(c)), target.column, LABEL_COLUMN, ...(id ? [id] : [])]);
  const hasLabel = headers.includes(target.column) || headers.includes(LABEL_COLUMN);
  const positive = cleaned.rows.filter((r) => r.churned === 1).length;
  return {
    records: records.length,
    columns,
    constant: columns.filter((c) => c.role !== 'id' && c.role !== 'target' && c.distinct <= 1).map((c) => c.column),
    highCardinality: contract.features.filter((f) => f.kind === 'categorical' && (f.levels?.length ?? 0) > HIGH_CARDINALITY).map((f) => ({ column: f.name, levels: f.levels?.length ?? 0 })),
    classBalance: { positive, negative: cleaned.rows.length - positive, unlabelled: cleaned.invalid.filter((r) => r.field === target.column).length },
    unknownColumns: headers.filter((h) => !known.has(h)),
    absentColumns: [...(id ? [id] : []), ...(hasLabel ? [] : [target.column]), ...contract.featureNames].filter((name) => !headers.includes(name)),
  };
}
