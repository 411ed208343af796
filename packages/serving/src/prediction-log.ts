import { getHeapStatistics } from 'node:v8';
import type { FeatureRow, FeatureValue } from '@churn/churn-data';
import type { Logger } from '@churn/logger';
import { MongoBulkWriteError, ObjectId, type Db } from 'mongodb';
import type { ServingMetrics } from './metrics.js';
import { packColumns } from './pack-columns.js';
import { PredictionColumns } from './prediction-columns.js';

/**
 * One prediction as /predict and the stream log it. The writer keeps them as columns and stores them
 * as chunk documents (PredictionBatchEntry); a document of this shape, one per prediction, is what
 * the log stored before 2026-12-05, and the readers still expand both (@churn/drift's loggedRows).
 */
export interface PredictionLogEntry {
  _id?: ObjectId;
  model_run_id: string;
  source: 'http' | 'stream';
  features: FeatureRow;
  /** The chance the model gives; for a multi-class model, the most probable class's probability. */
  churn_chance: number;
  /** Multi-class models: the most probable class and every class's probability. */
  predicted_class?: number;
  class_probabilities?: number[];
  latency_ms: number;
  created_at: Date;
  customer_id?: string | number;
  request_id?: string;
  sequence_number?: string;
}

/**
 * Predictions in one columnar document (ARCHITECTURE: Mongo db `churn`, collection `predictions`),
 * `rows` of them: per feature an array of values, and chances, customer ids and the class answers as
 * arrays in row order. Stored packed (pack-columns.ts), FerretDB takes rows 7-15x faster this way than one document per row
 * (BENCHMARKS.md, log-layout). Two kinds, both at most PREDICTION_LOG_BATCH_SIZE rows:
 * - a chunk of one /predict/batch or /invocations call: one `request_id`, `created_at` and
 *   `latency_ms` for all its rows;
 * - single predictions of /predict or the stream, gathered by the writer per model run and source:
 *   `request_id`, `created_at`, `latency_ms` and `sequence_number` are arrays too, a row's own values
 *   (null where a row has none). Mongo matches a query on an array by any element, so
 *   `find({ request_id: id })` finds the chunk holding that prediction, a `created_at` range the
 *   chunks with a row in it, and a descending `created_at` sort orders chunks by their newest row.
 * The readers of the collection expand both into rows (@churn/drift's loggedRows).
 */
export interface PredictionBatchEntry {
  _id?: ObjectId;
  model_run_id: string;
  source: 'http' | 'stream';
  rows: number;
  features: Record<string, FeatureValue[]>;
  churn_chance: number[];
  predicted_class?: (number | null)[];
  class_probabilities?: (number[] | null)[];
  latency_ms: number | number[];
  created_at: Date | Date[];
  customer_id?: (string | number | null)[];
  request_id?: string | (string | null)[];
  sequence_number?: (string | null)[];
}

/** What the writer stores. */
export type PredictionLogDocument = PredictionBatchEntry;

/** Where batches go; Mongo in production, an array or a failing fake in tests. */
export interface PredictionLogSink {
  insertMany(docs: PredictionLogDocument[]): Promise<void>;
}

