import { availableParallelism } from 'node:os';
import type { EngineKind } from '@churn/xgboost';
import { PARALLEL_MAX } from './args.js';

/** Fewer trials than this train in-process: the threads' start-up (~0.1 s) outweighs a second core. */
export const MIN_TRIALS_ON_THREADS = 6;

/**
 * How many trials train at once: the training threads run the native engine, so the wasm fallback
 * trains one at a time in-process; else `--parallel N` as given, and `auto` takes two threads when
 * the machine has two cores and enough trials to pay for starting them. The search is the same
 * either way (see TuneOptions.inFlight).
 */
export function chooseParallel(requested: 'auto' | number, engine: EngineKind, trials: number, cores = availableParallelism()): number {
  if (engine !== 'native') return 1;
  if (requested !== 'auto') return Math.min(requested, trials);
  return trials < MIN_TRIALS_ON_THREADS ? 1 : Math.min(PARALLEL_MAX, cores);
}
