// Quality estimation before labels: our CBPE beside NannyML's CBPE on held-out BankChurners chunks.
// A model is trained on the training split (fixed rounds, no early stopping, so the validation split
// stays unseen); both estimators calibrate on its test split (the model directory's
// test-predictions.json), then estimate ROC AUC and accuracy on chunks of the validation split from
// the chances alone. Each estimate is compared with the realised figure of its chunk. Chunks come in
// three orders: shuffled (no drift) and sorted by a feature, so each chunk holds one slice of it
// (input drift). Run with `npm run bench -- quality-estimation`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { shuffled, type ChurnRow } from '@churn/churn-data';
import { classificationQuality, DECISION_THRESHOLD, estimateQuality, fitIsotonic } from '@churn/drift';
import { datasetSplit, loadLocal, trainTestModel } from '@churn/serving/testing';

const ROOT = resolve(import.meta.dirname, '../../..');
const WORK = join(ROOT, '.stack/bench/quality-estimation');
const CHUNK = 177;
const ROUNDS = 120;
const command = 'npm run bench -- quality-estimation';

mkdirSync(WORK, { recursive: true });
const dir = await trainTestModel({ max_depth: 5, eta: 0.1 }, ROUNDS);
const model = await loadLocal(dir);
const test = model.testPredictions;
if (!test) throw new Error('the trained model directory has no test-predictions.json');
const { validation } = datasetSplit();

const scenarios: { name: string; rows: ChurnRow[] }[] = [
  { name: 'shuffled (no drift)', rows: shuffled(validation, 7) },
  { name: 'sorted by total_trans_ct', rows: [...validation].sort((a, b) => Number(a['total_trans_ct']) - Number(b['total_trans_ct'])) },
  { name: 'sorted by customer_age', rows: [...validation].sort((a, b) => Number(a['customer_age']) - Number(b['customer_age'])) },
];

const calibrate = fitIsotonic(test.chances, test.labels);
const csv = (header: string, lines: string[]) => `${header}\n${lines.join('\n')}\n`;
writeFileSync(join(WORK, 'reference.csv'), csv('chance,decision,label', test.chances.map((p, i) => `${p},${p >= DECISION_THRESHOLD ? 1 : 0},${test.labels[i]}`)));

