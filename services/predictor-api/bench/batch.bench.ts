// Batch scoring against `mlflow models serve` on the same model and rows, in one run: a 100,000-row
// CSV through our /invocations and /predict/batch and through mlflow's /invocations, the same rows as
// dataframe_split JSON through both /invocations (ours streamed: its peak RSS is asserted to stay within
// the CSV batches'), alternated
// (BENCH_ROUNDS rounds, median), rows/s and each server's peak RSS (its whole process tree, sampled);
// then single-row /invocations req/s at 64 connections on each (autocannon). Ours runs as it does
// everywhere (its bundle, its start script's node options), validating and logging every row to Mongo
// (FerretDB); each of our batches starts with the prediction log drained, and besides the answer time
// the time until its last document is stored is measured. The bench checks no document was dropped.
// Needs the native stack (make up-local) and the mlflow3 venv. `npm run bench -- batch`.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultContract } from '@churn/churn-data';
import { startMlflowModelServer } from '@churn/mlflow-client';
import { datasetSplit } from '@churn/serving/testing';
import autocannon from 'autocannon';
import { MongoClient } from 'mongodb';
import { benchModel, buildServices, ROOT, startPredictorApi, stopChild } from './processes.js';

const COMMAND = 'npm run bench -- batch';
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const BENCH_DB = 'churn_bench_batch';

/** RSS of a process and all its descendants (mlflow serve runs its workers as children), in MB. */
function treeRssMb(rootPid: number): number {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      parents.set(Number(name), Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const tree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, parent] of parents) if (tree.has(parent) && !tree.has(pid)) grew = tree.add(pid) !== undefined;
  }
  let kb = 0;
  for (const pid of tree) {
    try {
      kb += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return kb / 1024;
}

/** Peak tree RSS while `work` runs, sampled every 20 ms. */
async function withPeakRss<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peakMb = treeRssMb(pid);
  const timer = setInterval(() => (peakMb = Math.max(peakMb, treeRssMb(pid))), 20);
  try {
    const result = await work();
    return { result, peakMb: Math.max(peakMb, treeRssMb(pid)) };
  } finally {
    clearInterval(timer);
  }
}


const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

console.error('training and registering the bench model...');
const { modelDir, runId, envFile } = await benchModel('bench-batch-model', BENCH_DB, { PREDICTOR_API_PORT: '0', LOG_LEVEL: 'info', QUALITY_EVERY: '0s' });
const names = defaultContract().featureNames;
const source = datasetSplit().train;
const csv = [names.join(','), ...Array.from({ length: ROWS }, (_, i) => names.map((n) => source[i % source.length]?.[n]).join(','))].join('\n') + '\n';
// The same rows as MLflow's JSON (dataframe_split): far over the 1 MB body limit, so ours reads it as it arrives.
const splitJson = JSON.stringify({ dataframe_split: { columns: names, data: Array.from({ length: ROWS }, (_, i) => names.map((n) => source[i % source.length]?.[n])) } });
const oneRow = source.slice(0, 200).map((row) => JSON.stringify({ dataframe_split: { columns: names, data: [names.map((n) => row[n])] } }));

console.error('building the service bundle...');
buildServices('predictor-api');
const mongo = new MongoClient('mongodb://127.0.0.1:27017/?directConnection=true');
await mongo.db(BENCH_DB).dropDatabase().catch(() => undefined);

const api = await startPredictorApi(envFile);
const ours = { child: api.child, url: `http://127.0.0.1:${api.port}` };
// `mlflow models serve` as a user starts it (mlflow3 venv, --env-manager local).
const mlflowServer = await startMlflowModelServer({ python: execFileSync(join(ROOT, 'scripts/py-venv.sh'), ['mlflow3'], { encoding: 'utf8' }).trim(), modelDir });
const mlflow = { child: mlflowServer.process, url: mlflowServer.url };
const post = async (url: string, path: string, json = false) => {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': json ? 'application/json' : 'text/csv' }, body: json ? splitJson : csv });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${text.slice(0, 300)}`);
  return text;
};

// Same predictions from both servers before anything is timed.
const theirs = (JSON.parse(await post(mlflow.url, '/invocations')) as { predictions: number[] }).predictions;
const ourInvocations = (JSON.parse(await post(ours.url, '/invocations')) as { predictions: number[] }).predictions;
const worst = Math.max(...theirs.map((p, i) => Math.abs(p - (ourInvocations[i] ?? Number.NaN))));
if (theirs.length !== ROWS || ourInvocations.length !== ROWS || !(worst < 1e-6)) throw new Error(`predictions differ: ${theirs.length} vs ${ourInvocations.length} rows, worst ${worst}`);

