import { buildReferenceProfile, DatasetContract, loadCleanDataset } from '@churn/churn-data';
import { Registry } from 'prom-client';
import { LiveDriftMonitor } from './live-monitor.js';
import { datasetFixture, drifted, fakeScore } from './testing/fixtures.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

async function gaugeValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

describe('LiveDriftMonitor', () => {
  const { contract, reference, holdout } = datasetFixture(4000);

  it('when undrifted traffic fills the window, then the gauges say no drift; when drifted traffic replaces it, they move', async () => {
    const registry = new Registry();
    const monitor = new LiveDriftMonitor({ contract, reference, registry, windowSize: 300, everyN: 100 });
    for (const row of holdout.slice(0, 300)) monitor.observe(row, fakeScore(row));
    expect(monitor.lastResult).toBeUndefined();
    await tick();
    expect(await gaugeValue(registry, 'churn_dataset_drift')).toBe(0);
    expect(await gaugeValue(registry, 'churn_feature_drift_score', { feature: 'credit_limit' })).toBeLessThan(0.1);
    expect(await gaugeValue(registry, 'churn_drift_window_rows')).toBe(300);

    for (const row of drifted(holdout.slice(300, 600))) monitor.observe(row, Math.min(1, fakeScore(row) + 0.4));
    await tick();
    expect(await gaugeValue(registry, 'churn_dataset_drift')).toBe(1);
    expect(await gaugeValue(registry, 'churn_drifted_features_share')).toBeCloseTo(6 / 11, 12);
    expect(await gaugeValue(registry, 'churn_feature_drift_score', { feature: 'credit_limit' })).toBeGreaterThan(0.5);
    expect(await gaugeValue(registry, 'churn_feature_drifted', { feature: 'card_category' })).toBe(1);
    expect(await gaugeValue(registry, 'churn_feature_drifted', { feature: 'gender' })).toBe(0);
    expect(await gaugeValue(registry, 'churn_prediction_drift_score')).toBeGreaterThan(0.1);
    monitor.close();
  });

  it('when everyN is reached many times within minIntervalMs, then one recompute runs now and one deferred covers the rest', async () => {
    const registry = new Registry();
    const results: number[] = [];
    const monitor = new LiveDriftMonitor({ contract, reference, registry, windowSize: 300, everyN: 100, minIntervalMs: 200, onResult: (r) => results.push(r.currentSize) });
    for (const row of holdout.slice(0, 300)) monitor.observe(row, fakeScore(row));
    await tick();
    for (const [i, row] of holdout.slice(300, 900).entries()) {
      monitor.observe(row, fakeScore(row));
      if (i % 100 === 99) await tick();
    }
    expect(results).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(results).toHaveLength(2);
    expect(await gaugeValue(registry, 'churn_drift_window_rows')).toBe(300);
    monitor.close();
  });

  it('when fewer rows than the minimum were seen, then no verdict is published', () => {
    const monitor = new LiveDriftMonitor({ contract, reference, registry: new Registry(), windowSize: 500, everyN: 0 });
    for (const row of holdout.slice(0, 50)) monitor.observe(row, 0.1);
    expect(monitor.recompute()).toBeUndefined();
    expect(monitor.observations).toBe(50);
  });

  it('when observe is called 200,000 times, then it stays cheap because the statistics run off the call', () => {
    const monitor = new LiveDriftMonitor({ contract, reference, registry: new Registry(), windowSize: 500, everyN: 0 });
    const row = holdout[0];
    if (!row) throw new Error('empty holdout');
    const started = performance.now();
    for (let i = 0; i < 200_000; i++) monitor.observe(row, 0.2);
    expect(performance.now() - started).toBeLessThan(500);
    expect(monitor.observations).toBe(500);
    expect(monitor.lastResult).toBeUndefined();
  });

  it('when two monitors share a registry and the model is swapped for one of the same contract, then gauges are reused and the window kept', () => {
    const registry = new Registry();
    const a = new LiveDriftMonitor({ contract, reference, registry, windowSize: 200, everyN: 0 });
    const b = new LiveDriftMonitor({ contract, reference, registry, windowSize: 200, everyN: 0 });
    for (const row of holdout.slice(0, 200)) b.observe(row, 0.1);
    b.setModel({ contract, reference: datasetFixture(1500).reference, runId: 'run-2' });
    expect(b.lastResult?.referenceSize).toBe(1500);
    expect(b.observations).toBe(200);
    a.close();
    b.close();
  });

  it('when a model of another dataset is promoted, then the window starts empty and the old features lose their series', async () => {
    const registry = new Registry();
    const monitor = new LiveDriftMonitor({ contract, reference, registry, windowSize: 200, everyN: 0 });
    for (const row of holdout.slice(0, 200)) monitor.observe(row, 0.1);
    monitor.recompute();
    expect(await gaugeValue(registry, 'churn_feature_drift_score', { feature: 'credit_limit' })).toBeDefined();
    const telco = DatasetContract.resolve('telco');
    const rows = loadCleanDataset(telco).rows.map(({ churned: _churned, ...features }) => features);
    monitor.setModel({ contract: telco, reference: buildReferenceProfile(telco, rows.slice(0, 2000)), runId: 'telco-run' });
    expect(monitor.observations).toBe(0);
    expect(await gaugeValue(registry, 'churn_feature_drift_score', { feature: 'credit_limit' })).toBeUndefined();
    for (const row of rows.slice(2000, 2200)) monitor.observe(row, 0.2);
    monitor.recompute();
    expect(await gaugeValue(registry, 'churn_feature_drift_score', { feature: 'tenure' })).toBeLessThan(0.1);
    expect(await gaugeValue(registry, 'churn_drift_window_rows')).toBe(200);
    monitor.close();
  });
});
