import type { DatasetContract } from './contract.js';
import { Invalid, MISSING, missingValue, parseValue, type ChurnRow, type FeatureRow, type FeatureValue } from './values.js';

/** A row the contract refused, with where it is and why. */
export interface RejectedRow {
  /** 0-based index among the CSV's records. */
  index: number;
  /** The CSV line it starts on, when known. */
  line?: number;
  field: string;
  reason: string;
}

export interface CleanResult {
  rows: ChurnRow[];
  /** Rows left out because a `missing: drop` feature was missing (BankChurners: an unknown education, marital status or income). */
  droppedMissing: number;
  /** Rows that failed validation, with the reason, so a bad snapshot is visible rather than silent. */
  invalid: RejectedRow[];
}

/** The label column of an already-clean CSV (toCsv's output). */
export const LABEL_COLUMN = 'churned';

function labelOf(contract: DatasetContract, record: Record<string, string>): 0 | 1 | undefined {
  const { column, positive, negative } = contract.spec.target;
  const raw = record[column];
  if (raw !== undefined) {
    const value = contract.normaliseValue(raw);
    if (positive.some((p) => contract.normaliseValue(p) === value)) return 1;
    if (negative.some((n) => contract.normaliseValue(n) === value)) return 0;
    return undefined;
  }
  const churned = record[LABEL_COLUMN]?.trim();
  if (churned === '1' || churned === '0') return churned === '1' ? 1 : 0;
  return undefined;
}

/** Records keyed by the contract's column names (trimmed, case-folded, renamed). */
export function normaliseRecords(contract: DatasetContract, records: readonly Record<string, string>[]): Record<string, string>[] {
  const first = records[0];
  if (!first) return [];
  const keys = Object.keys(first);
  const names = keys.map((k) => contract.normaliseColumn(k));
  if (names.every((n, i) => n === keys[i])) return records as Record<string, string>[];
  // Every record of a CSV has the header's keys: each is normalised once, not once per row.
  const named = new Map(keys.map((k, i) => [k, names[i]!]));
  return records.map((raw) => {
    const out: Record<string, string> = {};
    for (const key in raw) out[named.get(key) ?? contract.normaliseColumn(key)] = raw[key]!;
    return out;
  });
}

/**
 * Cleans raw records the way the contract says: names and values normalised, rows with a missing
 * `drop` feature left out, every other value validated and encoded, the label read from the target.
 * Idempotent: the output of toCsv cleans to the same rows.
 */
export function cleanRecords(contract: DatasetContract, records: readonly Record<string, string>[], lines?: readonly number[]): CleanResult {
  const rows: ChurnRow[] = [];
  const invalid: RejectedRow[] = [];
  let droppedMissing = 0;
  const reject = (index: number, field: string, reason: string) => {
    const line = lines?.[index];
    invalid.push(line === undefined ? { index, field, reason } : { index, line, field, reason });
  };
  normaliseRecords(contract, records).forEach((record, index) => {
    const parsed = contract.features.map((f): FeatureValue | Invalid | typeof MISSING => parseValue(contract, f, record[f.name], 'text'));
    if (contract.features.some((f, i) => parsed[i] === MISSING && f.missing === 'drop')) {
      droppedMissing += 1;
      return;
    }
    const churned = labelOf(contract, record);
    if (churned === undefined) {
      const { column, positive, negative } = contract.spec.target;
      reject(index, column, `${column}: must be one of ${[...positive, ...negative].map((v) => JSON.stringify(v)).join(', ')}`);
      return;
    }
    const row: FeatureRow = {};
    for (let i = 0; i < contract.features.length; i += 1) {
      const feature = contract.features[i]!;
      const parsedValue = parsed[i]!;
      const value = parsedValue === MISSING ? missingValue(feature) : parsedValue;
      if (value instanceof Invalid) {
        reject(index, feature.name, `${feature.name}: ${value.message}`);
        return;
      }
      row[feature.name] = value;
    }
    row.churned = churned;
    rows.push(row as ChurnRow);
  });
  return { rows, droppedMissing, invalid };
}

/** Thrown when more of a CSV is invalid than the contract's `max_rejected_share` allows: training on it would hide a broken export. */
export class RejectedDataError extends Error {
  override readonly name = 'RejectedDataError';
  constructor(
    readonly source: string,
    readonly share: number,
    readonly limit: number,
    readonly examples: readonly RejectedRow[],
  ) {
    const lines = examples.map((r) => `  ${r.line !== undefined ? `line ${r.line}` : `row ${r.index}`}: ${r.reason}`).join('\n');
    super(`${source}: ${(share * 100).toFixed(1)}% of rows are invalid (limit ${(limit * 100).toFixed(1)}%); first ones:\n${lines}`);
  }
}

/** The share of records the contract refused (rows dropped for a missing value by policy are not refusals). */
export function rejectedShare(result: CleanResult): number {
  const total = result.rows.length + result.droppedMissing + result.invalid.length;
  return total === 0 ? 0 : result.invalid.length / total;
}

/** Refuses a cleaned CSV whose rejected share passes the contract's limit. */
export function assertAcceptable(contract: DatasetContract, result: CleanResult, source: string): void {
  const share = rejectedShare(result);
  const limit = contract.spec.max_rejected_share;
  if (share > limit) throw new RejectedDataError(source, share, limit, result.invalid.slice(0, 5));
}
