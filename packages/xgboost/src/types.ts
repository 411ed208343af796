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

/** Engines may cache native data per Matrix object: do not mutate a matrix after training with it. */
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
  /** Loads XGBoost JSON. `nthread` (native) defaults to 1: serving predicts small batches, where waking a second thread costs more than it saves. */
  load(modelJson: string | Uint8Array, options?: LoadOptions): Booster;
}

export interface LoadOptions {
  nthread?: number;
  /**
   * Native engine: batches of at most this many rows are scored by a JavaScript walk over the same
   * trees (default 8; 0 = always libxgboost). A call into libxgboost costs ~30 us and, on busy
   * cores, sometimes a scheduler slice; the walk takes ~1 us and agrees to float32 rounding (1 ulp).
   */
  jsBelowRows?: number;
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
