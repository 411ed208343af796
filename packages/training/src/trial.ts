import type { ChurnRow, DatasetContract, DatasetSplit } from '@churn/churn-data';
import { Preprocessor } from '@churn/model';
import type { Matrix } from '@churn/xgboost';
import { trainOnSplit, type EncodedSplit, type TrainedOnSplit, type TrainOnOptions } from './train-on-split.js';

export * from './train-on-split.js';

export interface RunTrialOptions extends TrainOnOptions {
  /** The contract the split was cleaned with: it fixes the model's columns. */
  contract: DatasetContract;
  split: DatasetSplit<ChurnRow>;
}

export interface TrialResult extends TrainedOnSplit {
  preprocessor: Preprocessor;
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
