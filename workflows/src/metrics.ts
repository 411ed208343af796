import { createServer, type Server } from 'node:http';
import { CancelledFailure } from '@temporalio/common';
import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';

const ACTIVITY_LABELS = ['activity', 'outcome'] as const;

/** Every metric of the worker, created once against the registry it is given. */
export function createWorkerMetrics(registry: Registry) {
  collectDefaultMetrics({ register: registry });
  return {
    activities: new Counter({ name: 'churn_activities_total', help: 'Activity executions by outcome (ok, failed, cancelled)', labelNames: ACTIVITY_LABELS, registers: [registry] }),
    trialDuration: new Histogram({
      name: 'churn_trial_duration_seconds',
      help: 'Wall time of one tuning trial: training, model directory and registry logging',
      buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    bestAuc: new Gauge({ name: 'churn_tuning_best_auc', help: 'Validation AUC of the model selected by the last tuning run', registers: [registry] }),
  };
}
export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

type AnyActivity = (...args: never[]) => Promise<unknown>;

/** Wraps each activity to count outcomes; trial durations and the selected AUC are observed too. */
export function instrumentActivities<A extends Record<string, AnyActivity>>(activities: A, metrics: WorkerMetrics): A {
  const wrapped: Record<string, AnyActivity> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      const stop = name === 'runTrial' ? metrics.trialDuration.startTimer() : undefined;
      try {
        const result = await fn(...args);
        metrics.activities.inc({ activity: name, outcome: 'ok' });
        stop?.();
        if (name === 'selectAndRegister') metrics.bestAuc.set((result as { validationAuc: number }).validationAuc);
        return result;
      } catch (error) {
        metrics.activities.inc({ activity: name, outcome: error instanceof CancelledFailure ? 'cancelled' : 'failed' });
        throw error;
      }
    };
  }
  return wrapped as A;
}

/** GET /metrics in Prometheus text format; anything else is a 404. */
export function serveMetrics(registry: Registry, port: number, host = '0.0.0.0'): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        })
        .catch((error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        });
      return;
    }
    res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end(req.url === '/health' ? 'ok' : 'not found');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
