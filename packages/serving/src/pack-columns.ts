import { PACKED_FLOAT64_SUBTYPE, PACKED_NUMBER_FIELDS } from '@churn/drift/packed-columns';
import { Binary, type Document } from 'mongodb';

const FLOAT64_BYTES = 8;

/**
 * A batch chunk (a document with `rows`) as it is stored: number columns as one little-endian
 * Float64 Binary each, string columns as one JSON string each (the format and why:
 * @churn/drift/packed-columns, which reads it back). Ids, times and request ids stay as they are, so
 * Mongo queries by them still find the chunk. One-prediction documents are returned as they are.
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

/** Numbers and nulls (null as NaN), or undefined when the column holds anything else or a NaN of its own. */
function packNumbers(values: readonly unknown[]): Binary | undefined {
  const bytes = new Uint8Array(values.length * FLOAT64_BYTES);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i];
    if (value === null) view.setFloat64(i * FLOAT64_BYTES, Number.NaN, true);
    else if (typeof value === 'number' && !Number.isNaN(value)) view.setFloat64(i * FLOAT64_BYTES, value, true);
    else return undefined;
  }
  return new Binary(bytes, PACKED_FLOAT64_SUBTYPE);
}

/** Strings and nulls as one JSON string, or undefined when the column holds anything else. */
function packStrings(values: readonly unknown[]): string | undefined {
  return values.every((value) => value === null || typeof value === 'string') ? JSON.stringify(values) : undefined;
}

/** One row's array per row, all of one length k, as rows x k numbers; undefined when the lengths differ. */
function packRows(values: readonly unknown[], rows: number): Binary | undefined {
  const first = values[0];
  if (values.length !== rows || !Array.isArray(first)) return undefined;
  const k = first.length;
  if (!values.every((row) => Array.isArray(row) && row.length === k && row.every((p) => typeof p === 'number'))) return undefined;
  return packNumbers((values as number[][]).flat());
}
