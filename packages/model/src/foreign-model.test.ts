import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRequest, type FeatureRow } from '@churn/churn-data';
import { buildModelJson, parseModelFile } from '@churn/xgboost';
import { loadAnyModelDir, loadForeignModelDir, type ForeignModel } from './foreign-model.js';
import { ModelDirError } from './model-dir.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** One stump on column 0 (x < 0.5: margin -1, else +1): small enough to know its answers. */
const stumpJson = (numFeature: number) =>
  buildModelJson({
    objective: 'binary:logistic',
    baseScore: 0.5,
    numFeature,
    trees: [
      {
        left: [1, -1, -1],
        right: [2, -1, -1],
        parents: [-1, 0, 0],
        splitIndices: [0, 0, 0],
        splitConditions: [0.5, -1, 1],
        defaultLeft: [true, false, false],
        baseWeights: [0, -1, 1],
        lossChanges: [1, 0, 0],
        sumHessian: [2, 1, 1],
      },
    ],
  });

const signature = (columns: { name: string; type: string; required?: boolean }[]) => `signature:\n  inputs: '${JSON.stringify(columns)}'\n  outputs: null\n`;

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'foreign-model-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function modelDir(name: string, mlmodel: string, files: Record<string, string> = { 'model.json': stumpJson(2) }): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'MLmodel'), mlmodel);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

const xgboostFlavor = (data = 'model.json', modelClass = 'xgboost.core.Booster') =>
  `flavors:\n  python_function:\n    data: ${data}\n    loader_module: mlflow.xgboost\n  xgboost:\n    data: ${data}\n    model_class: ${modelClass}\n    model_format: json\nrun_id: abc123\n`;

const rowsOf = (model: ForeignModel, records: Record<string, unknown>[]): FeatureRow[] =>
  records.map((record) => {
    const parsed = parseRequest(model.contract, record, 'json');
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.features;
  });

test('when a Booster logged with a signature is loaded, then its columns come from the signature and it predicts on them', async () => {
  const dir = modelDir('booster', xgboostFlavor() + signature([{ name: 'Balance', type: 'double' }, { name: 'tenure', type: 'long', required: false }]));
  const model = await loadForeignModelDir(dir);
  expect(model.runId).toBe('abc123');
  expect(model.contract.featureNames).toEqual(['Balance', 'tenure']);
  expect(model.contract.feature('tenure')?.kind).toBe('integer');
  const rows = rowsOf(model, [{ Balance: 0.2, tenure: 3 }, { Balance: 0.9 }]);
  const sigmoid = (m: number) => Math.fround(1 / (1 + Math.exp(-m)));
  expect(Array.from(model.predict(rows))).toEqual([sigmoid(-1), sigmoid(1)]);
  expect(model.score(rows).predictions).toEqual([sigmoid(-1), sigmoid(1)]);
  // A required column is refused when absent; a long column refuses a fraction, as MLflow's schema enforcement does.
  expect(parseRequest(model.contract, { tenure: 3 }, 'json')).toMatchObject({ ok: false, field: 'Balance' });
  expect(parseRequest(model.contract, { Balance: 1, tenure: 2.5 }, 'json')).toMatchObject({ ok: false, field: 'tenure' });
});

