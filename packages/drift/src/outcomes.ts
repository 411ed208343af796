import type { DatasetContract } from '@churn/churn-data';
import { describeIssue } from '@churn/churn-data';
import type { Db } from 'mongodb';
import { Counter, type Registry } from 'prom-client';
import { z } from 'zod';
import type { LabelledRow } from './classification.js';
import { loggedRows } from './logged-rows.js';
import { outcomeChunks, storedOutcomes, type KeyedOutcome } from './outcome-chunks.js';
import { PREDICTIONS_COLLECTION } from './prediction-window.js';

export { storedOutcomes } from './outcome-chunks.js';

export const OUTCOMES_COLLECTION = 'outcomes';

/** An observed outcome, naming its prediction by request id, by customer id, or both (a /predict/batch row). */
export interface Outcome {
  request_id?: string;
  customer_id?: string;
  /** 1 when the customer left. */
  churned: 0 | 1;
  observed_at: Date;
}

export type OutcomeResult = { ok: true; outcome: Outcome } | { ok: false; field: string; message: string };

const TRUE_WORDS = new Set(['true', '1']);
const FALSE_WORDS = new Set(['false', '0']);

const blankToUndefined = (value: unknown) => (value === '' || value === null ? undefined : value);

/** Per contract: the target's words become the label, besides booleans and 0/1. */
function outcomeSchema(contract: DatasetContract) {
  const { positive, negative } = contract.spec.target;
  const fold = (text: string) => contract.normaliseValue(text);
  const positives = new Set(positive.map(fold));
  const negatives = new Set(negative.map(fold));
  const expected = `must be true/false, 1/0 or one of ${[...positive, ...negative].map((w) => JSON.stringify(w)).join(', ')}`;
  return z
    .object({
      // The same characters a request id may have (@churn/logger requestId), so any logged one can be named.
      request_id: z.preprocess(blankToUndefined, z.string().regex(/^[\w.:-]{1,128}$/, 'must be 1-128 letters, digits or _ . : -').optional()),
      customer_id: z.preprocess(
        blankToUndefined,
        z
          .union([z.string().trim().min(1).max(128), z.number().finite()], { error: 'must be a string or a number' })
          .transform(String)
          .optional(),
      ),
      churned: z.union([z.boolean(), z.number(), z.string()], { error: expected }).transform((value, ctx): 0 | 1 => {
        if (value === true || value === 1) return 1;
        if (value === false || value === 0) return 0;
        if (typeof value === 'string') {
          const word = fold(value);
          if (positives.has(word) || TRUE_WORDS.has(word)) return 1;
          if (negatives.has(word) || FALSE_WORDS.has(word)) return 0;
        }
        ctx.addIssue({ code: 'custom', message: expected });
        return z.NEVER;
      }),
      observed_at: z.preprocess(
        blankToUndefined,
        z
          .union([z.iso.datetime({ offset: true }), z.iso.date(), z.number().int().nonnegative()], { error: 'must be an ISO 8601 date or time, or epoch milliseconds' })
          .transform((value) => new Date(value))
          .optional(),
      ),
    })
    .refine((o) => o.request_id !== undefined || o.customer_id !== undefined, {
      path: ['request_id'],
      message: `request_id or customer_id${contract.spec.id ? ` (or ${contract.spec.id})` : ''} is required to name the prediction`,
    });
}

const schemas = new WeakMap<DatasetContract, ReturnType<typeof outcomeSchema>>();

/**
 * Validates one outcome (JSON object or CSV row). The label is `churned` or the contract's target
 * column, the customer `customer_id` or the contract's id column, as prediction requests name them.
 */
