import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DRIFT_METRICS, QUALITY_METRICS } from '@churn/drift';
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { parse } from 'yaml';
import { allDashboards, dashboardJson, FEATURE_VARIABLE } from './dashboards.js';
import { DASHBOARDS_DIR } from './index.js';
import { KNOWN_METRICS } from './metrics.js';
import { alertSignal, allPromqlExpressions, dashboardExpressions, labelValuesSignal, metricNames, ruleExpressions, withVariables } from './promql.js';

const DATASETS_DIR = resolve(import.meta.dirname, '../../../datasets');

/** Feature names declared by a shipped dataset contract (datasets/<name>.yaml). */
function contractFeatures(name: string): string[] {
  const spec = parse(readFileSync(join(DATASETS_DIR, `${name}.yaml`), 'utf8')) as { features: { name: string }[] };
  return spec.features.map((f) => f.name);
}

interface PanelJson {
  type: string;
  title?: string;
  repeat?: string;
  repeatDirection?: string;
  maxPerRow?: number;
  targets?: { expr?: string }[];
}

describe('dashboards as code', () => {
  it('when the dashboards are regenerated, then they equal the committed JSON byte for byte', () => {
    const generated = allDashboards();
    expect(readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).sort()).toEqual(generated.map((d) => d.file).sort());
    for (const { file, dashboard } of generated) {
      expect({ file, json: readFileSync(join(DASHBOARDS_DIR, file), 'utf8') }).toEqual({ file, json: dashboardJson(dashboard) });
    }
  });

  it('when listed, then there are six dashboards with unique uids and every query uses the provisioned datasource', () => {
    const built = allDashboards().map((d) => d.dashboard.build());
    expect(new Set(built.map((d) => d.uid)).size).toBe(6);
    for (const dashboard of built) {
      for (const panel of (dashboard.panels ?? []) as { type: string; datasource?: { uid?: string } }[]) {
        if (panel.type !== 'row') expect(panel.datasource?.uid).toBe('prometheus');
      }
    }
  });

  it('when every PromQL expression of dashboards and rules is read, then each metric name is one the services export', () => {
    const expressions = allPromqlExpressions();
    expect(expressions.length).toBeGreaterThan(40);
    const unknown = expressions.flatMap((e) => e.metrics.filter((m) => !KNOWN_METRICS.has(m)).map((m) => `${e.source} ${e.name}: ${m}`));
    expect(unknown).toEqual([]);
    for (const e of expressions) expect(e.metrics.length).toBeGreaterThan(0);
  });

  it('when a metric name is typo-ed, then the name check catches it', () => {
    expect(metricNames('sum by (route) (rate(http_request_total{status=~"5.."}[5m]))')).toEqual(['http_request_total']);
    expect(KNOWN_METRICS.has('http_request_total')).toBe(false);
    expect(metricNames('histogram_quantile(0.95, sum by (le) (rate(churn_prediction_chance_bucket[5m])))')).toEqual(['churn_prediction_chance_bucket']);
  });

  it('when an alert compares with a number, then its signal is the measured side', () => {
    expect(alertSignal('max(churn_dataset_drift) == 1')).toBe('max(churn_dataset_drift)');
    expect(alertSignal('(sum(rate(a[5m])) or vector(0)) / sum(rate(b[5m])) > 0.05')).toBe('(sum(rate(a[5m])) or vector(0)) / sum(rate(b[5m]))');
    expect(ruleExpressions().map((r) => r.name)).toEqual(
      expect.arrayContaining(['ChurnDatasetDrift', 'ChurnPredictorErrorRate', 'ChurnStreamLag']),
    );
  });
});

