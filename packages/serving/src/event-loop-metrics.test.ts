import { Registry } from 'prom-client';
import { registerEventLoopDelay } from './event-loop-metrics.js';

const quantile = (text: string, q: string) => Number(new RegExp(`^churn_event_loop_delay_seconds\\{quantile="${q}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
const block = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};
const idle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('churn_event_loop_delay_seconds', () => {
  it('when the loop was blocked for 60 ms, then the max and p99.9 show it, the p50 does not, and the next scrape starts over', async () => {
    const registry = new Registry();
    registerEventLoopDelay(registry);
    await idle(100);
    block(60);
    await idle(100);
    const blocked = await registry.metrics();
    expect(quantile(blocked, '1')).toBeGreaterThanOrEqual(0.05);
    expect(quantile(blocked, '1')).toBeLessThan(1);
    expect(quantile(blocked, '0.999')).toBeGreaterThanOrEqual(0.05);
    // ~100 ticks were on time: the median is the idle delay, far under the stall.
    expect(quantile(blocked, '0.5')).toBeLessThan(0.03);

    await idle(150);
    const after = await registry.metrics();
    expect(quantile(after, '1')).toBeLessThan(0.05);
  });

  it('when nothing ran since the previous scrape, then no quantile is reported', async () => {
    const registry = new Registry();
    registerEventLoopDelay(registry);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE churn_event_loop_delay_seconds gauge');
    expect(Number.isNaN(quantile(text, '0.99'))).toBe(true);
  });
});
