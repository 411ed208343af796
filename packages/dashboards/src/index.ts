import { resolve } from 'node:path';

export { allDashboards, dashboardJson, ERROR_RATIO, FEATURE_VARIABLE, type GeneratedDashboard } from './dashboards.js';
export { allPromqlExpressions, dashboardExpressions, ruleExpressions, metricNames, alertSignal, withVariables, labelValuesSignal, RULES_FILE, type PromqlExpression } from './promql.js';
export { PROMETHEUS } from './panels.js';

/** Where the generated JSON is committed and where Grafana's file provider reads it (mounted in compose). */
export const DASHBOARDS_DIR = resolve(import.meta.dirname, '../../../grafana/dashboards');
export { KNOWN_METRICS } from './metrics.js';
