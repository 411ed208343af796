import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ListShardsCommand, PutRecordsCommand, SplitShardCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '@churn/aws';
import { registerTestModel, trainTestModel, datasetSplit, waitFor, writeEnvFile } from '@churn/serving/testing';
import { createTestStreams, readAll, requestOf } from './stream-test-support.js';
import { ownedBy, readLeases, startEmulators, startPredictorProcess, waitForSettledLeases, type Emulators, type PredictorProcess } from './kcl-test-support.js';

// Three stream predictors sharing a 4-shard stream through the Kinesis Client Library, against our
// own kinesalite (both listeners) and dynalite; the model from the stack's registry on 5051, the log
// in the stack's FerretDB.
const TRACKING_URI = 'http://127.0.0.1:5051';
const MONGODB = 'mongodb://127.0.0.1:27017/churn_kcl_int?directConnection=true';
const root = join(import.meta.dirname, '..', '..', '..');
const BATCH = 100;
const KEYS = 64;
const rows = datasetSplit().test;

let emulators: Emulators;
let kinesis: KinesisClient;
let runId: string;
let dir: string;
const predictors: PredictorProcess[] = [];

beforeAll(async () => {
  // The predictors run from their bundle, as `npm start` runs them.
  execFileSync(process.execPath, [join(root, 'scripts/build-services.mjs'), 'predictor-stream'], { stdio: 'ignore' });
  emulators = await startEmulators();
  kinesis = createKinesisClient({ AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'churn-local', AWS_SECRET_ACCESS_KEY: 'churn-local-secret', AWS_ENDPOINT_URL_KINESIS: emulators.kinesisEndpoint });
  dir = await trainTestModel({ max_depth: 4 }, 20);
  runId = await registerTestModel(TRACKING_URI, dir, 'kcl-stream-model');
}, 120_000);

afterAll(async () => {
  for (const p of predictors) p.child.kill('SIGKILL');
  kinesis?.destroy();
  await emulators?.stop();
});

/** Puts requests `from`..`to - 1`, request i under partition key k(i % KEYS), in order. */
async function put(stream: string, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += 500) {
    const ids = Array.from({ length: Math.min(500, to - start) }, (_, j) => start + j);
    const response = await kinesis.send(
      new PutRecordsCommand({ StreamName: stream, Records: ids.map((i) => ({ PartitionKey: `k${i % KEYS}`, Data: Buffer.from(JSON.stringify(requestOf(rows[i % rows.length]!, i))) })) }),
    );
    if (response.FailedRecordCount) throw new Error(`${response.FailedRecordCount} records not put`);
  }
}

const idOf = (result: Record<string, unknown>) => Number(String(result.request_id).slice(1));

