// Drift report for 20,000 current rows: ours (computeDrift + renderDriftReport + write) beside
// Evidently's DataDriftPreset (Report.run + save_html) on the same CSVs. Run alone with
// `npx tsx packages/drift/bench/drift.bench.ts` or through `npm run bench -- drift`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildReferenceProfile, defaultContract, loadCleanDataset, splitDataset, type ReferenceProfile } from '@churn/churn-data';
import { computeDrift, renderDriftReport } from '../src/index.js';
import { drifted, fakeScore, resample, type BankRow } from '../src/testing/fixtures.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const WORK = join(ROOT, '.stack/bench/drift');
const CURRENT_ROWS = 20_000;
const RUNS = 3;
const command = 'npx tsx packages/drift/bench/drift.bench.ts';

mkdirSync(WORK, { recursive: true });
const contract = defaultContract();
const names = contract.featureNames;
const rows = loadCleanDataset(contract).rows.map(({ churned: _c, ...features }) => features as BankRow);
const split = splitDataset(rows);
const reference = buildReferenceProfile(contract, split.train, { predictions: split.train.map(fakeScore) });
const current = drifted(resample(split.test, CURRENT_ROWS));
const predictions = current.map(fakeScore);

const csv = (records: readonly Record<string, unknown>[]) => `${names.join(',')}\n${records.map((r) => names.map((n) => String(r[n])).join(',')).join('\n')}\n`;
const referenceRows = Array.from({ length: reference.sampleSize }, (_, i) => Object.fromEntries(names.map((n) => [n, reference.sample[n]?.[i]])));
writeFileSync(join(WORK, 'reference.csv'), csv(referenceRows));
writeFileSync(join(WORK, 'current.csv'), csv(current));

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const window = { from: new Date('2026-11-25T18:00:00Z'), to: new Date('2026-11-25T21:00:00Z') };

// A fresh copy of the reference per run: the 3-hourly report loads reference.json anew each time, so
// the per-profile cache of sorted columns must not make later runs look faster.
function oursOnce(profile: ReferenceProfile) {
  const started = performance.now();
  const result = computeDrift(contract, profile, current, { predictions });
  const computed = performance.now();
  const html = renderDriftReport({ contract, result, reference: profile, current, predictions, runId: 'bench', window });
  writeFileSync(join(WORK, 'ours.html'), html);
  return { result, computeMs: computed - started, totalMs: performance.now() - started };
}

const clone = () => JSON.parse(JSON.stringify(reference)) as ReferenceProfile;
oursOnce(clone());
const ours = Array.from({ length: RUNS }, () => oursOnce(clone()));
const result = ours[0]?.result ?? computeDrift(contract, reference, current, { predictions });

interface Peer {
  evidently: string;
  times_ms: number[];
  drifted_share: number;
  columns: Record<string, { method: string; value: number; threshold: number; drifted: boolean }>;
}
let peer: Peer | undefined;
let peerNote = '';
if (spawnSync('python3', ['--version']).status === 0) {
  const python = execFileSync(join(ROOT, 'scripts/py-venv.sh'), ['evidently'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  peer = JSON.parse(
    execFileSync(python, [join(import.meta.dirname, 'evidently_report.py'), join(WORK, 'reference.csv'), join(WORK, 'current.csv'), join(WORK, 'evidently.html'), String(RUNS), contract.numericNames.join(','), contract.categoricalNames.join(',')], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    }),
  ) as Peer;
} else {
  peerNote = 'python3 absent: Evidently not run';
}

const oursMs = median(ours.map((o) => o.totalMs));
const computeMs = median(ours.map((o) => o.computeMs));
const peerMs = peer ? median(peer.times_ms) : Number.NaN;
const ourFlags = [...result.driftedFeatures].sort();
const peerFlags = peer ? Object.entries(peer.columns).filter(([, c]) => c.drifted).map(([name]) => name).sort() : [];
const sameFlags = peer !== undefined && JSON.stringify(ourFlags) === JSON.stringify(peerFlags);
const ratio = oursMs / peerMs;

const fmt = (v: number) => (Number.isNaN(v) ? '—' : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3));
const lines = [
  `| command | metric | ours | peer (Evidently ${peer?.evidently ?? '—'} DataDriftPreset) | ratio (ours/peer) | target | pass |`,
  '|---|---|---|---|---|---|---|',
  `| \`${command}\` | report time, ${CURRENT_ROWS.toLocaleString('en')} current vs ${reference.sampleSize.toLocaleString('en')} reference rows (ms, median of ${RUNS}) | ${fmt(oursMs)} | ${fmt(peerMs)} | ${fmt(ratio)} | ratio <= 0.2 | ${peer ? (ratio <= 0.2 ? 'yes' : 'no') : '—'} |`,
  `| \`${command}\` | drift statistics only, no HTML (ms) | ${fmt(computeMs)} | — | — | info | — |`,
  `| \`${command}\` | drifted features | ${ourFlags.join(', ')} | ${peer ? peerFlags.join(', ') : peerNote} | — | same features | ${peer ? (sameFlags ? 'yes' : 'no') : '—'} |`,
  `| \`${command}\` | dataset drift (share) | ${result.datasetDrift} (${fmt(result.driftedShare)}) | ${peer ? `${peer.drifted_share >= 0.5} (${fmt(peer.drifted_share)})` : '—'} | — | same verdict | ${peer ? (result.datasetDrift === peer.drifted_share >= 0.5 ? 'yes' : 'no') : '—'} |`,
];
const perFeature = [
  '',
  '| feature | our method | our score | Evidently method | Evidently value | |diff| | drifted (ours / Evidently) |',
  '|---|---|---|---|---|---|---|',
  ...names.map((name) => {
    const f = result.features[name];
    const p = peer?.columns[name];
    if (!f) return `| ${name} | not compared (no values) | — | ${p?.method ?? '—'} | ${p ? fmt(p.value) : '—'} | — | — |`;
    return `| ${name} | ${f.method} | ${fmt(f.score)} | ${p?.method ?? '—'} | ${p ? fmt(p.value) : '—'} | ${p ? Math.abs(f.score - p.value).toExponential(1) : '—'} | ${f.drifted} / ${p?.drifted ?? '—'} |`;
  }),
];
console.log([...lines, ...perFeature].join('\n'));

mkdirSync(join(ROOT, '.stack/bench'), { recursive: true });
writeFileSync(
  join(ROOT, '.stack/bench/drift.json'),
  `${JSON.stringify(
    {
      command,
      currentRows: CURRENT_ROWS,
      referenceRows: reference.sampleSize,
      ours: { reportMs: oursMs, computeMs, runsMs: ours.map((o) => o.totalMs) },
      peer: peer ? { evidently: peer.evidently, reportMs: peerMs, runsMs: peer.times_ms, columns: peer.columns, driftedShare: peer.drifted_share } : null,
      ratio,
      target: 0.2,
      pass: peer ? ratio <= 0.2 : null,
      driftedFeatures: { ours: ourFlags, peer: peerFlags, same: sameFlags },
      features: result.features,
    },
    null,
    2,
  )}\n`,
);
