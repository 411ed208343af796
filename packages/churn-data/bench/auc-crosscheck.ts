// What each dataset contract's feature set is worth, measured with Python xgboost (the reference
// figures in BENCHMARKS.md): test AUC on stratified 80/20 splits. xgb_auc.py cleans each contract's
// CSV itself and must arrive at the same row counts as @churn/churn-data, so this also cross-checks
// the cleaning. Python comes from the pinned venv (scripts/py-venv.sh hyperopt).
//
// usage: npx tsx packages/churn-data/bench/auc-crosscheck.ts [DATASET...] [--repeats N] [--nthread N]
//   DATASET: a shipped contract's name or a path to one (default: every datasets/*.yaml).
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DATASETS_DIR, DatasetContract, loadCleanDataset } from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));

interface Result {
  name: string;
  rows: number;
  dropped: number;
  invalid: number;
  positives: number;
  features: number;
  columns: number;
  imputed: number;
  test_auc: number;
  test_auc_mean: number;
  test_auc_min: number;
  test_auc_max: number;
}

function args(argv: string[]): { datasets: string[]; repeats: number; nthread: number } {
  const datasets: string[] = [];
  let repeats = 5;
  let nthread = 4;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--repeats') repeats = Number(argv[++i]);
    else if (arg === '--nthread') nthread = Number(argv[++i]);
    else datasets.push(arg);
  }
  if (!Number.isInteger(repeats) || repeats < 1 || !Number.isInteger(nthread) || nthread < 1) throw new Error('--repeats and --nthread take a positive integer');
  if (datasets.length === 0) {
    const shipped = readdirSync(DATASETS_DIR).filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, ''));
    datasets.push(...shipped.sort());
  }
  return { datasets, repeats, nthread };
}

const { datasets, repeats, nthread } = args(process.argv.slice(2));
const input = datasets.map((dataset) => {
  const contract = DatasetContract.resolve(dataset);
  const cleaned = loadCleanDataset(contract);
  const expected = {
    rows: cleaned.rows.length,
    dropped: cleaned.droppedMissing,
    invalid: cleaned.invalid.length,
    positives: cleaned.rows.filter((r) => r.churned === 1).length,
  };
  return { name: contract.name, spec: contract.spec, csv: contract.sourceLocation, expected };
});

const python = execFileSync(`${ROOT}scripts/py-venv.sh`, ['hyperopt'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const output = execFileSync(python, [`${HERE}xgb_auc.py`, String(repeats), String(nthread)], {
  input: JSON.stringify(input),
  encoding: 'utf8',
  stdio: ['pipe', 'pipe', 'inherit'],
  maxBuffer: 16 * 1024 * 1024,
});
const report = JSON.parse(output) as { xgboost: string; sklearn: string; datasets: Result[] };

const f3 = (n: number) => n.toFixed(3);
console.log(`Python xgboost ${report.xgboost} (scikit-learn ${report.sklearn}), stratified 80/20 split, ${repeats} split seed(s) from the contract's seed`);
console.log(['dataset', 'rows', 'dropped', 'invalid', 'churned', 'features', 'imputed', 'test AUC (contract seed)', `mean [min, max] over ${repeats}`].join(' | '));
for (const r of report.datasets) {
  console.log(
    [r.name, r.rows, r.dropped, r.invalid, `${((100 * r.positives) / r.rows).toFixed(1)}%`, `${r.features} (${r.columns} columns)`, r.imputed, f3(r.test_auc), `${f3(r.test_auc_mean)} [${f3(r.test_auc_min)}, ${f3(r.test_auc_max)}]`].join(' | '),
  );
}
if (process.env['JSON']) console.log(JSON.stringify(report));
