import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loggedRows } from '@churn/drift';
import { Registry } from 'prom-client';
import { createServingMetrics } from './metrics.js';
import { assertBufferFitsHeap, BUFFERED_ENTRY_BYTES, PredictionLogWriter, type PredictionLogDocument, type PredictionLogEntry, type PredictionLogSink } from './prediction-log.js';
import { servingConfigSchema } from './config.js';
import { waitFor } from './wait-for.js';
import { serviceCommand } from '../../../scripts/demo/processes.js';

const features = {
  customer_age: 45,
  gender: 'm',
  dependent_count: 2,
  education_level: 3,
  marital_status: 'married',
  income_category: 2,
  card_category: 'blue',
  months_on_book: 36,
  total_relationship_count: 4,
  credit_limit: 5000,
  total_revolving_bal: 1000,
} as const;

const entry = (i: number): PredictionLogEntry => ({
  model_run_id: 'run',
  source: 'http',
  features,
  churn_chance: i / 1000,
  latency_ms: 1,
  created_at: new Date(),
  request_id: `r${i}`,
});

/** The predictions of stored documents, in the order logged (loggedRows gives a chunk's newest first). */
const rowsOf = (docs: PredictionLogDocument[]) => docs.flatMap((doc) => [...loggedRows(doc as unknown as Record<string, unknown>)].reverse());

/** A sink that can be switched off like a Mongo that went away. */
class FlakySink implements PredictionLogSink {
  up = true;
  docs: PredictionLogDocument[] = [];
  stored: Record<string, unknown>[] = [];
  calls = 0;
  async insertMany(docs: PredictionLogDocument[]): Promise<void> {
    this.calls += 1;
    await new Promise((resolve) => setImmediate(resolve));
    if (!this.up) throw new Error('connection refused');
    this.docs.push(...docs);
    this.stored.push(...rowsOf(docs));
  }
}


