import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReferenceProfile, defaultContract, loadCleanDataset, splitDataset } from '@churn/churn-data';
import { createEngine, nativeVersion } from '@churn/xgboost';
import { CONTRACT_FILE, ENV_FILES, loadModelDir, MODEL_FILES, ModelDirError, writeModelDir } from './model-dir.js';
import { TEST_PREDICTIONS_FILE, testPredictionsOf, TestPredictionsError } from './test-predictions.js';
import { FeatureError, Preprocessor } from './preprocessor.js';

const contract = defaultContract();
const split = splitDataset(loadCleanDataset().rows);
const sample = split.test.slice(0, 300);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'model-dir-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function trainAndWrite(kind: 'native' | 'wasm', out: string) {
  const engine = await createEngine(kind);
  const preprocessor = Preprocessor.fit(contract, split.train);
  const m = preprocessor.transform(split.train);
  const booster = engine.train({
    train: { ...m, labels: Float32Array.from(split.train, (r) => r.churned) },
    params: { objective: 'binary:logistic', tree_method: 'hist', max_depth: 4, eta: 0.3, nthread: 2, seed: 1 },
    numBoostRound: 20,
  });
  const reference = buildReferenceProfile(contract, split.train, { seed: 42, predictions: Array.from(booster.predict(m.data, m.rows, m.cols)) });
  const test = preprocessor.transform(split.test);
  const testPredictions = testPredictionsOf(booster.predict(test.data, test.rows, test.cols), split.test);
  await writeModelDir(out, { booster, contract, preprocessor, reference, params: { max_depth: 4 }, runId: 'run-123', testPredictions });
  const t = preprocessor.transform(sample);
  return Float64Array.from(booster.predict(t.data, t.rows, t.cols));
}

test.each(['native', 'wasm'] as const)('when a %s model directory is written and loaded, then predictions are identical', async (kind) => {
  const out = join(dir, kind);
  const before = await trainAndWrite(kind, out);
  for (const file of [...MODEL_FILES, ...ENV_FILES]) expect(existsSync(join(out, file))).toBe(true);
  const loaded = await loadModelDir(out, await createEngine(kind));
  expect(loaded.runId).toBe('run-123');
  expect(loaded.contract.spec).toEqual(contract.spec);
  expect(loaded.predict(sample)).toEqual(before);
  expect(loaded.reference.sampleSize).toBe(split.train.length);
  expect(loaded.reference.predictions).toHaveLength(split.train.length);
  // The test split's chances come back as the model predicts them, beside their labels.
  expect(loaded.testPredictions?.labels).toEqual(split.test.map((r) => r.churned));
  expect(Float32Array.from(loaded.testPredictions?.chances ?? [])).toEqual(Float32Array.from(loaded.predict(split.test)));
  expect(() => loaded.predict([{ ...sample[0]!, marital_status: 'widowed' as 'single' }])).toThrow(FeatureError);
  loaded.dispose();
});

test('when MLmodel is written, then pyfunc takes the raw columns through our loader in code/ and the xgboost flavor stays the bare booster', async () => {
  const out = join(dir, 'native-mlmodel');
  await trainAndWrite('native', out);
  const mlmodel = readFileSync(join(out, 'MLmodel'), 'utf8');
  // xgb_version is the libxgboost that trained the booster (the wasm engine's models say 1.7.4, their schema).
  expect(mlmodel).toContain(`  xgboost:\n    code: null\n    data: model.json\n    model_class: xgboost.core.Booster\n    model_format: json\n    xgb_version: ${nativeVersion()}\n`);
  expect(mlmodel).toMatch(/^ {2}python_function:\n {4}code: code\n/m);
  expect(mlmodel).toMatch(/^ {4}loader_module: churn_pyfunc$/m);
  expect(readFileSync(join(out, 'code', 'churn_pyfunc.py'), 'utf8')).toMatch(/^def _load_pyfunc\(path\):$/m);
  expect(mlmodel).toMatch(/^run_id: run-123$/m);
  const inputs = JSON.parse(/^ {2}inputs: '(.*)'$/m.exec(mlmodel)?.[1] ?? '[]') as { name: string; type: string; required: boolean }[];
  expect(inputs.map((c) => c.name)).toEqual(contract.featureNames);
  expect(inputs.find((c) => c.name === 'customer_age')).toEqual({ name: 'customer_age', type: 'long', required: true });
  expect(inputs.find((c) => c.name === 'gender')).toEqual({ name: 'gender', type: 'string', required: true });
  expect(inputs.find((c) => c.name === 'credit_limit')).toEqual({ name: 'credit_limit', type: 'double', required: true });
  const example = JSON.parse(readFileSync(join(out, 'input_example.json'), 'utf8')) as { columns: string[]; data: unknown[][] };
  expect(example.columns).toEqual(contract.featureNames);
  expect(example.data[0]).toHaveLength(contract.featureNames.length);
});

test('when a model directory lacks a file, then loading names the file', async () => {
  await expect(loadModelDir(join(dir, 'nothing-here'))).rejects.toThrow(ModelDirError);
  await expect(loadModelDir(join(dir, 'nothing-here'))).rejects.toThrow(/has no readable (MLmodel|model\.json|preprocessor\.json|reference\.json)/);
});

test('when a model directory carries another contract, then the loaded model validates with that one', async () => {
  const out = join(dir, 'native-contract');
  await trainAndWrite('native', out);
  const renamed = contract.toYaml().replace('chance_field: churn chance', 'chance_field: risk');
  writeFileSync(join(out, CONTRACT_FILE), renamed);
  const loaded = await loadModelDir(out, await createEngine('native'));
  expect(loaded.contract.response.chance_field).toBe('risk');
  loaded.dispose();
});

test('when a model directory predates contracts, then it is read as BankChurners', async () => {
  const out = join(dir, 'native-old');
  await trainAndWrite('native', out);
  rmSync(join(out, CONTRACT_FILE));
  const loaded = await loadModelDir(out, await createEngine('native'));
  expect(loaded.contract).toBe(defaultContract());
  loaded.dispose();
});

test('when the carried contract is broken, then loading names the file and the rule', async () => {
  const out = join(dir, 'native-broken');
  await trainAndWrite('native', out);
  writeFileSync(join(out, CONTRACT_FILE), 'version: 2\n');
  await expect(loadModelDir(out, await createEngine('native'))).rejects.toThrow(/contract\.yaml:1: version: /);
});

test('when a model directory has no test predictions (written before them, or by Python), then it loads without them', async () => {
  const out = join(dir, 'native-no-test-predictions');
  await trainAndWrite('native', out);
  rmSync(join(out, TEST_PREDICTIONS_FILE));
  const loaded = await loadModelDir(out, await createEngine('native'));
  expect(loaded.testPredictions).toBeUndefined();
  loaded.dispose();
});

test('when test-predictions.json is not the written shape, then loading names the file and the field', async () => {
  const out = join(dir, 'native-bad-test-predictions');
  await trainAndWrite('native', out);
  writeFileSync(join(out, TEST_PREDICTIONS_FILE), JSON.stringify({ chances: [0.2, 1.5], labels: [0, 1] }));
  await expect(loadModelDir(out, await createEngine('native'))).rejects.toThrow(TestPredictionsError);
  await expect(loadModelDir(out, await createEngine('native'))).rejects.toThrow(/test-predictions\.json: chances\.1: /);
  writeFileSync(join(out, TEST_PREDICTIONS_FILE), JSON.stringify({ chances: [0.2, 0.5], labels: [0] }));
  await expect(loadModelDir(out, await createEngine('native'))).rejects.toThrow(/labels: must have one label per chance/);
});
