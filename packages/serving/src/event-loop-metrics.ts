import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/** Sampling period of the delay monitor: 1 ms sees stalls of a few ms that prom-client's 10 ms default blurs. */
const RESOLUTION_MS = 1;
const QUANTILES = [0.5, 0.99, 0.999] as const;

/**
 * churn_event_loop_delay_seconds{quantile}: how late the event loop ran a 1 ms timer, as p50, p99,
 * p99.9 and max ("1") over the time since the previous scrape (the histogram restarts at each
 * collect, as prom-client's nodejs_eventloop_lag_* do). The monitor records the whole period between
 * ticks, so the resolution is taken off to leave the delay alone.
 */
export function registerEventLoopDelay(registry: Registry): void {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const resolutionNs = RESOLUTION_MS * 1e6;
  const seconds = (ns: number) => Math.max(0, ns - resolutionNs) / 1e9;
  new Gauge({
    name: 'churn_event_loop_delay_seconds',
    help: `Event loop delay since the previous scrape (monitorEventLoopDelay at ${RESOLUTION_MS} ms resolution); quantile "1" is the max`,
    labelNames: ['quantile'] as const,
    registers: [registry],
    collect() {
      if (histogram.count === 0) {
        this.reset();
        return;
      }
      for (const q of QUANTILES) this.set({ quantile: String(q) }, seconds(histogram.percentile(q * 100)));
      this.set({ quantile: '1' }, seconds(histogram.max));
      histogram.reset();
    },
  });
}
