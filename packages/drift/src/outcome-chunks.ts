import type { Document } from 'mongodb';
import { z } from 'zod';
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

const chunkSchema = z.object({ rows: z.number().int().min(0).max(OUTCOME_CHUNK_ROWS), key: z.array(z.unknown()) });
const rowSchema = z.object({ key: z.string().min(1), churned: z.union([z.literal(0), z.literal(1)]) });
const legacySchema = rowSchema.extend({ observed_at: z.date() });

export interface ReadOutcomes {
  outcomes: KeyedOutcome[];
  /** Outcomes of the document that are not of the stored shape: left out, as the join would not know what they label. */
  unreadable: number;
}

/**
 * The outcomes of a stored document in the order they were received: a chunk's rows, or the one
 * outcome of a document stored before the chunks (2026-12-05: `_id` its key).
 */
export function storedOutcomes(document: Document): ReadOutcomes {
  if (document['rows'] === undefined) {
    const legacy = legacySchema.safeParse({ key: document['_id'], churned: document['churned'], observed_at: document['observed_at'] });
    return legacy.success ? { outcomes: [legacy.data], unreadable: 0 } : { outcomes: [], unreadable: 1 };
  }
  const chunk = chunkSchema.safeParse(document);
  if (!chunk.success) return { outcomes: [], unreadable: typeof document['rows'] === 'number' && document['rows'] > 0 ? Math.min(document['rows'], OUTCOME_CHUNK_ROWS) : 1 };
  const { rows, key: keys } = chunk.data;
  const labels = unpackColumn(document['churned'], rows);
  const times = unpackColumn(document['observed_at'], rows);
  const outcomes: KeyedOutcome[] = [];
  for (let i = 0; i < rows; i += 1) {
    const row = rowSchema.safeParse({ key: keys[i], churned: Array.isArray(labels) ? labels[i] : undefined });
    const time: unknown = Array.isArray(times) ? times[i] : undefined;
    if (row.success && typeof time === 'number' && Number.isFinite(time)) outcomes.push({ ...row.data, observed_at: new Date(time) });
  }
  return { outcomes, unreadable: rows - outcomes.length };
}
