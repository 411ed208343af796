import { performance } from 'node:perf_hooks';
import type { ChurnFeatures } from '@churn/churn-data';
import type { Logger } from '@churn/logger';
import type { ModelHolder, PredictionLogEntry, ServingMetrics } from '@churn/serving';
import type { Registry } from 'prom-client';
import { HttpError } from './errors.js';

export interface PredictorDeps {
  holder: ModelHolder;
  log: { log(entry: PredictionLogEntry): void };
  metrics: ServingMetrics;
  registry: Registry;
  logger: Logger;
  /** Largest JSON body (body-parser syntax, e.g. 1mb); larger gets 413. */
  bodyLimit?: string;
  /** Rows per model call in /predict/batch. */
  batchChunkRows?: number;
  /** Sees every prediction (the live drift monitor). */
  onPrediction?: (features: ChurnFeatures, chance: number) => void;
}

/** Errors thrown by the model for inputs the schema let through (e.g. a category it never saw) are the client's. */
export function predictOrReject(holder: ModelHolder, rows: ChurnFeatures[]): { runId: string; chances: Float64Array } {
  return holder.use(({ runId, model }) => {
    try {
      return { runId, chances: model.predict(rows) };
    } catch (error) {
      const field = (error as { field?: unknown }).field;
      if (typeof field === 'string') throw new HttpError(400, (error as Error).message, field);
      throw error;
    }
  });
}

/** What every scoring route does after answering: metrics, one log entry per row, live drift. */
export function recordPredictions(
  deps: PredictorDeps,
  scored: { features: ChurnFeatures[]; chances: Float64Array; runId: string; requestId: string; started: number; ids?: readonly (string | number | undefined)[] },
): void {
  const { features, chances, runId, ids } = scored;
  const latency = performance.now() - scored.started;
  const now = new Date();
  deps.metrics.observePredictions('http', chances);
  for (let i = 0; i < features.length; i += 1) {
    const customerId = ids?.[i];
    const chance = chances[i] as number;
    deps.log.log({
      model_run_id: runId,
      source: 'http',
      features: features[i] as ChurnFeatures,
      churn_chance: chance,
      latency_ms: latency,
      created_at: now,
      request_id: scored.requestId,
      ...(customerId !== undefined ? { customer_id: customerId } : {}),
    });
    deps.onPrediction?.(features[i] as ChurnFeatures, chance);
  }
}
