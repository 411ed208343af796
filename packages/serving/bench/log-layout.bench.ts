// The prediction log's ceiling for batches: how fast the Mongo wire store (FerretDB natively) keeps
// 100,000 predictions as the predictors write them today (one document per row, insertMany of 500
// through PredictionLogWriter) against one columnar document per 1,000-row chunk (the layout a
// batch could use: features, chances and ids as arrays), in the same run, alternated. Beside them
// the rate a batch needs to answer 2x faster than `mlflow models serve` with every row stored before
// the answer, from the last `npm run bench -- batch` (.stack/bench/batch.json). Needs the native
// stack (FerretDB on 27017). `npm run bench -- log-layout`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultContract, type FeatureRow } from '@churn/churn-data';
import { MongoClient, type Db } from 'mongodb';
import { mongoPredictionSink, PredictionLogWriter, type PredictionLogEntry } from '../src/prediction-log.js';
import { datasetSplit } from '../src/testing.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CHUNK = 1_000;
const DB = `churn_bench_log_layout_${process.pid}`;

const names = defaultContract().featureNames;
const source = datasetSplit().train;
const features: FeatureRow[] = Array.from({ length: ROWS }, (_, i) => Object.fromEntries(names.map((n) => [n, source[i % source.length]?.[n] ?? null])) as FeatureRow);
const chances = Float64Array.from({ length: ROWS }, (_, i) => (i % 997) / 997);

/** Per row, as recordPredictions logs a batch today. */
async function perRow(db: Db): Promise<number> {
  const writer = new PredictionLogWriter(mongoPredictionSink(db, 'per_row'), { batchSize: 500, flushIntervalMs: 10, maxBuffered: ROWS });
  const started = performance.now();
  const now = new Date();
  for (let i = 0; i < ROWS; i += 1) {
    const entry: PredictionLogEntry = { model_run_id: 'bench', source: 'http', features: features[i] as FeatureRow, churn_chance: chances[i] as number, latency_ms: 1, created_at: now, request_id: 'r', customer_id: `c${i}` };
    writer.log(entry);
  }
  await writer.close(600_000);
  return (performance.now() - started) / 1000;
}

/** One document per chunk, columnar, written 8 chunks per insertMany. */
async function columnar(db: Db): Promise<number> {
  const collection = db.collection('columnar');
  const started = performance.now();
  const now = new Date();
  const docs = [];
  for (let from = 0; from < ROWS; from += CHUNK) {
    const to = Math.min(ROWS, from + CHUNK);
    const rows = features.slice(from, to);
    docs.push({
      model_run_id: 'bench',
      source: 'http',
      created_at: now,
      request_id: 'r',
      latency_ms: 1,
      rows: to - from,
      features: Object.fromEntries(names.map((n) => [n, rows.map((r) => r[n] ?? null)])),
      churn_chance: Array.from(chances.subarray(from, to)),
      customer_id: Array.from({ length: to - from }, (_, i) => `c${from + i}`),
    });
    if (docs.length === 8) await collection.insertMany(docs.splice(0), { ordered: false });
  }
  if (docs.length > 0) await collection.insertMany(docs, { ordered: false });
  return (performance.now() - started) / 1000;
}

const mongo = new MongoClient('mongodb://127.0.0.1:27017/?directConnection=true');
const db = mongo.db(DB);
const seconds = { perRow: [] as number[], columnar: [] as number[] };
try {
  for (let round = 0; round < ROUNDS; round += 1) {
    await db.dropDatabase();
    for (const layout of round % 2 === 0 ? (['perRow', 'columnar'] as const) : (['columnar', 'perRow'] as const)) {
      seconds[layout].push(await (layout === 'perRow' ? perRow(db) : columnar(db)));
    }
    const stored = (await db.collection('per_row').countDocuments()) + ' per-row documents';
    console.error(`round ${round + 1}/${ROUNDS}: per row ${seconds.perRow.at(-1)?.toFixed(2)} s, columnar ${seconds.columnar.at(-1)?.toFixed(2)} s (${stored})`);
  }
} finally {
  await db.dropDatabase().catch(() => undefined);
  await mongo.close();
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const rate = (values: number[]) => ROWS / median(values);
const batchFile = join(ROOT, '.stack/bench/batch.json');
const mlflowRate = existsSync(batchFile)
  ? (() => {
      const last = JSON.parse(readFileSync(batchFile, 'utf8')) as { rows: number; seconds: Record<string, number[]> };
      return last.rows / median(last.seconds['mlflow /invocations'] ?? []);
    })()
  : Number.NaN;
const fmt = (value: number, digits = 0) => (Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a');
const table = [
  '| layout | median s for the rows | rows stored/s | vs the 2x target (2 x mlflow serve rows/s) |',
  '|---|---|---|---|',
  `| one document per row (today), insertMany of 500 | ${fmt(median(seconds.perRow), 2)} | ${fmt(rate(seconds.perRow))} | ${fmt(rate(seconds.perRow) / (2 * mlflowRate), 2)} |`,
  `| one columnar document per ${fmt(CHUNK)} rows | ${fmt(median(seconds.columnar), 2)} | ${fmt(rate(seconds.columnar))} | ${fmt(rate(seconds.columnar) / (2 * mlflowRate), 2)} |`,
  `| needed: 2 x mlflow models serve (last batch bench) | | ${fmt(2 * mlflowRate)} | 1 |`,
].join('\n');
console.log(table);
console.log(`\n${fmt(ROWS)} rows, ${ROUNDS} alternated rounds, medians; columnar stores ${fmt(rate(seconds.columnar) / rate(seconds.perRow), 1)}x the rows per second.`);
mkdirSync(join(ROOT, '.stack/bench'), { recursive: true });
writeFileSync(join(ROOT, '.stack/bench/log-layout.json'), JSON.stringify({ command: 'npm run bench -- log-layout', rows: ROWS, rounds: ROUNDS, chunk: CHUNK, seconds, mlflowRowsPerSecond: mlflowRate }, null, 2));
