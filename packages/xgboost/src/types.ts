/** Which implementation runs XGBoost: Debian's libxgboost through koffi, or ml-xgboost (WebAssembly). */
export type EngineKind = 'native' | 'wasm';

/** A dense row-major float32 matrix; labels are given for training and validation data. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
  labels?: Float32Array;
}

export interface Booster {
  /** Predicts the transformed output (the probability for binary:logistic), one value per row. */
  predict(data: Float32Array, rows: number, cols: number): Float32Array;
  /** XGBoost's JSON model format, loadable by libxgboost and Python's xgboost. */
  toModelJson(): string;
  /** Zero-based best round when trained with early stopping; the model holds rounds 0..bestIteration. */
  readonly bestIteration?: number;
  dispose(): void;
}

export interface TrainOptions {
  train: Matrix;
  validation?: Matrix;
  params: Record<string, number | string>;
  numBoostRound: number;
  /** Stop when the validation metric has not improved for this many rounds (needs `validation`). */
  earlyStoppingRounds?: number;
}

export interface XGBoostEngine {
  readonly kind: EngineKind;
  train(options: TrainOptions): Booster;
  load(modelJson: string | Uint8Array): Booster;
}

/** Thrown when an engine cannot be loaded or an XGBoost call fails; `cause` holds the library's message. */
export class XGBoostError extends Error {
  override readonly name = 'XGBoostError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function checkMatrix(m: Matrix, what: string): void {
  if (m.data.length !== m.rows * m.cols) {
    throw new XGBoostError(`${what}: data has ${m.data.length} values, expected rows*cols = ${m.rows * m.cols}`);
  }
  if (m.labels && m.labels.length !== m.rows) {
    throw new XGBoostError(`${what}: ${m.labels.length} labels for ${m.rows} rows`);
  }
}
