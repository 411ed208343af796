/*
 * Tuning and prediction bench: 50-trial TPE tuning on the native and wasm engines against Python
 * xgboost + hyperopt on the same splits (written to CSV for Python), budget, search space, early
 * stopping and nthread; then single-row and 1,000-row prediction latency of the best model.
 * Run alone: npx tsx packages/training/bench/tuning.bench.ts  (TRIALS=n, REPEATS=n to shorten).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildReferenceProfile, defaultContract, loadCleanDataset, splitDataset, type ChurnRow } from '@churn/churn-data';
import { loadModelDir, Preprocessor, writeModelDir } from '@churn/model';
import { createEngine, type Booster } from '@churn/xgboost';
import { tune, type TuneResult } from '../src/index.js';

const ROOT = join(import.meta.dirname, '../../..');
const TRIALS = Number(process.env.TRIALS ?? 50);
const REPEATS = Number(process.env.REPEATS ?? 3);
const NTHREAD = 2;
const ROUNDS = 500;
const EARLY_STOPPING = 30;
const SEED = 42;
const command = 'npx tsx packages/training/bench/tuning.bench.ts';

const contract = defaultContract();
const split = splitDataset(loadCleanDataset().rows);
const work = join(ROOT, '.stack/bench/tuning-split');
mkdirSync(work, { recursive: true });

// The split exactly as our engines see it: encoded features, then the label.
const preprocessor = Preprocessor.fit(contract, split.train);
for (const part of ['train', 'validation', 'test'] as const) {
  const rows: ChurnRow[] = split[part];
  const m = preprocessor.transform(rows);
  const lines = [[...preprocessor.featureNames, 'churned'].join(',')];
  for (let r = 0; r < m.rows; r++) lines.push([...m.data.subarray(r * m.cols, (r + 1) * m.cols), rows[r]?.churned ?? 0].join(','));
  writeFileSync(join(work, `${part}.csv`), `${lines.join('\n')}\n`);
}

function percentiles(run: () => void, repeat: number): { p50: number; p99: number } {
  for (let i = 0; i < 200; i++) run();
  const times = new Float64Array(repeat);
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    run();
    times[i] = performance.now() - t;
  }
  times.sort();
  return { p50: times[Math.floor(repeat / 2)] ?? 0, p99: times[Math.min(repeat - 1, Math.floor(repeat * 0.99))] ?? 0 };
}

async function tuneWith(kind: 'native' | 'wasm'): Promise<TuneResult> {
  const engine = await createEngine(kind);
  process.stderr.write(`tuning ${TRIALS} trials on ${kind}...\n`);
  return tune({ contract, split, engine, trials: TRIALS, seed: SEED, numBoostRound: ROUNDS, earlyStoppingRounds: EARLY_STOPPING, nthread: NTHREAD });
}

interface PeerResult {
  xgboost: string;
  wall_ms?: number;
  best_test_auc?: number;
  best_valid_auc?: number;
  single_row_ms?: { p50: number; p99: number };
  batch_1000_ms?: { p50: number; p99: number };
}
const python = execFileSync(join(ROOT, 'scripts/py-venv.sh'), ['hyperopt'], { encoding: 'utf8' }).trim();
const runPython = (trials: number, modelJson?: string): PeerResult =>
  JSON.parse(
    execFileSync(
      python,
      [join(import.meta.dirname, 'hyperopt_tune.py'), work, String(trials), String(NTHREAD), String(ROUNDS), String(EARLY_STOPPING), String(SEED), ...(modelJson ? [modelJson] : [])],
      { encoding: 'utf8', env: { ...process.env, OMP_WAIT_POLICY: 'passive' } },
    ),
  ) as PeerResult;

// The cores are shared, so native and Python alternate REPEATS times and the fastest run of each
// is compared (both are seeded: every repeat tunes to the same result).
const nativeWalls: number[] = [];
const pythonWalls: number[] = [];
let native: TuneResult | undefined;
let peer: PeerResult | undefined;
for (let i = 0; i < REPEATS; i++) {
  const run = await tuneWith('native');
  nativeWalls.push(run.wallMs);
  if (native) run.best.booster.dispose();
  else native = run;
  process.stderr.write(`tuning ${TRIALS} trials with Python xgboost + hyperopt...\n`);
  peer = runPython(TRIALS);
  pythonWalls.push(peer.wall_ms ?? Number.NaN);
}
if (!native || !peer) throw new Error('REPEATS must be at least 1');
const wasm = await tuneWith('wasm');

// Latency of the best native model as served: written to a model directory and loaded back.
const modelDir = join(ROOT, '.stack/bench/tuning-model');
const trainMatrix = native.best.preprocessor.transform(split.train);
await writeModelDir(modelDir, {
  booster: native.best.booster,
  contract,
  preprocessor: native.best.preprocessor,
  reference: buildReferenceProfile(contract, split.train, { predictions: Array.from(native.best.booster.predict(trainMatrix.data, trainMatrix.rows, trainMatrix.cols)) }),
  params: { ...native.best.params },
});
const peerLatency = runPython(0, join(modelDir, 'model.json'));
const peerSingle = peerLatency.single_row_ms ?? { p50: Number.NaN, p99: Number.NaN };
const peerBatch = peerLatency.batch_1000_ms ?? { p50: Number.NaN, p99: Number.NaN };
const peerTestAuc = peer.best_test_auc ?? Number.NaN;
const min = (xs: number[]) => Math.min(...xs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const loaded = await loadModelDir(modelDir, await createEngine('native'));
const test = loaded.preprocessor.transform(split.test);
const cols = test.cols;
const oneRow = test.data.slice(0, cols);
const thousand = test.data.slice(0, 1000 * cols);
const booster: Booster = loaded.booster;
const single = percentiles(() => booster.predict(oneRow, 1, cols), 20_000);
const singleServed = percentiles(() => loaded.predict([split.test[0] as ChurnRow]), 20_000);
const batch = percentiles(() => booster.predict(thousand, 1000, cols), 500);
// The same model with every call going through libxgboost (PredictFromDense), for comparison.
const ffiBooster = (await createEngine('native')).load(native.best.booster.toModelJson(), { jsBelowRows: 0 });
const ffiSingle = percentiles(() => ffiBooster.predict(oneRow, 1, cols), 20_000);
ffiBooster.dispose();
loaded.dispose();

interface Row {
  metric: string;
  ours: number;
  peer?: number;
  ratio?: number;
  target: string;
  pass?: boolean;
}
const s = (ms: number) => ms / 1000;
const rows: Row[] = [
  { metric: `tuning wall time, ${TRIALS} trials, native, fastest of ${REPEATS} (s)`, ours: s(min(nativeWalls)), peer: s(min(pythonWalls)), ratio: min(nativeWalls) / min(pythonWalls), target: 'ratio <= 1.00' },
  { metric: `tuning wall time, ${TRIALS} trials, native, median of ${REPEATS} (s)`, ours: s(median(nativeWalls)), peer: s(median(pythonWalls)), ratio: median(nativeWalls) / median(pythonWalls), target: 'info' },
  { metric: `tuning wall time, ${TRIALS} trials, wasm, one run (s)`, ours: s(wasm.wallMs), peer: s(min(pythonWalls)), ratio: wasm.wallMs / min(pythonWalls), target: 'info (fallback)' },
  { metric: 'best trial test AUC, native', ours: native.best.metrics.test.auc, peer: peerTestAuc, ratio: native.best.metrics.test.auc - peerTestAuc, target: 'diff >= -0.005 (not weaker)' },
  { metric: 'best trial test AUC, wasm', ours: wasm.best.metrics.test.auc, peer: peerTestAuc, ratio: wasm.best.metrics.test.auc - peerTestAuc, target: 'info' },
  { metric: 'single-row predict p50, native model (ms)', ours: single.p50, peer: peerSingle.p50, ratio: single.p50 / peerSingle.p50, target: 'info' },
  { metric: 'single-row predict p99, native model (ms)', ours: single.p99, peer: peerSingle.p99, ratio: single.p99 / peerSingle.p99, target: 'p99 < 0.2 ms' },
  { metric: 'single-row predict p99 incl. preprocessing, loadModelDir (ms)', ours: singleServed.p99, target: 'p99 < 0.2 ms' },
  { metric: 'single-row predict p50 / p99 forced through libxgboost FFI (ms)', ours: ffiSingle.p50, peer: ffiSingle.p99, target: 'info (p50 in ours, p99 in peer)' },
  { metric: '1,000-row predict p50, native (ms)', ours: batch.p50, peer: peerBatch.p50, ratio: batch.p50 / peerBatch.p50, target: 'info' },
  { metric: '1,000-row predict p99, native (ms)', ours: batch.p99, peer: peerBatch.p99, ratio: batch.p99 / peerBatch.p99, target: 'info' },
];
rows[0]!.pass = (rows[0]!.ratio ?? Infinity) <= 1;
// "Not weaker": a higher test AUC than the reference passes.
rows[3]!.pass = (rows[3]!.ratio ?? -Infinity) >= -0.005;
rows[6]!.pass = single.p99 < 0.2;
rows[7]!.pass = singleServed.p99 < 0.2;

const fmt = (n: number | undefined) => (n === undefined ? '—' : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toFixed(4));
const table = [
  `| command | metric | ours | peer (Python xgboost ${peer.xgboost} + hyperopt 0.2.7) | ratio (ours/peer; AUC: ours-peer) | target | pass |`,
  '|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| \`${command}\` | ${r.metric} | ${fmt(r.ours)} | ${fmt(r.peer)} | ${fmt(r.ratio)} | ${r.target} | ${r.pass === undefined ? '—' : r.pass ? 'yes' : 'no'} |`),
];
console.log(table.join('\n'));
console.log(
  `\nSame split (${split.train.length}/${split.validation.length}/${split.test.length} rows), search space, ${ROUNDS} rounds max, early stopping ${EARLY_STOPPING}, nthread ${NTHREAD}, tree_method hist, loss 1 - validation AUC, seed ${SEED}. ` +
    'Prediction latency: both sides score our best native model (Python: inplace_predict, nthread 1). Single rows (up to 8) are scored by a JavaScript walk over the loaded trees, 1,000-row batches by libxgboost. ' +
    `Best validation AUC: native ${native.best.metrics.validation.auc.toFixed(4)}, wasm ${wasm.best.metrics.validation.auc.toFixed(4)}, Python ${(peer.best_valid_auc ?? Number.NaN).toFixed(4)}. ` +
    `Tuning runs (s): native ${nativeWalls.map((w) => s(w).toFixed(1)).join(', ')}; Python ${pythonWalls.map((w) => s(w).toFixed(1)).join(', ')}.`,
);
mkdirSync(join(ROOT, '.stack/bench'), { recursive: true });
writeFileSync(
  join(ROOT, '.stack/bench/tuning.json'),
  `${JSON.stringify({ name: 'tuning', command, peer: `python xgboost ${peer.xgboost} + hyperopt 0.2.7`, trials: TRIALS, repeats: REPEATS, nativeWallsMs: nativeWalls, pythonWallsMs: pythonWalls, rows, measuredAt: new Date().toISOString() }, null, 2)}\n`,
);
native.best.booster.dispose();
wasm.best.booster.dispose();
