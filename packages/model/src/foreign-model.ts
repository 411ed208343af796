import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetContract, type FeatureRow, type ReferenceProfile } from '@churn/churn-data';
import { parseModelFile, TreeEnsemble, type XGBoostEngine } from '@churn/xgboost';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { foreignReference } from './foreign-reference.js';
import { loadModelDir, ModelDirError, type LoadedModel } from './model-dir.js';

export interface ForeignModelOptions {
  /** DRIFT_REFERENCE_CSV: training rows whose profile is the drift reference of a model without reference.json. */
  referenceCsv?: string | undefined;
}

/** Flavors that only say how Python opens a model, not what the model is. */
const GENERIC_FLAVORS = new Set(['python_function']);

const mlmodelSchema = z.object({
  flavors: z.record(z.string(), z.unknown()),
  run_id: z.string().nullish(),
  signature: z.object({ inputs: z.string().nullish() }).nullish(),
});
const xgboostFlavorSchema = z.object({
  data: z.string().min(1),
  // MLflow before 1.22 wrote no model_class: those models were bare Boosters.
  model_class: z.string().nullish(),
});
const columnSpecSchema = z.array(
  z.object({
    name: z.string().min(1, 'a column without a name (a tensor signature?)'),
    type: z.string(),
    required: z.boolean().default(true),
  }),
);

/** MLflow column types XGBoost reads as one number, and the contract kind that validates them. */
const KIND_OF_TYPE: Record<string, 'numeric' | 'integer' | 'boolean'> = {
  double: 'numeric',
  float: 'numeric',
  long: 'integer',
  integer: 'integer',
  boolean: 'boolean',
};

/** What MLflow's scoring server answers for some rows, and the value per row our prediction log keeps. */
export interface MlflowScore {
  /** As `mlflow models serve` gives them: a number per row, or per-class probabilities per row. */
  predictions: number[] | number[][];
  /** Logged per row: the positive class's probability (binary), the top class's (multi-class), else the prediction. */
  chances: Float64Array;
  /** Multi-class models: classes per row and every class's probability, row-major (what the prediction log keeps). */
  classes?: number;
  probabilities?: Float64Array;
}

/** An XGBoost model logged by Python's MLflow (no contract, no preprocessor), served on its signature's columns. */
export interface ForeignModel {
  /** A contract made from the signature, so requests are validated as for our models. */
  readonly contract: DatasetContract;
  readonly runId?: string;
  /** The Python class MLflow saved (xgboost.core.Booster, xgboost.sklearn.XGBClassifier, ...). */
  readonly modelClass: string;
  /** The drift reference: its reference.json, or the profile of DRIFT_REFERENCE_CSV. */
  readonly reference?: ReferenceProfile;
  /** Why it has no drift reference (said on /health). */
  readonly noReference?: string;
  /** Multi-class models: the number of classes; undefined for binary and regression models. */
  readonly classes: number | undefined;
  /** The chance per row: the positive class's probability (binary), the most probable class's (multi-class), else the prediction. */
  predict(rows: FeatureRow[]): Float64Array;
  /** Multi-class models: every class's probability per row, row-major (`classes` per row), for multi:softmax too. */
  classify(rows: FeatureRow[]): Float64Array;
  /** /invocations: the output of `mlflow.pyfunc.load_model(...).predict` on the same rows. */
  score(rows: FeatureRow[]): MlflowScore;
  dispose(): void;
}

const fail = (dir: string, message: string, cause?: unknown): never => {
  throw new ModelDirError(`model ${dir}: ${message}`, cause === undefined ? undefined : { cause });
};