interface Peer {
  nannyml: string;
  chunks: { roc_auc: number; accuracy: number }[];
}
const hasPython = spawnSync('python3', ['--version']).status === 0;
const python = hasPython ? execFileSync(join(ROOT, 'scripts/py-venv.sh'), ['nannyml'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim() : undefined;

interface ChunkFigures {
  realisedAuc: number | null;
  realisedAccuracy: number;
  oursAuc: number | null;
  oursAccuracy: number;
  peerAuc: number | undefined;
  peerAccuracy: number | undefined;
}

const results = scenarios.map(({ name, rows }) => {
  const count = Math.floor(rows.length / CHUNK) * CHUNK;
  const used = rows.slice(0, count);
  const chances = Array.from(model.predict(used));
  const file = join(WORK, `analysis-${name.split(' ')[0]}${name.includes('by') ? `-${name.split(' ').at(-1)}` : ''}.csv`);
  writeFileSync(file, csv('chance,decision', chances.map((p) => `${p},${p >= DECISION_THRESHOLD ? 1 : 0}`)));
  const peer = python
    ? (JSON.parse(execFileSync(python, [join(ROOT, 'python/nannyml_cbpe.py'), join(WORK, 'reference.csv'), file, String(CHUNK)], { encoding: 'utf8', env: { ...process.env, NML_DISABLE_USAGE_LOGGING: '1' }, stdio: ['ignore', 'pipe', 'ignore'] })) as Peer)
    : undefined;
  const chunks: ChunkFigures[] = [];
  for (let start = 0; start < count; start += CHUNK) {
    const part = chances.slice(start, start + CHUNK);
    const labels = used.slice(start, start + CHUNK).map((r) => r.churned);
    const realised = classificationQuality(labels, part);
    const ours = estimateQuality(part, calibrate);
    const theirs = peer?.chunks[start / CHUNK];
    chunks.push({ realisedAuc: realised.auc, realisedAccuracy: realised.accuracy, oursAuc: ours.auc, oursAccuracy: ours.accuracy, peerAuc: theirs?.roc_auc, peerAccuracy: theirs?.accuracy });
  }
  if (peer && peer.chunks.length !== chunks.length) throw new Error(`${name}: NannyML made ${peer.chunks.length} chunks, we made ${chunks.length}`);
  return { name, chunks, nannyml: peer?.nannyml };
});
model.dispose();

const maxDiff = (chunks: ChunkFigures[], a: (c: ChunkFigures) => number | null | undefined, b: (c: ChunkFigures) => number | null | undefined) =>
  Math.max(...chunks.flatMap((c) => {
    const x = a(c);
    const y = b(c);
    return x === null || x === undefined || y === null || y === undefined ? [] : [Math.abs(x - y)];
  }));
const mean = (values: number[]) => (values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length);
const mae = (chunks: ChunkFigures[], estimate: (c: ChunkFigures) => number | null | undefined, realised: (c: ChunkFigures) => number | null) =>
  mean(chunks.flatMap((c) => {
    const e = estimate(c);
    const r = realised(c);
    return e === null || e === undefined || r === null || Number.isNaN(e) ? [] : [Math.abs(e - r)];
  }));
const fmt = (v: number) => (Number.isNaN(v) ? '—' : v.toFixed(4));
const version = results.find((r) => r.nannyml)?.nannyml ?? '—';
const summary = results.map(({ name, chunks }) => {
  const withAuc = chunks.filter((c) => c.realisedAuc !== null);
  return {
    name,
    chunks: chunks.length,
    chunksWithAuc: withAuc.length,
    realisedAucRange: [Math.min(...withAuc.map((c) => c.realisedAuc as number)), Math.max(...withAuc.map((c) => c.realisedAuc as number))],
    auc: { ours: mae(chunks, (c) => c.oursAuc, (c) => c.realisedAuc), nannyml: mae(chunks, (c) => c.peerAuc, (c) => c.realisedAuc), between: maxDiff(chunks, (c) => c.oursAuc, (c) => c.peerAuc) },
    accuracy: { ours: mae(chunks, (c) => c.oursAccuracy, (c) => c.realisedAccuracy), nannyml: mae(chunks, (c) => c.peerAccuracy, (c) => c.realisedAccuracy), between: maxDiff(chunks, (c) => c.oursAccuracy, (c) => c.peerAccuracy) },
  };
});

const lines = [
  `Model: XGBoost (max_depth 5, eta 0.1, ${ROUNDS} rounds) on the BankChurners training split; both estimators calibrated on its test split (${test.chances.length} rows); chunks of ${CHUNK} rows of the validation split (never seen in training). Error = mean over chunks of |estimate - realised|.`,
  '',
  `| command | chunks | realised AUC range | AUC error, ours | AUC error, NannyML ${version} | accuracy error, ours | accuracy error, NannyML | max |ours - NannyML| per chunk, AUC / accuracy |`,
  '|---|---|---|---|---|---|---|---|',
  ...summary.map(
    (s) =>
      `| \`${command}\` ${s.name} | ${s.chunks}${s.chunksWithAuc < s.chunks ? ` (${s.chunksWithAuc} with both classes)` : ''} | ${fmt(s.realisedAucRange[0] as number)}–${fmt(s.realisedAucRange[1] as number)} | ${fmt(s.auc.ours)} | ${fmt(s.auc.nannyml)} | ${fmt(s.accuracy.ours)} | ${fmt(s.accuracy.nannyml)} | ${s.auc.between.toExponential(1)} / ${s.accuracy.between.toExponential(1)} |`,
  ),
];
console.log(lines.join('\n'));

writeFileSync(
  join(ROOT, '.stack/bench/quality-estimation.json'),
  `${JSON.stringify({ command, chunkRows: CHUNK, rounds: ROUNDS, calibrationRows: test.chances.length, nannyml: version, summary, scenarios: results }, null, 2)}\n`,
);
