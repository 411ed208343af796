// The report's model quality over 100,000 labelled predictions, join included, beside Evidently's
// ClassificationPreset on the same rows. Setup (not timed): 100,000 predictions in a fresh FerretDB
// database as the predictors log them (their PredictionLogWriter: packed chunk documents) and one
// outcome each, as POST /outcomes stores them. Timed:
// the join (readLabelledWindow: both collections read, matched in code), the figures
// (computeModelQuality: realised measures, reliability, segments, CBPE) and the HTML section
// (renderModelQuality); Evidently gets the joined pairs as a CSV read before its clock starts.
// Run with `npm run bench -- quality-report`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultContract, seededRandom, type FeatureRow } from '@churn/churn-data';
import { loadConfig } from '@churn/config';
import { computeModelQuality, renderModelQuality } from '@churn/drift';
import { mongoOutcomeStore, OUTCOMES_COLLECTION, readLabelledWindow, storedOutcomes, type Outcome } from '@churn/drift/outcomes';
import { mongoPredictionSink, PredictionLogWriter } from '@churn/serving';
import { customerRequests } from '@churn/serving/testing';
import { MongoClient } from 'mongodb';
import { z } from 'zod';

const ROOT = resolve(import.meta.dirname, '../../..');
const WORK = join(ROOT, '.stack/bench/quality-report');
const ROWS = 100_000;
const RUNS = 5;
const TEST_ROWS = 1_416;
const RUN_ID = 'bench-quality';
/** PREDICTION_LOG_BATCH_SIZE's default: the predictions of a chunk document. */
const LOG_BATCH_SIZE = 500;
const command = 'npm run bench -- quality-report';

mkdirSync(WORK, { recursive: true });
const env = loadConfig(z.object({ MONGODB_URI: z.string() }), { envFiles: [join(ROOT, '.env.local')] });
const contract = defaultContract();
const customers = customerRequests(1_000, contract).map((body) => {
  const { customer_id: _id, ...row } = JSON.parse(body) as Record<string, string | number>;
  return row;
});
const client = await new MongoClient(env.MONGODB_URI, { serverSelectionTimeoutMS: 5_000 }).connect();
const db = client.db(`bench_quality_${process.pid}`);
const window = { from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 60_000) };

