import { performance } from 'node:perf_hooks';
import type { DatasetContract, FeatureRow } from '@churn/churn-data';
import type { Logger } from '@churn/logger';
import type { ModelHolder, PredictionLogEntry, ServingMetrics } from '@churn/serving';
import type { OutcomeStore } from '@churn/drift/outcomes';
import type { Registry } from 'prom-client';
import { HttpError } from './errors.js';

export interface PredictorDeps {
  holder: ModelHolder;
  /** `whenWritable` (the prediction log's backpressure) is awaited by batches before each chunk is logged. */
  log: { log(entry: PredictionLogEntry): void; whenWritable?(room: number): Promise<void> };
  metrics: ServingMetrics;
  registry: Registry;
  logger: Logger;
  /** Largest JSON body (body-parser syntax, e.g. 1mb); larger gets 413. */
  bodyLimit?: string;
  /** Rows per model call in /predict/batch and CSV /invocations. */
  batchChunkRows?: number;
  /** Most rows one /invocations or /predict/batch request may send (413 beyond). */
  maxBatchRows?: number;
  /** Sees every prediction (the live drift monitor). */
  onPrediction?: (features: FeatureRow, chance: number) => void;
  /** The contract the pages describe before a model is loaded (DATASET); afterwards the served model's. */
  contract: DatasetContract;
  /** When set (always in the cloud profile), every route but /health and /metrics needs it in X-API-Key. */
  apiKey?: string;
  /** Where POST /outcomes stores observed outcomes; without it the route answers 503. */
  outcomes?: OutcomeStore;
}

/** What a route read from its request with the served model's contract. */
export interface ParsedRows {
  features: FeatureRow[];
  ids?: readonly (string | number | undefined)[];
}

export interface Scored<T extends ParsedRows> {
  parsed: T;
  runId: string;
  chances: Float64Array;
  contract: DatasetContract;
  /** MLflow's scoring output (asked with `mlflow`): the chances, or what a model Python logged predicts. */
  predictions?: number[] | number[][];
}

/**
 * Validates with the contract of the model being served and scores with that same model: a promotion
 * to a model of another dataset between the two cannot pair one's schema with the other's model.
 * Errors thrown by the model for inputs the contract let through (e.g. a category it never saw) are the client's.
 */
export function scoreWithServedModel<T extends ParsedRows>(holder: ModelHolder, parse: (contract: DatasetContract) => T, mlflow = false): Scored<T> {
  return holder.use(({ runId, model }) => {
    const parsed = parse(model.contract);
    try {
      if (mlflow && model.score) return { parsed, runId, contract: model.contract, ...model.score(parsed.features) };
      // A batch chunk may hold only invalid rows: nothing to score.
      const chances = parsed.features.length > 0 ? model.predict(parsed.features) : new Float64Array(0);
      return { parsed, runId, chances, contract: model.contract };
    } catch (error) {
      const field = (error as { field?: unknown }).field;
      if (typeof field === 'string') throw new HttpError(400, (error as Error).message, field);
      throw error;
    }
  });
}

/** The contract requests are validated with right now: the served model's, else the configured one. */
export function currentContract(deps: Pick<PredictorDeps, 'holder' | 'contract'>): DatasetContract {
  return deps.holder.ready ? deps.holder.use(({ model }) => model.contract) : deps.contract;
}

/** What every scoring route does after answering: metrics, one log entry per row, live drift. */
export function recordPredictions(
  deps: PredictorDeps,
  scored: { features: FeatureRow[]; chances: Float64Array; runId: string; requestId: string; started: number; ids?: readonly (string | number | undefined)[] },
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
      features: features[i] as FeatureRow,
      churn_chance: chance,
      latency_ms: latency,
      created_at: now,
      request_id: scored.requestId,
      ...(customerId !== undefined ? { customer_id: customerId } : {}),
    });
    deps.onPrediction?.(features[i] as FeatureRow, chance);
  }
}
