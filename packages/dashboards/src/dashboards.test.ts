import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { allDashboards, dashboardJson } from './dashboards.js';
import { DASHBOARDS_DIR } from './index.js';
import { KNOWN_METRICS } from './metrics.js';
import { alertSignal, allPromqlExpressions, metricNames, ruleExpressions } from './promql.js';

describe('dashboards as code', () => {
  it('when the dashboards are regenerated, then they equal the committed JSON byte for byte', () => {
    const generated = allDashboards();
    expect(readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).sort()).toEqual(generated.map((d) => d.file).sort());
    for (const { file, dashboard } of generated) {
      expect({ file, json: readFileSync(join(DASHBOARDS_DIR, file), 'utf8') }).toEqual({ file, json: dashboardJson(dashboard) });
    }
  });

  it('when listed, then there are five dashboards with unique uids and every query uses the provisioned datasource', () => {
    const built = allDashboards().map((d) => d.dashboard.build());
    expect(new Set(built.map((d) => d.uid)).size).toBe(5);
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
