import { Binary } from 'mongodb';

/**
 * How a batch chunk's columns are stored packed (@churn/serving packs them just before insertMany):
 * FerretDB keeps each BSON value of a document as its own JSONB value with its own type entry, so a
 * chunk of per-row arrays cost it ~13,000 values; packed, a chunk is ~20 (BENCHMARKS.md, log-layout).
 * - A column of numbers (a numeric feature, churn_chance, predicted_class, per-row latency_ms) is one
 *   BSON Binary of this user-defined subtype: the values as little-endian Float64 in row order, null
 *   as NaN (a column holding a real NaN is not packed).
 * - class_probabilities (every row with the same class count k) is one such Binary of rows x k values.
 * - A column of strings (a categorical feature) is one string: the JSON array of its values.
 * Anything else stays as it is, and ids, times, request and sequence numbers are never packed, so a
 * query by customer_id or request_id still finds the chunk holding the row.
 */
export const PACKED_FLOAT64_SUBTYPE = 0x80;

/** The columns besides the features that are packed when they are arrays of numbers. */
export const PACKED_NUMBER_FIELDS = ['churn_chance', 'predicted_class', 'latency_ms'] as const;

const FLOAT64_BYTES = 8;

/** A packed document with its columns as plain arrays again, as the readers of the log expect (see loggedRows); any other document as it is. */
export function unpackColumns(document: Record<string, unknown>): Record<string, unknown> {
  const rows = document['rows'];
  if (typeof rows !== 'number') return document;
  const unpacked: Record<string, unknown> = { ...document };
  const features = document['features'];
  if (features !== null && typeof features === 'object' && !Array.isArray(features)) {
    const columns: Record<string, unknown> = {};
    for (const [name, column] of Object.entries(features)) columns[name] = unpackColumn(column);
    unpacked['features'] = columns;
  }
  for (const name of PACKED_NUMBER_FIELDS) {
    const column = document[name];
    if (isPacked(column)) unpacked[name] = numbers(column);
  }
  const probabilities = document['class_probabilities'];
  if (isPacked(probabilities)) unpacked['class_probabilities'] = splitRows(float64s(probabilities), rows);
  return unpacked;
}

function unpackColumn(column: unknown): unknown {
  if (isPacked(column)) return numbers(column);
  if (typeof column !== 'string') return column;
  try {
    return JSON.parse(column) as unknown;
  } catch {
    // Left as it is: the readers' schemas skip and count the rows it cannot give.
    return column;
  }
}

const isPacked = (value: unknown): value is Binary => value instanceof Binary && value.sub_type === PACKED_FLOAT64_SUBTYPE;

const numbers = (binary: Binary): (number | null)[] => float64s(binary).map((value) => (Number.isNaN(value) ? null : value));

function float64s(binary: Binary): number[] {
  const bytes = binary.buffer.subarray(0, binary.length());
  // A DataView: the bytes sit at any offset of the reply's buffer, and the order is fixed little-endian.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Array<number>(Math.floor(bytes.byteLength / FLOAT64_BYTES));
  for (let i = 0; i < values.length; i += 1) values[i] = view.getFloat64(i * FLOAT64_BYTES, true);
  return values;
}

/** rows x k values, row by row, back into one array per row (k = 0: every row had none). */
function splitRows(values: number[], rows: number): number[][] {
  const k = rows > 0 ? Math.floor(values.length / rows) : 0;
  return Array.from({ length: rows }, (_, i) => values.slice(i * k, (i + 1) * k));
}