const logBuffered = async () => Number(/^churn_prediction_log_buffered (\S+)/m.exec(await (await fetch(`${ours.url}/metrics`)).text())?.[1] ?? Number.NaN);
const logDrained = async () => {
  while ((await logBuffered()) > 0) await new Promise((r) => setTimeout(r, 20));
};

type Cell = 'ours /invocations' | 'ours /predict/batch' | 'mlflow /invocations' | 'ours /invocations JSON' | 'mlflow /invocations JSON';
const seconds: Record<Cell, number[]> = { 'ours /invocations': [], 'ours /predict/batch': [], 'mlflow /invocations': [], 'ours /invocations JSON': [], 'mlflow /invocations JSON': [] };
const peak: Record<Cell, number> = { 'ours /invocations': 0, 'ours /predict/batch': 0, 'mlflow /invocations': 0, 'ours /invocations JSON': 0, 'mlflow /invocations JSON': 0 };
const untilLogged: number[] = [];
const cells: [Cell, { child: ChildProcess; url: string }, string, boolean][] = [
  ['ours /invocations', ours, '/invocations', false],
  ['ours /predict/batch', ours, '/predict/batch', false],
  ['mlflow /invocations', mlflow, '/invocations', false],
  ['ours /invocations JSON', ours, '/invocations', true],
  ['mlflow /invocations JSON', mlflow, '/invocations', true],
];
const oursJson = (JSON.parse(await post(ours.url, '/invocations', true)) as { predictions: number[] }).predictions;
const worstJson = Math.max(...theirs.map((p, i) => Math.abs(p - (oursJson[i] ?? Number.NaN))));
if (oursJson.length !== ROWS || !(worstJson < 1e-6)) throw new Error(`JSON predictions differ: ${oursJson.length} rows, worst ${worstJson}`);
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [cell, server, path, json] of round % 2 === 0 ? cells : [...cells].reverse()) {
    if (server === ours) await logDrained();
    const started = performance.now();
    const { peakMb } = await withPeakRss(server.child.pid!, () => post(server.url, path, json));
    seconds[cell].push((performance.now() - started) / 1000);
    peak[cell] = Math.max(peak[cell], peakMb);
    if (server === ours) {
      await logDrained();
      untilLogged.push((performance.now() - started) / 1000);
    }
  }
  console.error(`round ${round + 1}/${ROUNDS}: ${cells.map(([cell]) => `${cell} ${seconds[cell].at(-1)?.toFixed(2)} s`).join(', ')}`);
}

async function reqPerSec(url: string) {
  const requests = oneRow.map((body) => ({ method: 'POST' as const, path: '/invocations', headers: { 'content-type': 'application/json' }, body }));
  await autocannon({ url, requests, connections: 64, duration: 2 });
  const result = await autocannon({ url, requests, connections: 64, duration: DURATION_S });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx + result.timeouts };
}
console.error('single-row /invocations at 64 connections...');
await logDrained();
const oursSingle = await reqPerSec(ours.url);
const mlflowSingle = await reqPerSec(mlflow.url);

const metrics = await (await fetch(`${ours.url}/metrics`)).text();
const dropped = Number(/^churn_prediction_log_dropped_total (\S+)/m.exec(metrics)?.[1] ?? Number.NaN);
const logDrainStarted = performance.now();
await stopChild(ours.child);
const logDrainS = (performance.now() - logDrainStarted) / 1000;
await mlflowServer.stop();
// Predictions stored: a batch chunk is one columnar document of `rows` predictions, a single-row request one.
let logged = 0;
for await (const doc of mongo.db(BENCH_DB).collection('predictions').find({}, { projection: { _id: 0, rows: 1 } })) logged += typeof doc['rows'] === 'number' ? doc['rows'] : 1;
await mongo.db(BENCH_DB).dropDatabase().catch(() => undefined);
await mongo.close();

