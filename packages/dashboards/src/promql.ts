import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { allDashboards } from './dashboards.js';

export interface PromqlExpression {
  /** Where it is used: `dashboard:<file>` or `rules:<group>`. */
  source: string;
  /** Panel title (a repeated panel's is `$<variable>`), `variable <name>`, or alert name. */
  name: string;
  expr: string;
  /**
   * What must return data when the system runs: for panels the expression with the dashboard's
   * variables at their All value; for a `label_values` variable, a PromQL count by its label; for
   * alerts the left-hand side of the final comparison (an alert's own expression is empty while it
   * is not firing).
   */
  signal: string;
  /** Metric names the expression reads (histogram suffixes kept), for a per-name existence check. */
  metrics: string[];
}

export const RULES_FILE = resolve(import.meta.dirname, '../../../prometheus/rules/churn.rules.yml');

const FUNCTIONS = new Set([
  'sum', 'max', 'min', 'avg', 'count', 'rate', 'increase', 'irate', 'histogram_quantile', 'vector', 'by', 'without', 'or', 'and', 'unless',
  'on', 'ignoring', 'group_left', 'group_right', 'max_over_time', 'min_over_time', 'avg_over_time', 'clamp_min', 'clamp_max', 'abs', 'bool',
  'topk', 'bottomk', 'le', 'offset',
]);

/** Metric names in an expression: identifiers outside braces, quotes and `by (...)` lists, minus PromQL's own words. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)) {
    const name = match[1] as string;
    if (!FUNCTIONS.has(name) && !/^\d/.test(name)) names.add(name);
  }
  return [...names].sort();
}

/** Drops a trailing `<op> <number>` so an alert's measured quantity can be queried on its own. */
export function alertSignal(expr: string): string {
  const match = /^(.*?)\s*(==|!=|>=|<=|>|<)\s*-?[\d.e+]+\s*$/s.exec(expr.trim());
  return match ? (match[1] as string).trim() : expr.trim();
}

interface PanelJson {
  title?: string;
  targets?: { expr?: string }[];
}

interface VariableJson {
  name: string;
  type?: string;
  query?: unknown;
  allValue?: string;
}

/** `$name`, `${name}` and `[[name]]` replaced by the variable's All value (`.+` when it has none): the query Grafana sends with All selected. */
export function withVariables(expr: string, variables: readonly VariableJson[]): string {
  let out = expr;
  for (const v of variables) {
    const value = v.allValue ?? '.+';
    out = out.replaceAll(`\${${v.name}}`, value).replaceAll(`[[${v.name}]]`, value).replace(new RegExp(`\\$${v.name}\\b`, 'g'), () => value);
  }
  return out;
}

/** A Prometheus query variable `label_values(<selector>, <label>)` as PromQL: one series per value it lists. */
export function labelValuesSignal(query: string): string | undefined {
  const match = /^\s*label_values\(\s*(.+?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/s.exec(query);
  return match ? `count by (${match[2]}) (${match[1]})` : undefined;
}

export function dashboardExpressions(): PromqlExpression[] {
  const out: PromqlExpression[] = [];
  for (const { file, dashboard } of allDashboards()) {
    const built = dashboard.build();
    const variables = (built.templating?.list ?? []) as VariableJson[];
    for (const variable of variables) {
      const signal = variable.type === 'query' && typeof variable.query === 'string' ? labelValuesSignal(variable.query) : undefined;
      if (signal) out.push({ source: `dashboard:${file}`, name: `variable ${variable.name}`, expr: variable.query as string, signal, metrics: metricNames(signal) });
    }
    for (const panel of (built.panels ?? []) as PanelJson[]) {
      for (const target of panel.targets ?? []) {
        if (!target.expr) continue;
        const signal = withVariables(target.expr, variables);
        out.push({ source: `dashboard:${file}`, name: panel.title ?? '', expr: target.expr, signal, metrics: metricNames(signal) });
      }
    }
  }
  return out;
}

const rulesSchema = z.object({
  groups: z.array(z.object({ name: z.string(), rules: z.array(z.object({ alert: z.string().optional(), record: z.string().optional(), expr: z.string() })) })),
});

export function ruleExpressions(path = RULES_FILE): PromqlExpression[] {
  const rules = rulesSchema.parse(parse(readFileSync(path, 'utf8')));
  return rules.groups.flatMap((group) =>
    group.rules.map((rule) => {
      const signal = alertSignal(rule.expr);
      return { source: `rules:${group.name}`, name: rule.alert ?? rule.record ?? '', expr: rule.expr, signal, metrics: metricNames(signal) };
    }),
  );
}

/** Every PromQL expression of the dashboards and the alert rules. */
export function allPromqlExpressions(): PromqlExpression[] {
  return [...dashboardExpressions(), ...ruleExpressions()];
}