export interface PredictionLogOptions {
  /** Write as soon as this many documents are waiting. */
  batchSize: number;
  /** ...or when the oldest has waited this long. */
  flushIntervalMs: number;
  /** Beyond this many waiting documents new ones are dropped and counted. */
  maxBuffered: number;
  /** Wait before retrying a failed write, doubled up to maxRetryDelayMs. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

const DUPLICATE_KEY = 11000;

/** Heap one buffered prediction may take, with its features (measured: ~470 bytes as one object each, ~220 as columns; prediction-log.test.ts checks the bound). */
export const BUFFERED_ENTRY_BYTES = 256;

/**
 * Fails at start when a full outage buffer could not fit: the predictors run with a capped heap
 * (--max-old-space-size in their start scripts), and the buffer may take at most half of it.
 */
export function assertBufferFitsHeap(maxBuffered: number, heapLimitBytes = getHeapStatistics().heap_size_limit): void {
  const needed = maxBuffered * BUFFERED_ENTRY_BYTES;
  if (needed <= heapLimitBytes / 2) return;
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  throw new Error(
    `PREDICTION_LOG_MAX_BUFFERED=${maxBuffered}: a full buffer takes ~${mb(needed)} MB, more than half of this process's ${mb(heapLimitBytes)} MB heap limit; lower it or raise node's --max-old-space-size`,
  );
}

/**
 * Writes into the predictions collection. The writer sets ids before a document's first attempt, so
 * a batch retried after a partial write only meets duplicate-key errors for the documents already
 * stored: those count as written.
 */
export function mongoPredictionSink(db: Db, collectionName = 'predictions'): PredictionLogSink & { ensureIndexes(): Promise<void> } {
  // Stored documents are packed (pack-columns.ts), not PredictionLogDocuments.
  const collection = db.collection(collectionName);
  return {
    async ensureIndexes() {
      await collection.createIndex({ created_at: 1 });
    },
    async insertMany(docs) {
      try {
        await collection.insertMany(docs.map(packColumns), { ordered: false });
      } catch (error) {
        if (error instanceof MongoBulkWriteError) {
          const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
          if (errors.length > 0 && errors.every((e) => e.code === DUPLICATE_KEY)) return;
        }
        throw error;
      }
    },
  };
}

/**
 * A buffered document: a batch chunk as logged, or single predictions still gathering as columns.
 * The first write attempt turns the columns into the document (sealed: later predictions start the
 * next chunk), which a retry sends again, `_id` and all.
 */
interface Pending {
  rows: number;
  doc: PredictionBatchEntry | undefined;
  columns: PredictionColumns | undefined;
}

function documentOf(pending: Pending): PredictionBatchEntry {
  if (!pending.doc) {
    pending.doc = (pending.columns as PredictionColumns).document();
    pending.columns = undefined;
  }
  pending.doc._id ??= new ObjectId();
  return pending.doc;
}

/**
 * The prediction log: `log` only appends to a bounded buffer (never awaits I/O, so it never slows a
 * response); batches are written in the background, one write at a time. Single predictions are
 * gathered as columns per model run and source into chunk documents of up to `batchSize` rows. While
 * the sink fails the buffer keeps everything up to `maxBuffered` predictions and retries with
 * backoff; what would overflow is dropped and counted in churn_prediction_log_dropped_total.
 */
export class PredictionLogWriter {
  private buffer: Pending[] = [];
  /** The chunk gathering single predictions, per model run and source. */
  private gathering = new Map<string, Pending>();
  /** Predictions in the buffer: a batch document counts its rows (the bounds are in predictions). */
  private rows = 0;
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay: number;
  private failing = false;
  private closed = false;
  private waiters: { room: number; resolve: () => void }[] = [];
  dropped = 0;
  written = 0;

  constructor(
    private readonly sink: PredictionLogSink,
    private readonly options: PredictionLogOptions,
    private readonly metrics?: ServingMetrics,
    private readonly logger?: Logger,
  ) {
    this.retryDelay = options.retryDelayMs ?? 250;
  }

  /** Predictions waiting to be written. */
  get buffered(): number {
    return this.rows;
  }

  log(entry: PredictionLogEntry): void {
    if (!this.admit(1)) return;
    const key = `${entry.model_run_id}\u0000${entry.source}`;
    let pending = this.gathering.get(key);
    if (!pending?.columns || pending.rows >= this.options.batchSize || !pending.columns.accepts(entry)) {
      pending = { rows: 0, doc: undefined, columns: new PredictionColumns(entry.model_run_id, entry.source, entry.features) };
      this.gathering.set(key, pending);
      this.buffer.push(pending);
    }
    (pending.columns as PredictionColumns).add(entry);
    pending.rows += 1;
    this.appended(1);
  }

  /** A batch chunk's predictions as one columnar document; the batch routes wait for room first (whenWritable). */
  logBatch(entry: PredictionBatchEntry): void {
    if (!this.admit(entry.rows)) return;
    this.buffer.push({ rows: entry.rows, doc: entry, columns: undefined });
    this.appended(entry.rows);
  }

  /** Whether `rows` more predictions fit; if not they are counted as dropped. */
  private admit(rows: number): boolean {
    if (this.rows + rows <= this.options.maxBuffered && !this.closed) return true;
    this.dropped += rows;
    this.metrics?.logDropped.inc(rows);
    return false;
  }

