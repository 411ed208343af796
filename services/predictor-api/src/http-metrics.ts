import type { RequestHandler } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS } from '@churn/serving';

export interface HttpMetrics {
  /** Counts and times every request Express routes (label: the matched pattern, so values stay bounded). */
  readonly middleware: RequestHandler;
  /** The same for a route served outside Express (POST /predict). */
  observe(route: string, method: string, status: number, startedNs: bigint): void;
}

/** Request count and latency by route, method and status. */
export function httpMetrics(registry: Registry): HttpMetrics {
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  // Children per label set, looked up by one string: saves hashing the labels on every request.
  const children = new Map<string, { count: ReturnType<typeof requests.labels>; time: ReturnType<typeof duration.labels> }>();
  const observe = (route: string, method: string, status: number, startedNs: bigint) => {
    const key = `${route} ${method} ${status}`;
    let child = children.get(key);
    if (!child) {
      const labels = { route, method, status: String(status) };
      child = { count: requests.labels(labels), time: duration.labels(labels) };
      children.set(key, child);
    }
    child.count.inc();
    child.time.observe(Number(process.hrtime.bigint() - startedNs) / 1e9);
  };
  return {
    observe,
    middleware: (req, res, next) => {
      const started = process.hrtime.bigint();
      res.once('finish', () => observe((req.route as { path?: string } | undefined)?.path ?? 'unmatched', req.method, res.statusCode, started));
      next();
    },
  };
}
