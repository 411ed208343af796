// Against the native stack (make up-local): FerretDB on 27017. The served run's test AUC beside its
// realised quality: what the quality-drop alert rules compare.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { readEnvFiles } from '@churn/config';
import { MongoClient, type Db } from 'mongodb';
import { Registry } from 'prom-client';
import { QualityMonitor } from './quality-monitor.js';

const root = resolve(import.meta.dirname, '../../..');
const env = { ...readEnvFiles([resolve(root, '.env.local')]), ...process.env } as Record<string, string>;

describe('quality monitor test AUC against FerretDB', () => {
  let client: MongoClient;
  let db: Db;

  beforeAll(async () => {
    client = await MongoClient.connect(env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/?directConnection=true');
    db = client.db(`churn_quality_int_${randomUUID().slice(0, 8)}`);
    const now = Date.now();
    await db.collection('predictions').insertMany(
      [0.9, 0.2, 0.7, 0.1].map((chance, i) => ({ model_run_id: 'run-a', source: 'http', features: {}, churn_chance: chance, latency_ms: 1, created_at: new Date(now - 60_000 + i), request_id: `r${i}` })),
    );
    // As outcomes were stored before 2026-12-05, one document each keyed by its reference: still read.
    await db.collection('outcomes').insertMany([1, 0, 0, 0].map((churned, i) => ({ _id: `r:r${i}` as unknown as never, request_id: `r${i}`, churned, observed_at: new Date(), received_at: new Date() })));
  });

  afterAll(async () => {
    await db?.dropDatabase();
    await client?.close();
  });

  it('given a registry that fails once and then answers, when the monitor refreshes three times, then churn_model_test_auc appears once known, is looked up only until answered, and sits beside the realised AUC of the same run', async () => {
    const registry = new Registry();
    const errors: unknown[] = [];
    let lookups = 0;
    const monitor = new QualityMonitor({
      db,
      registry,
      runId: () => 'run-a',
      windowMs: 3_600_000,
      everyMs: 60_000,
      testAuc: async () => {
        lookups += 1;
        if (lookups === 1) throw new Error('registry down');
        return 0.83;
      },
      onError: (error) => errors.push(error),
    });
    await monitor.refresh();
    const first = await registry.metrics();
    expect(first).not.toMatch(/^churn_model_test_auc\{/m);
    expect(first).toMatch(/^churn_model_quality\{run_id="run-a",measure="auc"\} 1$/m);
    expect(errors).toEqual([new Error('registry down')]);
    await monitor.refresh();
    await monitor.refresh();
    expect(lookups).toBe(2);
    expect(await registry.metrics()).toMatch(/^churn_model_test_auc\{run_id="run-a"\} 0.83$/m);
  });

  it('given a run the registry does not know, when the monitor refreshes, then there is no test AUC series and no error', async () => {
    const registry = new Registry();
    const errors: unknown[] = [];
    const monitor = new QualityMonitor({ db, registry, runId: () => 'run-a', windowMs: 3_600_000, everyMs: 60_000, testAuc: async () => undefined, onError: (error) => errors.push(error) });
    await monitor.refresh();
    expect(await registry.metrics()).not.toMatch(/^churn_model_test_auc\{/m);
    expect(errors).toEqual([]);
  });
});
