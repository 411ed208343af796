// The prediction log's ceiling for batches: how fast the Mongo wire store (FerretDB natively) keeps
// 100,000 predictions, and the CPU FerretDB and PostgreSQL take for it, in each layout the predictors
// have written: one document per row; one columnar document per 1,000-row chunk with per-row arrays
// (55379f0); the same chunk packed wide (every number column as one Float64 Binary, strings as one
// JSON string: eeb18f1's first form); packed narrow (@churn/serving's packColumns, what
// mongoPredictionSink stores: integers in 1, 2 or 4 bytes, strings as level codes); to see whether
// the ids matter, packed with the customer ids as one string too; and single predictions as /predict and the stream
// log them since 2026-12-05 (PredictionLogWriter.log gathers them as columns into 500-row chunks with
// per-row request ids, times and latencies, stored packed). Written as PredictionLogWriter writes them at the
// default PREDICTION_LOG_BATCH_SIZE (500): one insertMany at a time, of 500 row documents or of one
// chunk; the layouts alternate in the same run. Beside them
// the rate a batch needs to answer 2x faster than `mlflow models serve` with every row stored before
// the answer, from the last `npm run bench -- batch` (.stack/bench/batch.json). Needs the native
// stack (FerretDB on 27017). `npm run bench -- log-layout`.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultContract, type FeatureRow, type FeatureValue } from '@churn/churn-data';
import { PACKED_SUBTYPES } from '@churn/drift/packed-columns';
import { Binary, MongoClient, type Db } from 'mongodb';
import { packColumns } from '../src/pack-columns.js';
import { mongoPredictionSink, PredictionLogWriter, type PredictionBatchEntry, type PredictionLogEntry } from '../src/prediction-log.js';
import { datasetSplit } from '../src/testing.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CHUNK = 1_000;
const BATCH_SIZE = 500;
const DB = `churn_bench_log_layout_${process.pid}`;

const names = defaultContract().featureNames;
const source = datasetSplit().train;
const features: FeatureRow[] = Array.from({ length: ROWS }, (_, i) => Object.fromEntries(names.map((n) => [n, source[i % source.length]?.[n] ?? null])) as FeatureRow);
const chances = Float64Array.from({ length: ROWS }, (_, i) => (i % 997) / 997);

const LAYOUTS = {
  perRow: 'one document per row (/predict until 2026-12-05)',
  arrays: `one columnar document per ${CHUNK.toLocaleString('en-US')} rows, per-row arrays (55379f0)`,
  packedWide: 'the same chunk packed wide: Float64 Binary / JSON string columns (eeb18f1)',
  packed: 'packed narrow: integers in 1-4 bytes, strings as level codes, ids as an array (now)',
  packedIds: 'packed narrow, and the customer ids as one string too',
  single: `single predictions gathered by the writer: ${BATCH_SIZE}-row packed chunks, per-row ids, times, latencies (/predict now)`,
} as const;
type Layout = keyof typeof LAYOUTS;

/** A chunk as the batch routes log it (services/predictor-api's batchEntry). */
function chunkEntry(from: number, to: number, now: Date): PredictionBatchEntry {
  const rows = features.slice(from, to);
  const columns: Record<string, FeatureValue[]> = {};
  for (const name of names) columns[name] = rows.map((row) => row[name] ?? null);
  return {
    model_run_id: 'bench',
    source: 'http',
    rows: to - from,
    features: columns,
    churn_chance: Array.from(chances.subarray(from, to)),
    latency_ms: 1,
    created_at: now,
    request_id: 'r',
    customer_id: Array.from({ length: to - from }, (_, i) => `c${from + i}`),
  };
}

/** CPU ticks (user + system, 1/100 s) of FerretDB and every PostgreSQL process; the postmaster's children's ticks count its exited backends. */
function storeTicks(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm !== 'ferretdb' && comm !== 'postgres') continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // Gone between the listing and the read: its ticks are in its parent's children's ticks.
    }
  }
  return ticks;
}

interface Run {
  seconds: number;
  storeCpuSeconds: number;
  nodeCpuSeconds: number;
}

/** The documents of rows [from, to) in a layout, as they are handed to insertMany. */
function documents(layout: Layout, from: number, to: number, now: Date): object[] {
  if (layout === 'perRow') {
    return Array.from({ length: to - from }, (_, j): PredictionLogEntry => {
      const i = from + j;
      return { model_run_id: 'bench', source: 'http', features: features[i] as FeatureRow, churn_chance: chances[i] as number, latency_ms: 1, created_at: now, request_id: 'r', customer_id: `c${i}` };
    });
  }
  const chunk = chunkEntry(from, to, now);
  if (layout === 'packedWide') return [packedWide(chunk)];
  if (layout !== 'packedIds') return [chunk];
  const packed = packColumns(chunk);
  return [{ ...packed, customer_id: JSON.stringify(packed['customer_id']) }];
}

/** eeb18f1's first packed form: every number column Float64, every string column one JSON string. */
function packedWide(chunk: PredictionBatchEntry): object {
  const float64s = (values: readonly (number | null)[]) => new Binary(new Uint8Array(Float64Array.from(values, (v) => v ?? Number.NaN).buffer), PACKED_SUBTYPES.FLOAT64);
  const columns = Object.fromEntries(Object.entries(chunk.features).map(([name, values]) => [name, typeof values[0] === 'string' ? JSON.stringify(values) : float64s(values as (number | null)[])]));
  return { ...chunk, features: columns, churn_chance: float64s(chunk.churn_chance) };
}

