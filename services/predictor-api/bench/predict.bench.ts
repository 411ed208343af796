// Serving benchmark on loopback. /predict of the real predictor (its bundle with its start script's
// node options, as services run; a trained
// model from the registry, Mongo logging and live drift on) against a bare Express handler returning a
// constant (the ceiling the issue names) and node:http returning a constant (the transport's own
// ceiling), with autocannon at concurrency 1 and 64; the stream predictor draining a backlog of records
// (GetRecords, score, PutRecords to results, checkpoint); the predictor's RSS.
// Needs the native stack (make up-local). Run alone: `npx tsx services/predictor-api/bench/predict.bench.ts`.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient, ensureStream } from '@churn/aws';
import { loadConfig } from '@churn/config';
import { customerRequests } from '@churn/serving/testing';
import autocannon from 'autocannon';
import { MongoClient } from 'mongodb';
import { serviceCommand } from '../../../scripts/demo/processes.js';
import { benchModel, buildServices, machineBusyTicks, processTicks, ROOT, startChild, startPredictorApi, stopChild, TICKS_PER_S } from './processes.js';
import { z } from 'zod';

const COMMAND = 'npx tsx services/predictor-api/bench/predict.bench.ts';
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const STREAM_RECORDS = Number(process.env.BENCH_STREAM_RECORDS ?? 20_000);
const BENCH_DB = 'churn_bench';
const env = loadConfig(z.object({ AWS_REGION: z.string(), AWS_ACCESS_KEY_ID: z.string(), AWS_SECRET_ACCESS_KEY: z.string(), AWS_ENDPOINT_URL_KINESIS: z.string().optional() }), {
  envFiles: [join(ROOT, '.env.local')],
});



const rssMb = (pid: number, field: 'VmRSS' | 'VmHWM') => {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
};


/** Warm-up, then a measured autocannon run; also where the CPU went: the server, autocannon (this process), everything else (e.g. the Mongo server). */
async function load(port: number, serverPid: number, connections: number, bodies: string[]) {
  const url = `http://127.0.0.1:${port}`;
  const requests = bodies.map((body) => ({ method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body }));
  await autocannon({ url, requests, connections, duration: 2 });
  const before = { machine: machineBusyTicks(), server: processTicks(serverPid), self: processTicks(process.pid), at: performance.now() };
  const result = await autocannon({ url, requests, connections, duration: DURATION_S });
  const seconds = (performance.now() - before.at) / 1000;
  const cores = (ticks: number) => ticks / TICKS_PER_S / seconds;
  const server = cores(processTicks(serverPid) - before.server);
  const loadGenerator = cores(processTicks(process.pid) - before.self);
  const cpu = { server, loadGenerator, others: cores(machineBusyTicks() - before.machine) - server - loadGenerator };
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx + result.timeouts, total: result.requests.total, cpu };
}

console.error('training and registering the bench model...');
const { runId, envFile } = await benchModel('bench-model', BENCH_DB, { PREDICTOR_API_PORT: '0', PREDICTOR_STREAM_PORT: '0', LOG_LEVEL: 'info' });
const bodies = customerRequests(200);
const mongo = new MongoClient('mongodb://127.0.0.1:27017/?directConnection=true');

console.error('building the service bundles...');
buildServices('predictor-api', 'predictor-stream');

async function loadCeiling(kind: 'express' | 'node') {
  console.error(`bare ${kind}...`);
  const server = await startChild(['--import', 'tsx', join(import.meta.dirname, 'bare-server.ts'), kind], {}, 'listening');
  const c1 = await load(server.port, server.child.pid!, 1, bodies);
  const c64 = await load(server.port, server.child.pid!, 64, bodies);
  await stopChild(server.child);
  return { c1, c64 };
}
const { c1: bare1, c64: bare64 } = await loadCeiling('express');
const { c1: node1, c64: node64 } = await loadCeiling('node');

