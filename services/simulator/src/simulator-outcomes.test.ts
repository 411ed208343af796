import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@churn/logger';
import { Registry } from 'prom-client';
import { createSimulatorMetrics } from './metrics.js';
import { Simulator, type OutcomeOptions } from './simulator.js';

interface Seen {
  predictions: { at: number; customerId: number; requestId: string }[];
  outcomes: { at: number; request_id: string; churned: 0 | 1 }[];
}

// A stand-in predictor that mints its own request ids (as when the caller sends none it accepts),
// so the outcomes must name the id it answered, not the one sent.
async function replay(outcomes: Omit<OutcomeOptions, 'outcomesStream'>, maxRecords: number, registry = new Registry()): Promise<Seen> {
  const seen: Seen = { predictions: [], outcomes: [] };
  const predictor = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { customer_id: number; outcomes?: Seen['outcomes'] };
      if (req.url === '/outcomes') {
        for (const o of parsed.outcomes ?? []) seen.outcomes.push({ ...o, at: Date.now() });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      const requestId = `minted-${parsed.customer_id}`;
      seen.predictions.push({ at: Date.now(), customerId: parsed.customer_id, requestId });
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId }).end('{"churn chance":0.5,"model_run_id":"x"}');
    });
  });
  await new Promise<void>((resolve) => predictor.listen(0, '127.0.0.1', resolve));
  const simulator = new Simulator({
    rows: [{ credit_limit: 1000 }, { credit_limit: 2000 }, { credit_limit: 3000 }, { credit_limit: 4000 }],
    targets: ['http'],
    ratePerSec: 1000,
    predictorUrl: `http://127.0.0.1:${(predictor.address() as AddressInfo).port}`,
    predictionsStream: 'unused',
    resultsStream: 'unused',
    drift: [],
    driftAfterMs: 0,
    maxRecords,
    maxInFlight: 8,
    seed: 1,
    outcomes: { ...outcomes, outcomesStream: 'unused' },
    metrics: createSimulatorMetrics(registry),
    logger: createLogger('simulator-test', { level: 'silent' }),
  });
  try {
    await simulator.start();
    await simulator.finished;
    return seen;
  } finally {
    await new Promise((resolve) => predictor.close(resolve));
  }
}

// The rows' true outcomes.
const labels = [1, 0, 0, 1] as const;

describe('simulator outcomes', () => {
  it('given every customer gets an outcome 300 ms later, when it replays 8 customers, then each outcome names the id the predictor answered, carries the row\'s label, is sent after its delay, and finishing waits for them', async () => {
    const registry = new Registry();
    const seen = await replay({ labels, share: 1, delayMs: 300 }, 8, registry);
    expect(seen.predictions).toHaveLength(8);
    expect(seen.outcomes.map((o) => o.request_id).sort()).toEqual(seen.predictions.map((p) => p.requestId).sort());
    for (const outcome of seen.outcomes) {
      const prediction = seen.predictions.find((p) => p.requestId === outcome.request_id);
      expect(outcome.at - (prediction?.at ?? Infinity)).toBeGreaterThanOrEqual(290);
    }
    // 4 rows replayed twice: each row's two customers get the same (its true) outcome.
    const byRow = new Map<number, Set<number>>();
    for (const outcome of seen.outcomes) {
      const customer = seen.predictions.find((p) => p.requestId === outcome.request_id)?.customerId as number;
      const row = customer % 4;
      byRow.set(row, (byRow.get(row) ?? new Set()).add(outcome.churned));
    }
    expect([...byRow.values()].every((set) => set.size === 1)).toBe(true);
    expect([...byRow.values()].flatMap((set) => [...set]).sort()).toEqual([0, 0, 1, 1]);
    expect(await registry.metrics()).toMatch(/churn_simulator_outcomes_sent_total\{target="http"\} 8/);
  });

  it('given a share of 0.5, when it replays 400 customers, then about half get an outcome', async () => {
    const seen = await replay({ labels, share: 0.5, delayMs: 0 }, 400);
    expect(seen.predictions).toHaveLength(400);
    expect(seen.outcomes.length).toBeGreaterThan(150);
    expect(seen.outcomes.length).toBeLessThan(250);
  });

  it('given concept drift of every outcome from the start, when it replays, then every outcome is the opposite of the one without drift (same seed)', async () => {
    const plain = await replay({ labels, share: 1, delayMs: 0 }, 8);
    const drifted = await replay({ labels, share: 1, delayMs: 0, conceptDrift: { share: 1, afterMs: 0 } }, 8);
    const byId = (seen: Seen) => new Map(seen.outcomes.map((o) => [o.request_id, o.churned]));
    const before = byId(plain);
    expect([...byId(drifted)].map(([id, churned]) => churned + (before.get(id) ?? NaN))).toEqual(Array(8).fill(1));
  });

  it('given concept drift that starts after the run, when it replays, then no outcome is flipped', async () => {
    const plain = await replay({ labels, share: 1, delayMs: 0 }, 8);
    const later = await replay({ labels, share: 1, delayMs: 0, conceptDrift: { share: 1, afterMs: 3_600_000 } }, 8);
    const sorted = (seen: Seen) => seen.outcomes.map((o) => `${o.request_id}:${o.churned}`).sort();
    expect(sorted(later)).toEqual(sorted(plain));
  });
});
