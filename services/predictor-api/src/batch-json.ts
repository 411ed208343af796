import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { parseRequest, type DatasetContract, type FeatureRow } from '@churn/churn-data';
import type { BatchOptions } from './batch-csv.js';
import { RowLimitError } from './batch-csv.js';
import { HttpError } from './errors.js';
import { recordsOf } from './invocations.js';
import { JsonRowScanner, JsonShapeError, type JsonEvent } from './json-rows.js';
import { scoreWithServedModel } from './scoring.js';

const INPUT_KEYS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

/** Rows of one input key, as they came: records, or positional arrays read in `columns` order. */
interface PendingRows {
  key: string;
  rows: unknown[];
  /** Rows read before these. */
  offset: number;
}

const zip = (columns: readonly string[], values: readonly unknown[]) => {
  const record: Record<string, unknown> = {};
  for (let c = 0; c < columns.length; c += 1) record[columns[c] as string] = values[c];
  return record;
};

/** One row as a record: an object as it is, an array by `columns` (dataframe_split) or the contract's feature order. */
function recordOf(row: unknown, field: string, columns: readonly string[] | undefined, contract: DatasetContract): Record<string, unknown> {
  if (Array.isArray(row)) return zip(columns ?? contract.featureNames, row);
  if (row !== null && typeof row === 'object' && columns === undefined) return row as Record<string, unknown>;
  throw new HttpError(400, `${field}: expected ${columns ? 'an array of cells' : 'an object or an array of cells'}`, field);
}

/**
 * MLflow's JSON scoring bodies read as they arrive (JsonRowScanner): rows are validated with the
 * served model's contract, scored `chunkRows` at a time and logged per chunk, and only the
 * predictions are held until the answer, as for a CSV. The first bad row fails the request naming
 * `key[i].field`; more than `maxRows` rows is a 413 naming PREDICTOR_API_MAX_BATCH_ROWS. A value
 * other than rows (columns, columnar `inputs`) may be at most `maxValueChars` long.
 */
export async function scoreJsonForMlflow(
  input: Readable,
  options: BatchOptions & { maxValueChars: number },
): Promise<{ rows: number; predictions: (Float64Array | number[] | number[][])[] }> {
  const scanner = new JsonRowScanner(options.maxValueChars);
  const decoder = new StringDecoder('utf8');
  const predictions: (Float64Array | number[] | number[][])[] = [];
  let key: string | undefined;
  let columns: string[] | undefined;
  let pending: PendingRows | undefined;
  let read = 0;
  let scoredRows = 0;

  const score = async (batch: PendingRows) => {
    const scored = scoreWithServedModel(
      options.holder,
      (contract) => {
        const features: FeatureRow[] = [];
        batch.rows.forEach((row, r) => {
          const field = `${batch.key}[${batch.offset + r}]`;
          const parsed = parseRequest(contract, recordOf(row, field, batch.key === 'dataframe_split.data' ? columns : undefined, contract), 'json');
          if (!parsed.ok) throw new HttpError(400, `${field}.${parsed.message}`, `${field}.${parsed.field}`);
          features.push(parsed.features);
        });
        return { features };
      },
      true,
    );
    await options.onScored?.(scored.parsed.features, scored, scored.runId, []);
    predictions.push(scored.predictions ?? scored.chances);
    scoredRows += batch.rows.length;
  };

  const take = async (event: JsonEvent) => {
    const named = event.kind === 'row' ? event.key.split('.')[0] : event.path[0];
    if (named && (INPUT_KEYS as readonly string[]).includes(named)) {
      if (key !== undefined && key !== named) throw new HttpError(400, `expected one of ${INPUT_KEYS.join(', ')}, not both ${key} and ${named}`, named);
      key = named;
    }
    if (event.kind === 'value') {
      const [top, inner] = event.path;
      if (top === 'dataframe_split' && inner === 'columns') {
        if (!Array.isArray(event.value) || event.value.length === 0 || !event.value.every((c) => typeof c === 'string')) throw new HttpError(400, 'dataframe_split.columns: expected a non-empty array of column names', 'dataframe_split.columns');
        columns = event.value;
      } else if (top === 'dataframe_split' && inner === 'data') throw new HttpError(400, 'dataframe_split.data: expected an array of rows', 'dataframe_split.data');
      else if (inner === undefined && top !== undefined && top !== 'dataframe_split' && key === top) {
        // Columnar inputs ({"inputs": {"column": [values]}}) come whole, within the value limit.
        const records = options.holder.use(({ model }) => recordsOf(model.contract, { [top]: event.value }).records);
        if (read + records.length > options.maxRows) throw new RowLimitError(options.maxRows);
        pending = { key: top, rows: records, offset: read };
        read += records.length;
      }
      return;
    }
    if (read === options.maxRows) throw new RowLimitError(options.maxRows);
    pending ??= { key: event.key, rows: [], offset: read };
    pending.rows.push(event.value);
    read += 1;
    // dataframe_split rows wait for their columns when the body names them after the data.
    if (pending.rows.length >= options.chunkRows && (event.key !== 'dataframe_split.data' || columns)) {
      const batch = pending;
      pending = undefined;
      await score(batch);
    }
  };

  // Iterated by hand, as the CSV reader: leaving a for-await early would destroy the socket with the answer.
  const pieces = (input as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let ended = false;
  try {
    for (let next = await pieces.next(); !next.done; next = await pieces.next()) {
      for (const event of scanner.push(decoder.write(next.value))) await take(event);
    }
    ended = true;
    for (const event of scanner.push(decoder.end())) await take(event);
    scanner.end();
    if (key === undefined) throw new HttpError(400, `expected one of ${INPUT_KEYS.join(', ')}`, '(body)');
    if (key === 'dataframe_split' && !columns) throw new HttpError(400, 'dataframe_split.columns: required', 'dataframe_split.columns');
    if (pending && pending.rows.length > 0) await score(pending);
  } catch (error) {
    if (error instanceof JsonShapeError) throw new HttpError(error.tooLarge ? 413 : 400, error.message, error.field);
    throw error;
  } finally {
    // A body not read to its end (row limit, a bad row) is discarded as it arrives, so the answer can go out.
    if (!ended) {
      input.removeAllListeners('readable');
      input.resume();
    }
  }
  if (scoredRows === 0) throw new HttpError(400, `${key === 'dataframe_split' ? 'dataframe_split.data' : key}: no rows`, key === 'dataframe_split' ? 'dataframe_split.data' : key);
  return { rows: scoredRows, predictions };
}