console.error('predictor-api...');
const api = await startPredictorApi(envFile);
const ours1 = await load(api.port, api.child.pid!, 1, bodies);
const ours64 = await load(api.port, api.child.pid!, 64, bodies);
const rss = rssMb(api.child.pid!, 'VmRSS');
const peakRss = rssMb(api.child.pid!, 'VmHWM');
// Where the memory is: V8 heap vs the rest (code, native libxgboost, buffers).
const apiMetrics = await (await fetch(`http://127.0.0.1:${api.port}/metrics`)).text();
const metricMb = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(apiMetrics)?.[1] ?? Number.NaN) / 1048576;
const heap = { usedMb: metricMb('nodejs_heap_size_used_bytes'), totalMb: metricMb('nodejs_heap_size_total_bytes'), externalMb: metricMb('nodejs_external_memory_bytes') };
const logBuffered = Number(/^churn_prediction_log_buffered (\S+)/m.exec(apiMetrics)?.[1] ?? Number.NaN);
await stopChild(api.child);

console.error(`stream predictor: draining ${STREAM_RECORDS} records...`);
const kinesis = createKinesisClient(env);
const suffix = randomUUID().slice(0, 8);
const streams = { input: `bench-predictions-${suffix}`, results: `bench-results-${suffix}`, dlq: `bench-dlq-${suffix}` };
await Promise.all(Object.values(streams).map((name) => ensureStream(kinesis, name, 1)));
for (let start = 0; start < STREAM_RECORDS; start += 500) {
  const Records = Array.from({ length: Math.min(500, STREAM_RECORDS - start) }, (_, i) => ({ PartitionKey: String(start + i), Data: Buffer.from(bodies[(start + i) % bodies.length] as string) }));
  await kinesis.send(new PutRecordsCommand({ StreamName: streams.input, Records }));
}
const streamEnv = { ENV_FILE: envFile, PREDICTIONS_STREAM: streams.input, RESULTS_STREAM: streams.results, DLQ_STREAM: streams.dlq, STREAM_CHECKPOINT_COLLECTION: `bench_checkpoints_${suffix}` };
const streamStarted = performance.now();
const stream = await startChild(serviceCommand(ROOT, 'predictor-stream'), streamEnv, 'consuming');
const consumingAt = performance.now();
const processed = async () => {
  const text = await (await fetch(`http://127.0.0.1:${stream.port}/metrics`)).text();
  return Number(/churn_stream_records_total\{outcome="ok"\} (\d+)/.exec(text)?.[1] ?? 0);
};
while ((await processed()) < STREAM_RECORDS) {
  if (performance.now() - consumingAt > 300_000) throw new Error('stream bench timed out');
  await new Promise((r) => setTimeout(r, 100));
}
const streamSeconds = (performance.now() - consumingAt) / 1000;
const streamRps = STREAM_RECORDS / streamSeconds;
const streamRss = rssMb(stream.child.pid!, 'VmHWM');
await stopChild(stream.child);
await Promise.all(Object.values(streams).map((name) => kinesis.send(new DeleteStreamCommand({ StreamName: name })).catch(() => undefined)));
kinesis.destroy();
await mongo.db(BENCH_DB).dropDatabase().catch(() => undefined);
await mongo.close();

