import { defaultContract, seededRandom } from '@churn/churn-data';
import type { Db } from 'mongodb';
import { Registry } from 'prom-client';
import { estimateQuality, fitIsotonic } from './cbpe.js';
import { QUALITY_METRICS, QualityMonitor } from './quality-monitor.js';
import { boundedSegmentQuality, OTHER_LEVEL } from './segment-quality.js';

const contract = defaultContract();
const cards = ['blue', 'silver', 'gold'];
const now = Date.now();

/** 300 predictions of run-a, each with its outcome, as the prediction log and POST /outcomes store them. */
function documents() {
  const random = seededRandom(9);
  const predictions = Array.from({ length: 300 }, (_, i) => {
    const churned = random() < 0.3 ? 1 : 0;
    const chance = Math.min(1, Math.max(0, 0.25 + (churned ? 0.3 : -0.1) + (random() - 0.5) * 0.6));
    return { model_run_id: 'run-a', features: { card_category: cards[i % 3], gender: i % 2 ? 'm' : 'f' }, churn_chance: chance, created_at: new Date(now - 60_000 + i), request_id: `r${i}`, churned };
  });
  const outcomes = predictions.map((p) => ({ _id: `r:${p.request_id}`, churned: p.churned, observed_at: new Date(now) }));
  return { predictions, outcomes };
}

/** The part of Db the join reads: a find cursor (chained options, toArray or async iteration) over fixed documents. */
function fakeDb(collections: Record<string, object[]>): Db {
  return {
    collection: (name: string) => ({
      find: () => {
        const docs = collections[name] ?? [];
        const cursor = {
          sort: () => cursor,
          limit: () => cursor,
          batchSize: () => cursor,
          project: () => cursor,
          toArray: async () => docs,
          [Symbol.asyncIterator]: async function* () {
            yield* docs;
          },
        };
        return cursor;
      },
    }),
  } as unknown as Db;
}

async function series(registry: Registry, name: string) {
  return (await registry.getSingleMetric(name)?.get())?.values ?? [];
}

describe('QualityMonitor', () => {
  const { predictions, outcomes } = documents();
  const db = fakeDb({ predictions, outcomes });

  it("given the served model's contract, when refreshed, then every level of each categorical feature has its count and measures on /metrics, as boundedSegmentQuality gives them", async () => {
    const registry = new Registry();
    const monitor = new QualityMonitor({ db, registry, runId: () => 'run-a', windowMs: 3_600_000, everyMs: 60_000, contract: () => contract });
    await monitor.refresh(new Date(now));
    const segments = await series(registry, QUALITY_METRICS.segment);
    const expected = boundedSegmentQuality(
      contract,
      predictions.map((p) => ({ features: p.features, chance: p.churn_chance, label: p.churned as 0 | 1 })),
    );
    const value = (feature: string, level: string, measure: string) => segments.find((s) => s.labels['feature'] === feature && s.labels['value'] === level && s.labels['measure'] === measure)?.value;
    for (const level of cards) {
      expect(value('card_category', level, 'labelled')).toBe(100);
      expect(value('card_category', level, 'auc')).toBe(expected['card_category']?.[level]?.auc);
      expect(value('card_category', level, 'deviated_share')).toBe(expected['card_category']?.[level]?.deviatedShare);
    }
    expect(value('gender', 'm', 'f1')).toBe(expected['gender']?.['m']?.f1);
    // A value the contract does not declare (here: none sent) pools into (other), not a series of its own.
    expect(new Set(segments.filter((s) => s.labels['feature'] === 'marital_status').map((s) => s.labels['value']))).toEqual(new Set([OTHER_LEVEL]));
  });

  it('given a model without test predictions, when refreshed twice, then the estimate calibrates on the labelled window and the fallback is told once', async () => {
    const registry = new Registry();
    const told: string[] = [];
    const monitor = new QualityMonitor({ db, registry, runId: () => 'run-a', windowMs: 3_600_000, everyMs: 60_000, testPredictions: () => undefined, onNoTestPredictions: (runId) => told.push(runId) });
    await monitor.refresh(new Date(now));
    await monitor.refresh(new Date(now));
    expect(told).toEqual(['run-a']);
    const estimated = await series(registry, QUALITY_METRICS.estimated);
    expect(new Set(estimated.map((s) => s.labels['calibration']))).toEqual(new Set(['labelled']));
  });

  it("given the model's test predictions, when refreshed, then the estimate is calibrated on them", async () => {
    const registry = new Registry();
    const test = { chances: predictions.slice(0, 150).map((p) => p.churn_chance), labels: predictions.slice(0, 150).map((p) => p.churned as 0 | 1) };
    const monitor = new QualityMonitor({ db, registry, runId: () => 'run-a', windowMs: 3_600_000, everyMs: 60_000, testPredictions: () => test });
    await monitor.refresh(new Date(now));
    const auc = (await series(registry, QUALITY_METRICS.estimated)).find((s) => s.labels['measure'] === 'auc');
    expect(auc?.labels['calibration']).toBe('test');
    expect(auc?.value).toBe(estimateQuality(predictions.map((p) => p.churn_chance), fitIsotonic(test.chances, test.labels)).auc);
  });

  it('given a refresh under way, when stopped, then stop resolves only once the refresh has set its gauges (its Mongo client is closed after)', async () => {
    const registry = new Registry();
    let answer: (auc: number) => void = () => undefined;
    const monitor = new QualityMonitor({ db, registry, runId: () => 'run-a', windowMs: 3_600_000, everyMs: 60_000, testAuc: () => new Promise<number>((resolve) => (answer = resolve)) });
    monitor.start();
    let stopped = false;
    const stopping = monitor.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    answer(0.9);
    await stopping;
    expect((await series(registry, QUALITY_METRICS.testAuc)).map((v) => v.value)).toEqual([0.9]);
  });
});
