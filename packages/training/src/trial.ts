import type { ChurnRow, DatasetContract, DatasetSplit } from '@churn/churn-data';
import { evaluate, Preprocessor, type Metrics } from '@churn/model';
import type { Booster, Matrix, XGBoostEngine } from '@churn/xgboost';
import type { TrialParams } from './search-space.js';

export const DEFAULT_BOOST_ROUNDS = 500;
export const DEFAULT_EARLY_STOPPING = 30;

export interface RunTrialOptions {
  /** The contract the split was cleaned with: it fixes the model's columns. */
  contract: DatasetContract;
  split: DatasetSplit<ChurnRow>;
  params: TrialParams;
  engine: XGBoostEngine;
  seed?: number;
  numBoostRound?: number;
  earlyStoppingRounds?: number;
  /**
   * XGBoost threads (native engine); 1 by default. On this data (4,000 training rows) a second
   * OpenMP thread costs more in wake-ups than it saves: 50 trials take 1.5 s at nthread 1 and
   * 5.5 s at nthread 2 with libxgboost 3.2 (passive waiting), so cores are used by training trials
   * side by side, as the tuning workflow does, not by splitting one.
   */
  nthread?: number;
}

export interface TrialResult {
  booster: Booster;
  preprocessor: Preprocessor;
  params: TrialParams;
  metrics: { validation: Metrics; test: Metrics };
  /** The model's churn chance for each test row, in split order (the model directory's test-predictions.json). */
  testChances: Float32Array;
  bestIteration?: number;
  durationMs: number;
}

/** A split encoded for XGBoost: what a trial trains and scores on (it crosses to training threads as is). */
export interface EncodedSplit {
  train: Matrix;
  validation: Matrix;
  test: Matrix;
}

// Trials of one tuning run share the split object: encode it once, not once per trial.
const encodedSplits = new WeakMap<DatasetSplit<ChurnRow>, EncodedSplit & { preprocessor: Preprocessor }>();

/** The split encoded by a preprocessor fitted on its training rows (cached per split object). */
export function encodeSplit(contract: DatasetContract, split: DatasetSplit<ChurnRow>): EncodedSplit & { preprocessor: Preprocessor } {
  const cached = encodedSplits.get(split);
  if (cached) return cached;
  const preprocessor = Preprocessor.fit(contract, split.train);
  const part = (rows: ChurnRow[]): Matrix => ({ ...preprocessor.transform(rows), labels: Float32Array.from(rows, (r) => r.churned) });
  const encoded = { preprocessor, train: part(split.train), validation: part(split.validation), test: part(split.test) };
  encodedSplits.set(split, encoded);
  return encoded;
}

/** XGBoost parameters for one trial: binary logistic on the hist method, logloss for early stopping. */
export function boosterParams(params: TrialParams, seed: number, nthread: number): Record<string, number | string> {
  return {
    objective: 'binary:logistic',
    eval_metric: 'logloss',
    tree_method: 'hist',
    max_depth: Math.round(params.max_depth),
    eta: params.eta,
    subsample: params.subsample,
    colsample_bytree: params.colsample_bytree,
    min_child_weight: params.min_child_weight,
    lambda: params.lambda,
    seed,
    nthread,
  };
}

export type TrainOnOptions = Pick<RunTrialOptions, 'params' | 'engine' | 'seed' | 'numBoostRound' | 'earlyStoppingRounds' | 'nthread'>;

/** One trial on an encoded split: train with early stopping on validation, then score validation and test. */
export function trainOnSplit(encoded: EncodedSplit, options: TrainOnOptions): Omit<TrialResult, 'preprocessor'> {
  const started = performance.now();
  const { train, validation, test } = encoded;
  const booster = options.engine.train({
    train,
    validation,
    params: boosterParams(options.params, options.seed ?? 42, options.nthread ?? 1),
    numBoostRound: options.numBoostRound ?? DEFAULT_BOOST_ROUNDS,
    earlyStoppingRounds: options.earlyStoppingRounds ?? DEFAULT_EARLY_STOPPING,
  });
  // A copy of our own: the engine's output may be a view it reuses.
  const testChances = Float32Array.from(booster.predict(test.data, test.rows, test.cols));
  const metrics = { validation: evaluate(validation.labels ?? [], booster.predict(validation.data, validation.rows, validation.cols)), test: evaluate(test.labels ?? [], testChances) };
  return { booster, params: options.params, metrics, testChances, bestIteration: booster.bestIteration, durationMs: performance.now() - started };
}

/**
 * One trial: train on the training rows with early stopping on the validation rows, then score
 * validation and test. One call, no shared state beyond a cache of the encoded split, so a Temporal
 * activity can run it.
 */
export function runTrial(options: RunTrialOptions): TrialResult {
  const encoded = encodeSplit(options.contract, options.split);
  return { ...trainOnSplit(encoded, options), preprocessor: encoded.preprocessor };
}

/** What the tuner minimizes, the same as the tuning workflow: 1 - validation AUC. */
export const trialLoss = (result: Pick<TrialResult, 'metrics'>) => 1 - result.metrics.validation.auc;