const fmt = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const rowsOut = [
  { metric: '/predict req/s, c=1', ours: ours1.rps, peer: bare1.rps, ratio: ours1.rps / bare1.rps, target: '-', pass: true },
  { metric: '/predict p50 ms, c=1', ours: ours1.p50, peer: bare1.p50, ratio: ours1.p50 / bare1.p50, target: '-', pass: true },
  { metric: '/predict p99 ms, c=1', ours: ours1.p99, peer: bare1.p99, ratio: ours1.p99 / bare1.p99, target: '-', pass: true },
  { metric: '/predict req/s, c=64', ours: ours64.rps, peer: bare64.rps, ratio: ours64.rps / bare64.rps, target: '>= 0.6 of bare', pass: ours64.rps / bare64.rps >= 0.6 },
  { metric: '/predict p50 ms, c=64', ours: ours64.p50, peer: bare64.p50, ratio: ours64.p50 / bare64.p50, target: '-', pass: true },
  { metric: '/predict p99 ms, c=64', ours: ours64.p99, peer: bare64.p99, ratio: ours64.p99 / bare64.p99, target: '< 10 ms', pass: ours64.p99 < 10 },
  { metric: 'req/s, c=64, vs node:http constant', ours: ours64.rps, peer: node64.rps, ratio: ours64.rps / node64.rps, target: '-', pass: true },
  { metric: 'p99 ms, c=64, vs node:http constant', ours: ours64.p99, peer: node64.p99, ratio: ours64.p99 / node64.p99, target: '-', pass: true },
  { metric: 'req/s, c=1, vs node:http constant', ours: ours1.rps, peer: node1.rps, ratio: ours1.rps / node1.rps, target: '-', pass: true },
  { metric: 'cores used at c=64: server', ours: ours64.cpu.server, peer: bare64.cpu.server, ratio: Number.NaN, target: '-', pass: true },
  { metric: 'cores used at c=64: autocannon', ours: ours64.cpu.loadGenerator, peer: bare64.cpu.loadGenerator, ratio: Number.NaN, target: '-', pass: true },
  { metric: 'cores used at c=64: all else (Mongo server...)', ours: ours64.cpu.others, peer: bare64.cpu.others, ratio: Number.NaN, target: '-', pass: true },
  { metric: 'errors + non-2xx (all runs)', ours: ours1.errors + ours64.errors, peer: bare1.errors + bare64.errors, ratio: Number.NaN, target: '0', pass: ours1.errors + ours64.errors === 0 },
  { metric: 'predictor-api RSS MB after load (peak)', ours: rss, peer: peakRss, ratio: Number.NaN, target: '< 150 MB', pass: peakRss < 150 },
  { metric: `stream records/s (drain ${STREAM_RECORDS})`, ours: streamRps, peer: Number.NaN, ratio: Number.NaN, target: '>= 2000', pass: streamRps >= 2000 },
  { metric: 'predictor-stream peak RSS MB', ours: streamRss, peer: Number.NaN, ratio: Number.NaN, target: '< 150 MB', pass: streamRss < 150 },
];
const table = [
  '| command | metric | ours | peer (bare Express; RSS: peak) | ratio | target | pass |',
  '|---|---|---|---|---|---|---|',
  ...rowsOut.map((r) => `| \`${COMMAND}\` | ${r.metric} | ${fmt(r.ours, r.ours < 100 ? 2 : 0)} | ${fmt(r.peer, r.peer < 100 ? 2 : 0)} | ${fmt(r.ratio, 2)} | ${r.target} | ${r.pass ? 'yes' : 'no'} |`),
].join('\n');
console.log(table);
console.log(`\npredictor-api memory after load: V8 heap ${fmt(heap.usedMb)} MB used of ${fmt(heap.totalMb)} MB, external ${fmt(heap.externalMb)} MB; prediction log buffered ${logBuffered}.`);
console.log(`stream: ${STREAM_RECORDS} records in ${streamSeconds.toFixed(1)} s after the consumer started (process start to consuming: ${((consumingAt - streamStarted) / 1000).toFixed(1)} s); autocannon ${DURATION_S} s per run after a 2 s warm-up, 200 distinct customers.`);
mkdirSync(join(ROOT, '.stack/bench'), { recursive: true });
writeFileSync(
  join(ROOT, '.stack/bench/predict.json'),
  JSON.stringify({ command: COMMAND, durationS: DURATION_S, runId, bare: { c1: bare1, c64: bare64 }, node: { c1: node1, c64: node64 }, ours: { c1: ours1, c64: ours64, rssMb: rss, peakRssMb: peakRss, heap, logBuffered }, stream: { records: STREAM_RECORDS, seconds: streamSeconds, recordsPerSec: streamRps, peakRssMb: streamRss }, rows: rowsOut }, null, 2),
);