function parseMlmodel(dir: string, text: string): z.infer<typeof mlmodelSchema> {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    return fail(dir, 'MLmodel is not valid YAML', e);
  }
  const parsed = mlmodelSchema.safeParse(raw);
  if (!parsed.success) return fail(dir, `MLmodel: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** The signature's columns as a contract (numbers only: XGBoost reads nothing else without a preprocessor). */
function contractOf(dir: string, columns: z.infer<typeof columnSpecSchema>): DatasetContract {
  const features = columns.map((column) => {
    const kind = KIND_OF_TYPE[column.type];
    if (!kind) return fail(dir, `signature column ${column.name} is of type ${column.type}; an XGBoost model without our preprocessor takes double, float, long, integer or boolean columns`);
    // A column that may be absent reaches XGBoost as missing (NaN), as pandas gives it to Python's xgboost.
    return { name: column.name, kind, missing: column.required ? 'drop' : 'impute' };
  });
  const spec = {
    version: 1,
    name: 'mlflow-xgboost',
    title: 'XGBoost model logged with MLflow',
    source: join(dir, 'MLmodel'),
    target: { column: '_mlflow_target', positive: ['1'], negative: ['0'] },
    features,
    // Columns and values are taken as the signature spells them.
    cleaning: { trim: true, lowercase_names: false, lowercase_values: false, rename: {} },
  };
  try {
    return DatasetContract.parse(JSON.stringify(spec), join(dir, 'MLmodel'));
  } catch (e) {
    return fail(dir, `its signature cannot be served: ${(e as Error).message}`, e);
  }
}

/**
 * Loads an MLflow model directory holding an XGBoost model that Python logged
 * (`mlflow.xgboost.log_model`): model.ubj, model.json or the legacy binary, named by the xgboost
 * flavor's `data`; input columns and types from the signature. Any other flavor is refused naming it.
 */
export async function loadForeignModelDir(dir: string, options: ForeignModelOptions = {}): Promise<ForeignModel> {
  const mlmodel = parseMlmodel(dir, await readFile(join(dir, 'MLmodel'), 'utf8').catch((e: unknown) => fail(dir, 'has no readable MLmodel', e)));
  const flavor = mlmodel.flavors['xgboost'];
  if (flavor === undefined) {
    const named = Object.keys(mlmodel.flavors).filter((f) => !GENERIC_FLAVORS.has(f));
    return fail(dir, `is a ${(named.length ? named : Object.keys(mlmodel.flavors)).join(', ') || 'flavorless'} model; only the xgboost flavor can be served`);
  }
  const xgb = xgboostFlavorSchema.safeParse(flavor);
  if (!xgb.success) return fail(dir, `MLmodel: flavors.xgboost: ${xgb.error.issues[0]?.path.join('.')}: ${xgb.error.issues[0]?.message}`);
  const modelClass = xgb.data.model_class ?? 'xgboost.core.Booster';

  const inputs = mlmodel.signature?.inputs;
  if (!inputs) return fail(dir, 'has no signature inputs; log it with signature=... so the predictors know its columns');
  let columnsRaw: unknown;
  try {
    columnsRaw = JSON.parse(inputs);
  } catch (e) {
    return fail(dir, 'signature inputs are not JSON', e);
  }
  const columns = columnSpecSchema.safeParse(columnsRaw);
  if (!columns.success) return fail(dir, `signature inputs: ${columns.error.issues[0]?.path.join('.')}: ${columns.error.issues[0]?.message}`);
  const contract = contractOf(dir, columns.data);

  const bytes = await readFile(join(dir, xgb.data.data)).catch((e: unknown) => fail(dir, `has no readable ${xgb.data.data}`, e));
  let ensemble: TreeEnsemble;
  try {
    ensemble = new TreeEnsemble(parseModelFile(bytes));
  } catch (e) {
    return fail(dir, `${xgb.data.data}: ${(e as Error).message}`, e);
  }
  const { model } = ensemble;
  // Python's DMatrix places a DataFrame's columns by the booster's feature names when it has them.
  const names = columns.data.map((c) => c.name);
  const order = model.featureNames ? names.map((name) => model.featureNames?.indexOf(name) ?? -1) : names.map((_, i) => i);
  const unknown = names.filter((_, i) => (order[i] ?? -1) < 0);
  if (unknown.length > 0) fail(dir, `signature columns ${unknown.join(', ')} are not among the booster's features (${model.featureNames?.join(', ')})`);
  if (names.length !== model.numFeature) fail(dir, `the signature has ${names.length} columns, the booster reads ${model.numFeature}`);

  const matrix = (rows: FeatureRow[]): Float32Array => {
    const data = new Float32Array(rows.length * model.numFeature).fill(Number.NaN);
    rows.forEach((row, r) => {
      names.forEach((name, i) => {
        const value = row[name];
        if (typeof value === 'number') data[r * model.numFeature + (order[i] ?? 0)] = value;
      });
    });
    return data;
  };
  const isClassifier = /Classifier$/.test(modelClass);
  // Python's scikit-learn wrappers predict with the trees up to early stopping's best round; a bare Booster with all of them.
  const treeLimit = modelClass.startsWith('xgboost.sklearn.') ? model.bestIteration?.trees : undefined;
  const binary = model.objective === 'binary:logistic' || model.objective === 'reg:logistic';

  const classes = model.multiClass?.numClass;
  const classify = (rows: FeatureRow[]): Float64Array => {
    if (!classes) throw new ModelDirError(`model ${dir}: ${model.objective} is not a multi-class objective`);
    return Float64Array.from(ensemble.classProbabilities(matrix(rows), rows.length, model.numFeature, treeLimit));
  };
  const topProbability = (probabilities: Float64Array, k: number) => {
    const out = new Float64Array(probabilities.length / k);
    for (let r = 0; r < out.length; r += 1) out[r] = Math.max(...probabilities.subarray(r * k, (r + 1) * k));
    return out;
  };

  const score = (rows: FeatureRow[]): MlflowScore => {
    if (classes) {
      const probabilities = classify(rows);
      const chances = topProbability(probabilities, classes);
      const perRow = Array.from({ length: rows.length }, (_, r) => Array.from(probabilities.subarray(r * classes, (r + 1) * classes)));
      // A multi:softmax Booster answers its argmax of the margins (the first on a tie), XGBClassifier.predict
      // the argmax of the probabilities, a multi:softprob Booster the probabilities.
      const predictions =
        model.objective === 'multi:softmax' && !isClassifier
          ? Array.from(ensemble.predict(matrix(rows), rows.length, model.numFeature, treeLimit))
          : isClassifier
            ? perRow.map((p) => p.indexOf(Math.max(...p)))
            : perRow;
      return { predictions, chances, classes, probabilities };
    }
    const out = ensemble.predict(matrix(rows), rows.length, model.numFeature, treeLimit);
    const chances = Float64Array.from(out);
    // XGBClassifier.predict turns a binary probability into its class label, as (p > 0.5).
    return { predictions: isClassifier && binary ? Array.from(out, (p) => (p > 0.5 ? 1 : 0)) : Array.from(out), chances };
  };

  const predict = (rows: FeatureRow[]): Float64Array => (classes ? topProbability(classify(rows), classes) : score(rows).chances);
  const drift = await foreignReference(dir, contract, predict, options.referenceCsv);
  return {
    contract,
    modelClass,
    ...drift,
    ...(mlmodel.run_id ? { runId: mlmodel.run_id } : {}),
    classes,
    score,
    classify,
    predict,
    dispose: () => undefined,
  };
}

/** Our model directory (it has our preprocessor) or one Python logged: the loader the predictors use. */
export async function loadAnyModelDir(dir: string, engine?: XGBoostEngine, options: ForeignModelOptions = {}): Promise<LoadedModel | ForeignModel> {
  return existsSync(join(dir, 'preprocessor.json')) ? loadModelDir(dir, engine) : loadForeignModelDir(dir, options);
}
