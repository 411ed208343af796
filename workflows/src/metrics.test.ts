import type { AddressInfo } from 'node:net';
import { CancelledFailure } from '@temporalio/common';
import { Registry } from 'prom-client';
import { createWorkerMetrics, instrumentActivities, serveMetrics } from './metrics.js';

describe('worker metrics', () => {
  it('when activities succeed, fail or are cancelled, then each outcome is counted and trial time and best AUC are recorded', async () => {
    const registry = new Registry();
    const metrics = createWorkerMetrics(registry);
    const activities = instrumentActivities(
      {
        runTrial: async () => ({ ok: true }),
        selectAndRegister: async () => ({ validationAuc: 0.87 }),
        prepareDataset: async (): Promise<void> => {
          throw new Error('no snapshot');
        },
        suggestTrials: async (): Promise<void> => {
          throw new CancelledFailure('cancelled');
        },
      },
      metrics,
    );
    await activities.runTrial();
    await activities.selectAndRegister();
    await expect(activities.prepareDataset()).rejects.toThrow('no snapshot');
    await expect(activities.suggestTrials()).rejects.toBeInstanceOf(CancelledFailure);

    const text = await registry.metrics();
    expect(text).toContain('churn_activities_total{activity="runTrial",outcome="ok"} 1');
    expect(text).toContain('churn_activities_total{activity="prepareDataset",outcome="failed"} 1');
    expect(text).toContain('churn_activities_total{activity="suggestTrials",outcome="cancelled"} 1');
    expect(text).toContain('churn_trial_duration_seconds_count 1');
    expect(text).toContain('churn_tuning_best_auc 0.87');
  });

  it('when /metrics is fetched over HTTP, then it answers in the Prometheus text format; other paths are 404', async () => {
    const registry = new Registry();
    createWorkerMetrics(registry);
    const server = await serveMetrics(registry, 0, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await response.text()).toContain('# TYPE churn_activities_total counter');
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});