export function parseOutcome(contract: DatasetContract, body: unknown, now: Date = new Date()): OutcomeResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, field: '(body)', message: '(body): expected an outcome object' };
  const record = body as Record<string, unknown>;
  const target = contract.spec.target.column;
  const idColumn = contract.spec.id;
  const labelField = record['churned'] === undefined && record[target] !== undefined ? target : 'churned';
  const customerField = record['customer_id'] === undefined && idColumn && record[idColumn] !== undefined ? idColumn : 'customer_id';
  let schema = schemas.get(contract);
  if (!schema) schemas.set(contract, (schema = outcomeSchema(contract)));
  const parsed = schema.safeParse({
    request_id: record['request_id'],
    customer_id: record[customerField],
    churned: record[labelField],
    observed_at: record['observed_at'],
  });
  if (!parsed.success) {
    // Name the field as the client sent it.
    const { field, message } = describeIssue(parsed.error);
    const sent = field === 'churned' ? labelField : field === 'customer_id' ? customerField : field;
    return { ok: false, field: sent, message: sent === field ? message : `${sent}${message.slice(field.length)}` };
  }
  const { request_id, customer_id, churned, observed_at } = parsed.data;
  return {
    ok: true,
    outcome: { ...(request_id !== undefined ? { request_id } : {}), ...(customer_id !== undefined ? { customer_id } : {}), churned, observed_at: observed_at ?? now },
  };
}

/** The stored key: what the outcome names; the join labels a prediction with the first outcome received under it. */
export function outcomeKey(o: Pick<Outcome, 'request_id' | 'customer_id'>): string {
  if (o.request_id !== undefined) return o.customer_id !== undefined ? `r:${o.request_id}|c:${o.customer_id}` : `r:${o.request_id}`;
  return `c:${o.customer_id}`;
}

export interface OutcomeMetrics {
  received: Counter;
  stored: Counter;
  duplicate: Counter;
  invalid: Counter;
}

/** What every outcome intake counts (POST /outcomes, the outcomes stream). */
export function outcomeMetrics(registry: Registry): OutcomeMetrics {
  const counter = (name: string, help: string) => new Counter({ name, help, registers: [registry] });
  return {
    received: counter('churn_outcomes_received_total', 'Outcomes received, valid or not'),
    stored: counter(
      'churn_outcomes_stored_total',
      'Outcomes stored, repeats of an earlier request or a replayed stream batch included (joined to their prediction when quality is read: churn_model_quality_labelled, churn_model_quality_unjoined_outcomes, churn_model_quality_duplicate_outcomes); a request answered 503 may have stored part of its outcomes uncounted',
    ),
    duplicate: counter(
      'churn_outcomes_duplicate_total',
      'Valid outcomes naming the same prediction as one before them in the same request or stream batch (not stored; one received earlier is ignored when read: churn_model_quality_duplicate_outcomes)',
    ),
    invalid: counter('churn_outcomes_invalid_total', 'Outcomes refused by validation'),
  };
}

/** Counts one stored batch. */
export function countStored(metrics: OutcomeMetrics, stored: StoredOutcomes): void {
  metrics.stored.inc(stored.stored);
  metrics.duplicate.inc(stored.duplicates);
}

export interface StoredOutcomes {
  stored: number;
  /** Outcomes naming the same prediction as one before them in the batch: not stored. */
  duplicates: number;
}

export interface OutcomeStore {
  insert(outcomes: readonly Outcome[]): Promise<StoredOutcomes>;
}

/**
 * Outcomes in Mongo (`outcomes`), each batch as chunk documents (outcome-chunks.ts). A batch naming a
 * prediction twice stores the first; an outcome repeating one of an earlier batch is stored and
 * ignored when read (readLabelledWindow: the first received labels), because FerretDB has no unique
 * index over an array's elements to refuse it with. An outcome whose prediction is not logged yet is
 * kept as it is: the join happens when quality is read.
 */
export function mongoOutcomeStore(db: Db): OutcomeStore & { ensureIndexes(): Promise<void> } {
  const outcomes = db.collection(OUTCOMES_COLLECTION);
  return {
    async ensureIndexes() {
      // The join reads outcomes by arrival time.
      await outcomes.createIndex({ received_at: 1 });
    },
    async insert(batch) {
      const seen = new Set<string>();
      const unique: KeyedOutcome[] = [];
      for (const o of batch) {
        const key = outcomeKey(o);
        if (seen.has(key)) continue;
        seen.add(key);
        unique.push({ key, churned: o.churned, observed_at: o.observed_at });
      }
      if (unique.length > 0) await outcomes.insertMany(outcomeChunks(unique, new Date()));
      return { stored: unique.length, duplicates: batch.length - unique.length };
    },
  };
}

