import type { Metrics } from '@churn/model';
import { evaluate } from '@churn/model/metrics';
import type { Booster, Matrix, XGBoostEngine } from '@churn/xgboost';
import type { TrialParams } from './search-space.js';

// One trial on an encoded split: what a training thread runs, so it imports no more than this
// needs (no dataset contracts, YAML or zod: a thread starts in a third of the time).

export const DEFAULT_BOOST_ROUNDS = 500;
export const DEFAULT_EARLY_STOPPING = 30;

/** A split encoded for XGBoost: what a trial trains and scores on (it crosses to training threads as is). */
export interface EncodedSplit {
  train: Matrix;
  validation: Matrix;
  test: Matrix;
}

export interface TrainOnOptions {
  params: TrialParams;
  engine: XGBoostEngine;
  seed?: number;
  numBoostRound?: number;
  earlyStoppingRounds?: number;
  /**
   * XGBoost threads (native engine); 1 by default. On this data (4,000 training rows) a second
   * OpenMP thread costs more in wake-ups than it saves: 50 trials take 1.5 s at nthread 1 and
   * 5.5 s at nthread 2 with libxgboost 3.2 (passive waiting), so cores are used by training trials
   * side by side, as the tuning workflow and the CLI do, not by splitting one.
   */
  nthread?: number;
}

export interface TrainedOnSplit {
  booster: Booster;
  params: TrialParams;
  metrics: { validation: Metrics; test: Metrics };
  /** The model's churn chance for each test row, in split order (the model directory's test-predictions.json). */
  testChances: Float32Array;
  bestIteration?: number;
  durationMs: number;
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

/** One trial on an encoded split: train with early stopping on validation, then score validation and test. */
export function trainOnSplit(encoded: EncodedSplit, options: TrainOnOptions): TrainedOnSplit {
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
