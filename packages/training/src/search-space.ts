/** The hyperparameters one trial trains with (XGBoost's names). */
export interface TrialParams {
  max_depth: number;
  eta: number;
  subsample: number;
  colsample_bytree: number;
  min_child_weight: number;
  lambda: number;
}

export type ParamName = keyof TrialParams;

export interface Dimension {
  name: ParamName;
  low: number;
  high: number;
  /** Searched on a log scale (eta, min_child_weight, lambda: their effect is multiplicative). */
  log: boolean;
  integer: boolean;
}

/** The search space, the same one the Python reference bench gives hyperopt. */
export const SEARCH_SPACE: readonly Dimension[] = [
  { name: 'max_depth', low: 2, high: 10, log: false, integer: true },
  { name: 'eta', low: 0.02, high: 0.3, log: true, integer: false },
  { name: 'subsample', low: 0.5, high: 1, log: false, integer: false },
  { name: 'colsample_bytree', low: 0.5, high: 1, log: false, integer: false },
  { name: 'min_child_weight', low: 0.5, high: 20, log: true, integer: false },
  { name: 'lambda', low: 0.001, high: 10, log: true, integer: false },
];

export type SearchSpace = typeof SEARCH_SPACE;
