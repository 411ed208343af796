import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetContract, defaultContract, type FeatureRow, type ReferenceProfile } from '@churn/churn-data';
import { createEngine, type Booster, type XGBoostEngine } from '@churn/xgboost';
import type { Metrics } from './metrics.js';
import { buildMlmodel, xgbVersionOf, CONDA_YAML, PYTHON_ENV_YAML, readMlmodelField, REQUIREMENTS_TXT, type SignatureColumn } from './mlmodel.js';
import { PYFUNC_MODULE, PYFUNC_SOURCE } from './pyfunc-loader.js';
import { Preprocessor } from './preprocessor.js';
import { readTestPredictions, TEST_PREDICTIONS_FILE, type TestPredictions } from './test-predictions.js';

/** The files every model directory has (and loadModelDir needs). */
export const MODEL_FILES = ['MLmodel', 'model.json', 'preprocessor.json', 'reference.json', 'input_example.json', 'contract.yaml'] as const;
/** The dataset contract the model was trained with; directories written before contracts existed were BankChurners'. */
export const CONTRACT_FILE = 'contract.yaml';
/** Environment files MLflow's Python client uses to rebuild the model's environment. */
export const ENV_FILES = ['conda.yaml', 'python_env.yaml', 'requirements.txt'] as const;

/** Thrown when a model directory is missing a file or holds something unreadable. */
export class ModelDirError extends Error {
  override readonly name = 'ModelDirError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface WriteModelDirOptions {
  booster: Booster;
  contract: DatasetContract;
  preprocessor: Preprocessor;
  reference: ReferenceProfile;
  params: Record<string, number | string>;
  metrics?: Record<string, number> | { validation: Metrics; test: Metrics };
  runId?: string;
  /** Raw feature rows for input_example.json; the reference's first row by default. */
  example?: FeatureRow[];
  /** The test split's chances and labels (test-predictions.json), what the served quality estimate calibrates on. */
  testPredictions?: TestPredictions;
}

/**
 * The contract's columns as MLflow types: ordinals by their code. A column that may be missing is
 * optional, and numbers that may be missing are doubles, since pandas holds a gap as NaN.
 */
export function signatureOf(contract: DatasetContract): SignatureColumn[] {
  return contract.features.map((f) => {
    const required = f.missing === 'drop';
    const type = f.kind === 'categorical' ? 'string' : f.kind === 'numeric' || !required ? 'double' : f.kind === 'boolean' ? 'boolean' : 'long';
    return { name: f.name, type, required };
  });
}

/**
 * Rows in MLflow's split-orient JSON ({"columns", "data"}) typed as pandas should read them under the
 * signature: doubles keep a decimal point, booleans are true/false, a gap is null. input_example.json
 * is written with it; a Python client can send the same body to pyfunc or to /invocations.
 */
export function signatureRowsJson(contract: DatasetContract, rows: readonly FeatureRow[]): string {
  const columns = signatureOf(contract);
  const cell = (column: SignatureColumn, value: FeatureRow[string] | undefined): string => {
    if (value === null || value === undefined) return 'null';
    if (column.type === 'boolean') return value === 1 ? 'true' : 'false';
    if (column.type === 'double' && typeof value === 'number' && Number.isInteger(value)) return value.toFixed(1);
    return JSON.stringify(value);
  };
  const data = rows.map((row) => `[${columns.map((column) => cell(column, row[column.name])).join(',')}]`);
  return `{"columns":${JSON.stringify(columns.map((c) => c.name))},"data":[${data.join(',')}]}`;
}

function firstReferenceRow(reference: ReferenceProfile): FeatureRow {
  const row: FeatureRow = {};
  for (const [name, values] of Object.entries(reference.sample)) row[name] = values[0] ?? null;
  return row;
}

