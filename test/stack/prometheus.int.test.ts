import { z } from 'zod';
import { stackEnv } from './stack-env.js';

const targetsSchema = z.object({
  status: z.literal('success'),
  data: z.object({ activeTargets: z.array(z.object({ labels: z.object({ job: z.string() }), health: z.string() })) }),
});

describe('Prometheus of the native stack', () => {
  it('when it has scraped itself, then the target of job prometheus is up', async () => {
    // The first scrape happens within one interval (5 s) of a fresh start.
    let health = 'unknown';
    for (let attempt = 0; attempt < 30 && health !== 'up'; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
      const body = targetsSchema.parse(await (await fetch(`${stackEnv.PROMETHEUS_URL}/api/v1/targets`)).json());
      health = body.data.activeTargets.find((target) => target.labels.job === 'prometheus')?.health ?? 'missing';
    }
    expect(health).toBe('up');
  });

  it('when the suite config is loaded, then every service of the suite is a scrape target', async () => {
    const body = targetsSchema.parse(await (await fetch(`${stackEnv.PROMETHEUS_URL}/api/v1/targets`)).json());
    const jobs = new Set(body.data.activeTargets.map((target) => target.labels.job));
    expect([...jobs].sort()).toEqual(expect.arrayContaining(['predictor-api', 'predictor-stream', 'prometheus', 'registry', 'simulator', 'worker']));
  });
});
