import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

const LABELS = ['route', 'method', 'status'] as const;

/** Prometheus metrics of the registry, created once against their own registry. */
export function createHttpMetrics(registry = new Registry()) {
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by route pattern, method and status', labelNames: LABELS, registers: [registry] });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route pattern, method and status',
    labelNames: LABELS,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  /** Labels by the matched route pattern (bounded), never the raw URL. */
  const middleware: RequestHandler = (req, res, next) => {
    const stop = duration.startTimer();
    res.on('finish', () => {
      const pattern = (req.route as { path?: string } | undefined)?.path;
      const labels = { route: typeof pattern === 'string' ? pattern : 'unmatched', method: req.method, status: String(res.statusCode) };
      requests.inc(labels);
      stop(labels);
    });
    next();
  };

  const handler: RequestHandler = async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  };

  return { registry, middleware, handler };
}