/** Single predictions, each with its own request id, time and latency, logged one by one as /predict logs them. */
async function gathered(from: number, to: number, writer: PredictionLogWriter): Promise<void> {
  for (let i = from; i < to; i += 1) {
    writer.log({ model_run_id: 'bench', source: 'http', features: features[i] as FeatureRow, churn_chance: chances[i] as number, latency_ms: (i % 89) / 89, created_at: new Date(), request_id: `r${i}`, customer_id: `c${i}` });
  }
  await writer.flush();
}

async function store(db: Db, layout: Layout): Promise<Run> {
  // Packed chunks through the predictors' own sink (it packs); the others stored as they are.
  const sink = mongoPredictionSink(db, layout);
  if (layout === 'single') {
    const writer = new PredictionLogWriter(sink, { batchSize: BATCH_SIZE, flushIntervalMs: 3_600_000, maxBuffered: BATCH_SIZE });
    return timed(() => forEachStep(BATCH_SIZE, (from, to) => gathered(from, to, writer)));
  }
  const insert = layout === 'packed' ? (docs: object[]) => sink.insertMany(docs as PredictionBatchEntry[]) : (docs: object[]) => db.collection(layout).insertMany(docs, { ordered: false });
  const now = new Date();
  return timed(() => forEachStep(layout === 'perRow' ? BATCH_SIZE : CHUNK, (from, to) => insert(documents(layout, from, to, now))));
}

async function forEachStep(step: number, write: (from: number, to: number) => Promise<unknown>): Promise<void> {
  for (let from = 0; from < ROWS; from += step) await write(from, Math.min(ROWS, from + step));
}

async function timed(work: () => Promise<void>): Promise<Run> {
  const ticks = storeTicks();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { seconds, storeCpuSeconds: (storeTicks() - ticks) / 100, nodeCpuSeconds: (used.user + used.system) / 1e6 };
}

const layouts = Object.keys(LAYOUTS) as Layout[];
const mongo = new MongoClient('mongodb://127.0.0.1:27017/?directConnection=true');
const db = mongo.db(DB);
const runs = Object.fromEntries(layouts.map((layout) => [layout, [] as Run[]])) as Record<Layout, Run[]>;
try {
  for (let round = 0; round < ROUNDS; round += 1) {
    await db.dropDatabase();
    // Each round starts the rotation one later, so no layout always runs after the same one.
    const order = layouts.map((_, i) => layouts[(i + round) % layouts.length] as Layout);
    for (const layout of order) runs[layout].push(await store(db, layout));
    const stored = await Promise.all(layouts.map(async (layout) => `${layout} ${await db.collection(layout).countDocuments()}`));
    const times = layouts.map((layout) => `${layout} ${runs[layout].at(-1)?.seconds.toFixed(2)} s`);
    console.error(`round ${round + 1}/${ROUNDS}: ${times.join(', ')} (documents: ${stored.join(', ')})`);
  }
} finally {
  await db.dropDatabase().catch(() => undefined);
  await mongo.close();
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const medianOf = (layout: Layout, key: keyof Run) => median(runs[layout].map((run) => run[key]));
const rate = (layout: Layout) => ROWS / medianOf(layout, 'seconds');
const batchFile = join(ROOT, '.stack/bench/batch.json');
const mlflowRate = existsSync(batchFile)
  ? (() => {
      const last = JSON.parse(readFileSync(batchFile, 'utf8')) as { rows: number; seconds: Record<string, number[]> };
      return last.rows / median(last.seconds['mlflow /invocations'] ?? []);
    })()
  : Number.NaN;
const fmt = (value: number, digits = 0) => (Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a');
const perRowMicros = (layout: Layout, key: keyof Run) => fmt((medianOf(layout, key) / ROWS) * 1e6, 1);
const table = [
  '| layout | median s for the rows | rows stored/s | FerretDB + PostgreSQL CPU µs per row | our CPU µs per row | vs the 2x target (2 x mlflow serve rows/s) |',
  '|---|---|---|---|---|---|',
  ...layouts.map(
    (layout) =>
      `| ${LAYOUTS[layout]} | ${fmt(medianOf(layout, 'seconds'), 2)} | ${fmt(rate(layout))} | ${perRowMicros(layout, 'storeCpuSeconds')} | ${perRowMicros(layout, 'nodeCpuSeconds')} | ${fmt(rate(layout) / (2 * mlflowRate), 2)} |`,
  ),
  `| needed: 2 x mlflow models serve (last batch bench) | | ${fmt(2 * mlflowRate)} | | | 1 |`,
].join('\n');
console.log(table);
console.log(
  `\n${fmt(ROWS)} rows, ${ROUNDS} rotated rounds, medians; CPU from /proc (FerretDB and PostgreSQL also serve whatever else runs on the machine). ` +
    `Packed stores ${fmt(rate('packed') / rate('arrays'), 1)}x the rows per second of per-row arrays at ${fmt(medianOf('arrays', 'storeCpuSeconds') / medianOf('packed', 'storeCpuSeconds'), 1)}x less store CPU. ` +
    `Single predictions gathered into chunks store ${fmt(rate('single') / rate('perRow'), 1)}x the rows per second of one document each at ${fmt(medianOf('perRow', 'storeCpuSeconds') / medianOf('single', 'storeCpuSeconds'), 1)}x less store CPU.`,
);
mkdirSync(join(ROOT, '.stack/bench'), { recursive: true });
writeFileSync(
  join(ROOT, '.stack/bench/log-layout.json'),
  JSON.stringify({ command: 'npm run bench -- log-layout', rows: ROWS, rounds: ROUNDS, chunk: CHUNK, batchSize: BATCH_SIZE, layouts: LAYOUTS, runs, mlflowRowsPerSecond: mlflowRate }, null, 2),
);
