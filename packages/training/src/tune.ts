import type { ChurnRow, DatasetContract, DatasetSplit } from '@churn/churn-data';
import type { XGBoostEngine } from '@churn/xgboost';
import type { TrialParams } from './search-space.js';
import { runTrial, trialLoss, type TrialResult } from './trial.js';
import { createTuner } from './tuner.js';

export interface TuneOptions {
  contract: DatasetContract;
  split: DatasetSplit<ChurnRow>;
  engine: XGBoostEngine;
  trials: number;
  seed?: number;
  numBoostRound?: number;
  earlyStoppingRounds?: number;
  nthread?: number;
  /** Called after each trial (progress bars, logs). */
  onTrial?: (trial: TrialSummary, done: number, total: number) => void;
}

export interface TrialSummary {
  index: number;
  params: TrialParams;
  loss: number;
  metrics: TrialResult['metrics'];
  bestIteration?: number;
  durationMs: number;
}

export interface TuneResult {
  trials: TrialSummary[];
  /** The best trial's full result (its booster is kept; the others are disposed). */
  best: TrialResult & { index: number };
  wallMs: number;
}

/** The local, Temporal-free tuning loop the CLI and the bench use: suggest, run, observe. */
export function tune(options: TuneOptions): TuneResult {
  const started = performance.now();
  const seed = options.seed ?? 42;
  const tuner = createTuner({ seed, trials: options.trials });
  const trials: TrialSummary[] = [];
  let best: (TrialResult & { index: number; loss: number }) | undefined;
  for (let index = 0; tuner.remaining > 0; index++) {
    const [params] = tuner.suggest(1);
    if (!params) break;
    const result = runTrial({ ...options, params, seed });
    const loss = trialLoss(result);
    tuner.observe(params, loss);
    const summary = { index, params, loss, metrics: result.metrics, bestIteration: result.bestIteration, durationMs: result.durationMs };
    trials.push(summary);
    if (!best || loss < best.loss) {
      best?.booster.dispose();
      best = { ...result, index, loss };
    } else {
      result.booster.dispose();
    }
    options.onTrial?.(summary, trials.length, options.trials);
  }
  if (!best) throw new Error('tuning ran no trials');
  return { trials, best, wallMs: performance.now() - started };
}
