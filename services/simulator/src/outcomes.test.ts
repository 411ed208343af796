import { createLogger } from '@churn/logger';
import { Registry } from 'prom-client';
import { createSimulatorMetrics } from './metrics.js';
import { ConceptDriftSpecError, OutcomeSender, parseConceptDrift } from './outcomes.js';

describe('parseConceptDrift', () => {
  it('when the spec is empty, then there is no concept drift', () => {
    expect(parseConceptDrift(' ')).toBeUndefined();
  });

  it('when the spec is share@duration, then it gives the share and the time in milliseconds', () => {
    expect(parseConceptDrift('0.3@10m')).toEqual({ share: 0.3, afterMs: 600_000 });
    expect(parseConceptDrift('1 @ 500ms')).toEqual({ share: 1, afterMs: 500 });
  });

  it.each(['0.3', '0.3@', '@10m', 'half@10m', '0.3@10 minutes'])('when the spec is %p, then it is refused with the expected form', (spec) => {
    expect(() => parseConceptDrift(spec)).toThrow(new ConceptDriftSpecError(`"${spec.trim()}" must be share@after, e.g. 0.3@10m (a share in (0, 1], a duration in ms, s, m, h or d)`));
  });

  it.each(['0@1m', '1.5@1m'])('when the share of %p is outside (0, 1], then the error says so', (spec) => {
    expect(() => parseConceptDrift(spec)).toThrow(/must be above 0 and at most 1/);
  });
});

describe('OutcomeSender', () => {
  it('given outcomes due at different times, when flushed before any is due, then nothing is sent, and the ones due go at their time only', async () => {
    const registry = new Registry();
    const posted: unknown[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (_url: string, init: RequestInit) => {
      posted.push(JSON.parse(String(init.body)));
      return new Response('{}', { status: 200 });
    }) as typeof fetch;
    try {
      const sender = new OutcomeSender({ predictorUrl: 'http://predictor', outcomesStream: 'outcomes', metrics: createSimulatorMetrics(registry), logger: createLogger('t', { level: 'silent' }) });
      sender.schedule({ target: 'http', request_id: 'a', churned: 1, dueAt: 100 });
      sender.schedule({ target: 'http', request_id: 'b', churned: 0, dueAt: 200 });
      await sender.flush(99);
      expect(posted).toEqual([]);
      await sender.flush(150);
      expect(posted).toEqual([{ outcomes: [{ request_id: 'a', churned: 1 }] }]);
      expect(sender.pending).toBe(1);
      expect(sender.drop()).toBe(1);
      expect(await registry.metrics()).toMatch(/churn_simulator_outcomes_sent_total\{target="http"\} 1/);
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});