describe('predictor-stream on the Kinesis Client Library, three copies', () => {
  it('when three copies share a 4-shard stream, one is SIGKILLed and a shard splits mid-stream, then every record has a result, duplicates stay within one batch per moved shard and each key keeps its order', async () => {
    const streams = await createTestStreams(kinesis, 4);
    const application = `kcl-int-${randomUUID().slice(0, 8)}`;
    const envFile = await writeEnvFile(
      {
        RUN_ID: runId,
        MODEL_URI: '',
        MLFLOW_TRACKING_URI: TRACKING_URI,
        MODEL_CACHE_DIR: `${dir}-cache`,
        MONGODB_URI: MONGODB,
        AWS_ENDPOINT_URL_KINESIS: emulators.kinesisEndpoint,
        PREDICTIONS_STREAM: streams.input,
        RESULTS_STREAM: streams.results,
        DLQ_STREAM: streams.dlq,
        OUTCOMES_STREAM: streams.outcomes,
        STREAM_BATCH_SIZE: String(BATCH),
        STREAM_POLL_INTERVAL: '100ms',
        PREDICTION_LOG_FLUSH_INTERVAL: '100ms',
        PREDICTOR_STREAM_PORT: '0',
        STREAM_CONSUMER: 'kcl',
        KCL_APPLICATION_NAME: application,
        KCL_KINESIS_ENDPOINT: emulators.kinesisH2Endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamoDbEndpoint,
        KCL_FAILOVER_TIME: '3s',
        KCL_SHARD_SYNC_INTERVAL: '1s',
        KCL_JARS: join(root, '.stack/kcl/jars'),
        LOG_LEVEL: 'info',
      },
      join(root, '.env.local'),
    );
    const startedAt = Date.now();
    predictors.push(...(await Promise.all([1, 2, 3].map(() => startPredictorProcess(envFile)))));
    const workerOf = (p: PredictorProcess) => ownedBy(p.child.pid);
    const leases = () => readLeases(emulators.dynamoDbEndpoint, application);

    await waitForSettledLeases(emulators.dynamoDbEndpoint, application, predictors.map((p) => p.child.pid), 4, 6_000);
    const balancedMs = Date.now() - startedAt;

    // 1. All three run: exactly one result per record.
    await put(streams.input, 0, 600);
    await waitFor(async () => new Set((await readAll(kinesis, streams.results)).map(idOf)).size >= 600, { timeoutMs: 60_000, what: 'the first 600 results', intervalMs: 300 });
    const first = await readAll(kinesis, streams.results);
    expect(first.length).toBe(600);
    expect(new Set(first.map(idOf)).size).toBe(600);

    // 2. Records keep coming while one copy is SIGKILLed and then a shard splits.
    let next = 600;
    let producing = true;
    const producer = (async () => {
      while (producing) {
        await put(streams.input, next, next + 40);
        next += 40;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    // Every shard whose lease changes hands from here on (the killed copy's, and any the survivors then
    // rebalance between them) may replay its one unacknowledged batch.
    const ownersSeen = new Map<string, Set<string>>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const lease of await leases()) if (lease.owner) (ownersSeen.get(lease.shardId) ?? ownersSeen.set(lease.shardId, new Set()).get(lease.shardId)!).add(lease.owner);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const held = await leases();
    const victim = predictors.find((p) => held.some(workerOf(p)))!;
    const moved = held.filter(workerOf(victim)).map((l) => l.shardId);
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await waitFor(async () => {
      const now = await leases();
      return moved.every((shard) => now.some((l) => l.shardId === shard && l.owner !== undefined && !workerOf(victim)(l)));
    }, { timeoutMs: 60_000, what: "the killed copy's shards taken over", intervalMs: 250 });
    const failoverMs = Date.now() - killedAt;
    // A lease is free once unrenewed for KCL_FAILOVER_TIME (3 s) and taken at the next lease-taking round
    // (about twice that): generous for a busy machine, far below what a stuck failover would take.
    expect(failoverMs).toBeLessThan(30_000);

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streams.input }));
    const parent = Shards.find((s) => !s.SequenceNumberRange?.EndingSequenceNumber)!;
    const low = BigInt(parent.HashKeyRange!.StartingHashKey!);
    const high = BigInt(parent.HashKeyRange!.EndingHashKey!);
    await kinesis.send(new SplitShardCommand({ StreamName: streams.input, ShardToSplit: parent.ShardId, NewStartingHashKey: String((low + high) / 2n) }));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    producing = false;
    await producer;
    const total = next;

    await waitFor(async () => new Set((await readAll(kinesis, streams.results)).map(idOf)).size >= total, { timeoutMs: 90_000, what: `all ${total} results`, intervalMs: 500 });
    const results = await readAll(kinesis, streams.results);
    watching = false;
    await watcher;
    const changedHands = [...ownersSeen].filter(([, owners]) => owners.size > 1).map(([shard]) => shard);

    // Nothing lost.
    const ids = new Set(results.map(idOf));
    expect(Array.from({ length: total }, (_, i) => i).filter((i) => !ids.has(i))).toEqual([]);

    // Duplicates only on the moved shards, at most one batch each.
    const seen = new Set<number>();
    const duplicatesByShard = new Map<string, number>();
    for (const result of results) {
      const id = idOf(result);
      if (seen.has(id)) duplicatesByShard.set(String(result.shard_id), (duplicatesByShard.get(String(result.shard_id)) ?? 0) + 1);
      seen.add(id);
    }
    expect(changedHands).toEqual(expect.arrayContaining(moved));
    for (const [shard, count] of duplicatesByShard) {
      expect(changedHands).toContain(shard);
      expect(count).toBeLessThanOrEqual(BATCH);
    }

    // Each key's records in the order they were put (first results only): the parent read to its end before its children.
    const lastOfKey = new Map<number, number>();
    const outOfOrder: string[] = [];
    const firsts = new Set<number>();
    for (const result of results) {
      const id = idOf(result);
      if (firsts.has(id)) continue;
      firsts.add(id);
      const previous = lastOfKey.get(id % KEYS) ?? -1;
      if (id < previous) outOfOrder.push(`k${id % KEYS}: ${id} after ${previous}`);
      lastOfKey.set(id % KEYS, Math.max(previous, id));
    }
    expect(outOfOrder).toEqual([]);
    const children = (await kinesis.send(new ListShardsCommand({ StreamName: streams.input }))).Shards?.filter((s) => s.ParentShardId === parent.ShardId).map((s) => s.ShardId) ?? [];
    expect(children).toHaveLength(2);
    expect(results.filter((r) => children.includes(String(r.shard_id))).length).toBeGreaterThan(0);
    expect((await leases()).find((l) => l.shardId === parent.ShardId)?.checkpoint).toBe('SHARD_END');

    // 3. SIGTERM drains: the survivors exit 0.
    const survivors = predictors.filter((p) => p !== victim);
    for (const p of survivors) p.child.kill('SIGTERM');
    expect(await Promise.all(survivors.map((p) => p.exited))).toEqual([0, 0]);
    console.log(`KCL: three copies each holding a lease ${balancedMs} ms after start; ${total} records, failover of ${moved.length} shard(s) in ${failoverMs} ms, leases that changed hands ${changedHands.length}, duplicates ${JSON.stringify(Object.fromEntries(duplicatesByShard))}`);
    await streams.remove();
  }, 300_000);
});
