import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DeleteStreamCommand, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { createKinesisClient, createS3Client, ensureBucket, ensureStream, putObject } from '@churn/aws';
import { loadConfig } from '@churn/config';
import { DatasetContract, parseRequest } from '@churn/churn-data';
import { parseOutcome } from '@churn/drift/outcomes';
import { createLogger } from '@churn/logger';
import { Registry } from 'prom-client';
import { simulatorConfigSchema, withContract } from './config.js';
import { createSimulatorMetrics } from './metrics.js';
import { replayRows } from './rows.js';
import { Simulator } from './simulator.js';

// Against kinesalite (4566) and rclone's S3 (9000). The HTTP side talks to a stand-in predictor that
// checks each body against the contract: services never import each other.
const root = join(import.meta.dirname, '..', '..', '..');
const env = loadConfig(simulatorConfigSchema, { envFiles: [join(root, '.env.local')] });
const kinesis = createKinesisClient(env);
const logger = createLogger('simulator-int', { level: 'warn' });

afterAll(() => kinesis.destroy());

it.each([
  { dataset: 'bankchurners', drift: 'credit_limit*1.8,card_category=gold:1', drifted: { card_category: 'gold' } },
  { dataset: 'telco', drift: 'tenure*3,contract=two year:1,senior_citizen=yes:1', drifted: { contract: 2, senior_citizen: 1 } },
])('when it replays 100 $dataset customers at 100/s to both targets with $drift, then every one is sent as a valid request under the contract, drifted, and stream results are timed', async ({ dataset, drift, drifted }) => {
  const config = withContract({ ...env, DATASET: dataset, SIMULATOR_DRIFT: drift });
  const { contract } = config;
  const isDrifted = (request: Record<string, unknown>) => Object.entries(drifted).every(([name, value]) => request[name] === value);
  const valid = (request: Record<string, unknown>) => parseRequest(contract, request, 'json').ok;
  const suffix = randomUUID().slice(0, 8);
  const streams = { input: `sim-predictions-${suffix}`, results: `sim-results-${suffix}` };
  await Promise.all([ensureStream(kinesis, streams.input, 1), ensureStream(kinesis, streams.results, 1)]);
  const received: Record<string, unknown>[] = [];
  const predictor = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const request = JSON.parse(body) as Record<string, unknown>;
      received.push(request);
      res.writeHead(valid(request) ? 200 : 400, { 'content-type': 'application/json' }).end('{"churn chance":0.5,"model_run_id":"x"}');
    });
  });
  await new Promise<void>((resolve) => predictor.listen(0, '127.0.0.1', resolve));
  const registry = new Registry();
  const simulator = new Simulator({
    rows: (await replayRows(contract, 'test', config)).rows,
    targets: ['http', 'stream'],
    ratePerSec: 100,
    predictorUrl: `http://127.0.0.1:${(predictor.address() as AddressInfo).port}`,
    kinesis,
    predictionsStream: streams.input,
    resultsStream: streams.results,
    drift: config.SIMULATOR_DRIFT,
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
    expect(inputs.filter((i) => !valid(i) || !isDrifted(i))).toEqual([]);
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
    expect(received.filter((r) => !valid(r) || !isDrifted(r))).toEqual([]);
    expect(new Set(received.map((r) => r.customer_id)).size).toBe(100);
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

async function readStream(name: string): Promise<Record<string, unknown>[]> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: name }));
  const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: name, ShardId: Shards[0]?.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
  const { Records = [] } = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
  return Records.map((r) => JSON.parse(Buffer.from(r.Data ?? []).toString()) as Record<string, unknown>);
}

