import { NULL_LEVEL, packFloat64s, packIntegers, PACKED_NUMBER_FIELDS, PACKED_SUBTYPES } from '@churn/drift/packed-columns';
import { Binary, type Document } from 'mongodb';

/**
 * A chunk (a document with `rows`) as it is stored: each number column as one Binary of the
 * narrowest exact form (integers of 1, 2 or 4 bytes, else Float64), each string column as level
 * codes (the format and why: @churn/drift/packed-columns, which reads it back). Ids, times and
 * request ids stay as they are, so Mongo queries by them still find the chunk. One-prediction
 * documents are returned as they are.
 */
export function packColumns(stored: object): Document {
  const document = stored as Record<string, unknown>;
  const rows = document['rows'];
  if (typeof rows !== 'number') return document;
  const packed: Document = { ...document };
  const features = document['features'];
  if (features !== null && typeof features === 'object' && !Array.isArray(features)) {
    const columns: Document = {};
    for (const [name, column] of Object.entries(features)) columns[name] = packColumn(column);
    packed['features'] = columns;
  }
  for (const name of PACKED_NUMBER_FIELDS) {
    const column = document[name];
    if (Array.isArray(column)) packed[name] = packNumbers(column) ?? column;
  }
  const probabilities = document['class_probabilities'];
  if (Array.isArray(probabilities)) packed['class_probabilities'] = packRows(probabilities, rows) ?? probabilities;
  return packed;
}

function packColumn(column: unknown): unknown {
  if (!Array.isArray(column)) return column;
  return packNumbers(column) ?? packStrings(column) ?? column;
}

/** Numbers and nulls as integers or Float64, or undefined when the column holds anything else or a NaN of its own. */
function packNumbers(values: readonly unknown[]): Binary | undefined {
  let min = 0;
  let max = 0;
  let integers = true;
  // Indexed, not for-of: the iterator's result objects were most of a batch's log allocation (BENCHMARKS.md, batch).
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i];
    if (value === null) continue;
    if (typeof value !== 'number' || Number.isNaN(value)) return undefined;
    if (integers && Number.isInteger(value) && !Object.is(value, -0)) {
      if (value < min) min = value;
      else if (value > max) max = value;
    } else integers = false;
  }
  if (integers) {
    // The narrowest width whose smallest value (null) lies below every value.
    const width = [1, 2, 4].find((w) => min > -(2 ** (w * 8 - 1)) && max < 2 ** (w * 8 - 1));
    if (width !== undefined) return packIntegers(values, width);
  }
  return packFloat64s(values);
}

/** Strings and nulls as level codes, or as one JSON string past NULL_LEVEL levels; undefined when the column holds anything else. */
function packStrings(values: readonly unknown[]): Binary | string | undefined {
  const codes = new Uint8Array(values.length);
  const levels = new Map<string, number>();
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i];
    if (value === null) {
      codes[i] = NULL_LEVEL;
      continue;
    }
    if (typeof value !== 'string') return undefined;
    let code = levels.get(value);
    if (code === undefined) {
      code = levels.size;
      if (code === NULL_LEVEL) return values.every((v) => v === null || typeof v === 'string') ? JSON.stringify(values) : undefined;
      levels.set(value, code);
    }
    codes[i] = code;
  }
  const names = new TextEncoder().encode(JSON.stringify([...levels.keys()]));
  const bytes = new Uint8Array(codes.length + names.length);
  bytes.set(codes);
  bytes.set(names, codes.length);
  return new Binary(bytes, PACKED_SUBTYPES.LEVELS);
}

/** One array per row, all of one length k, as rows x k Float64s; undefined when the lengths differ or a value is not a number. */
function packRows(values: readonly unknown[], rows: number): Binary | undefined {
  const first = values[0];
  if (values.length !== rows || !Array.isArray(first)) return undefined;
  const k = first.length;
  if (!values.every((row) => Array.isArray(row) && row.length === k && row.every((p) => typeof p === 'number' && !Number.isNaN(p)))) return undefined;
  return packFloat64s((values as number[][]).flat());
}
