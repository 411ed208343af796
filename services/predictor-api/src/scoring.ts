import { performance } from 'node:perf_hooks';
import type { DatasetContract, FeatureRow } from '@churn/churn-data';
import type { Logger } from '@churn/logger';
import { classesOf, scoreRows, type ModelHolder, type PredictionBatchEntry, type PredictionLogEntry, type RowScores, type ServingMetrics } from '@churn/serving';
import type { OutcomeStore } from '@churn/drift/outcomes';
import type { Registry } from 'prom-client';
import { HttpError } from './errors.js';

export interface PredictorDeps {
  holder: ModelHolder;
  /** `whenWritable` (the prediction log's backpressure) is awaited by batches before each chunk is logged. */
  log: { log(entry: PredictionLogEntry): void; logBatch?(entry: PredictionBatchEntry): void; whenWritable?(room: number): Promise<void> };
  metrics: ServingMetrics;
  registry: Registry;
  logger: Logger;
  /** Largest JSON body (body-parser syntax, e.g. 1mb); larger gets 413. */
  bodyLimit?: string;
  /** Rows per model call in /predict/batch and CSV /invocations. */
  batchChunkRows?: number;
  /** Most rows one /invocations or /predict/batch request may send (413 beyond). */
  maxBatchRows?: number;
  /** LIVE_DRIFT_WINDOW: 0 when live drift is off (said on /health). */
  liveDriftWindow?: number;
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

export interface Scored<T extends ParsedRows> extends RowScores {
  parsed: T;
  runId: string;
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
      return { parsed, runId, contract: model.contract, ...scoreRows(model, parsed.features) };
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

/**
 * What every scoring route does after answering: metrics, the prediction log (a multi-class model's
 * entries with every class's probability), live drift. A batch chunk (`columnar`) is logged as one
 * document when the log takes them: FerretDB stores rows 3.8x faster so (BENCHMARKS.md, log-layout).
 */
export function recordPredictions(
  deps: PredictorDeps,
  scored: { features: FeatureRow[]; scores: RowScores; runId: string; requestId: string; started: number; ids?: readonly (string | number | undefined)[] },
  columnar = false,
): void {
  const { features, scores, runId, ids } = scored;
  const { chances } = scores;
  const latency = performance.now() - scored.started;
  const now = new Date();
  deps.metrics.observePredictions('http', chances);
  if (columnar && deps.log.logBatch && features.length > 0) {
    deps.log.logBatch(batchEntry(scored, latency, now));
    if (deps.onPrediction) for (let i = 0; i < features.length; i += 1) deps.onPrediction(features[i] as FeatureRow, chances[i] as number);
    return;
  }
  for (let i = 0; i < features.length; i += 1) {
    const customerId = ids?.[i];
    const chance = chances[i] as number;
    deps.log.log({
      model_run_id: runId,
      source: 'http',
      features: features[i] as FeatureRow,
      churn_chance: chance,
      ...classesOf(scores, i),
      latency_ms: latency,
      created_at: now,
      request_id: scored.requestId,
      ...(customerId !== undefined ? { customer_id: customerId } : {}),
    });
    deps.onPrediction?.(features[i] as FeatureRow, chance);
  }
}

/** A chunk's predictions as one columnar document: per feature its values in row order, chances and ids likewise. */
function batchEntry(
  scored: { features: FeatureRow[]; scores: RowScores; runId: string; requestId: string; ids?: readonly (string | number | undefined)[] },
  latency: number,
  now: Date,
): PredictionBatchEntry {
  const { features, scores, ids } = scored;
  const columns: PredictionBatchEntry['features'] = {};
  for (const name of Object.keys(features[0] as FeatureRow)) columns[name] = features.map((row) => row[name] ?? null);
  // Copied by index: Array.from iterates, one result object per row.
  const chances: number[] = [];
  for (let i = 0; i < scores.chances.length; i += 1) chances.push(scores.chances[i] as number);
  const entry: PredictionBatchEntry = {
    model_run_id: scored.runId,
    source: 'http',
    rows: features.length,
    features: columns,
    churn_chance: chances,
    latency_ms: latency,
    created_at: now,
    request_id: scored.requestId,
  };
  if (ids?.some((id) => id !== undefined)) entry.customer_id = features.map((_, i) => ids[i] ?? null);
  if (scores.classes) {
    const classes = features.map((_, i) => classesOf(scores, i));
    entry.predicted_class = classes.map((c) => c?.predicted_class ?? -1);
    entry.class_probabilities = classes.map((c) => c?.class_probabilities ?? []);
  }
  return entry;
}
