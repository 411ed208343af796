import { randomUUID } from 'node:crypto';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { seededRandom, shuffled, type FeatureRow } from '@churn/churn-data';
import type { Logger } from '@churn/logger';
import { applyDrift, type DriftRule } from './drift.js';
import type { SimulatorMetrics, Target } from './metrics.js';
import { ResultsReader } from './results-reader.js';
import { putAll } from './put-records.js';

export interface SimulatorOptions {
  rows: readonly FeatureRow[];
  targets: readonly Target[];
  ratePerSec: number;
  predictorUrl: string;
  /** Sent as X-API-Key (required by the cloud predictor). */
  predictorApiKey?: string;
  kinesis?: KinesisClient;
  predictionsStream: string;
  resultsStream: string;
  drift: readonly DriftRule[];
  driftAfterMs: number;
  /** Stop after this many customers (0: until stopped). */
  maxRecords: number;
  maxInFlight: number;
  seed: number;
  metrics: SimulatorMetrics;
  logger: Logger;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Replays real customers at a fixed rate to the HTTP predictor and/or the predictions stream, after
 * `driftAfterMs` with the configured drift, and measures how long each takes to come back.
 */
export class Simulator {
  private readonly order: readonly FeatureRow[];
  private readonly random: () => number;
  private readonly tag = randomUUID().slice(0, 8);
  private readonly inFlight = new Set<Promise<void>>();
  private reader: ResultsReader | undefined;
  private stopping = false;
  private loop: Promise<void> | undefined;
  sent = 0;

  constructor(private readonly options: SimulatorOptions) {
    if (options.rows.length === 0) throw new Error('no rows to replay');
    if (options.targets.includes('stream') && !options.kinesis) throw new Error('the stream target needs a Kinesis client');
    this.order = shuffled(options.rows, options.seed);
    this.random = seededRandom(options.seed + 1);
  }

  /** Resolves when the simulator has stopped (max records reached, or stop() called). */
  get finished(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  async start(): Promise<void> {
    const { targets, kinesis, resultsStream, metrics, logger } = this.options;
    if (targets.includes('stream') && kinesis) {
      this.reader = new ResultsReader(
        kinesis,
        resultsStream,
        (result, receivedAt) => {
          const id = result.request_id;
          if (typeof id !== 'string' || !id.startsWith(`sim-${this.tag}-`) || typeof result.sent_at !== 'number') return;
          metrics.endToEnd.observe({ target: 'stream' }, Math.max(0, receivedAt - result.sent_at) / 1000);
        },
        logger,
      );
      await this.reader.start();
    }
    this.loop = this.run();
  }

  /** Stops sending, waits for in-flight requests, and gives stream results a moment to arrive. */
  async stop(graceMs = 2_000): Promise<void> {
    this.stopping = true;
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
    if (this.reader) {
      await sleep(graceMs);
      await this.reader.stop();
    }
  }

  private async run(): Promise<void> {
    const { ratePerSec, maxRecords, logger } = this.options;
    const started = Date.now();
    const tickMs = Math.min(1_000, Math.max(5, 1_000 / ratePerSec));
    logger.info({ rate: ratePerSec, targets: this.options.targets, maxRecords, tag: this.tag }, 'simulator started');
    while (!this.stopping) {
      const elapsed = Date.now() - started;
      const due = Math.floor((elapsed * ratePerSec) / 1_000) + 1;
      const limit = maxRecords > 0 ? Math.min(due, maxRecords) : due;
      const batch: { row: FeatureRow; n: number }[] = [];
      while (this.sent < limit) {
        const n = this.sent;
        const base = this.order[n % this.order.length] as FeatureRow;
        const row = this.options.drift.length > 0 && elapsed >= this.options.driftAfterMs ? applyDrift(base, this.options.drift, this.random) : base;
        batch.push({ row, n });
        this.sent += 1;
      }
      if (batch.length > 0) await this.send(batch);
      if (maxRecords > 0 && this.sent >= maxRecords) break;
      await sleep(tickMs);
    }
    await Promise.allSettled([...this.inFlight]);
    logger.info({ sent: this.sent }, 'simulator finished sending');
  }

  private async send(batch: { row: FeatureRow; n: number }[]): Promise<void> {
    const { targets, metrics } = this.options;
    const sentAt = Date.now();
    const requests = batch.map(({ row, n }) => ({ ...row, customer_id: n, request_id: `sim-${this.tag}-${n}`, sent_at: sentAt }));
    if (targets.includes('stream')) {
      const entries = requests.map((r) => ({ PartitionKey: String(r.customer_id), Data: Buffer.from(JSON.stringify(r)) }));
      try {
        await putAll(this.options.kinesis as KinesisClient, this.options.predictionsStream, entries);
        metrics.sent.inc({ target: 'stream' }, entries.length);
      } catch (error) {
        metrics.errors.inc({ target: 'stream' }, entries.length);
        this.options.logger.warn({ err: error }, 'putting records failed');
      }
    }
    if (!targets.includes('http')) return;
    for (const request of requests) {
      // Bounded: wait for a free slot rather than pile up requests on a slow predictor.
      while (this.inFlight.size >= this.options.maxInFlight) await Promise.race(this.inFlight);
      this.post(request);
    }
  }

  private post(request: Record<string, unknown> & { request_id: string }): void {
    const { metrics } = this.options;
    const { request_id: requestId, sent_at: _sentAt, ...body } = request;
    const started = performance.now();
    const call = fetch(`${this.options.predictorUrl}/predict`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': requestId,
        ...(this.options.predictorApiKey ? { 'x-api-key': this.options.predictorApiKey } : {}),
      },
      body: JSON.stringify(body),
    })
      .then(async (response) => {
        await response.arrayBuffer();
        if (response.ok) {
          metrics.sent.inc({ target: 'http' });
          metrics.endToEnd.observe({ target: 'http' }, (performance.now() - started) / 1000);
        } else {
          metrics.errors.inc({ target: 'http' });
          this.options.logger.warn({ status: response.status, requestId }, 'predictor refused a customer');
        }
      })
      .catch((error: unknown) => {
        metrics.errors.inc({ target: 'http' });
        this.options.logger.warn({ err: error }, 'predictor unreachable');
      })
      .finally(() => this.inFlight.delete(call));
    this.inFlight.add(call);
  }
}