describe('dashboards and the dataset contract', () => {
  const committed = () => readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).map((f) => ({ file: f, json: readFileSync(join(DASHBOARDS_DIR, f), 'utf8') }));
  const drift = () => {
    const found = allDashboards().find((d) => d.file === 'drift.json');
    if (!found) throw new Error('no drift dashboard');
    return found.dashboard.build();
  };

  it('when the generated and committed dashboards are searched, then no feature name of a shipped BankChurners contract appears', () => {
    const features = [...new Set([...contractFeatures('bankchurners'), ...contractFeatures('bankchurners-behaviour')])];
    expect(features).toEqual(expect.arrayContaining(['credit_limit', 'customer_age', 'card_category']));
    expect(features.length).toBeGreaterThanOrEqual(11);
    const texts = [...allDashboards().map(({ file, dashboard }) => ({ file, json: dashboardJson(dashboard) })), ...committed()];
    const found = texts.flatMap(({ file, json }) => features.filter((f) => new RegExp(`\\b${f}\\b`, 'i').test(json)).map((f) => `${file}: ${f}`));
    expect(found).toEqual([]);
  });

  it('when the drift dashboard is built, then `feature` is a multi-select Prometheus query variable with All over the per-feature gauge', () => {
    const variables = drift().templating?.list ?? [];
    expect(variables.map((v) => v.name)).toEqual(['feature']);
    expect(variables[0]).toMatchObject({
      type: 'query',
      name: 'feature',
      datasource: { type: 'prometheus', uid: 'prometheus' },
      query: `label_values(${DRIFT_METRICS.featureScore}, feature)`,
      multi: true,
      includeAll: true,
      allValue: '.+',
      current: { value: ['$__all'] },
    });
    expect(DRIFT_METRICS.featureScore).toBe('churn_feature_drift_score');
    expect(KNOWN_METRICS.has(DRIFT_METRICS.featureScore)).toBe(true);
    expect(FEATURE_VARIABLE.name).toBe('feature');
  });

  it('when the drift dashboard is built, then its per-feature panels repeat by `feature` and every query of theirs selects `$feature`', () => {
    const panels = (drift().panels ?? []) as PanelJson[];
    const repeated = panels.filter((p) => p.repeat !== undefined);
    expect(repeated.map((p) => [p.type, p.repeat, p.repeatDirection])).toEqual([
      ['stat', 'feature', 'h'],
      ['timeseries', 'feature', 'h'],
    ]);
    for (const panel of repeated) {
      expect(panel.title).toBe('$feature');
      expect(panel.maxPerRow).toBeGreaterThan(0);
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.expr).toMatch(/^max\((churn_feature_drift_score|churn_feature_drifted)\{feature=~"\$feature"\}\)$/);
    }
    // A repeated panel shares its grid row with nothing: each follows a row header.
    for (const panel of repeated) expect(panels[panels.indexOf(panel) - 1]?.type).toBe('row');
    // No other dashboard but quality's segments (below) repeats or declares variables.
    for (const { file, dashboard } of allDashboards().filter((d) => d.file !== 'drift.json' && d.file !== 'quality.json')) {
      const built = dashboard.build();
      expect({ file, variables: built.templating?.list ?? [], repeated: ((built.panels ?? []) as PanelJson[]).filter((p) => p.repeat) }).toEqual({ file, variables: [], repeated: [] });
    }
  });

  it('when the PromQL is listed for Prometheus, then variables are at their All value and the feature variable is checked as a count by feature', () => {
    const drift = dashboardExpressions().filter((e) => e.source === 'dashboard:drift.json');
    expect(drift.find((e) => e.name === 'variable feature')).toEqual({
      source: 'dashboard:drift.json',
      name: 'variable feature',
      expr: 'label_values(churn_feature_drift_score, feature)',
      signal: 'count by (feature) (churn_feature_drift_score)',
      metrics: ['churn_feature_drift_score'],
    });
    expect(drift.filter((e) => e.name === '$feature').map((e) => e.signal)).toEqual([
      'max(churn_feature_drift_score{feature=~".+"})',
      'max(churn_feature_drift_score{feature=~".+"})',
      'max(churn_feature_drifted{feature=~".+"})',
    ]);
    for (const e of allPromqlExpressions()) expect({ name: e.name, signal: e.signal }).toEqual({ name: e.name, signal: expect.not.stringMatching(/\$|\[\[/) });
  });

  it('when the quality dashboard is built, then one panel per selected categorical feature draws the selected measure per level of the segment gauge', () => {
    const built = (allDashboards().find((d) => d.file === 'quality.json')?.dashboard as DashboardBuilder).build();
    const variables = (built.templating?.list ?? []) as { name: string; query?: string; multi?: boolean; includeAll?: boolean; current?: { value?: unknown } }[];
    expect(variables.map((v) => [v.name, v.query, v.multi ?? false, v.current?.value])).toEqual([
      ['segment_feature', `label_values(${QUALITY_METRICS.segment}, feature)`, true, ['$__all']],
      ['segment_measure', `label_values(${QUALITY_METRICS.segment}, measure)`, false, 'auc'],
    ]);
    const panels = (built.panels ?? []) as PanelJson[];
    const repeated = panels.filter((p) => p.repeat !== undefined);
    expect(repeated.map((p) => [p.type, p.repeat, p.title])).toEqual([['timeseries', 'segment_feature', '$segment_feature: $segment_measure per level']]);
    const [panel] = repeated as [PanelJson];
    expect(panels[panels.indexOf(panel) - 1]).toMatchObject({ type: 'row', title: 'Per segment' });
    expect(panel.targets?.map((t) => t.expr)).toEqual([`max by (value) (${QUALITY_METRICS.segment}{feature=~"$segment_feature", measure=~"$segment_measure"})`]);
  });

  it('when variables are substituted or a label_values query is read, then every spelling is handled and other queries are left alone', () => {
    const vars = [{ name: 'feature', allValue: '.+' }, { name: 'shard' }];
    expect(withVariables('a{feature=~"$feature",x="${feature}",y="[[feature]]"} + b{shard=~"$shard"}', vars)).toBe('a{feature=~".+",x=".+",y=".+"} + b{shard=~".+"}');
    expect(withVariables('a{f=~"$features"}', vars)).toBe('a{f=~"$features"}');
    expect(labelValuesSignal('label_values(m{job="a,b"}, feature)')).toBe('count by (feature) (m{job="a,b"})');
    expect(labelValuesSignal('label_names()')).toBeUndefined();
  });
});
