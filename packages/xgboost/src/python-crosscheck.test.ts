import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, modelFormatOf, parseModelFile, TreeEnsemble } from './index.js';
import { maxAbsDiff, slice, toyProblem } from './test-data.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const hasPython = spawnSync('python3', ['--version']).status === 0;
const maybe = hasPython ? describe : describe.skip;
if (!hasPython) console.warn('python3 is absent: skipping the Python xgboost cross-check');

// The xgboost venv pins 2.1.x, mlflow3's 3.1.x: both read what libxgboost 3.2 writes.
maybe.each(['xgboost', 'mlflow3'])("Python's xgboost reading our model.json (%s venv)", (venv) => {
  let python = '';
  beforeAll(() => {
    python = execFileSync(join(root, 'scripts/py-venv.sh'), [venv], { encoding: 'utf8' }).trim();
  }, 600_000);

  test.each(['native', 'wasm'] as const)('when the %s engine saves a model, then Python predicts the same values within 1e-5', async (kind) => {
    const problem = toyProblem(1200);
    const train = slice(problem, 0, 800);
    const validation = slice(problem, 800, 1000);
    const holdout = slice(problem, 1000, 1200);
    const engine = await createEngine(kind);
    const booster = engine.train({
      train,
      validation,
      params: { objective: 'binary:logistic', tree_method: 'hist', max_depth: 5, eta: 0.15, subsample: 0.8, nthread: 2, seed: 1 },
      numBoostRound: 300,
      earlyStoppingRounds: 15,
    });
    const dir = mkdtempSync(join(tmpdir(), 'xgb-crosscheck-'));
    writeFileSync(join(dir, 'model.json'), booster.toModelJson());
    writeFileSync(join(dir, 'matrix.json'), JSON.stringify({ rows: holdout.rows, cols: holdout.cols, data: Array.from(holdout.data) }));
    const out = execFileSync(python, [join(root, 'packages/xgboost/python/predict.py'), join(dir, 'model.json'), join(dir, 'matrix.json')], {
      encoding: 'utf8',
    });
    const { predictions } = JSON.parse(out) as { predictions: number[] };
    const ours = booster.predict(holdout.data, holdout.rows, holdout.cols);
    expect(predictions).toHaveLength(holdout.rows);
    expect(maxAbsDiff(predictions, ours)).toBeLessThan(1e-5);
  }, 120_000);
});

// The xgboost venv pins xgboost 2.1.x; mlflow3's pins 3.1.x, which writes a per-class base score.
maybe.each(['xgboost', 'mlflow3'])("our reader on what Python's xgboost writes (%s venv)", (venv) => {
  let dir = '';
  let expected: { xgboost: string; rows: number; cols: number; binary: number[]; multi: number[][] };
  let holdout: Float32Array;
  beforeAll(() => {
    const python = execFileSync(join(root, 'scripts/py-venv.sh'), [venv], { encoding: 'utf8' }).trim();
    dir = mkdtempSync(join(tmpdir(), `xgb-formats-${venv}-`));
    execFileSync(python, [join(root, 'packages/xgboost/python/train_formats.py'), dir]);
    expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as typeof expected;
    const raw = readFileSync(join(dir, 'holdout.f32'));
    holdout = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  }, 900_000);

  // The legacy binary only where xgboost still writes it (2.x, as *.deprecated).
  const formats = venv === 'xgboost' ? (['ubj', 'json', 'deprecated'] as const) : (['ubj', 'json'] as const);
  const formatOf = { ubj: 'ubj', json: 'json', deprecated: 'legacy' } as const;

  test.each(formats)('when a binary:logistic model is saved as model.%s, then we predict what Python predicts within 1e-6', (ext) => {
    const bytes = readFileSync(join(dir, 'binary', `model.${ext}`));
    expect(modelFormatOf(bytes)).toBe(formatOf[ext]);
    const ours = new TreeEnsemble(parseModelFile(bytes)).predict(holdout, expected.rows, expected.cols);
    expect(ours).toHaveLength(expected.rows);
    expect(maxAbsDiff(expected.binary, ours)).toBeLessThan(1e-6);
  });

  test.each(formats)('when a 3-class multi:softprob model is saved as model.%s, then we predict every class probability Python predicts within 1e-6', (ext) => {
    const ensemble = new TreeEnsemble(parseModelFile(readFileSync(join(dir, 'multi', `model.${ext}`))));
    expect(ensemble.outputs).toBe(3);
    const ours = ensemble.predict(holdout, expected.rows, expected.cols);
    expect(ours).toHaveLength(expected.rows * 3);
    expect(maxAbsDiff(expected.multi.flat(), ours)).toBeLessThan(1e-6);
  });
});
