// Every PromQL expression of the Grafana dashboards and the alert rules, against the real Prometheus
// of the running stack (all services up and some traffic, training and drift having happened). A
// typo'd metric name or label returns nothing and fails here. Dashboard variables are evaluated at
// their All value, and the drift dashboard's `feature` variable as a count by feature of its gauge.
import { allPromqlExpressions, type PromqlExpression } from '@churn/dashboards';

const PROMETHEUS = process.env.PROMETHEUS_URL ?? 'http://127.0.0.1:9090';

interface QueryResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: unknown[] };
}

async function query(expr: string): Promise<QueryResponse> {
  const response = await fetch(`${PROMETHEUS}/api/v1/query?${new URLSearchParams({ query: expr })}`);
  return (await response.json()) as QueryResponse;
}

const expressions = allPromqlExpressions();
const metrics = [...new Set(expressions.flatMap((e) => e.metrics))].sort();
const label = (e: PromqlExpression) => `${e.source} · ${e.name}`;

describe('PromQL of dashboards and rules against the real Prometheus', () => {
  beforeAll(async () => {
    const ready = await fetch(`${PROMETHEUS}/-/ready`).catch(() => undefined);
    if (!ready?.ok) throw new Error(`Prometheus is not ready at ${PROMETHEUS}: start the stack (make up-local) and the services first`);
    // The flow may have just switched the served dataset (the e2e promotes back to BankChurners),
    // which clears the drift gauges until the live window refills: give every metric time to return.
    const absent = async () => (await Promise.all(metrics.map(async (m) => ((await query(`count(${m})`)).data?.result.length ? [] : [m])))).flat();
    for (const deadline = Date.now() + 120_000; Date.now() < deadline && (await absent()).length > 0; ) await new Promise((r) => setTimeout(r, 2_000));
  }, 150_000);

  it.each(metrics)('when %s is looked up, then Prometheus has at least one series of it', async (metric) => {
    const result = await query(`count(${metric})`);
    expect(result.status).toBe('success');
    expect({ metric, series: result.data?.result.length ?? 0 }).toEqual({ metric, series: 1 });
  });

  it.each(expressions.map((e) => [label(e), e] as const))('when %s is evaluated, then it returns data', async (_name, e) => {
    const result = await query(e.signal);
    expect({ expr: e.signal, status: result.status, error: result.error }).toEqual({ expr: e.signal, status: 'success', error: undefined });
    expect({ expr: e.signal, empty: (result.data?.result.length ?? 0) === 0 }).toEqual({ expr: e.signal, empty: false });
  });
});
