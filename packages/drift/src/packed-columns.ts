import { Binary } from 'mongodb';

/**
 * How a chunk's columns are stored packed (@churn/serving packs the prediction log's just before
 * insertMany, outcome-chunks.ts the outcomes' labels and times):
 * FerretDB keeps each BSON value of a document as its own JSONB value with its own type entry, so a
 * 1,000-row chunk of per-row arrays cost it ~13,000 values; packed it is ~20, and every byte less is
 * less for FerretDB to base64 and PostgreSQL to compress (BENCHMARKS.md, log-layout). Each packed
 * column is one BSON Binary of a user-defined subtype, `rows` values in row order, little-endian:
 * - FLOAT64: numbers as Float64, null as NaN (a column holding a NaN of its own is not packed);
 *   class_probabilities (every row with the same class count k) as rows x k of them;
 * - INTEGERS: integers as signed ints of the width in the first byte (1, 2 or 4), null as that
 *   width's smallest value (which no packed value takes);
 * - LEVELS: strings as one code byte per row into the levels (255 at most; code 255 is null),
 *   followed by the levels as a UTF-8 JSON array; a string column of more levels is one string, the
 *   JSON array of its values.
 * Anything else stays as it is, and ids, times, request and sequence numbers are never packed, so a
 * query by customer_id or request_id still finds the chunk holding the row.
 */
export const PACKED_SUBTYPES = { FLOAT64: 0x80, INTEGERS: 0x81, LEVELS: 0x82 } as const;

/** The columns besides the features that are packed when they are arrays of numbers. */
export const PACKED_NUMBER_FIELDS = ['churn_chance', 'predicted_class', 'latency_ms'] as const;

/** The code of a null in a LEVELS column, so at most this many levels. */
export const NULL_LEVEL = 0xff;

/** A packed document with its columns as plain arrays again, as the readers of the log expect (see loggedRows); any other document as it is. */
export function unpackColumns(document: Record<string, unknown>): Record<string, unknown> {
  const rows = document['rows'];
  if (typeof rows !== 'number') return document;
  const unpacked: Record<string, unknown> = { ...document };
  const features = document['features'];
  if (features !== null && typeof features === 'object' && !Array.isArray(features)) {
    const columns: Record<string, unknown> = {};
    for (const [name, column] of Object.entries(features)) columns[name] = unpackColumn(column, rows);
    unpacked['features'] = columns;
  }
  for (const name of PACKED_NUMBER_FIELDS) {
    if (document[name] instanceof Binary) unpacked[name] = unpackColumn(document[name], rows);
  }
  const probabilities = document['class_probabilities'];
  if (isPacked(probabilities, PACKED_SUBTYPES.FLOAT64)) unpacked['class_probabilities'] = splitRows(float64s(bytesOf(probabilities)), rows);
  return unpacked;
}

/** A packed column's values; anything else (a plain array, a corrupt value the readers' schemas will skip) as it is. */
export function unpackColumn(column: unknown, rows: number): unknown {
  if (typeof column === 'string') return strings(column) ?? column;
  if (!(column instanceof Binary)) return column;
  const bytes = bytesOf(column);
  switch (column.sub_type) {
    case PACKED_SUBTYPES.FLOAT64:
      return float64s(bytes).map((value) => (Number.isNaN(value) ? null : value));
    case PACKED_SUBTYPES.INTEGERS:
      return integers(bytes);
    case PACKED_SUBTYPES.LEVELS:
      return levels(bytes, rows) ?? column;
    default:
      return column;
  }
}

/** Integers and nulls as signed ints of `width` bytes (1, 2 or 4) after a width byte; the caller checks they fit. */
export function packIntegers(values: readonly unknown[], width: number): Binary {
  const bytes = new Uint8Array(1 + values.length * width);
  const view = new DataView(bytes.buffer);
  bytes[0] = width;
  const absent = -(2 ** (width * 8 - 1));
  for (let i = 0; i < values.length; i += 1) {
    const value = (values[i] as number | null) ?? absent;
    const at = 1 + i * width;
    if (width === 1) view.setInt8(at, value);
    else if (width === 2) view.setInt16(at, value, true);
    else view.setInt32(at, value, true);
  }
  return new Binary(bytes, PACKED_SUBTYPES.INTEGERS);
}

/** Numbers and nulls (as NaN) as Float64. */
export function packFloat64s(values: readonly unknown[]): Binary {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i += 1) view.setFloat64(i * 8, (values[i] as number | null) ?? Number.NaN, true);
  return new Binary(bytes, PACKED_SUBTYPES.FLOAT64);
}

const isPacked = (value: unknown, subtype: number): value is Binary => value instanceof Binary && value.sub_type === subtype;

// A DataView: the bytes sit at any offset of the reply's buffer, and the order is fixed little-endian.
const bytesOf = (binary: Binary) => binary.buffer.subarray(0, binary.length());
const viewOf = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function float64s(bytes: Uint8Array): number[] {
  const view = viewOf(bytes);
  const values = new Array<number>(Math.floor(bytes.byteLength / 8));
  for (let i = 0; i < values.length; i += 1) values[i] = view.getFloat64(i * 8, true);
  return values;
}

function integers(bytes: Uint8Array): (number | null)[] {
  const view = viewOf(bytes);
  const width = bytes[0] ?? 1;
  const read = width === 1 ? (at: number) => view.getInt8(at) : width === 2 ? (at: number) => view.getInt16(at, true) : (at: number) => view.getInt32(at, true);
  const absent = -(2 ** (width * 8 - 1));
  const values = new Array<number | null>(Math.floor((bytes.byteLength - 1) / width));
  for (let i = 0; i < values.length; i += 1) {
    const value = read(1 + i * width);
    values[i] = value === absent ? null : value;
  }
  return values;
}

function strings(json: string): unknown[] | undefined {
  try {
    const values: unknown = JSON.parse(json);
    return Array.isArray(values) ? values : undefined;
  } catch {
    return undefined;
  }
}

function levels(bytes: Uint8Array, rows: number): unknown[] | undefined {
  const names = strings(new TextDecoder().decode(bytes.subarray(rows)));
  return names && Array.from(bytes.subarray(0, rows), (code) => (code === NULL_LEVEL ? null : names[code]));
}

/** rows x k values, row by row, back into one array per row (k = 0: every row had none). */
function splitRows(values: number[], rows: number): number[][] {
  const k = rows > 0 ? Math.floor(values.length / rows) : 0;
  return Array.from({ length: rows }, (_, i) => values.slice(i * k, (i + 1) * k));
}