const fmt = (value: number, digits = 0) => (Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a');
const rate = (cell: Cell) => ROWS / median(seconds[cell]);
const rowsOut = [
  { metric: `${fmt(ROWS)}-row CSV, ours /invocations: median s (rows/s)`, ours: `${fmt(median(seconds['ours /invocations']), 2)} (${fmt(rate('ours /invocations'))})`, peer: `${fmt(median(seconds['mlflow /invocations']), 2)} (${fmt(rate('mlflow /invocations'))})`, ratio: rate('ours /invocations') / rate('mlflow /invocations'), target: '>= 2' },
  { metric: `${fmt(ROWS)}-row CSV, ours /predict/batch: median s (rows/s)`, ours: `${fmt(median(seconds['ours /predict/batch']), 2)} (${fmt(rate('ours /predict/batch'))})`, peer: `${fmt(median(seconds['mlflow /invocations']), 2)} (${fmt(rate('mlflow /invocations'))})`, ratio: rate('ours /predict/batch') / rate('mlflow /invocations'), target: '>= 2' },
  { metric: `${fmt(ROWS)}-row CSV, ours (either route): median s until its last log document is stored (rows/s)`, ours: `${fmt(median(untilLogged), 2)} (${fmt(ROWS / median(untilLogged))})`, peer: `${fmt(median(seconds['mlflow /invocations']), 2)} (${fmt(rate('mlflow /invocations'))})`, ratio: median(seconds['mlflow /invocations']) / median(untilLogged), target: 'info' },
  { metric: `${fmt(ROWS)}-row dataframe_split JSON (${fmt(Buffer.byteLength(splitJson) / 1048576, 1)} MB), /invocations: median s (rows/s)`, ours: `${fmt(median(seconds['ours /invocations JSON']), 2)} (${fmt(rate('ours /invocations JSON'))})`, peer: `${fmt(median(seconds['mlflow /invocations JSON']), 2)} (${fmt(rate('mlflow /invocations JSON'))})`, ratio: rate('ours /invocations JSON') / rate('mlflow /invocations JSON'), target: 'info' },
  { metric: 'peak RSS MB during the batches (/invocations CSV; /predict/batch; /invocations JSON)', ours: `${fmt(peak['ours /invocations'])}; ${fmt(peak['ours /predict/batch'])}; ${fmt(peak['ours /invocations JSON'])}`, peer: `${fmt(peak['mlflow /invocations'])}; -; ${fmt(peak['mlflow /invocations JSON'])}`, ratio: Number.NaN, target: 'bounded' },
  { metric: 'single-row /invocations req/s, c=64 (p99 ms)', ours: `${fmt(oursSingle.rps)} (${fmt(oursSingle.p99)})`, peer: `${fmt(mlflowSingle.rps)} (${fmt(mlflowSingle.p99)})`, ratio: oursSingle.rps / mlflowSingle.rps, target: '>= 20' },
  { metric: 'errors + non-2xx (single-row runs)', ours: fmt(oursSingle.errors), peer: fmt(mlflowSingle.errors), ratio: Number.NaN, target: '0' },
  { metric: 'predictions dropped from the log (stored in Mongo after shutdown)', ours: `${fmt(dropped)} (${fmt(logged)})`, peer: '-', ratio: Number.NaN, target: '0' },
];
const table = [
  `| metric | ours | mlflow models serve | ratio (ours faster by) | target | pass |`,
  '|---|---|---|---|---|---|',
  ...rowsOut.map((r) => `| ${r.metric} | ${r.ours} | ${r.peer} | ${fmt(r.ratio, 1)} | ${r.target} | ${Number.isFinite(r.ratio) && r.target.startsWith('>=') ? (r.ratio >= Number(r.target.replace('>= ', '')) ? 'yes' : '**no**') : ''} |`),
].join('\n');
console.log(table);
// Bounded memory on JSON: the streamed JSON batch may take no more than the streamed CSV batch (plus 32 MB of noise), where
// JSON.parse of the whole body would hold every row as objects.
const jsonBound = Math.max(peak['ours /invocations'], peak['ours /predict/batch']) + 32;
if (!(peak['ours /invocations JSON'] <= jsonBound)) throw new Error(`JSON batch peak RSS ${fmt(peak['ours /invocations JSON'])} MB is over the CSV batches' ${fmt(jsonBound)} MB: not bounded`);
console.log(`\n${ROUNDS} alternated rounds per cell, predictions equal to mlflow's within ${worst.toExponential(1)}; graceful shutdown flushed the log in ${logDrainS.toFixed(1)} s.`);
mkdirSync(join(ROOT, '.stack/bench'), { recursive: true });
writeFileSync(
  join(ROOT, '.stack/bench/batch.json'),
  JSON.stringify({ command: COMMAND, rows: ROWS, rounds: ROUNDS, runId, jsonMb: Buffer.byteLength(splitJson) / 1048576, worstJson, seconds, untilLogged, peakRssMb: peak, single: { ours: oursSingle, mlflow: mlflowSingle }, dropped, logged, logDrainS, worst }, null, 2),
);