it('given outcomes for every customer after 1 s, when it replays 60 BankChurners customers to both targets, then each prediction gets its true outcome once, over POST /outcomes or the outcomes stream as the prediction went, valid for the predictor, after the delay', async () => {
  const config = withContract({ ...env, DATASET: 'bankchurners', SIMULATOR_DRIFT: '' });
  const { contract } = config;
  const { rows, labels } = await replayRows(contract, 'test', config);
  // The true outcome of a customer by its features (where no two rows share them with different labels).
  const truth = new Map<string, number>();
  rows.forEach((row, i) => {
    const key = JSON.stringify(row);
    truth.set(key, truth.has(key) && truth.get(key) !== labels[i] ? -1 : (labels[i] as number));
  });
  const truthOf = (request: Record<string, unknown>) => truth.get(JSON.stringify(Object.fromEntries(contract.featureNames.map((name) => [name, request[name]]))));
  const suffix = randomUUID().slice(0, 8);
  const streams = { input: `sim-predictions-${suffix}`, results: `sim-results-${suffix}`, outcomes: `sim-outcomes-${suffix}` };
  await Promise.all(Object.values(streams).map((name) => ensureStream(kinesis, name, 1)));
  const predicted = new Map<string, { at: number; request: Record<string, unknown> }>();
  const posted: { at: number; outcome: Record<string, unknown> }[] = [];
  const predictor = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      if (req.url === '/outcomes') {
        for (const outcome of parsed.outcomes as Record<string, unknown>[]) posted.push({ at: Date.now(), outcome });
      } else {
        predicted.set(String(req.headers['x-request-id']), { at: Date.now(), request: parsed });
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': String(req.headers['x-request-id']) }).end('{}');
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
    drift: [],
    driftAfterMs: 0,
    maxRecords: 60,
    maxInFlight: 64,
    seed: 1,
    outcomes: { labels, share: 1, delayMs: 1_000, outcomesStream: streams.outcomes },
    metrics: createSimulatorMetrics(registry),
    logger,
  });
  try {
    const started = Date.now();
    await simulator.start();
    await simulator.finished;
    // Finishing waits for the last outcomes: a second of sending, then their delay.
    expect(Date.now() - started).toBeGreaterThan(1_500);
    await simulator.stop(0);
    const inputs = new Map((await readStream(streams.input)).map((r) => [String(r.request_id), r]));
    const streamed = await readStream(streams.outcomes);
    for (const [intake, outcomes, requests] of [
      ['http', posted.map((p) => p.outcome), new Map([...predicted].map(([id, p]) => [id, p.request]))],
      ['stream', streamed, inputs],
    ] as const) {
      expect([intake, outcomes.map((o) => String(o.request_id)).sort()]).toEqual([intake, [...requests.keys()].sort()]);
      expect(outcomes.filter((o) => !parseOutcome(contract, o).ok)).toEqual([]);
      const wrong = outcomes.filter((o) => {
        const expected = truthOf(requests.get(String(o.request_id)) ?? {});
        return expected !== -1 && expected !== o.churned;
      });
      expect([intake, wrong]).toEqual([intake, []]);
    }
    expect(posted.filter((p) => p.at - (predicted.get(String(p.outcome.request_id))?.at ?? Infinity) < 990)).toEqual([]);
    const text = await registry.metrics();
    expect(text).toMatch(/churn_simulator_outcomes_sent_total\{target="http"\} 60/);
    expect(text).toMatch(/churn_simulator_outcomes_sent_total\{target="stream"\} 60/);
  } finally {
    predictor.close();
    await Promise.all(Object.values(streams).map((name) => kinesis.send(new DeleteStreamCommand({ StreamName: name })).catch(() => undefined)));
  }
}, 60_000);

it('when the contract source is an s3:// URI, then the rows are read from S3 and cleaned with the contract', async () => {
  const s3 = createS3Client(env);
  const bucket = 'churn-features';
  const key = `simulator-int-${randomUUID().slice(0, 8)}/shop.csv`;
  await ensureBucket(s3, bucket);
  await putObject(s3, bucket, key, 'left,orders,member\n1,3,yes\n0,,no\n0,600,no\n', 'text/csv');
  const contract = DatasetContract.parse(
    `version: 1
name: shop
source: s3://${bucket}/${key}
target: { column: left, positive: ['1'], negative: ['0'] }
features:
  - { name: orders, kind: integer, min: 0 }
  - { name: member, kind: boolean }
`,
    'shop.yaml',
  );
  try {
    expect(await replayRows(contract, 'all', env)).toEqual({
      rows: [
        { orders: 3, member: 1 },
        { orders: 600, member: 0 },
      ],
      labels: [1, 0],
    });
  } finally {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    s3.destroy();
  }
});
