// Thin helpers over the foundation SDK so each dashboard reads as a list of queries.
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as HeatmapBuilder } from '@grafana/grafana-foundation-sdk/heatmap';
import { GraphThresholdsStyleConfigBuilder, GraphThresholdsStyleMode, LegendDisplayMode, LegendPlacement, VizLegendOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { ThresholdsConfigBuilder, ThresholdsMode } from '@grafana/grafana-foundation-sdk/dashboard';

/** The provisioned datasource (grafana/provisioning/datasources/prometheus.yml). */
export const PROMETHEUS = { type: 'prometheus', uid: 'prometheus' };

export interface Query {
  expr: string;
  legend?: string;
}

const REF_IDS = 'ABCDEFGHIJ';

function targets(queries: readonly Query[]): DataqueryBuilder[] {
  return queries.map((q, i) => {
    const target = new DataqueryBuilder().expr(q.expr).refId(REF_IDS[i] ?? `Q${i}`);
    return q.legend ? target.legendFormat(q.legend) : target;
  });
}

const legend = () => new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom);

/** Red from `value` upwards, drawn as a dashed line on time series. */
export const redAbove = (value: number) =>
  new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    { value: null, color: 'green' },
    { value, color: 'red' },
  ]);

/** One copy of the panel per selected value of a dashboard variable, side by side, at most `maxPerRow` a row. */
export interface Repeat {
  variable: string;
  maxPerRow: number;
}

export function timeseries(
  title: string,
  unit: string,
  queries: readonly Query[],
  options: { width?: number; threshold?: number; min?: number; max?: number; description?: string; repeat?: Repeat } = {},
) {
  let panel = new TimeseriesBuilder()
    .title(title)
    .datasource(PROMETHEUS)
    .unit(unit)
    .legend(legend())
    .height(8)
    .span(options.width ?? 12);
  for (const target of targets(queries)) panel = panel.withTarget(target);
  if (options.description) panel = panel.description(options.description);
  if (options.min !== undefined) panel = panel.min(options.min);
  if (options.max !== undefined) panel = panel.max(options.max);
  if (options.threshold !== undefined) panel = panel.thresholds(redAbove(options.threshold)).thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
  if (options.repeat) panel = panel.repeat(options.repeat.variable).repeatDirection('h').maxPerRow(options.repeat.maxPerRow);
  return panel;
}

export function stat(title: string, unit: string, query: Query, options: { width?: number; threshold?: number; repeat?: Repeat } = {}) {
  let panel = new StatBuilder()
    .title(title)
    .datasource(PROMETHEUS)
    .unit(unit)
    .height(4)
    .span(options.width ?? 6)
    .withTarget(targets([query])[0] as DataqueryBuilder);
  if (options.threshold !== undefined) panel = panel.thresholds(redAbove(options.threshold));
  if (options.repeat) panel = panel.repeat(options.repeat.variable).repeatDirection('h').maxPerRow(options.repeat.maxPerRow);
  return panel;
}

/** A histogram metric's buckets over time as a heatmap (format heatmap, one series per `le`). */
export function bucketHeatmap(title: string, expr: string, width = 12) {
  return new HeatmapBuilder()
    .title(title)
    .datasource(PROMETHEUS)
    .height(8)
    .span(width)
    .withTarget(new DataqueryBuilder().expr(expr).format(PromQueryFormat.Heatmap).legendFormat('{{le}}').refId('A'));
}