test('when a model Python logged has no reference.json, then it has no drift reference unless DRIFT_REFERENCE_CSV gives its training rows, whose profile and chances become one', async () => {
  const mlmodel = xgboostFlavor() + signature([{ name: 'Balance', type: 'double' }, { name: 'tenure', type: 'long', required: false }]);
  const dir = modelDir('drift', mlmodel);
  const bare = await loadForeignModelDir(dir);
  expect(bare.reference).toBeUndefined();
  expect(bare.noReference).toMatch(/no reference profile .*set DRIFT_REFERENCE_CSV/);
  // Training rows with an extra column and one invalid row, which is skipped.
  const csv = join(scratch, 'train.csv');
  writeFileSync(csv, 'id,Balance,tenure\n1,0.2,3\n2,0.9,\n3,lots,1\n4,0.7,5\n');
  const model = await loadForeignModelDir(dir, { referenceCsv: csv });
  expect(model.noReference).toBeUndefined();
  expect(model.reference?.rowCount).toBe(3);
  expect(model.reference?.sample).toEqual({ Balance: [0.2, 0.9, 0.7], tenure: [3, null, 5] });
  expect(model.reference?.predictions).toEqual(Array.from(model.predict(rowsOf(model, [{ Balance: 0.2 }, { Balance: 0.9 }, { Balance: 0.7 }]))));
  writeFileSync(join(scratch, 'other.csv'), 'a,b\n1,2\n');
  expect((await loadForeignModelDir(dir, { referenceCsv: join(scratch, 'other.csv') })).noReference).toMatch(/lacks the model's columns Balance, tenure/);
  // A reference.json beside the model (our format) is used as it is.
  const withReference = modelDir('drift-ref', mlmodel, { 'model.json': stumpJson(2), 'reference.json': JSON.stringify(model.reference) });
  expect((await loadForeignModelDir(withReference)).reference).toEqual(model.reference);
});

test('when an XGBClassifier is loaded, then /invocations gives class labels and the log keeps the probability', async () => {
  const dir = modelDir('classifier', xgboostFlavor('model.json', 'xgboost.sklearn.XGBClassifier') + signature([{ name: 'a', type: 'double' }, { name: 'b', type: 'double' }]));
  const model = await loadForeignModelDir(dir);
  const scored = model.score(rowsOf(model, [{ a: 0.1, b: 0 }, { a: 0.7, b: 0 }]));
  expect(scored.predictions).toEqual([0, 1]);
  expect(scored.chances[1]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
});

test.each([
  ['sklearn', 'flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n  sklearn:\n    pickled_model: model.pkl\n', /is a sklearn model; only the xgboost flavor can be served/],
  ['pytorch', 'flavors:\n  pytorch:\n    model_data: data\n  python_function:\n    loader_module: mlflow.pytorch\n', /is a pytorch model/],
])('when a %s model is loaded, then it is refused with a message naming the flavor', async (name, mlmodel, message) => {
  const dir = modelDir(name, mlmodel, {});
  await expect(loadForeignModelDir(dir)).rejects.toThrow(ModelDirError);
  await expect(loadAnyModelDir(dir)).rejects.toThrow(message);
});

test.each([
  ['no signature', xgboostFlavor(), /has no signature inputs/],
  ['a string column', xgboostFlavor() + signature([{ name: 'a', type: 'double' }, { name: 'city', type: 'string' }]), /column city is of type string/],
  ['a column too few', xgboostFlavor() + signature([{ name: 'a', type: 'double' }]), /the signature has 1 columns, the booster reads 2/],
  ['a missing data file', xgboostFlavor('model.ubj') + signature([{ name: 'a', type: 'double' }, { name: 'b', type: 'double' }]), /has no readable model.ubj/],
  ['an unusable column name', xgboostFlavor() + signature([{ name: 'a b', type: 'double' }, { name: 'c', type: 'double' }]), /features.0.name: must be letters/],
])('when a model with %s is loaded, then it is refused saying why', async (name, mlmodel, message) => {
  await expect(loadForeignModelDir(modelDir(name.replace(/ /g, '-'), mlmodel))).rejects.toThrow(message);
});

const hasPython = spawnSync('python3', ['--version']).status === 0;
const maybe = hasPython ? describe : describe.skip;
if (!hasPython) console.warn('python3 is absent: skipping the MLflow xgboost cross-check');

// MLflow 3 saves model.ubj (xgboost 3.1); MLflow 2 saves model.xgb, which xgboost 2.1 writes as UBJSON.
maybe.each([
  ['mlflow3', 'model.ubj'],
  ['mlflow2', 'model.xgb'],
])('XGBoost models Python saved with %s (mlflow.xgboost.save_model, signature: %s)', (venv, dataFile) => {
  let dir = '';
  let expected: { rows: Record<string, unknown>[]; cases: Record<string, number[] | number[][]>; skipped: Record<string, string> };
  /** True when Python could not save this case: only xgboost 2.1's scikit-learn wrappers under scikit-learn 1.6+ (the mlflow2 venv). */
  const unsaved = (name: string) => {
    const why = expected.skipped[name];
    if (why === undefined) return false;
    expect(venv).toBe('mlflow2');
    expect(why).toMatch(/_estimator_type/);
    return true;
  };
  beforeAll(() => {
    const python = execFileSync(join(root, 'scripts/py-venv.sh'), [venv], { encoding: 'utf8' }).trim();
    dir = mkdtempSync(join(tmpdir(), 'mlflow-xgb-'));
    // Run in the temporary folder: MLflow makes ./mlruns wherever it runs.
    execFileSync(python, [join(root, 'packages/model/python/mlflow_xgboost_models.py'), dir], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as typeof expected;
  }, 900_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(['booster-binary', 'booster-multi', 'booster-softmax', 'regressor', 'regressor-early-stopped'])('when the %s model is scored, then it answers what mlflow.pyfunc predicts within 1e-6', async (name) => {
    if (unsaved(name)) return;
    expect(existsSync(join(dir, name, dataFile))).toBe(true);
    const model = await loadAnyModelDir(join(dir, name));
    const foreign = model as ForeignModel;
    const { predictions } = foreign.score(rowsOf(foreign, expected.rows));
    const want = expected.cases[name] ?? [];
    expect(predictions).toHaveLength(want.length);
    const got = predictions.flat();
    expect(got).toHaveLength(want.flat().length);
    expect(Math.max(...want.flat().map((v, i) => Math.abs(v - (got[i] ?? Number.NaN))))).toBeLessThan(1e-6);
  });

  test.each(['classifier-binary', 'classifier-multi'])('when the %s XGBClassifier is scored, then it answers the same class labels as mlflow.pyfunc', async (name) => {
    if (unsaved(name)) return;
    const model = (await loadAnyModelDir(join(dir, name))) as ForeignModel;
    expect(model.score(rowsOf(model, expected.rows)).predictions).toEqual(expected.cases[name]);
  });

  test('when an XGBRegressor stopped early is saved, then its file holds rounds past the best one, which the parity above leaves out', () => {
    if (unsaved('regressor-early-stopped')) return;
    const model = parseModelFile(readFileSync(join(dir, 'regressor-early-stopped', dataFile)));
    expect(model.bestIteration).toBeDefined();
    expect(model.bestIteration?.trees).toBe((model.bestIteration?.iteration ?? 0) + 1);
    expect(model.trees.length).toBeGreaterThan(model.bestIteration?.trees ?? Infinity);
  });

  test('when a multi-class model is asked for one chance per row (/predict, the stream), then it gives the most probable class\'s probability, and classify every class\'s as pyfunc', async () => {
    const model = (await loadAnyModelDir(join(dir, 'booster-multi'))) as ForeignModel;
    const rows = rowsOf(model, expected.rows);
    const want = expected.cases['booster-multi'] as number[][];
    const k = model.classes ?? 0;
    expect(k).toBe(want[0]?.length);
    const probabilities = model.classify(rows);
    expect(Math.max(...want.flat().map((v, i) => Math.abs(v - (probabilities[i] ?? Number.NaN))))).toBeLessThan(1e-6);
    const chances = model.predict(rows);
    expect(Math.max(...want.map((p, r) => Math.abs(Math.max(...p) - (chances[r] ?? Number.NaN))))).toBeLessThan(1e-6);
    // multi:softmax answers the class of the largest probability, and the same probabilities softprob would.
    const softmax = (await loadAnyModelDir(join(dir, 'booster-softmax'))) as ForeignModel;
    const labels = expected.cases['booster-softmax'] as number[];
    const p = softmax.classify(rows);
    expect(labels.map((_, r) => { const row = Array.from(p.subarray(r * 3, r * 3 + 3)); return row.indexOf(Math.max(...row)); })).toEqual(labels);
  });
});
