import { Counter, Gauge, collectDefaultMetrics, type Registry } from 'prom-client';
import { BulkHistogram } from './bulk-histogram.js';
import { registerEventLoopDelay } from './event-loop-metrics.js';

/** Latency buckets (seconds) fine enough to see a p99 under 10 ms. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const CHANCE_BUCKETS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];

export type PredictionSource = 'http' | 'stream';

/** What both predictors expose: predictions, the served model, the prediction log. */
export interface ServingMetrics {
  readonly registry: Registry;
  readonly predictionChance: BulkHistogram<'source'>;
  readonly predictionsTotal: Counter<'source'>;
  readonly modelInfo: Gauge<'run_id'>;
  readonly logDropped: Counter;
  readonly logBuffered: Gauge;
  readonly logWritten: Counter;
  /** Records the served run id: one series at 1, the previous one removed. */
  setModel(runId: string): void;
  observePredictions(source: PredictionSource, chances: ArrayLike<number>): void;
}

/** Created once per process against the service's registry (which also gets the process metrics: prom-client's defaults and the event loop delay). */
export function createServingMetrics(registry: Registry, options: { defaultMetrics?: boolean } = {}): ServingMetrics {
  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    registerEventLoopDelay(registry);
  }
  const predictionChance = new BulkHistogram('churn_prediction_chance', 'Predicted churn chance', 'source', CHANCE_BUCKETS, registry);
  const predictionsTotal = new Counter({ name: 'churn_predictions_total', help: 'Predictions served', labelNames: ['source'] as const, registers: [registry] });
  const modelInfo = new Gauge({ name: 'churn_model_info', help: 'The served model run (value 1)', labelNames: ['run_id'] as const, registers: [registry] });
  const logDropped = new Counter({ name: 'churn_prediction_log_dropped_total', help: 'Prediction log documents dropped because the buffer was full', registers: [registry] });
  const logBuffered = new Gauge({ name: 'churn_prediction_log_buffered', help: 'Prediction log documents waiting to be written', registers: [registry] });
  const logWritten = new Counter({ name: 'churn_prediction_log_written_total', help: 'Prediction log documents written to Mongo', registers: [registry] });
  return {
    registry,
    predictionChance,
    predictionsTotal,
    modelInfo,
    logDropped,
    logBuffered,
    logWritten,
    setModel(runId) {
      modelInfo.reset();
      modelInfo.set({ run_id: runId }, 1);
    },
    observePredictions(source, chances) {
      predictionChance.observeMany(source, chances);
      predictionsTotal.inc({ source }, chances.length);
    },
  };
}

export { LATENCY_BUCKETS };