/** The keys an outcome for this prediction may be stored under, most specific first. */
function predictionKeys(requestId: unknown, customerId: unknown): string[] {
  const r = typeof requestId === 'string' ? requestId : undefined;
  const c = typeof customerId === 'string' || typeof customerId === 'number' ? String(customerId) : undefined;
  const keys: string[] = [];
  if (r !== undefined && c !== undefined) keys.push(outcomeKey({ request_id: r, customer_id: c }));
  if (r !== undefined) keys.push(outcomeKey({ request_id: r }));
  if (c !== undefined) keys.push(outcomeKey({ customer_id: c }));
  return keys;
}

export interface LabelledPredictionRow extends LabelledRow {
  created_at: Date;
  observed_at: Date;
}

export interface LabelledWindow {
  rows: LabelledPredictionRow[];
  /** Predictions of the window read, labelled or not. */
  predictions: number;
  /** The chance of every valid prediction read, labelled or not (quality estimated before the labels). */
  chances: number[];
  /** Outcomes read (received since a day before the window) that label none of the run's predictions: unknown, another run's, or not logged yet. */
  unjoined: number;
  /** Outcomes read that name the same prediction as one received before them: ignored. */
  duplicates: number;
  /** Predictions and outcomes read that are not of their log's shape: left out. */
  skipped: number;
}

export interface LabelledWindowQuery {
  /** Only this model run's predictions; absent: every run's (a challenger is judged on whatever was served). */
  runId?: string;
  from: Date;
  to: Date;
  /** Most recent predictions read at most (default 100,000). */
  limit?: number;
  /** For callers that only want labelled rows: with fewer outcomes than this the predictions are not read. */
  minOutcomes?: number;
}

const windowQuerySchema = z.object({
  runId: z.string().min(1).optional(),
  from: z.date(),
  to: z.date(),
  limit: z.number().int().positive().max(1_000_000).optional(),
  minOutcomes: z.number().int().nonnegative().optional(),
});

const loggedSchema = z.object({
  features: z.record(z.string(), z.unknown()),
  churn_chance: z.number().min(0).max(1),
  created_at: z.date(),
  request_id: z.string().optional(),
  customer_id: z.union([z.string(), z.number()]).optional(),
});

/**
 * How long before the window an outcome may have been received and still be read: an outcome can
 * arrive before its prediction is logged (the log buffers through a Mongo outage) or even made.
 */
export const EARLY_OUTCOME_MS = 86_400_000;

/**
 * Whether an outcome can be this prediction's: not when it was observed more than EARLY_OUTCOME_MS
 * before the prediction was made. A customer's old outcome then does not label a much later score
 * (it labels the newest score it can be the outcome of), even when it is read because it was sent
 * again after the first copy aged out of the outcomes read.
 */
const observedFor = (outcome: KeyedOutcome, createdAt: Date) => outcome.observed_at.getTime() >= createdAt.getTime() - EARLY_OUTCOME_MS;

/**
 * The window is read this many predictions at a time, the event loop serving requests between
 * chunks, and only labelled predictions keep their features: a predictor reads up to 100,000 every
 * QUALITY_EVERY, which in one piece held its requests for hundreds of milliseconds and, beside a full
 * prediction-log buffer, overflowed its 96 MB heap (the tail bench at 2,000 req/s). Expanding and
 * checking a row takes ~3 µs, so 1,000 at a time still held requests ~3 ms, a hundred times a refresh.
 */
const WINDOW_CHUNK = 100;
/**
 * Documents per reply: the driver parses a whole reply at once, holding the event loop. A chunk
 * document holds up to 1,000 predictions (~0.2 ms to parse 500 packed rows), so the default reply of
 * up to 16 MB held a predictor ~60 ms (tail bench); 10 keeps a reply to a few ms. One-prediction
 * documents (logged before 2026-12-05) then take more round trips while they age out of the window.
 */
