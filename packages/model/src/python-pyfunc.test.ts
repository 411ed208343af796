import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildReferenceProfile, defaultContract, loadCleanDataset, splitDataset } from '@churn/churn-data';
import { createEngine } from '@churn/xgboost';
import { loadModelDir, writeModelDir } from './model-dir.js';
import { Preprocessor } from './preprocessor.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const hasPython = spawnSync('python3', ['--version']).status === 0;
const maybe = hasPython ? describe : describe.skip;
if (!hasPython) console.warn('python3 is absent: skipping the MLflow pyfunc check of the model directory');

maybe("MLflow's Python pyfunc loading our model directory", () => {
  let python = '';
  let dir = '';
  beforeAll(() => {
    python = execFileSync(join(root, 'scripts/py-venv.sh'), ['mlflow3'], { encoding: 'utf8' }).trim();
    dir = mkdtempSync(join(tmpdir(), 'pyfunc-'));
  }, 900_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(['native', 'wasm'] as const)(
    'when a %s model directory is loaded with mlflow.pyfunc, then it predicts the churn chance we predict on preprocessed rows',
    async (kind) => {
      const split = splitDataset(loadCleanDataset().rows);
      const contract = defaultContract();
      const preprocessor = Preprocessor.fit(contract, split.train);
      const m = preprocessor.transform(split.train);
      const engine = await createEngine(kind);
      const booster = engine.train({
        train: { ...m, labels: Float32Array.from(split.train, (r) => r.churned) },
        params: { objective: 'binary:logistic', tree_method: 'hist', max_depth: 4, eta: 0.2, nthread: 2, seed: 1 },
        numBoostRound: 40,
      });
      const out = join(dir, kind);
      await writeModelDir(out, { booster, contract, preprocessor, reference: buildReferenceProfile(contract, split.train), params: {}, runId: 'r1' });
      const rows = split.test.slice(0, 200);
      const encoded = preprocessor.transform(rows);
      const data = Array.from({ length: encoded.rows }, (_, r) => Array.from(encoded.data.subarray(r * encoded.cols, (r + 1) * encoded.cols)));
      // Floats so pandas makes float64 columns, as the double signature asks.
      writeFileSync(join(dir, `${kind}-rows.json`), JSON.stringify({ columns: preprocessor.featureNames, data }).replace(/([[,])(-?\d+)(?=[,\]])/g, '$1$2.0'));
      const result = JSON.parse(
        execFileSync(python, [join(root, 'packages/model/python/pyfunc_predict.py'), out, join(dir, `${kind}-rows.json`)], { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] }),
      ) as { predictions: number[]; example: number[] };
      const ours = (await loadModelDir(out, engine)).predict(rows);
      expect(result.predictions).toHaveLength(rows.length);
      result.predictions.forEach((p, i) => expect(Math.abs(p - (ours[i] ?? Number.NaN))).toBeLessThan(1e-5));
      expect(result.example).toHaveLength(1);
    },
    180_000,
  );
});
