import { Registry } from 'prom-client';
import { createServingMetrics } from './metrics.js';
import { PredictionLogWriter, type PredictionLogEntry, type PredictionLogSink } from './prediction-log.js';

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

/** A sink that can be switched off like a Mongo that went away. */
class FlakySink implements PredictionLogSink {
  up = true;
  stored: PredictionLogEntry[] = [];
  calls = 0;
  async insertMany(docs: PredictionLogEntry[]): Promise<void> {
    this.calls += 1;
    await new Promise((resolve) => setImmediate(resolve));
    if (!this.up) throw new Error('connection refused');
    this.stored.push(...docs);
  }
}

const waitFor = async (check: () => boolean, timeoutMs = 3_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('PredictionLogWriter', () => {
  it('when batchSize documents are logged, then one batched write stores them without waiting for the timer', async () => {
    const sink = new FlakySink();
    const writer = new PredictionLogWriter(sink, { batchSize: 10, flushIntervalMs: 60_000, maxBuffered: 100 });
    for (let i = 0; i < 10; i += 1) writer.log(entry(i));
    await waitFor(() => sink.stored.length === 10);
    expect(sink.calls).toBe(1);
    await writer.close();
  });

  it('when fewer than batchSize are logged, then the interval flushes them', async () => {
    const sink = new FlakySink();
    const writer = new PredictionLogWriter(sink, { batchSize: 100, flushIntervalMs: 20, maxBuffered: 1000 });
    writer.log(entry(1));
    writer.log(entry(2));
    await waitFor(() => sink.stored.length === 2);
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
    await waitFor(() => sink.stored.length === 50);
    expect(sink.stored.map((d) => d.request_id)).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
    const text = await registry.metrics();
    expect(text).toMatch(/churn_prediction_log_dropped_total 30/);
    expect(text).toMatch(/churn_prediction_log_buffered 0/);
    await writer.close();
  });

  it('when closed with documents buffered, then close() writes them', async () => {
    const sink = new FlakySink();
    const writer = new PredictionLogWriter(sink, { batchSize: 1000, flushIntervalMs: 60_000, maxBuffered: 10_000 });
    for (let i = 0; i < 2500; i += 1) writer.log(entry(i));
    await writer.close();
    expect(sink.stored).toHaveLength(2500);
  });

  it('when documents are logged, then each gets an id before the first write so retries are idempotent', async () => {
    const sink = new FlakySink();
    const writer = new PredictionLogWriter(sink, { batchSize: 2, flushIntervalMs: 10, maxBuffered: 10 });
    writer.log(entry(1));
    writer.log(entry(2));
    await writer.close();
    expect(sink.stored.every((d) => d._id !== undefined)).toBe(true);
  });
});
