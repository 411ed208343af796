import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type RecordOutcome = 'ok' | 'invalid' | 'failed';

/** The stream predictor's own metrics (the shared prediction metrics come from @churn/serving). */
export function createStreamMetrics(registry: Registry) {
  return {
    records: new Counter({ name: 'churn_stream_records_total', help: 'Input records by outcome', labelNames: ['outcome'] as const, registers: [registry] }),
    lag: new Gauge({ name: 'churn_stream_lag_ms', help: 'MillisBehindLatest of the last GetRecords per shard', labelNames: ['shard'] as const, registers: [registry] }),
    batchDuration: new Histogram({
      name: 'churn_stream_batch_duration_seconds',
      help: 'Time to score, write results and checkpoint one GetRecords batch',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    dlq: new Counter({ name: 'churn_stream_dlq_total', help: 'Records sent to the dead-letter stream', registers: [registry] }),
  };
}

export type StreamMetrics = ReturnType<typeof createStreamMetrics>;
