import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { allDashboards } from './dashboards.js';

export interface PromqlExpression {
  /** Where it is used: `dashboard:<file>` or `rules:<group>`. */
  source: string;
  /** Panel title or alert name. */
  name: string;
  expr: string;
  /**
   * What must return data when the system runs: the expression itself for panels; for alerts the
   * left-hand side of the final comparison (an alert's own expression is empty while it is not firing).
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

export function dashboardExpressions(): PromqlExpression[] {
  const out: PromqlExpression[] = [];
  for (const { file, dashboard } of allDashboards()) {
    const panels = (dashboard.build().panels ?? []) as PanelJson[];
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (!target.expr) continue;
        out.push({ source: `dashboard:${file}`, name: panel.title ?? '', expr: target.expr, signal: target.expr, metrics: metricNames(target.expr) });
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
