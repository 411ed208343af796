import { availableParallelism } from 'node:os';
import type { EngineKind } from '@churn/xgboost';
import { SUGGESTED_AHEAD } from './args.js';

/** Fewer trials than this train in-process: starting threads (~20 ms each, on the cores the data is read on) outweighs a few ~30 ms trials. */
export const MIN_TRIALS_ON_THREADS = 6;

/**
 * How many trials train at once: the training threads run the native engine, so the wasm fallback
 * trains one at a time in-process; else `--parallel N` as given, and `auto` takes a thread per core
 * (up to the trials suggested ahead) when there are two cores or more and enough trials to pay for
 * starting them. The search is the same
 * either way (see TuneOptions.inFlight).
 */
export function chooseParallel(requested: 'auto' | number, engine: EngineKind, trials: number, cores = availableParallelism()): number {
  if (engine !== 'native') return 1;
  if (requested !== 'auto') return Math.min(requested, trials);
  return trials < MIN_TRIALS_ON_THREADS ? 1 : Math.min(SUGGESTED_AHEAD, cores);
}