/** Writes an MLflow model directory: MLmodel, model.json, preprocessor.json, reference.json, the contract, input example, the pyfunc loader in code/, env files, and test-predictions.json when given. */
export async function writeModelDir(dir: string, options: WriteModelDirOptions): Promise<string[]> {
  await mkdir(join(dir, 'code'), { recursive: true });
  const modelJson = options.booster.toModelJson();
  const { preprocessor } = options;
  const example = options.example ?? [firstReferenceRow(options.reference)];
  // An example the model cannot encode would fail MLflow's own check of the directory: refuse it here.
  preprocessor.transform(example);
  const inputs = signatureOf(options.contract);
  const files: Record<string, string> = {
    MLmodel: buildMlmodel({
      xgbVersion: xgbVersionOf(modelJson),
      inputs,
      loaderModule: PYFUNC_MODULE,
      runId: options.runId,
      modelSizeBytes: Buffer.byteLength(modelJson),
      metadata: { params: options.params, ...(options.metrics ? { metrics: options.metrics } : {}), bestIteration: options.booster.bestIteration },
    }),
    'model.json': modelJson,
    'preprocessor.json': JSON.stringify(preprocessor.toJSON(), null, 2),
    'reference.json': JSON.stringify(options.reference),
    [CONTRACT_FILE]: options.contract.toYaml(),
    'input_example.json': signatureRowsJson(options.contract, example),
    [`code/${PYFUNC_MODULE}.py`]: PYFUNC_SOURCE,
    'conda.yaml': CONDA_YAML,
    'python_env.yaml': PYTHON_ENV_YAML,
    'requirements.txt': REQUIREMENTS_TXT,
    ...(options.testPredictions ? { [TEST_PREDICTIONS_FILE]: JSON.stringify(options.testPredictions) } : {}),
  };
  await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(dir, name), text)));
  return Object.keys(files);
}

/** A model ready to serve: raw features in, churn chance out. */
export interface LoadedModel {
  /** Churn chance per row; throws FeatureError (field, allowed values) for an unencodable row. */
  predict(rows: FeatureRow[]): Float64Array;
  /** The contract it was trained with: requests to it are validated against this one. */
  readonly contract: DatasetContract;
  readonly preprocessor: Preprocessor;
  readonly reference: ReferenceProfile;
  readonly runId?: string;
  /** Undefined for directories written without them (before they existed). */
  readonly testPredictions?: TestPredictions;
  readonly booster: Booster;
  readonly engine: XGBoostEngine['kind'];
  dispose(): void;
}

async function readText(dir: string, name: string): Promise<string> {
  try {
    return await readFile(join(dir, name), 'utf8');
  } catch (e) {
    throw new ModelDirError(`model directory ${dir} has no readable ${name}`, { cause: e });
  }
}

function parseJson<T>(text: string, name: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new ModelDirError(`${name} is not valid JSON`, { cause: e });
  }
}

async function readContract(dir: string): Promise<DatasetContract> {
  const file = join(dir, CONTRACT_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return defaultContract();
    throw new ModelDirError(`model directory ${dir} has no readable ${CONTRACT_FILE}`, { cause: e });
  }
  try {
    return DatasetContract.parse(text, file);
  } catch (e) {
    throw new ModelDirError((e as Error).message, { cause: e });
  }
}

/** Loads a directory written by writeModelDir (or downloaded from the registry). */
export async function loadModelDir(dir: string, engine?: XGBoostEngine): Promise<LoadedModel> {
  const [mlmodel, modelJson, preprocessorText, referenceText] = await Promise.all(
    ['MLmodel', 'model.json', 'preprocessor.json', 'reference.json'].map((name) => readText(dir, name)),
  );
  const [contract, testPredictions] = await Promise.all([readContract(dir), readTestPredictions(dir)]);
  const preprocessor = Preprocessor.fromJSON(parseJson(preprocessorText as string, 'preprocessor.json'));
  const reference = parseJson<ReferenceProfile>(referenceText as string, 'reference.json');
  const xgb = engine ?? (await createEngine('auto'));
  const booster = xgb.load(modelJson as string);
  const runId = readMlmodelField(mlmodel as string, 'run_id');
  return {
    contract,
    preprocessor,
    reference,
    runId,
    ...(testPredictions ? { testPredictions } : {}),
    booster,
    engine: xgb.kind,
    predict(rows: FeatureRow[]): Float64Array {
      const m = preprocessor.transform(rows);
      return Float64Array.from(booster.predict(m.data, m.rows, m.cols));
    },
    dispose: () => booster.dispose(),
  };
}