const DOCUMENTS_PER_REPLY = 10;
const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Joins outcomes to the logged predictions of one model run made in [from, to), in code: FerretDB
 * has no $lookup. Because the join happens here, an outcome that arrived before its prediction was
 * logged joins as soon as it is. Each outcome labels one prediction: the newest it names and can be
 * the outcome of (observedFor; a customer scored twice is judged on the latest score), and a
 * prediction takes its most specific outcome. Of several outcomes received for one reference, the
 * first received among those read labels; the others are counted as duplicates.
 * Outcomes are read by arrival time, not looked up by key: FerretDB answers a large `$in` by scanning
 * (20,000 keys took 13 s against 1 s for the range), and the range is what the window needs anyway.
 */
export async function readLabelledWindow(db: Db, query: LabelledWindowQuery): Promise<LabelledWindow> {
  const q = windowQuerySchema.parse(query);
  // Outcomes first, so each prediction is joined as it is read and only the labelled keep their features.
  // In order of arrival, so the first received of a reference labels. received_at is the receiving
  // process's clock; the _id only makes ties deterministic (across processes it is not arrival order).
  const received = await db
    .collection(OUTCOMES_COLLECTION)
    .find({ received_at: { $gte: new Date(q.from.getTime() - EARLY_OUTCOME_MS) } }, { projection: { _id: 1, rows: 1, key: 1, churned: 1, observed_at: 1 } })
    .sort({ received_at: 1, _id: 1 })
    .toArray();
  const outcomes = new Map<string, KeyedOutcome>();
  let duplicates = 0;
  let skipped = 0;
  for (const document of received) {
    const stored = storedOutcomes(document);
    skipped += stored.unreadable;
    for (const outcome of stored.outcomes) {
      if (outcomes.has(outcome.key)) duplicates += 1;
      else outcomes.set(outcome.key, outcome);
    }
  }
  // Reading the predictions is the cost (FerretDB: ~5,000 documents/s); skip it when it cannot pay.
  if (q.minOutcomes !== undefined && outcomes.size < q.minOutcomes) return { rows: [], predictions: 0, chances: [], unjoined: outcomes.size, duplicates, skipped };
  const used = new Set<string>();
  const rows: LabelledPredictionRow[] = [];
  const chances: number[] = [];
  let read = 0;
  const cursor = db
    .collection(PREDICTIONS_COLLECTION)
    .find(
      { ...(q.runId ? { model_run_id: q.runId } : {}), created_at: { $gte: q.from, $lt: q.to } },
      { projection: { _id: 0, features: 1, churn_chance: 1, created_at: 1, request_id: 1, customer_id: 1, rows: 1 } },
    )
    .sort({ created_at: -1 })
    .limit(q.limit ?? 100_000)
    .batchSize(DOCUMENTS_PER_REPLY);
  const limit = q.limit ?? 100_000;
  // Newest first (the sort), so a reference naming several predictions labels the latest.
  reading: for await (const document of cursor) {
    // A chunk document holds many predictions; one spanning the window's edge has rows outside it.
    for (const logged of loggedRows(document, q)) {
      if (read === limit) break reading;
      if (++read % WINDOW_CHUNK === 0) await yieldToRequests();
      const parsed = loggedSchema.safeParse(logged);
      if (!parsed.success) {
        skipped++;
        continue;
      }
      const row = parsed.data;
      chances.push(row.churn_chance);
      let outcome: KeyedOutcome | undefined;
      for (const key of predictionKeys(row.request_id, row.customer_id)) {
        const candidate = used.has(key) ? undefined : outcomes.get(key);
        if (candidate !== undefined && observedFor(candidate, row.created_at)) {
          used.add(key);
          outcome = candidate;
          break;
        }
      }
      if (outcome === undefined) continue;
      rows.push({ features: row.features, chance: row.churn_chance, label: outcome.churned, created_at: row.created_at, observed_at: outcome.observed_at });
    }
  }
  return { rows, predictions: read, chances, unjoined: outcomes.size - used.size, duplicates, skipped };
}