try {
  // Chances that carry signal: churners score higher on average, with noise.
  const random = seededRandom(17);
  const setupStarted = performance.now();
  const sink = mongoPredictionSink(db);
  await sink.ensureIndexes();
  const writer = new PredictionLogWriter(sink, { batchSize: LOG_BATCH_SIZE, flushIntervalMs: 3_600_000, maxBuffered: 2 * ROWS });
  const store = mongoOutcomeStore(db);
  await store.ensureIndexes();
  for (let from = 0; from < ROWS; from += 1_000) {
    const outcomes: Outcome[] = [];
    for (let i = from; i < from + 1_000; i++) {
      const churned = random() < 0.16 ? 1 : 0;
      const chance = Math.min(1, Math.max(0, 0.15 + (churned ? 0.35 : 0) + (random() - 0.5) * 0.7));
      const created = new Date(window.from.getTime() + i * 500);
      writer.log({ model_run_id: RUN_ID, source: 'http', features: customers[i % customers.length] as FeatureRow, churn_chance: chance, latency_ms: 1, created_at: created, request_id: `q-${i}` });
      outcomes.push({ request_id: `q-${i}`, churned, observed_at: created });
    }
    await store.insert(outcomes);
  }
  await writer.flush();
  if (writer.written !== ROWS) throw new Error(`logged ${writer.written} of ${ROWS} predictions`);
  const setupMs = performance.now() - setupStarted;

  // The join once (FerretDB takes minutes for it), the computation on its rows RUNS times.
  const joinStarted = performance.now();
  const labelled = await readLabelledWindow(db, { runId: RUN_ID, from: window.from, to: window.to });
  const joinMs = performance.now() - joinStarted;
  if (labelled.rows.length !== ROWS) throw new Error(`joined ${labelled.rows.length} of ${ROWS} predictions`);
  // What the join's first read costs alone: every outcome document (chunks of 1,000), as the join reads them.
  const outcomesStarted = performance.now();
  (await db.collection(OUTCOMES_COLLECTION).find({}, { projection: { _id: 1, rows: 1, key: 1, churned: 1, observed_at: 1 } }).toArray()).flatMap((d) => storedOutcomes(d).outcomes);
  const outcomesReadMs = performance.now() - outcomesStarted;
  // The report calibrates its estimate on the model's test split (test-predictions.json): a test split's worth of the same rows.
  const test = { chances: labelled.rows.slice(0, TEST_ROWS).map((r) => r.chance), labels: labelled.rows.slice(0, TEST_ROWS).map((r) => r.label) };
  const runs = [];
  let last: { quality: ReturnType<typeof computeModelQuality>; pairs: { label: number; chance: number }[] } | undefined;
  // One run first that is not counted, as the peer's script does: it warms the JIT as Evidently's warms its imports and caches.
  for (let k = -1; k < RUNS; k++) {
    const started = performance.now();
    const quality = computeModelQuality(contract, labelled, window, test);
    const computed = performance.now();
    writeFileSync(join(WORK, 'ours.html'), renderModelQuality(contract, quality));
    if (k >= 0) runs.push({ computeMs: computed - started, renderMs: performance.now() - computed });
    last = { quality, pairs: labelled.rows.map((r) => ({ label: r.label, chance: r.chance })) };
  }
  if (!last?.quality.realised) throw new Error('no realised quality');
  writeFileSync(join(WORK, 'labelled.csv'), `target,prediction\n${last.pairs.map((p) => `${p.label},${p.chance}`).join('\n')}\n`);

  interface Peer {
    evidently: string;
    times_ms: number[];
    figures: Record<string, number>;
  }
  let peer: Peer | undefined;
  if (spawnSync('python3', ['--version']).status === 0) {
    const python = execFileSync(join(ROOT, 'scripts/py-venv.sh'), ['evidently'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    peer = JSON.parse(execFileSync(python, [join(import.meta.dirname, 'evidently_classification.py'), join(WORK, 'labelled.csv'), join(WORK, 'evidently.html'), String(RUNS)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as Peer;
  }

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const computeMs = median(runs.map((r) => r.computeMs));
  const renderMs = median(runs.map((r) => r.renderMs));
  const inMemoryMs = median(runs.map((r) => r.computeMs + r.renderMs));
  const totalMs = joinMs + inMemoryMs;
  const peerMs = peer ? median(peer.times_ms) : Number.NaN;
  const realised = last.quality.realised;
  const aucDiff = peer?.figures['RocAuc'] !== undefined ? Math.abs((realised.auc as number) - peer.figures['RocAuc']) : Number.NaN;
  const ms = (v: number) => (Number.isNaN(v) ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
  const ratio = (v: number) => (Number.isNaN(v) ? '—' : (v / peerMs).toFixed(3));
  const pass = (v: number) => (peer ? (v / peerMs <= 0.2 ? 'yes' : 'no') : '—');
  console.log(
    [
      `| command | metric (${ROWS.toLocaleString('en')} labelled predictions, ms; the join once, the rest median of ${RUNS}) | ours | peer (Evidently ${peer?.evidently ?? '—'} ClassificationPreset, run + save_html) | ratio (ours/peer) | target | pass |`,
      '|---|---|---|---|---|---|---|',
      `| \`${command}\` | quality report, join through FerretDB included | ${ms(totalMs)} | ${ms(peerMs)} | ${ratio(totalMs)} | ratio <= 0.2 | ${pass(totalMs)} |`,
      `| \`${command}\` | quality report on the joined rows (figures + segments + CBPE calibrated on 1,416 test rows + HTML; Evidently too starts from rows in memory) | ${ms(inMemoryMs)} | ${ms(peerMs)} | ${ratio(inMemoryMs)} | ratio <= 0.2 | ${pass(inMemoryMs)} |`,
      `| \`${command}\` | parts: join / figures / HTML | ${ms(joinMs)} / ${ms(computeMs)} / ${ms(renderMs)} | — | — | info | — |`,
      `| \`${command}\` | the 100,000 outcome documents read alone, as the join reads them (FerretDB) | ${ms(outcomesReadMs)} | ${ms(peerMs)} | ${ratio(outcomesReadMs)} | info | — |`,
      `| \`${command}\` | same rows judged: |our AUC - Evidently's| | ${(realised.auc as number).toFixed(6)} | ${peer?.figures['RocAuc']?.toFixed(6) ?? '—'} | ${Number.isNaN(aucDiff) ? '—' : aucDiff.toExponential(1)} | < 1e-9 | ${peer ? (aucDiff < 1e-9 ? 'yes' : 'no') : '—'} |`,
      `| \`${command}\` | setup: 100,000 predictions + 100,000 outcomes inserted (ms, not timed above) | ${ms(setupMs)} | — | — | info | — |`,
    ].join('\n'),
  );
  mkdirSync(join(ROOT, '.stack/bench'), { recursive: true });
  writeFileSync(
    join(ROOT, '.stack/bench/quality-report.json'),
    `${JSON.stringify({ command, rows: ROWS, runs, joinMs, outcomesReadMs, computeMs, renderMs, totalMs, inMemoryMs, peer, ratioTotal: totalMs / peerMs, ratioInMemory: inMemoryMs / peerMs, target: 0.2, setupMs, auc: realised.auc }, null, 2)}\n`,
  );
} finally {
  await db.dropDatabase();
  await client.close();
}
