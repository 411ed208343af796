import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Logger } from '@churn/logger';
import type { SimulatorMetrics, Target } from './metrics.js';
import { putAll } from './put-records.js';

/** After `afterMs` from the start, this share of the customers then scored get the opposite outcome. */
export interface ConceptDrift {
  share: number;
  afterMs: number;
}

export class ConceptDriftSpecError extends Error {
  override readonly name = 'ConceptDriftSpecError';
}

const DURATION_UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const SPEC = /^(\d+(?:\.\d+)?)\s*@\s*(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** `share@after`, e.g. `0.3@10m`: an empty spec is no concept drift. */
export function parseConceptDrift(spec: string): ConceptDrift | undefined {
  const text = spec.trim();
  if (text === '') return undefined;
  const match = SPEC.exec(text);
  if (!match) throw new ConceptDriftSpecError(`"${text}" must be share@after, e.g. 0.3@10m (a share in (0, 1], a duration in ms, s, m, h or d)`);
  const share = Number(match[1]);
  if (share <= 0 || share > 1) throw new ConceptDriftSpecError(`"${text}": the share ${match[1]} must be above 0 and at most 1`);
  return { share, afterMs: Number(match[2]) * DURATION_UNITS[match[3] as keyof typeof DURATION_UNITS] };
}

/** An outcome waiting for its delay, as POST /outcomes and the outcomes stream take it. */
export interface PendingOutcome {
  target: Target;
  request_id: string;
  churned: 0 | 1;
  dueAt: number;
}

export interface OutcomeSenderOptions {
  predictorUrl: string;
  predictorApiKey?: string;
  kinesis?: KinesisClient;
  outcomesStream: string;
  metrics: SimulatorMetrics;
  logger: Logger;
}

// /outcomes takes any batch size; a few thousand a call keeps each body small.
const HTTP_BATCH = 2_000;

/**
 * Holds outcomes until they are due and sends them the way their prediction went: HTTP predictions
 * to POST /outcomes, stream predictions to the outcomes stream. A failed send is counted and logged,
 * not retried: a lost outcome is an unlabelled prediction, which the quality measures already expect.
 */
export class OutcomeSender {
  // The delay is constant, so outcomes are queued in due order.
  private readonly queue: PendingOutcome[] = [];

  constructor(private readonly options: OutcomeSenderOptions) {}

  get pending(): number {
    return this.queue.length;
  }

  schedule(outcome: PendingOutcome): void {
    this.queue.push(outcome);
  }

  /** Sends every outcome due by `now`. */
  async flush(now: number): Promise<void> {
    let due = 0;
    while (due < this.queue.length && (this.queue[due] as PendingOutcome).dueAt <= now) due += 1;
    if (due === 0) return;
    const batch = this.queue.splice(0, due);
    const http = batch.filter((o) => o.target === 'http');
    const stream = batch.filter((o) => o.target === 'stream');
    await Promise.all([this.post(http), this.put(stream)]);
  }

  /** Forgets what is not due yet (the simulator is stopping); returns how many. */
  drop(): number {
    return this.queue.splice(0).length;
  }

  private async post(outcomes: PendingOutcome[]): Promise<void> {
    const { metrics, logger } = this.options;
    for (let start = 0; start < outcomes.length; start += HTTP_BATCH) {
      const chunk = outcomes.slice(start, start + HTTP_BATCH);
      try {
        const response = await fetch(`${this.options.predictorUrl}/outcomes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(this.options.predictorApiKey ? { 'x-api-key': this.options.predictorApiKey } : {}) },
          body: JSON.stringify({ outcomes: chunk.map(({ request_id, churned }) => ({ request_id, churned })) }),
        });
        const text = await response.text();
        if (!response.ok) {
          metrics.outcomeErrors.inc({ target: 'http' }, chunk.length);
          logger.warn({ status: response.status, outcomes: chunk.length, body: text.slice(0, 300) }, 'predictor refused outcomes');
          continue;
        }
        metrics.outcomesSent.inc({ target: 'http' }, chunk.length);
      } catch (error) {
        metrics.outcomeErrors.inc({ target: 'http' }, chunk.length);
        logger.warn({ err: error, outcomes: chunk.length }, 'predictor unreachable for outcomes');
      }
    }
  }

  private async put(outcomes: PendingOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const { metrics, logger, kinesis, outcomesStream } = this.options;
    const entries = outcomes.map(({ request_id, churned }) => ({ PartitionKey: request_id, Data: Buffer.from(JSON.stringify({ request_id, churned })) }));
    try {
      await putAll(kinesis as KinesisClient, outcomesStream, entries);
      metrics.outcomesSent.inc({ target: 'stream' }, entries.length);
    } catch (error) {
      metrics.outcomeErrors.inc({ target: 'stream' }, entries.length);
      logger.warn({ err: error, outcomes: entries.length }, 'putting outcomes failed');
    }
  }
}
