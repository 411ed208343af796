import type { Document } from 'mongodb';
import { packFloat64s, packIntegers, unpackColumn } from './packed-columns.js';

/** Outcomes per stored document: a POST /outcomes of 100,000 is 100 documents of ~40 KB. */
export const OUTCOME_CHUNK_ROWS = 1_000;

/** One outcome as the join reads it: `key` is what it names (outcomeKey). */
export interface KeyedOutcome {
  key: string;
  churned: 0 | 1;
  observed_at: Date;
}

/**
 * Outcomes received together (one request, one stream batch) as documents of up to
 * OUTCOME_CHUNK_ROWS: FerretDB stores a document's every value as its own JSONB value, so one
 * document per outcome held ingest to ~46,000/s against ~130,000 predictions/s logged in chunks
 * (BENCHMARKS.md, outcomes). The keys stay a plain array, so `find({ key })` finds an outcome; the
 * labels and observation times are packed (@churn/drift/packed-columns).
 */
export function outcomeChunks(outcomes: readonly KeyedOutcome[], receivedAt: Date): Document[] {
  const chunks: Document[] = [];
  for (let from = 0; from < outcomes.length; from += OUTCOME_CHUNK_ROWS) {
    const part = outcomes.slice(from, from + OUTCOME_CHUNK_ROWS);
    chunks.push({
      received_at: receivedAt,
      rows: part.length,
      key: part.map((o) => o.key),
      churned: packIntegers(part.map((o) => o.churned), 1),
      observed_at: packFloat64s(part.map((o) => o.observed_at.getTime())),
    });
  }
  return chunks;
}

/**
 * The outcomes of a stored document in the order they were received: a chunk's rows, or the one
 * outcome of a document stored before the chunks (2026-12-05: `_id` its key). A row of the wrong
 * shape is left out, as the join would not know what it labels.
 */
export function storedOutcomes(document: Document): KeyedOutcome[] {
  const rows = document['rows'];
  if (typeof rows !== 'number') {
    const { _id: key, churned, observed_at } = document;
    return typeof key === 'string' && (churned === 0 || churned === 1) && observed_at instanceof Date ? [{ key, churned, observed_at }] : [];
  }
  const keys: unknown = document['key'];
  const labels = unpackColumn(document['churned'], rows);
  const times = unpackColumn(document['observed_at'], rows);
  if (!Array.isArray(keys) || !Array.isArray(labels) || !Array.isArray(times)) return [];
  const outcomes: KeyedOutcome[] = [];
  for (let i = 0; i < rows; i += 1) {
    const key: unknown = keys[i];
    const churned: unknown = labels[i];
    const time: unknown = times[i];
    if (typeof key === 'string' && (churned === 0 || churned === 1) && typeof time === 'number') outcomes.push({ key, churned, observed_at: new Date(time) });
  }
  return outcomes;
}
