import { availableParallelism } from 'node:os';
import type { EngineKind } from '@churn/xgboost';
import { PARALLEL_MAX } from './args.js';

/** Fewer trials than this train in-process: the threads' start-up (~0.1 s) outweighs a second core. */
export const MIN_TRIALS_ON_THREADS = 6;

/**
 * How many trials train at once: `--parallel N` as given; `auto` takes two threads for the native
 * engine when the machine has two cores and enough trials to pay for starting them (the wasm
 * fallback trains in-process). The search is the same either way (see TuneOptions.inFlight).
 */
export function chooseParallel(requested: 'auto' | number, engine: EngineKind, trials: number, cores = availableParallelism()): number {
  if (requested !== 'auto') return Math.min(requested, trials);
  if (engine !== 'native' || trials < MIN_TRIALS_ON_THREADS) return 1;
  return Math.min(PARALLEL_MAX, cores);
}
