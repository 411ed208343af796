import { Histogram, Registry } from 'prom-client';
import { BulkHistogram } from './bulk-histogram.js';

describe('BulkHistogram', () => {
  const buckets = [0.05, 0.1, 0.5, 0.9, 0.95];

  it('when batches are observed, then /metrics reads exactly as prom-client\'s Histogram fed the same values one by one', async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const reference = new Histogram({ name: 'h', help: 'help text', labelNames: ['source'] as const, buckets, registers: [theirs] });
    const bulk = new BulkHistogram('h', 'help text', 'source', buckets, ours);
    const batches: [string, number[]][] = [
      ['http', [0, 0.05, 0.050001, 0.1, 0.3, 0.95, 0.96, 1]],
      ['stream', [0.5]],
      ['http', Array.from({ length: 1000 }, (_, i) => (i * 7919 % 1000) / 999)],
      ['http', []],
    ];
    for (const [source, values] of batches) {
      for (const value of values) reference.labels({ source }).observe(value);
      bulk.observeMany(source, Float64Array.from(values));
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    ours.resetMetrics();
    theirs.resetMetrics();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('when a value is not finite, then it is refused like prom-client refuses it', () => {
    const bulk = new BulkHistogram('h', 'help', 'source', buckets, new Registry());
    expect(() => bulk.observeMany('http', [0.5, Number.NaN])).toThrow(/not a valid number/);
  });
});
