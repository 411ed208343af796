import { DRIFT_METRICS, QUALITY_METRICS } from '@churn/drift';

const histogram = (name: string) => [name, `${name}_bucket`, `${name}_sum`, `${name}_count`];

/** Every metric the dashboards and rules may read: the names agreed between the services, plus Prometheus' `up` and prom-client's defaults. */
export const KNOWN_METRICS: ReadonlySet<string> = new Set([
  'up',
  'process_resident_memory_bytes',
  'process_cpu_seconds_total',
  'nodejs_eventloop_lag_p99_seconds',
  'http_requests_total',
  ...histogram('http_request_duration_seconds'),
  ...histogram('churn_prediction_chance'),
  'churn_predictions_total',
  'churn_model_info',
  'churn_prediction_log_dropped_total',
  'churn_prediction_log_written_total',
  'churn_prediction_log_buffered',
  'churn_stream_records_total',
  'churn_stream_lag_ms',
  ...histogram('churn_stream_batch_duration_seconds'),
  'churn_stream_dlq_total',
  ...Object.values(DRIFT_METRICS),
  ...Object.values(QUALITY_METRICS),
  'churn_outcomes_received_total',
  'churn_outcomes_stored_total',
  'churn_outcomes_duplicate_total',
  'churn_outcomes_invalid_total',
  'churn_activities_total',
  ...histogram('churn_trial_duration_seconds'),
  'churn_tuning_best_auc',
  'churn_simulator_sent_total',
  ...histogram('churn_simulator_end_to_end_seconds'),
]);
