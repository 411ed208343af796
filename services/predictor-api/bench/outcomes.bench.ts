// Outcomes ingested per second beside predictions logged per second, in the same run against the
// native FerretDB: predictions through the predictors' PredictionLogWriter (batches of
// PREDICTION_LOG_BATCH_SIZE into `predictions`), then their outcomes as POST /outcomes stores them
// (parseOutcome on each, then mongoOutcomeStore.insert per batch of the same size: one chunk
// document each), each round in a fresh database. Target: outcomes not slower. Run with
// `npm run bench -- outcomes`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultContract } from '@churn/churn-data';
import { loadConfig } from '@churn/config';
import { mongoOutcomeStore, parseOutcome, type Outcome } from '@churn/drift/outcomes';
import { mongoPredictionSink, PredictionLogWriter } from '@churn/serving';
import { customerRequests } from '@churn/serving/testing';
import { MongoClient } from 'mongodb';
import { z } from 'zod';

const ROOT = resolve(import.meta.dirname, '../../..');
const ROWS = 20_000;
const BATCH = 500;
const ROUNDS = 3;
const command = 'npm run bench -- outcomes';

const env = loadConfig(z.object({ MONGODB_URI: z.string() }), { envFiles: [join(ROOT, '.env.local')] });
const contract = defaultContract();
const features = customerRequests(200, contract).map((body) => {
  const { customer_id: _id, ...row } = JSON.parse(body) as Record<string, string | number>;
  return row;
});
const client = await new MongoClient(env.MONGODB_URI, { serverSelectionTimeoutMS: 5_000 }).connect();

async function round(k: number): Promise<{ predictionsPerS: number; outcomesPerS: number }> {
  const db = client.db(`bench_outcomes_${process.pid}_${k}`);
  try {
    const sink = mongoPredictionSink(db);
    await sink.ensureIndexes();
    const store = mongoOutcomeStore(db);
    await store.ensureIndexes();
    const writer = new PredictionLogWriter(sink, { batchSize: BATCH, flushIntervalMs: 1_000, maxBuffered: ROWS });
    const createdAt = new Date();
    let started = performance.now();
    for (let i = 0; i < ROWS; i++) {
      writer.log({ model_run_id: 'bench', source: 'http', features: features[i % features.length] as Record<string, string | number>, churn_chance: (i % 97) / 97, latency_ms: 1, created_at: createdAt, request_id: `r-${i}`, customer_id: `c-${i}` });
    }
    await writer.flush();
    const predictionsMs = performance.now() - started;
    await writer.close();
    if (writer.written !== ROWS) throw new Error(`prediction log wrote ${writer.written} of ${ROWS}`);

    const bodies = Array.from({ length: ROWS }, (_, i) => ({ request_id: `r-${i}`, churned: i % 6 === 0, observed_at: createdAt.toISOString() }));
    started = performance.now();
    let stored = 0;
    for (let from = 0; from < ROWS; from += BATCH) {
      const batch: Outcome[] = [];
      for (const body of bodies.slice(from, from + BATCH)) {
        const parsed = parseOutcome(contract, body);
        if (!parsed.ok) throw new Error(parsed.message);
        batch.push(parsed.outcome);
      }
      stored += (await store.insert(batch)).stored;
    }
    const outcomesMs = performance.now() - started;
    if (stored !== ROWS) throw new Error(`stored ${stored} of ${ROWS} outcomes`);
    return { predictionsPerS: ROWS / (predictionsMs / 1000), outcomesPerS: ROWS / (outcomesMs / 1000) };
  } finally {
    await db.dropDatabase();
  }
}

const runs = [];
for (let k = 0; k < ROUNDS; k++) runs.push(await round(k));
await client.close();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const predictionsPerS = median(runs.map((r) => r.predictionsPerS));
const outcomesPerS = median(runs.map((r) => r.outcomesPerS));
const ratio = outcomesPerS / predictionsPerS;
const n = (v: number) => Math.round(v).toLocaleString('en');
console.log(
  [
    `| command | metric (${ROWS.toLocaleString('en')} of each, batches of ${BATCH}, median of ${ROUNDS} rounds) | outcomes | predictions (peer) | ratio (outcomes/predictions) | target | pass |`,
    '|---|---|---|---|---|---|---|',
    `| \`${command}\` | stored per second in FerretDB (outcomes / predictions) | ${n(outcomesPerS)} | ${n(predictionsPerS)} | ${ratio.toFixed(2)} | ratio >= 1 | ${ratio >= 1 ? 'yes' : 'no'} |`,
    `| \`${command}\` | per round (outcomes / predictions; the machine is shared) | ${runs.map((r) => n(r.outcomesPerS)).join(', ')} | ${runs.map((r) => n(r.predictionsPerS)).join(', ')} | ${runs.map((r) => (r.outcomesPerS / r.predictionsPerS).toFixed(2)).join(', ')} | every round >= 1 | ${runs.every((r) => r.outcomesPerS >= r.predictionsPerS) ? 'yes' : 'no'} |`,
  ].join('\n'),
);
mkdirSync(join(ROOT, '.stack/bench'), { recursive: true });
writeFileSync(join(ROOT, '.stack/bench/outcomes.json'), `${JSON.stringify({ command, rows: ROWS, batch: BATCH, outcomesPerS, predictionsPerS, ratio, target: 1, pass: ratio >= 1, runs }, null, 2)}\n`);
