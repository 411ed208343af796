import { DRIFT_METRICS, QUALITY_METRICS } from '@churn/drift';
import { DashboardBuilder, QueryVariableBuilder, RowBuilder, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import { bucketHeatmap, PROMETHEUS, stat, timeseries } from './panels.js';

export interface GeneratedDashboard {
  /** File name under grafana/dashboards/. */
  file: string;
  dashboard: DashboardBuilder;
}

const base = (uid: string, title: string) =>
  new DashboardBuilder(title).uid(uid).tags(['churn']).refresh('10s').time({ from: 'now-1h', to: 'now' }).timezone('utc').editable();

/** Error ratio that is 0 (not empty) while there are requests but no 5xx, and empty when the metric is missing. */
export const ERROR_RATIO = '(sum(rate(http_requests_total{status=~"5.."}[5m])) or vector(0)) / sum(rate(http_requests_total[5m]))';

const quantile = (q: number, metric: string, by = '') => `histogram_quantile(${q}, sum by (le${by}) (rate(${metric}_bucket[5m])))`;

/** One series per quantile of a histogram, legends p50, p95, ... */
const quantileSeries = (metric: string, quantiles: number[]) => quantiles.map((q) => ({ expr: quantile(q, metric), legend: `p${Math.round(q * 100)}` }));

function serviceHealth(): DashboardBuilder {
  return base('churn-service-health', 'Churn · service health')
    .withRow(new RowBuilder('Predictor API'))
    .withPanel(stat('Requests / s', 'reqps', { expr: 'sum(rate(http_requests_total[1m]))' }))
    .withPanel(stat('5xx error ratio', 'percentunit', { expr: ERROR_RATIO }, { threshold: 0.05 }))
    .withPanel(stat('p95 latency', 's', { expr: quantile(0.95, 'http_request_duration_seconds') }, { threshold: 0.25 }))
    .withPanel(stat('Targets up', 'short', { expr: 'sum(up)' }))
    .withPanel(timeseries('Requests / s by route and status', 'reqps', [{ expr: 'sum by (route, status) (rate(http_requests_total[1m]))', legend: '{{route}} {{status}}' }]))
    .withPanel(
      timeseries('Latency p50 / p95 / p99', 's', quantileSeries('http_request_duration_seconds', [0.5, 0.95, 0.99])),
    )
    .withPanel(timeseries('5xx error ratio', 'percentunit', [{ expr: ERROR_RATIO, legend: 'errors' }], { threshold: 0.05, min: 0 }))
    .withPanel(timeseries('Responses / s by status', 'reqps', [{ expr: 'sum by (status) (rate(http_requests_total[5m]))', legend: '{{status}}' }]))
    .withRow(new RowBuilder('Processes'))
    .withPanel(timeseries('Scrape targets up', 'short', [{ expr: 'up', legend: '{{job}}' }], { min: 0, max: 1 }))
    .withPanel(timeseries('Resident memory', 'bytes', [{ expr: 'process_resident_memory_bytes', legend: '{{job}}' }]))
    .withPanel(timeseries('CPU seconds / s', 'percentunit', [{ expr: 'rate(process_cpu_seconds_total[1m])', legend: '{{job}}' }]))
    .withPanel(timeseries('Event loop lag p99', 's', [{ expr: 'nodejs_eventloop_lag_p99_seconds', legend: '{{job}}' }]));
}

function predictions(): DashboardBuilder {
  return base('churn-predictions', 'Churn · predictions')
    .withPanel(stat('Predictions / s', 'short', { expr: 'sum(rate(churn_predictions_total[1m]))' }))
    .withPanel(stat('Median churn chance', 'percentunit', { expr: quantile(0.5, 'churn_prediction_chance') }))
    .withPanel(stat('Prediction log buffered', 'short', { expr: 'sum(churn_prediction_log_buffered)' }))
    .withPanel(stat('Prediction log dropped (1h)', 'short', { expr: 'sum(increase(churn_prediction_log_dropped_total[1h]))' }, { threshold: 1 }))
    .withPanel(timeseries('Volume by source', 'short', [{ expr: 'sum by (source) (rate(churn_predictions_total[1m]))', legend: '{{source}}' }]))
    .withPanel(
      timeseries(
        'Churn chance quantiles by source',
        'percentunit',
        [
          { expr: quantile(0.5, 'churn_prediction_chance', ', source'), legend: 'p50 {{source}}' },
          { expr: quantile(0.9, 'churn_prediction_chance', ', source'), legend: 'p90 {{source}}' },
        ],
        { min: 0, max: 1 },
      ),
    )
    .withPanel(bucketHeatmap('Churn chance distribution', 'sum by (le) (increase(churn_prediction_chance_bucket[1m]))'))
    .withPanel(timeseries('Served model (run id)', 'short', [{ expr: 'max by (run_id) (churn_model_info)', legend: '{{run_id}}' }]))
    .withPanel(
      timeseries('Prediction log: written and dropped / s', 'short', [
        { expr: 'sum(rate(churn_prediction_log_written_total[1m]))', legend: 'written' },
        { expr: 'sum(rate(churn_prediction_log_dropped_total[1m]))', legend: 'dropped' },
      ]),
    )
    .withRow(new RowBuilder('Simulated traffic'))
    .withPanel(timeseries('Simulator sends / s by target', 'short', [{ expr: 'sum by (target) (rate(churn_simulator_sent_total[1m]))', legend: '{{target}}' }]))
    .withPanel(timeseries('End-to-end latency p95', 's', [{ expr: quantile(0.95, 'churn_simulator_end_to_end_seconds'), legend: 'p95' }]));
}

/**
 * The drift dashboard's `feature` variable: the features are not written into the dashboard (they
 * come from the served model's dataset contract), they are the `feature` label values of the live
 * per-feature gauge, re-read when the time range changes so a model on another dataset shows its own.
 */
export const FEATURE_VARIABLE = {
  name: 'feature',
  query: `label_values(${DRIFT_METRICS.featureScore}, feature)`,
  /** What `$feature` becomes with All selected, in the `feature=~"$feature"` matchers. */
  allValue: '.+',
} as const;

/**
 * A variable listing the values of one label of a gauge (`label_values`), re-read when the time range
 * changes: several values, all by default, when it has an `allValue`; else one, `selected` by default.
 */
const labelVariable = (variable: { name: string; query: string; allValue?: string }, label: string, description: string, selected = '') => {
  let builder = new QueryVariableBuilder(variable.name)
    .label(label)
    .description(description)
    .datasource(PROMETHEUS)
    .query(variable.query)
    .definition(variable.query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
  if (variable.allValue === undefined) return builder.current({ selected: true, text: selected, value: selected });
  builder = builder.multi(true).includeAll(true).allValue(variable.allValue);
  return builder.current({ selected: true, text: ['All'], value: ['$__all'] });
};

const featureVariable = () => labelVariable(FEATURE_VARIABLE, 'Feature', 'Features of the served model, as labelled on the live drift gauges');

/**
 * The quality dashboard's segment variables, from the per-segment gauge's labels: the categorical
 * features of the served model's contract (all by default) and the measure drawn per level (AUC by default).
 */
export const SEGMENT_VARIABLES = {
  feature: { name: 'segment_feature', query: `label_values(${QUALITY_METRICS.segment}, feature)`, allValue: '.+' },
  measure: { name: 'segment_measure', query: `label_values(${QUALITY_METRICS.segment}, measure)` },
} as const;

/** `$feature`: in a repeated panel its one feature (also its title), elsewhere the selected ones. */
const $feature = `$${FEATURE_VARIABLE.name}`;
const selectedFeatures = `{feature=~"${$feature}"}`;
const perFeature = (maxPerRow: number) => ({ repeat: { variable: FEATURE_VARIABLE.name, maxPerRow }, width: 24 / maxPerRow });

function drift(): DashboardBuilder {
  return base('churn-drift', 'Churn · drift')
    .withVariable(featureVariable())
    .withPanel(stat('Dataset drift (1 = drifted)', 'short', { expr: 'max(churn_dataset_drift)' }, { threshold: 1 }))
    .withPanel(stat('Drifted features share', 'percentunit', { expr: 'max(churn_drifted_features_share)' }, { threshold: 0.5 }))
    .withPanel(stat('Prediction drift score', 'short', { expr: 'max(churn_prediction_drift_score)' }, { threshold: 0.1 }))
    .withPanel(stat('Rows in the live window', 'short', { expr: 'max(churn_drift_window_rows)' }))
    .withPanel(
      timeseries(
        'Per-feature drift score (normed Wasserstein / Jensen-Shannon)',
        'short',
        [{ expr: `max by (feature) (${DRIFT_METRICS.featureScore}${selectedFeatures})`, legend: '{{feature}}' }],
        {
          width: 24,
          threshold: 0.1,
          min: 0,
          description: 'The features selected above. Higher = more drift; a feature drifted at 0.1 or above (Evidently defaults).',
        },
      ),
    )
    .withPanel(
      timeseries(
        'Dataset verdict over time',
        'short',
        [
          { expr: 'max(churn_dataset_drift)', legend: 'dataset drift' },
          { expr: 'max(churn_drifted_features_share)', legend: 'drifted share' },
        ],
        { min: 0, max: 1, threshold: 0.5 },
      ),
    )
    .withPanel(timeseries('Prediction drift score', 'short', [{ expr: 'max(churn_prediction_drift_score)', legend: 'churn chance' }], { threshold: 0.1, min: 0 }))
    .withPanel(timeseries('Drifted features', 'short', [{ expr: 'sum(max by (feature) (churn_feature_drifted))', legend: 'drifted features' }], { min: 0 }))
    // One copy per selected feature (Grafana repeat), so any dataset's features get their own panels.
    .withRow(new RowBuilder('Drift score now, per feature'))
    .withPanel(stat($feature, 'short', { expr: `max(${DRIFT_METRICS.featureScore}${selectedFeatures})` }, { threshold: 0.1, ...perFeature(6) }))
    .withRow(new RowBuilder('Drift over time, per feature'))
    .withPanel(
      timeseries(
        $feature,
        'short',
        [
          { expr: `max(${DRIFT_METRICS.featureScore}${selectedFeatures})`, legend: 'drift score' },
          { expr: `max(${DRIFT_METRICS.featureDrifted}${selectedFeatures})`, legend: 'drifted (1 = yes)' },
        ],
        { threshold: 0.1, min: 0, ...perFeature(3) },
      ),
    );
}

function stream(): DashboardBuilder {
  return base('churn-stream', 'Churn · stream')
    .withPanel(stat('Max lag', 'ms', { expr: 'max(churn_stream_lag_ms)' }, { threshold: 60_000 }))
    .withPanel(stat('Records / s', 'short', { expr: 'sum(rate(churn_stream_records_total[1m]))' }))
    .withPanel(stat('Dead letters (1h)', 'short', { expr: 'sum(increase(churn_stream_dlq_total[1h]))' }, { threshold: 1 }))
    .withPanel(stat('Batch p95', 's', { expr: quantile(0.95, 'churn_stream_batch_duration_seconds') }))
    .withPanel(timeseries('Lag by shard', 'ms', [{ expr: 'max by (shard) (churn_stream_lag_ms)', legend: '{{shard}}' }], { threshold: 60_000 }))
    .withPanel(timeseries('Records / s by outcome', 'short', [{ expr: 'sum by (outcome) (rate(churn_stream_records_total[1m]))', legend: '{{outcome}}' }]))
    .withPanel(timeseries('Dead letters / s', 'short', [{ expr: 'sum(rate(churn_stream_dlq_total[5m]))', legend: 'DLQ' }]))
    .withPanel(
      timeseries('Batch duration p50 / p95', 's', quantileSeries('churn_stream_batch_duration_seconds', [0.5, 0.95])),
    );
}

function training(): DashboardBuilder {
  return base('churn-training', 'Churn · training')
    .time({ from: 'now-24h', to: 'now' })
    .withPanel(stat('Best AUC', 'percentunit', { expr: 'max(churn_tuning_best_auc)' }))
    .withPanel(stat('Activities (24h)', 'short', { expr: 'sum(increase(churn_activities_total[24h]))' }))
    .withPanel(stat('Failed activities (24h)', 'short', { expr: 'sum(increase(churn_activities_total{outcome!="ok"}[24h])) or vector(0) * sum(churn_activities_total)' }, { threshold: 1 }))
    .withPanel(stat('Trial p50', 's', { expr: quantile(0.5, 'churn_trial_duration_seconds') }))
    .withPanel(timeseries('Activities by name and outcome', 'short', [{ expr: 'sum by (activity, outcome) (increase(churn_activities_total[15m]))', legend: '{{activity}} {{outcome}}' }]))
    .withPanel(timeseries('Trials finished (per 15 min)', 'short', [{ expr: 'sum(increase(churn_trial_duration_seconds_count[15m]))', legend: 'trials' }]))
    .withPanel(timeseries('Best AUC of the tuning run', 'percentunit', [{ expr: 'max(churn_tuning_best_auc)', legend: 'best AUC' }]))
    .withPanel(
      timeseries('Trial duration p50 / p95', 's', quantileSeries('churn_trial_duration_seconds', [0.5, 0.95])),
    );
}

const auc = (metric: string, selector = '') => `max(${metric}{measure="auc"${selector}})`;

/** Realised quality once outcomes arrive, the label-free estimate before, both against the run's own test AUC. */
function quality(): DashboardBuilder {
  return base('churn-quality', 'Churn · model quality')
    .time({ from: 'now-24h', to: 'now' })
    .withVariable(labelVariable(SEGMENT_VARIABLES.feature, 'Segment feature', 'Categorical features of the served model, as labelled on the per-segment quality gauge'))
    .withVariable(labelVariable(SEGMENT_VARIABLES.measure, 'Segment measure', 'The measure drawn per level', 'auc'))
    .withPanel(stat('Realised AUC', 'short', { expr: auc(QUALITY_METRICS.quality) }))
    .withPanel(stat('Estimated AUC (CBPE)', 'short', { expr: auc(QUALITY_METRICS.estimated) }))
    .withPanel(stat('Test AUC of the served run', 'short', { expr: `max(${QUALITY_METRICS.testAuc})` }))
    .withPanel(stat('Labelled predictions in the window', 'short', { expr: `max(${QUALITY_METRICS.labelled})` }))
    .withPanel(
      timeseries(
        'AUC: realised vs estimated vs test',
        'short',
        [
          { expr: auc(QUALITY_METRICS.quality), legend: 'realised' },
          { expr: auc(QUALITY_METRICS.estimated), legend: 'estimated (CBPE)' },
          { expr: `max(${QUALITY_METRICS.testAuc})`, legend: 'test AUC at training' },
        ],
        {
          width: 24,
          description: 'Realised on the predictions of the quality window that have an outcome; estimated from the chances of all of them, so it moves before the outcomes arrive. A drop of 0.05 below the test AUC alerts.',
        },
      ),
    )
    .withPanel(timeseries('Realised measures', 'short', [{ expr: `max by (measure) (${QUALITY_METRICS.quality})`, legend: '{{measure}}' }], { min: 0 }))
    .withPanel(timeseries('Estimated measures (CBPE)', 'short', [{ expr: `max by (measure, calibration) (${QUALITY_METRICS.estimated})`, legend: '{{measure}} ({{calibration}})' }], { min: 0 }))
    .withRow(new RowBuilder('Outcomes'))
    .withPanel(
      timeseries('Outcomes / s', 'short', [
        { expr: 'sum(rate(churn_outcomes_received_total[5m]))', legend: 'received' },
        { expr: 'sum(rate(churn_outcomes_stored_total[5m]))', legend: 'stored' },
        { expr: 'sum(rate(churn_outcomes_duplicate_total[5m]))', legend: 'duplicate in one request (not stored)' },
        { expr: 'sum(rate(churn_outcomes_invalid_total[5m]))', legend: 'invalid' },
      ]),
    )
    .withPanel(
      timeseries('Predictions of the window: labelled and not', 'short', [
        { expr: `max(${QUALITY_METRICS.predictions})`, legend: 'predictions' },
        { expr: `max(${QUALITY_METRICS.labelled})`, legend: 'labelled' },
        { expr: `max(${QUALITY_METRICS.unjoined})`, legend: 'outcomes labelling none' },
        { expr: `max(${QUALITY_METRICS.duplicates})`, legend: 'outcomes repeated (ignored)' },
      ], { min: 0 }),
    )
    .withRow(new RowBuilder('Per segment'))
    .withPanel(
      timeseries(
        `$${SEGMENT_VARIABLES.feature.name}: $${SEGMENT_VARIABLES.measure.name} per level`,
        'short',
        [{ expr: `max by (value) (${QUALITY_METRICS.segment}{feature=~"$${SEGMENT_VARIABLES.feature.name}", measure=~"$${SEGMENT_VARIABLES.measure.name}"})`, legend: '{{value}}' }],
        {
          repeat: { variable: SEGMENT_VARIABLES.feature.name, maxPerRow: 2 },
          description:
            'Realised quality of the labelled predictions of each level of a categorical feature; the 20 most frequent levels keep their name, the rest and values the contract does not declare are pooled as (other). "labelled" is the count of rows behind each figure.',
        },
      ),
    );
}

/** Every dashboard, in file order. */
export function allDashboards(): GeneratedDashboard[] {
  return [
    { file: 'service-health.json', dashboard: serviceHealth() },
    { file: 'predictions.json', dashboard: predictions() },
    { file: 'drift.json', dashboard: drift() },
    { file: 'stream.json', dashboard: stream() },
    { file: 'training.json', dashboard: training() },
    { file: 'quality.json', dashboard: quality() },
  ];
}

/** The JSON Grafana loads: two-space indent and a final newline, so regeneration is byte-stable. */
export function dashboardJson(dashboard: DashboardBuilder): string {
  return `${JSON.stringify(dashboard.build(), null, 2)}\n`;
}
