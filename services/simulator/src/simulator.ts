import { randomUUID } from 'node:crypto';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { seededRandom, shuffled, type FeatureRow } from '@churn/churn-data';
import type { Logger } from '@churn/logger';
import { applyDrift, type DriftRule } from './drift.js';
import type { SimulatorMetrics, Target } from './metrics.js';
import { OutcomeSender, type ConceptDrift } from './outcomes.js';
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
  /** True outcomes sent back after a delay; absent: none are. */
  outcomes?: OutcomeOptions;
  metrics: SimulatorMetrics;
  logger: Logger;
}

export interface OutcomeOptions {
  /** Each row's true outcome, in the order of `rows`. */
  labels: readonly (0 | 1)[];
  /** Share of customers whose outcome is sent, in [0, 1]. */
  share: number;
  delayMs: number;
  conceptDrift?: ConceptDrift;
  outcomesStream: string;
}

interface Customer {
  row: FeatureRow;
  n: number;
  /** The outcome to send back later, when this customer gets one. */
  churned: 0 | 1 | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Replays real customers at a fixed rate to the HTTP predictor and/or the predictions stream, after
 * `driftAfterMs` with the configured drift, and measures how long each takes to come back. With
 * `outcomes`, a share of them get their true outcome `delayMs` after their prediction, by the way the
 * prediction went, flipped for a share after the concept drift's time.
 */
export class Simulator {
  /** Indices into rows (and labels), shuffled. */
  private readonly order: readonly number[];
  private readonly random: () => number;
  // Its own sequence, so turning outcomes on leaves the replayed (and drifted) rows as they were.
  private readonly outcomeRandom: () => number;
  private readonly outcomeSender: OutcomeSender | undefined;
  private readonly tag = randomUUID().slice(0, 8);
  private readonly inFlight = new Set<Promise<void>>();
  private reader: ResultsReader | undefined;
  private stopping = false;
  private loop: Promise<void> | undefined;
  sent = 0;

  constructor(private readonly options: SimulatorOptions) {
    if (options.rows.length === 0) throw new Error('no rows to replay');
    if (options.targets.includes('stream') && !options.kinesis) throw new Error('the stream target needs a Kinesis client');
    if (options.outcomes && options.outcomes.labels.length !== options.rows.length) throw new Error('outcomes need one label per row');
    this.order = shuffled(
      options.rows.map((_, i) => i),
      options.seed,
    );
    this.random = seededRandom(options.seed + 1);
    this.outcomeRandom = seededRandom(options.seed + 2);
    if (options.outcomes) {
      this.outcomeSender = new OutcomeSender({
        predictorUrl: options.predictorUrl,
        ...(options.predictorApiKey ? { predictorApiKey: options.predictorApiKey } : {}),
        ...(options.kinesis ? { kinesis: options.kinesis } : {}),
        outcomesStream: options.outcomes.outcomesStream,
        metrics: options.metrics,
        logger: options.logger,
      });
    }
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

  /** Stops sending (outcomes not due yet are dropped), waits for in-flight requests, and gives stream results a moment to arrive. */
  async stop(graceMs = 2_000): Promise<void> {
    this.stopping = true;
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
    const dropped = this.outcomeSender?.drop() ?? 0;
    if (dropped > 0) this.options.logger.info({ dropped }, 'outcomes not due yet were not sent');
    if (this.reader) {
      await sleep(graceMs);
      await this.reader.stop();
    }
  }

  private async run(): Promise<void> {
    const { ratePerSec, maxRecords, logger } = this.options;
    const started = Date.now();
    const tickMs = Math.min(1_000, Math.max(5, 1_000 / ratePerSec));
    logger.info({ rate: ratePerSec, targets: this.options.targets, maxRecords, tag: this.tag, outcomes: this.options.outcomes?.share ?? 0 }, 'simulator started');
    while (!this.stopping) {
      const elapsed = Date.now() - started;
      const due = Math.floor((elapsed * ratePerSec) / 1_000) + 1;
      const limit = maxRecords > 0 ? Math.min(due, maxRecords) : due;
      const batch: Customer[] = [];
      while (this.sent < limit) {
        const n = this.sent;
        const index = this.order[n % this.order.length] as number;
        const base = this.options.rows[index] as FeatureRow;
        const row = this.options.drift.length > 0 && elapsed >= this.options.driftAfterMs ? applyDrift(base, this.options.drift, this.random) : base;
        batch.push({ row, n, churned: this.outcomeOf(index, elapsed) });
        this.sent += 1;
      }
      if (batch.length > 0) await this.send(batch);
      await this.outcomeSender?.flush(Date.now());
      if (maxRecords > 0 && this.sent >= maxRecords) {
        // Done sending customers; wait for their outcomes to fall due before finishing.
        await Promise.allSettled([...this.inFlight]);
        if ((this.outcomeSender?.pending ?? 0) === 0) break;
      }
      await sleep(tickMs);
    }
    await Promise.allSettled([...this.inFlight]);
    logger.info({ sent: this.sent }, 'simulator finished sending');
  }

  /** The outcome to send for this customer, if one is (drawn per customer in send order, so a seed replays the same choices). */
  private outcomeOf(index: number, elapsed: number): 0 | 1 | undefined {
    const outcomes = this.options.outcomes;
    if (!outcomes) return undefined;
    const sendIt = this.outcomeRandom() < outcomes.share;
    const flip = this.outcomeRandom();
    if (!sendIt) return undefined;
    const label = outcomes.labels[index] as 0 | 1;
    const drift = outcomes.conceptDrift;
    return drift && elapsed >= drift.afterMs && flip < drift.share ? ((1 - label) as 0 | 1) : label;
  }

  private scheduleOutcome(target: Target, requestId: string, churned: 0 | 1 | undefined): void {
    if (churned === undefined || !this.outcomeSender) return;
    this.outcomeSender.schedule({ target, request_id: requestId, churned, dueAt: Date.now() + (this.options.outcomes as OutcomeOptions).delayMs });
  }

  private async send(batch: Customer[]): Promise<void> {
    const { targets, metrics } = this.options;
    const sentAt = Date.now();
    const requests = batch.map(({ row, n, churned }) => ({ body: { ...row, customer_id: n, request_id: `sim-${this.tag}-${n}`, sent_at: sentAt }, churned }));
    if (targets.includes('stream')) {
      const entries = requests.map(({ body }) => ({ PartitionKey: String(body.customer_id), Data: Buffer.from(JSON.stringify(body)) }));
      try {
        await putAll(this.options.kinesis as KinesisClient, this.options.predictionsStream, entries);
        metrics.sent.inc({ target: 'stream' }, entries.length);
        for (const { body, churned } of requests) this.scheduleOutcome('stream', body.request_id, churned);
      } catch (error) {
        metrics.errors.inc({ target: 'stream' }, entries.length);
        this.options.logger.warn({ err: error }, 'putting records failed');
      }
    }
    if (!targets.includes('http')) return;
    for (const { body, churned } of requests) {
      // Bounded: wait for a free slot rather than pile up requests on a slow predictor.
      while (this.inFlight.size >= this.options.maxInFlight) await Promise.race(this.inFlight);
      this.post(body, churned);
    }
  }

  private post(request: Record<string, unknown> & { request_id: string }, churned: 0 | 1 | undefined): void {
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
          // The id the predictor logged the prediction under (it keeps the caller's).
          this.scheduleOutcome('http', response.headers.get('x-request-id') ?? requestId, churned);
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
