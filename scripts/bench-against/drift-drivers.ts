// The drift measurement of packages/drift/bench/drift.bench.ts (computeDrift + renderDriftReport +
// write, 20,000 drifted current rows against the training split's reference; one warm-up, then the
// median of 3 runs, each on a fresh copy of the reference), once per drift API: before the dataset
// contract (`computeDrift(reference, rows)`, the churn chance inside each row) and with it
// (`computeDrift(contract, reference, rows, { predictions })`). The driver writes the one a tree
// needs into a temp dir and runs it with that tree's tsx: `tsx drift-<api>.mts <tree> <out.html>`;
// it imports the tree's own sources and prints one JSON line.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export type DriftApi = 'legacy' | 'contract';

/** The contract API arrived with packages/churn-data/src/contract.ts. */
export function driftApiOf(tree: string): DriftApi {
  return existsSync(join(tree, 'packages/churn-data/src/contract.ts')) ? 'contract' : 'legacy';
}

const prelude = `
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const [tree, out] = process.argv.slice(2);
const load = (path) => import(pathToFileURL(join(tree, path)).href);
const data = await load('packages/churn-data/src/index.ts');
const drift = await load('packages/drift/src/index.ts');
const fixtures = await load('packages/drift/src/testing/fixtures.ts');
const CURRENT_ROWS = 20000;
const RUNS = 3;
const window = { from: new Date('2026-11-25T18:00:00Z'), to: new Date('2026-11-25T21:00:00Z') };
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
`;

const finish = `
const clone = () => JSON.parse(JSON.stringify(reference));
once(clone());
const runs = Array.from({ length: RUNS }, () => once(clone()));
console.log(JSON.stringify({
  reportMs: median(runs.map((r) => r.totalMs)),
  computeMs: median(runs.map((r) => r.computeMs)),
  runsMs: runs.map((r) => r.totalMs),
  drifted: [...runs[0].result.driftedFeatures].sort(),
}));
`;

export const DRIFT_DRIVERS: Record<DriftApi, string> = {
  legacy: `${prelude}
const rows = data.loadCleanDataset().rows.map(({ churned: _c, ...features }) => features);
const split = data.splitDataset(rows);
const reference = data.buildReferenceProfile(split.train, { predictions: split.train.map(fixtures.fakeScore) });
const current = fixtures.drifted(fixtures.resample(split.test, CURRENT_ROWS)).map((row) => ({ ...row, churn_chance: fixtures.fakeScore(row) }));
function once(profile) {
  const started = performance.now();
  const result = drift.computeDrift(profile, current);
  const computed = performance.now();
  const html = drift.renderDriftReport({ result, reference: profile, current, runId: 'bench', window });
  writeFileSync(out, html);
  return { result, computeMs: computed - started, totalMs: performance.now() - started };
}
${finish}`,
  contract: `${prelude}
const contract = data.defaultContract();
const rows = data.loadCleanDataset(contract).rows.map(({ churned: _c, ...features }) => features);
const split = data.splitDataset(rows);
const reference = data.buildReferenceProfile(contract, split.train, { predictions: split.train.map(fixtures.fakeScore) });
const current = fixtures.drifted(fixtures.resample(split.test, CURRENT_ROWS));
const predictions = current.map(fixtures.fakeScore);
function once(profile) {
  const started = performance.now();
  const result = drift.computeDrift(contract, profile, current, { predictions });
  const computed = performance.now();
  const html = drift.renderDriftReport({ contract, result, reference: profile, current, predictions, runId: 'bench', window });
  writeFileSync(out, html);
  return { result, computeMs: computed - started, totalMs: performance.now() - started };
}
${finish}`,
};
