import type { MetricValueWithName, Registry } from 'prom-client';

interface Series {
  /** Observations per bucket (not cumulative); the last is above every bound. */
  counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A histogram with one label that takes a whole batch of observations in one call, exposed exactly
 * as prom-client's Histogram exposes it. prom-client's observe() builds, validates and hashes its
 * labels for every value: ~25 ms and 200,000 short-lived objects per 100,000-row batch.
 */
export class BulkHistogram<Label extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly label: Label,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** Every value under one label value; values must be finite (prom-client throws for others too). */
  observeMany(labelValue: string, values: ArrayLike<number>): void {
    let series = this.series.get(labelValue);
    if (!series) {
      series = { counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
      this.series.set(labelValue, series);
    }
    const { bounds } = this;
    for (let i = 0; i < values.length; i += 1) {
      const value = values[i] as number;
      if (!Number.isFinite(value)) throw new TypeError(`${this.name}: value is not a valid number: ${value}`);
      let b = 0;
      while (b < bounds.length && value > (bounds[b] as number)) b += 1;
      series.counts[b] = (series.counts[b] as number) + 1;
      series.sum += value;
    }
    series.count += values.length;
  }

  /** What the registry reads for /metrics, in prom-client's shape. */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; values: MetricValueWithName<string>[]; aggregator: 'sum' }> {
    const values: MetricValueWithName<string>[] = [];
    for (const [labelValue, series] of this.series) {
      let cumulative = 0;
      this.bounds.forEach((bound, b) => {
        cumulative += series.counts[b] as number;
        values.push({ labels: { le: bound, [this.label]: labelValue }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', [this.label]: labelValue }, value: series.count, metricName: `${this.name}_bucket` });
      values.push({ labels: { [this.label]: labelValue }, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { [this.label]: labelValue }, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.series.clear();
  }
}