describe('PredictionLogWriter', () => {
  it('when batchSize documents are logged, then one batched write stores them without waiting for the timer', async () => {
    const sink = new FlakySink();
    const writer = new PredictionLogWriter(sink, { batchSize: 10, flushIntervalMs: 60_000, maxBuffered: 100 });
    for (let i = 0; i < 10; i += 1) writer.log(entry(i));
    await waitFor(() => sink.stored.length === 10, { timeoutMs: 3_000, intervalMs: 5 });
    expect(sink.calls).toBe(1);
    await writer.close();
  });

  it('when fewer than batchSize are logged, then the interval flushes them', async () => {
    const sink = new FlakySink();
    const writer = new PredictionLogWriter(sink, { batchSize: 100, flushIntervalMs: 20, maxBuffered: 1000 });
    writer.log(entry(1));
    writer.log(entry(2));
    await waitFor(() => sink.stored.length === 2, { timeoutMs: 3_000, intervalMs: 5 });
    await writer.close();
  });

  it('when the sink is down, then log() returns at once, keeps up to the bound, counts drops, and writes everything kept once the sink is back', async () => {
    const sink = new FlakySink();
    sink.up = false;
    const registry = new Registry();
    const metrics = createServingMetrics(registry, { defaultMetrics: false });
    const writer = new PredictionLogWriter(sink, { batchSize: 5, flushIntervalMs: 10, maxBuffered: 50, retryDelayMs: 5, maxRetryDelayMs: 20 }, metrics);
    for (let i = 0; i < 80; i += 1) writer.log(entry(i));
    expect(writer.buffered).toBe(50);
    expect(writer.dropped).toBe(30);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sink.stored).toHaveLength(0);
    sink.up = true;
    await waitFor(() => sink.stored.length === 50, { timeoutMs: 3_000, intervalMs: 5 });
    expect(sink.stored.map((d) => d['request_id'])).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
    const text = await registry.metrics();
    expect(text).toMatch(/churn_prediction_log_dropped_total 30/);
    expect(text).toMatch(/churn_prediction_log_buffered 0/);
    await writer.close();
  });

  it('when a batch bigger than the buffer logs through a slow sink awaiting whenWritable, then nothing is dropped and the buffer never passes nine tenths of its bound', async () => {
    // Given a sink that takes 2 ms per write and a buffer of 1,000
    const stored: PredictionLogDocument[] = [];
    const sink: PredictionLogSink = {
      async insertMany(docs) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        stored.push(...docs);
      },
    };
    const writer = new PredictionLogWriter(sink, { batchSize: 100, flushIntervalMs: 10, maxBuffered: 1_000 });
    let peak = 0;
    // When 20,000 predictions are logged in chunks of 250, each chunk awaiting room
    for (let chunk = 0; chunk < 80; chunk += 1) {
      await writer.whenWritable(250);
      for (let i = 0; i < 250; i += 1) writer.log(entry(chunk * 250 + i));
      peak = Math.max(peak, writer.buffered);
    }
    await writer.flush();
    // Then every one is stored in order, none dropped, and the last tenth of the buffer stayed free
    expect(writer.dropped).toBe(0);
    expect(rowsOf(stored)).toHaveLength(20_000);
    expect(rowsOf(stored).map((d) => d['request_id'])).toEqual(Array.from({ length: 20_000 }, (_, i) => `r${i}`));
    expect(peak).toBeLessThanOrEqual(900);
    await writer.close();
  });

  it('when the sink is down, then whenWritable waits until writes recover; after close it resolves at once', async () => {
    const sink = new FlakySink();
    sink.up = false;
    const writer = new PredictionLogWriter(sink, { batchSize: 10, flushIntervalMs: 5, maxBuffered: 40, retryDelayMs: 5, maxRetryDelayMs: 10 });
    for (let i = 0; i < 30; i += 1) writer.log(entry(i));
    let writable = false;
    const waiting = writer.whenWritable(10).then(() => {
      writable = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(writable).toBe(false);
    sink.up = true;
    await waiting;
    expect(writer.buffered).toBeLessThanOrEqual(26);
    await writer.close();
    await expect(writer.whenWritable(1_000)).resolves.toBeUndefined();
  });

  it('when closed with documents buffered, then close() writes them', async () => {
    const sink = new FlakySink();
    const writer = new PredictionLogWriter(sink, { batchSize: 1000, flushIntervalMs: 60_000, maxBuffered: 10_000 });
    for (let i = 0; i < 2500; i += 1) writer.log(entry(i));
    await writer.close();
    expect(sink.stored).toHaveLength(2500);
  });

  it('when single predictions are logged, then they are stored as columnar chunks of at most batchSize rows, per model run and source, each row with its own time, ids and answers', async () => {
    // Given predictions of two runs, one from the stream, a multi-class one and one with another feature set
    const sink = new FlakySink();
    const writer = new PredictionLogWriter(sink, { batchSize: 10, flushIntervalMs: 10, maxBuffered: 1_000 });
    const at = (i: number) => new Date(Date.UTC(2026, 11, 5, 0, 0, i));
    const logged: PredictionLogEntry[] = [
      ...Array.from({ length: 25 }, (_, i): PredictionLogEntry => ({ ...entry(i), created_at: at(i), latency_ms: i / 10, customer_id: i % 2 ? `c${i}` : i })),
      { ...entry(100), model_run_id: 'other', created_at: at(100) },
      { ...entry(101), source: 'stream', sequence_number: '4960', request_id: undefined, created_at: at(101) },
      { ...entry(102), model_run_id: 'multi', predicted_class: 2, class_probabilities: [0.1, 0.2, 0.7], churn_chance: 0.7, created_at: at(102) },
      { ...entry(103), features: { customer_age: 50 }, created_at: at(103) },
    ];
    for (const e of logged) writer.log(e);
    // When they are written
    await writer.flush();
    // Then run's 26 predictions are chunks of 10, 10 and 6 rows, the others one chunk each
    expect(sink.docs.map((d) => [d.model_run_id, d.source, d.rows])).toEqual([
      ['run', 'http', 10],
      ['run', 'http', 10],
      ['run', 'http', 5],
      ['other', 'http', 1],
      ['run', 'stream', 1],
      ['multi', 'http', 1],
      ['run', 'http', 1],
    ]);
    // ...with per-row columns a Mongo query on request_id or created_at matches by element
    expect(sink.docs[0]).toMatchObject({ request_id: logged.slice(0, 10).map((e) => e.request_id), created_at: logged.slice(0, 10).map((e) => e.created_at), latency_ms: logged.slice(0, 10).map((e) => e.latency_ms) });
    expect(sink.docs[0]?.features['customer_age']).toEqual(Array(10).fill(45));
    expect(sink.docs[4]).toMatchObject({ sequence_number: ['4960'] });
    expect(sink.docs[4]).not.toHaveProperty('request_id');
    // ...and each comes back from the stored documents as logged
    const { features: _f, ...rest } = entry(0);
    const back = sink.stored.map(({ features: _g, ...row }) => row);
    const sortByTime = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => (a['created_at'] as Date).getTime() - (b['created_at'] as Date).getTime());
    expect(sortByTime(back)).toEqual(sortByTime(logged.map(({ features: _h, ...row }) => Object.fromEntries(Object.entries({ ...rest, ...row }).filter(([, v]) => v !== undefined)))));
    expect(sink.stored.at(-1)?.['features']).toEqual({ customer_age: 50 });
    expect(sink.stored[0]?.['features']).toEqual(features);
    await writer.close();
  });

  it('when a write fails after storing part of its batch, then the retry sends the same ids, so nothing is stored twice', async () => {
    const attempts: string[][] = [];
    const sink: PredictionLogSink = {
      async insertMany(docs) {
        attempts.push(docs.map((d) => String(d._id)));
        if (attempts.length === 1) throw new Error('connection reset after the first documents');
      },
    };
    const writer = new PredictionLogWriter(sink, { batchSize: 3, flushIntervalMs: 10, maxBuffered: 10, retryDelayMs: 5 });
    writer.logBatch({ model_run_id: 'run', source: 'http', rows: 1, features: { a: [1] }, churn_chance: [0.5], latency_ms: 1, created_at: new Date() });
    for (let i = 0; i < 2; i += 1) writer.log(entry(i));
    await waitFor(() => attempts.length === 2, { timeoutMs: 3_000, intervalMs: 5 });
    expect(attempts[0]).toHaveLength(2);
    expect(attempts[0]?.every((id) => /^[0-9a-f]{24}$/.test(id))).toBe(true);
    expect(attempts[1]).toEqual(attempts[0]);
    await writer.close();
  });
});

