import { parseRequest, type DatasetContract, type FeatureRow, type InputMode } from '@churn/churn-data';
import { RowLimitError } from './batch-csv.js';
import { HttpError } from './errors.js';
import { invocationsFormats } from './schemas.js';

const INPUT_KEYS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

const zip = (columns: readonly string[], values: readonly unknown[]) => Object.fromEntries(columns.map((c, i) => [c, values[i]]));

/** The records of any of MLflow's input formats, plus the name of the field they came from (for errors). Positional rows are read in the contract's feature order. */
export function recordsOf(contract: DatasetContract, body: unknown): { key: string; records: Record<string, unknown>[] } {
  const keys = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
  const known = INPUT_KEYS.find((k) => keys.includes(k));
  if (!known) throw new HttpError(400, `expected one of ${INPUT_KEYS.join(', ')}`, '(body)');
  // Parse against the one shape the key names, so the error points inside it.
  const parsed = invocationsFormats[known].safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : known;
    throw new HttpError(400, `${field}: ${issue?.message ?? 'invalid'}`, field);
  }
  const input = parsed.data;
  if ('dataframe_split' in input) {
    const { columns, data } = input.dataframe_split;
    return { key: 'dataframe_split.data', records: data.map((row) => zip(columns, row)) };
  }
  if ('dataframe_records' in input) return { key: 'dataframe_records', records: input.dataframe_records };
  const [key, rows] = 'instances' in input ? ['instances', input.instances] : ['inputs', input.inputs];
  if (!Array.isArray(rows)) {
    const columns = Object.keys(rows);
    const length = Math.max(0, ...columns.map((c) => rows[c]?.length ?? 0));
    return { key, records: Array.from({ length }, (_, i) => Object.fromEntries(columns.map((c) => [c, rows[c]?.[i]]))) };
  }
  return { key, records: rows.map((row) => (Array.isArray(row) ? zip(contract.featureNames, row) : row)) };
}

function validated(contract: DatasetContract, records: readonly Record<string, unknown>[], key: string, mode: InputMode): FeatureRow[] {
  return records.map((record, i) => {
    const parsed = parseRequest(contract, record, mode);
    if (!parsed.ok) throw new HttpError(400, `${key}[${i}].${parsed.message}`, `${key}[${i}].${parsed.field}`);
    return parsed.features;
  });
}

/** Validates every record against the contract; the first bad one fails the request naming `key[i].field`. */
export function featuresOf(contract: DatasetContract, body: unknown, maxRows = Infinity): FeatureRow[] {
  const { key, records } = recordsOf(contract, body);
  if (records.length === 0) throw new HttpError(400, `${key}: no rows`, key);
  if (records.length > maxRows) throw new RowLimitError(maxRows);
  return validated(contract, records, key, 'json');
}
