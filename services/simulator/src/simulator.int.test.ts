import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DeleteStreamCommand, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient, ensureStream } from '@churn/aws';
import { loadConfig } from '@churn/config';
import { loadCleanDataset, predictionRequestSchema, splitDataset, toFeatures } from '@churn/churn-data';
import { createLogger } from '@churn/logger';
import { Registry } from 'prom-client';
import { simulatorConfigSchema } from './config.js';
import { parseDriftSpec } from './drift.js';
import { createSimulatorMetrics } from './metrics.js';
import { Simulator } from './simulator.js';

// Against kinesalite (4566). The HTTP side talks to a stand-in predictor that checks each body
// against the request schema: services never import each other.
const root = join(import.meta.dirname, '..', '..', '..');
const config = loadConfig(simulatorConfigSchema, { envFiles: [join(root, '.env.local')] });
const kinesis = createKinesisClient(config);
const rows = splitDataset(loadCleanDataset().rows).test.map(toFeatures);
const logger = createLogger('simulator-int', { level: 'warn' });

afterAll(() => kinesis.destroy());

it('when it replays 100 customers at 100/s to both targets with a drift, then every one is sent as a valid request, drifted, and stream results are timed', async () => {
  const suffix = randomUUID().slice(0, 8);
  const streams = { input: `sim-predictions-${suffix}`, results: `sim-results-${suffix}` };
  await Promise.all([ensureStream(kinesis, streams.input, 1), ensureStream(kinesis, streams.results, 1)]);
  const received: Record<string, unknown>[] = [];
  const predictor = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const parsed = predictionRequestSchema.safeParse(JSON.parse(body));
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(parsed.success ? 200 : 400, { 'content-type': 'application/json' }).end('{"churn chance":0.5,"model_run_id":"x"}');
    });
  });
  await new Promise<void>((resolve) => predictor.listen(0, '127.0.0.1', resolve));
  const registry = new Registry();
  const simulator = new Simulator({
    rows,
    targets: ['http', 'stream'],
    ratePerSec: 100,
    predictorUrl: `http://127.0.0.1:${(predictor.address() as AddressInfo).port}`,
    kinesis,
    predictionsStream: streams.input,
    resultsStream: streams.results,
    drift: parseDriftSpec('credit_limit*1.8,card_category=gold:1'),
    driftAfterMs: 0,
    maxRecords: 100,
    maxInFlight: 64,
    seed: 1,
    metrics: createSimulatorMetrics(registry),
    logger,
  });
  try {
    const started = Date.now();
    await simulator.start();
    await simulator.finished;
    expect(Date.now() - started).toBeGreaterThan(900);
    // Play the stream predictor: answer every input record on the results stream.
    const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streams.input }));
    const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: streams.input, ShardId: Shards[0]?.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    const { Records = [] } = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
    const inputs = Records.map((r) => JSON.parse(Buffer.from(r.Data ?? []).toString()) as Record<string, unknown>);
    expect(inputs).toHaveLength(100);
    expect(inputs.every((i) => predictionRequestSchema.safeParse(i).success && i.card_category === 'gold')).toBe(true);
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: streams.results,
        Records: inputs.map((i) => ({ PartitionKey: 'p', Data: Buffer.from(JSON.stringify({ 'churn chance': 0.5, request_id: i.request_id, sent_at: i.sent_at })) })),
      }),
    );
    const deadline = Date.now() + 30_000;
    while (!/churn_simulator_end_to_end_seconds_count\{target="stream"\} 100/.test(await registry.metrics()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await simulator.stop(0);
    expect(received).toHaveLength(100);
    expect(received.every((r) => r.card_category === 'gold')).toBe(true);
    const text = await registry.metrics();
    expect(text).toMatch(/churn_simulator_sent_total\{target="http"\} 100/);
    expect(text).toMatch(/churn_simulator_sent_total\{target="stream"\} 100/);
    expect(text).toMatch(/churn_simulator_end_to_end_seconds_count\{target="http"\} 100/);
    expect(text).toMatch(/churn_simulator_end_to_end_seconds_count\{target="stream"\} 100/);
  } finally {
    predictor.close();
    await Promise.all(Object.values(streams).map((name) => kinesis.send(new DeleteStreamCommand({ StreamName: name })).catch(() => undefined)));
  }
}, 60_000);
