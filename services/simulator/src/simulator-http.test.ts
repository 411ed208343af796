import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@churn/logger';
import { Registry } from 'prom-client';
import { createSimulatorMetrics } from './metrics.js';
import { Simulator } from './simulator.js';

// The HTTP target alone against a stand-in predictor: what each request carries.
async function replay(predictorApiKey?: string): Promise<IncomingHttpHeaders[]> {
  const seen: IncomingHttpHeaders[] = [];
  const predictor = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"churn chance":0.5,"model_run_id":"x"}'));
  });
  await new Promise<void>((resolve) => predictor.listen(0, '127.0.0.1', resolve));
  const simulator = new Simulator({
    rows: [{ credit_limit: 1000 }, { credit_limit: 2000 }],
    targets: ['http'],
    ratePerSec: 1000,
    predictorUrl: `http://127.0.0.1:${(predictor.address() as AddressInfo).port}`,
    ...(predictorApiKey ? { predictorApiKey } : {}),
    predictionsStream: 'unused',
    resultsStream: 'unused',
    drift: [],
    driftAfterMs: 0,
    maxRecords: 3,
    maxInFlight: 4,
    seed: 1,
    metrics: createSimulatorMetrics(new Registry()),
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

describe('simulator HTTP target', () => {
  it('given a predictor API key (cloud), when it replays customers, then every request carries it in X-API-Key', async () => {
    const seen = await replay('key-41x');
    expect(seen).toHaveLength(3);
    expect(seen.map((headers) => headers['x-api-key'])).toEqual(['key-41x', 'key-41x', 'key-41x']);
  });

  it('given no key (local), when it replays customers, then no request carries X-API-Key', async () => {
    const seen = await replay();
    expect(seen).toHaveLength(3);
    expect(seen.every((headers) => headers['x-api-key'] === undefined)).toBe(true);
  });
});
