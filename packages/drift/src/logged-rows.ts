import { unpackColumns } from './packed-columns.js';

/** Rows of [from, to) only: a chunk of single predictions spans its rows' times, and a time query matches it by any of them. */
export interface LoggedRowsRange {
  from: Date;
  to: Date;
}

/** A chunk's per-row column (an array) or its value for every row (a batch chunk's one request id or time). */
const cell = (value: unknown, i: number): unknown => (Array.isArray(value) ? value[i] : value);

/**
 * The predictions of one document of the prediction log, newest first like the readers' sort: the
 * document itself (one prediction, as logged before 2026-12-05), or each row of a columnar chunk
 * (`rows`; see @churn/serving's PredictionBatchEntry): per feature an array of values, chances,
 * customer ids and class answers as arrays, and `request_id`, `created_at`, `latency_ms` and
 * `sequence_number` either one value for the chunk (a /predict/batch chunk) or an array, each row's
 * own (single predictions gathered by the writer). Rows are yielded last first (the later were made
 * later); with `range`, a row outside it is left out.
 */
export function* loggedRows(document: Record<string, unknown>, range?: LoggedRowsRange): Generator<Record<string, unknown>> {
  // A chunk stored packed (number columns as one Binary, strings as one string) reads as arrays.
  document = unpackColumns(document);
  const rows = document['rows'];
  const chances = document['churn_chance'];
  if (typeof rows !== 'number' || !Array.isArray(chances)) {
    yield document;
    return;
  }
  const features = (document['features'] ?? {}) as Record<string, unknown>;
  const names = Object.keys(features);
  const { created_at: times, request_id: requestIds, latency_ms: latencies, sequence_number: sequenceNumbers } = document;
  const ids = Array.isArray(document['customer_id']) ? (document['customer_id'] as unknown[]) : undefined;
  const classes = Array.isArray(document['predicted_class']) ? (document['predicted_class'] as unknown[]) : undefined;
  const probabilities = Array.isArray(document['class_probabilities']) ? (document['class_probabilities'] as unknown[]) : undefined;
  for (let i = rows - 1; i >= 0; i -= 1) {
    const createdAt = cell(times, i);
    if (range && createdAt instanceof Date && (createdAt < range.from || createdAt >= range.to)) continue;
    const row: Record<string, unknown> = {};
    for (const name of names) {
      const values = features[name];
      row[name] = Array.isArray(values) ? values[i] : undefined;
    }
    const logged: Record<string, unknown> = { features: row, churn_chance: chances[i], created_at: createdAt };
    // What a row has not (null in its column; -1 and [] for a batch row without a class answer) is left out, as a one-prediction document leaves it out.
    const set = (key: string, value: unknown) => {
      if (value !== undefined && value !== null) logged[key] = value;
    };
    set('model_run_id', document['model_run_id']);
    set('source', document['source']);
    set('request_id', cell(requestIds, i));
    set('customer_id', ids?.[i]);
    set('latency_ms', cell(latencies, i));
    set('sequence_number', cell(sequenceNumbers, i));
    const predicted = classes?.[i];
    if (predicted !== -1) set('predicted_class', predicted);
    const classProbabilities = probabilities?.[i];
    if (!Array.isArray(classProbabilities) || classProbabilities.length > 0) set('class_probabilities', classProbabilities);
    yield logged;
  }
}