  private appended(rows: number): void {
    this.rows += rows;
    this.metrics?.logBuffered.set(this.rows);
    if (this.failing) return;
    if (this.rows >= this.options.batchSize) this.kick();
    else this.timer ??= setTimeout(() => this.kick(), this.options.flushIntervalMs);
  }

  /**
   * Backpressure for batches: resolves once `room` more documents fit in the buffer short of its last
   * tenth (kept for the per-request routes, which never wait), or at once after close, where `log`
   * counts drops. A batch awaits this before logging each chunk, so it logs every row and holds at
   * most one chunk beyond the buffer; while Mongo is down or slow the batch waits with it.
   */
  whenWritable(room: number): Promise<void> {
    if (this.closed || this.fits(room)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ room, resolve }));
  }

  private fits(room: number): boolean {
    const highWater = this.options.maxBuffered - Math.ceil(this.options.maxBuffered / 10);
    return room > highWater ? this.rows === 0 : this.rows + room <= highWater;
  }

  /** Wakes waiting batches in arrival order, as far as there is room for each (the ones woken before it have not logged yet). */
  private wake(): void {
    let claimed = 0;
    while (this.waiters.length > 0) {
      const next = this.waiters[0] as { room: number; resolve: () => void };
      if (!this.closed && !this.fits(claimed + next.room)) return;
      claimed += next.room;
      this.waiters.shift();
      next.resolve();
    }
  }

  /** Writes everything buffered; resolves when the buffer is empty or a write failed. */
  async flush(): Promise<void> {
    while (this.buffer.length > 0 || this.writing) {
      if (this.writing) {
        await this.writing;
        continue;
      }
      const ok = await this.writeBatch();
      if (!ok) return;
    }
  }

  /** Stops timers and tries to write what is left, for up to `timeoutMs`. */
  async close(timeoutMs = 5_000): Promise<void> {
    this.closed = true;
    this.wake();
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    const deadline = Date.now() + timeoutMs;
    while (this.buffer.length > 0 && Date.now() < deadline) {
      await this.flush();
      if (this.buffer.length > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(this.retryDelay, Math.max(0, deadline - Date.now()))));
    }
    if (this.buffer.length > 0) this.logger?.error({ lost: this.rows }, 'prediction log not flushed before shutdown');
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.writing || this.buffer.length === 0) return;
    void this.writeBatch().then((ok) => {
      if (this.closed) return;
      if (!ok) this.scheduleRetry();
      else if (this.rows >= this.options.batchSize) this.kick();
      else if (this.buffer.length > 0) this.timer ??= setTimeout(() => this.kick(), this.options.flushIntervalMs);
    });
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.kick(), this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, this.options.maxRetryDelayMs ?? 5_000);
  }

  /**
   * One batch from the head of the buffer; on failure it stays at the head, ids and all. Ids are given
   * here rather than in `log`, so what waits in the buffer stays small (a Mongo outage fills it).
   */
  private writeBatch(): Promise<boolean> {
    // Documents from the head up to batchSize predictions (at least one document).
    let count = 0;
    let rows = 0;
    while (count < this.buffer.length && (count === 0 || rows + (this.buffer[count] as Pending).rows <= this.options.batchSize)) {
      rows += (this.buffer[count] as Pending).rows;
      count += 1;
    }
    const batch = this.buffer.slice(0, count).map(documentOf);
    // Sealed chunks gather no more (a model switch leaves its old run's behind otherwise).
    for (const [key, pending] of this.gathering) if (!pending.columns) this.gathering.delete(key);
    const attempt = this.sink.insertMany(batch).then(
      () => {
        this.buffer.splice(0, batch.length);
        this.rows -= rows;
        this.written += rows;
        this.metrics?.logWritten.inc(rows);
        this.metrics?.logBuffered.set(this.rows);
        this.wake();
        if (this.failing) this.logger?.info({ buffered: this.rows }, 'prediction log writes recovered');
        this.failing = false;
        this.retryDelay = this.options.retryDelayMs ?? 250;
        return true;
      },
      (error: unknown) => {
        if (!this.failing) this.logger?.warn({ err: error, buffered: this.rows }, 'prediction log write failed; buffering');
        this.failing = true;
        return false;
      },
    );
    this.writing = attempt.then(() => undefined);
    return attempt.finally(() => {
      this.writing = undefined;
    });
  }
}