describe('the prediction log buffer and the heap limit', () => {
  const MB = 1048576;

  it('when the buffer bound fits in half the heap limit, then the check passes; when not, it names the variable', () => {
    expect(() => assertBufferFitsHeap(100_000, 108 * MB)).not.toThrow();
    expect(() => assertBufferFitsHeap(1_000_000, 108 * MB)).toThrow(/^PREDICTION_LOG_MAX_BUFFERED=1000000: .*244 MB.*108 MB heap limit/);
  });

  // The heap options the predictors run with, from their start scripts.
  const root = join(import.meta.dirname, '../../..');
  const heapOptions = ['predictor-api', 'predictor-stream'].map((service) => serviceCommand(root, service).filter((word) => /^--max-(old|semi)-space-size=\d+$/.test(word)));

  it('when the predictors start, then both cap the heap the same way', () => {
    expect(heapOptions[0]).toEqual(expect.arrayContaining([expect.stringMatching(/^--max-old-space-size=/)]));
    expect(heapOptions[1]).toEqual(heapOptions[0]);
  });

  it('when Mongo is down and the default bound fills under the predictors\' heap options, then the process holds it, each prediction under the budgeted bytes', () => {
    const maxBuffered = servingConfigSchema.parse({}).PREDICTION_LOG_MAX_BUFFERED;
    const fixture = join(import.meta.dirname, 'fill-log-buffer.fixture.ts');
    const run = spawnSync(process.execPath, ['--expose-gc', ...(heapOptions[0] ?? []), '--import', 'tsx', fixture, String(maxBuffered)], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).not.toMatch(/heap out of memory/);
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as { buffered: number; bytesPerEntry: number; heapUsedMb: number };
    expect(result.buffered).toBe(maxBuffered);
    expect(result.bytesPerEntry).toBeLessThanOrEqual(BUFFERED_ENTRY_BYTES);
  }, 150_000);
});
