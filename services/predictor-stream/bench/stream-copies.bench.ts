// The stream predictor in copies: records/s draining a backlog on a 4-shard stream with the in-process
// reader (one copy: its peer), and through the Kinesis Client Library with 1 and 2 copies, each after
// the KCL's leases have settled; every prediction logged to FerretDB. Our own kinesalite (both
// listeners) and dynalite on free ports; the model from the stack's registry (make up-local).
// Rounds alternate the three setups and report medians. Run: `npm run bench -- stream-copies`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '@churn/aws';
import { datasetSplit, registerTestModel, trainTestModel, waitFor, writeEnvFile } from '@churn/serving/testing';
import { MongoClient } from 'mongodb';
import { startEmulators, startPredictorProcess, waitForSettledLeases, type PredictorProcess } from '../src/kcl-test-support.js';
import { createTestStreams, requestOf } from '../src/stream-test-support.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const COMMAND = 'npm run bench -- stream-copies';
const TRACKING_URI = 'http://127.0.0.1:5051';
const RECORDS = Number(process.env.BENCH_RECORDS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const BENCH_DB = `churn_bench_stream_copies_${process.pid}`;
const SETUPS = [
  { name: 'reader, 1 copy', consumer: 'reader', copies: 1 },
  { name: 'KCL, 1 copy', consumer: 'kcl', copies: 1 },
  { name: 'KCL, 2 copies', consumer: 'kcl', copies: 2 },
] as const;

execFileSync(process.execPath, [join(ROOT, 'scripts/build-services.mjs'), 'predictor-stream'], { stdio: ['ignore', 'ignore', 'inherit'] });
const emulators = await startEmulators();
const kinesis = createKinesisClient({ AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'churn-local', AWS_SECRET_ACCESS_KEY: 'churn-local-secret', AWS_ENDPOINT_URL_KINESIS: emulators.kinesisEndpoint });
const dir = await trainTestModel({ max_depth: 4 }, 20);
const runId = await registerTestModel(TRACKING_URI, dir, 'bench-stream-copies');
const rows = datasetSplit().test;
const payloads = Array.from({ length: RECORDS }, (_, i) => Buffer.from(JSON.stringify(requestOf(rows[i % rows.length]!, i))));

const okRecords = async (copies: PredictorProcess[]) => {
  let sum = 0;
  for (const copy of copies) {
    const text = await (await fetch(`http://127.0.0.1:${copy.port}/metrics`)).text();
    sum += Number(/churn_stream_records_total\{outcome="ok"\} (\d+)/.exec(text)?.[1] ?? 0);
  }
  return sum;
};

async function measure(setup: (typeof SETUPS)[number], round: number): Promise<number> {
  const streams = await createTestStreams(kinesis, 4);
  const application = `bench-copies-${process.pid}-${round}-${setup.copies}`;
  const envFile = await writeEnvFile(
    {
      RUN_ID: runId,
      MODEL_URI: '',
      MLFLOW_TRACKING_URI: TRACKING_URI,
      MODEL_CACHE_DIR: `${dir}-cache`,
      MONGODB_URI: `mongodb://127.0.0.1:27017/${BENCH_DB}?directConnection=true`,
      AWS_ENDPOINT_URL_KINESIS: emulators.kinesisEndpoint,
      PREDICTIONS_STREAM: streams.input,
      RESULTS_STREAM: streams.results,
      DLQ_STREAM: streams.dlq,
      OUTCOMES_STREAM: streams.outcomes,
      STREAM_CHECKPOINT_COLLECTION: streams.checkpoints,
      PREDICTOR_STREAM_PORT: '0',
      STREAM_CONSUMER: setup.consumer,
      KCL_APPLICATION_NAME: application,
      KCL_KINESIS_ENDPOINT: emulators.kinesisH2Endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamoDbEndpoint,
      KCL_FAILOVER_TIME: '3s',
      KCL_SHARD_SYNC_INTERVAL: '1s',
      KCL_JARS: join(ROOT, '.stack/kcl/jars'),
      // 'consuming' (info) tells the copy is up.
      LOG_LEVEL: 'info',
    },
    join(ROOT, '.env.local'),
  );
  const copies: PredictorProcess[] = [];
  try {
    copies.push(...(await Promise.all(Array.from({ length: setup.copies }, () => startPredictorProcess(envFile)))));
    if (setup.consumer === 'kcl') await waitForSettledLeases(emulators.dynamoDbEndpoint, application, copies.map((c) => c.child.pid), 4, 4_000);
    const started = performance.now();
    for (let start = 0; start < payloads.length; start += 500) {
      const slice = payloads.slice(start, start + 500);
      await kinesis.send(new PutRecordsCommand({ StreamName: streams.input, Records: slice.map((Data, i) => ({ PartitionKey: `k${start + i}`, Data })) }));
    }
    await waitFor(async () => (await okRecords(copies)) >= RECORDS, { timeoutMs: 300_000, what: `${setup.name}: ${RECORDS} records`, intervalMs: 100 });
    return RECORDS / ((performance.now() - started) / 1000);
  } finally {
    for (const copy of copies) copy.child.kill('SIGTERM');
    await Promise.all(copies.map((c) => c.exited));
    await streams.remove();
  }
}

const runs = new Map<string, number[]>(SETUPS.map((s) => [s.name, []]));
try {
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const setup of SETUPS) {
      const rps = await measure(setup, round);
      runs.get(setup.name)!.push(rps);
      console.error(`round ${round + 1}: ${setup.name} ${rps.toFixed(0)} records/s`);
    }
  }
} finally {
  kinesis.destroy();
  await emulators.stop();
}
const mongo = new MongoClient('mongodb://127.0.0.1:27017/?directConnection=true');
await mongo.db(BENCH_DB).dropDatabase().catch(() => undefined);
await mongo.close();

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const reader = median(runs.get(SETUPS[0].name)!);
const table = [
  `| setup (median of ${ROUNDS}, ${RECORDS} records, 4 shards) | records/s | vs reader, 1 copy |`,
  '|---|---|---|',
  ...SETUPS.map((s) => `| ${s.name} | ${median(runs.get(s.name)!).toFixed(0)} | ${(median(runs.get(s.name)!) / reader).toFixed(2)} |`),
].join('\n');
console.log(`\`${COMMAND}\`\n\n${table}`);
console.log(`\nrecords/s per run: ${SETUPS.map((s) => `${s.name} ${runs.get(s.name)!.map((v) => v.toFixed(0)).join(', ')}`).join('; ')}`);
mkdirSync(join(ROOT, '.stack/bench'), { recursive: true });
writeFileSync(join(ROOT, '.stack/bench/stream-copies.json'), JSON.stringify({ command: COMMAND, records: RECORDS, rounds: ROUNDS, runId, runs: Object.fromEntries(runs) }, null, 2));
