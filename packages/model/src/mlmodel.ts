import { randomUUID } from 'node:crypto';

/** The versions written into MLmodel and the environment files, matching what our cross-check tests load. */
// Ranges, not pins: model.json is XGBoost 1.7's JSON (the native engine writes 3.x's base score as
// the scalar 1.7 reads), which every xgboost from 1.7.4 to 3.x loads (tested with 2.1.4 and 3.1.3),
// and MLflow 2.17+ and 3.x both load this directory.
export const PYTHON_XGBOOST_REQUIREMENT = 'xgboost>=1.7.4,<4';
export const PYTHON_MLFLOW_REQUIREMENT = 'mlflow>=2.17,<4';
export const MLFLOW_VERSION = '2.17.2';
export const PYTHON_VERSION = '3.11.7';

/** One input column of the MLmodel signature (MLflow's ColSpec). */
export interface SignatureColumn {
  name: string;
  type: 'double' | 'long' | 'boolean' | 'string';
  required: boolean;
}

export interface MlmodelOptions {
  /** The XGBoost release that wrote model.json (`xgbVersionOf`), MLflow's xgb_version. */
  xgbVersion: string;
  /** The raw columns the python_function flavor takes: the contract's features. */
  inputs: SignatureColumn[];
  /** The module in code/ that MLflow's pyfunc imports. */
  loaderModule: string;
  runId?: string;
  modelSizeBytes: number;
  metadata?: Record<string, unknown>;
  now?: Date;
}

/**
 * The XGBoost version in a model.json's "version" field: the libxgboost that trained it (3.2.0
 * from the native engine), or 1.7.4 for the schema the WebAssembly engine converts its models to.
 */
export function xgbVersionOf(modelJson: string): string {
  const { version } = JSON.parse(modelJson) as { version?: unknown };
  if (!Array.isArray(version) || version.length !== 3 || !version.every(Number.isInteger)) throw new Error('model.json has no XGBoost "version" field');
  return version.join('.');
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

function utcTime(date: Date): string {
  return `${date.toISOString().replace('T', ' ').replace('Z', '')}000`;
}

/**
 * MLflow's MLmodel file (YAML). The python_function flavor takes raw rows (the signature lists the
 * contract's columns) through our loader module in code/, which applies preprocessor.json; the
 * xgboost flavor is the bare booster on the preprocessed columns, for `mlflow.xgboost.load_model`.
 */
export function buildMlmodel(options: MlmodelOptions): string {
  const inputs = JSON.stringify(options.inputs.map(({ name, type, required }) => ({ type, name, required })));
  const outputs = JSON.stringify([{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1] } }]);
  const lines = [
    'artifact_path: model',
    'flavors:',
    '  python_function:',
    '    code: code',
    '    env:',
    '      conda: conda.yaml',
    '      virtualenv: python_env.yaml',
    `    loader_module: ${options.loaderModule}`,
    `    python_version: ${PYTHON_VERSION}`,
    '  xgboost:',
    '    code: null',
    '    data: model.json',
    '    model_class: xgboost.core.Booster',
    '    model_format: json',
    `    xgb_version: ${options.xgbVersion}`,
  ];
  if (options.metadata) lines.push(`metadata: ${JSON.stringify(options.metadata)}`);
  lines.push(
    `mlflow_version: ${MLFLOW_VERSION}`,
    `model_size_bytes: ${options.modelSizeBytes}`,
    `model_uuid: ${randomUUID().replace(/-/g, '')}`,
  );
  if (options.runId) lines.push(`run_id: ${options.runId}`);
  lines.push(
    'saved_input_example_info:',
    '  artifact_path: input_example.json',
    '  pandas_orient: split',
    '  type: dataframe',
    'signature:',
    `  inputs: ${quote(inputs)}`,
    `  outputs: ${quote(outputs)}`,
    '  params: null',
    `utc_time_created: ${quote(utcTime(options.now ?? new Date()))}`,
  );
  return `${lines.join('\n')}\n`;
}

/** Reads the top-level scalar `key: value` of an MLmodel file (enough for run_id and the like). */
export function readMlmodelField(text: string, key: string): string | undefined {
  const match = new RegExp(`^${key}:\\s*(.+)$`, 'm').exec(text);
  const value = match?.[1]?.trim();
  if (!value || value === 'null') return undefined;
  return value.replace(/^'(.*)'$/, '$1');
}

export const CONDA_YAML = `channels:
- conda-forge
dependencies:
- python=${PYTHON_VERSION}
- pip<=24.0
- pip:
  - ${PYTHON_MLFLOW_REQUIREMENT}
  - ${PYTHON_XGBOOST_REQUIREMENT}
name: mlflow-env
`;

export const PYTHON_ENV_YAML = `python: ${PYTHON_VERSION}
build_dependencies:
- pip
- setuptools
- wheel
dependencies:
- -r requirements.txt
`;

export const REQUIREMENTS_TXT = `${PYTHON_MLFLOW_REQUIREMENT}
${PYTHON_XGBOOST_REQUIREMENT}
`;
