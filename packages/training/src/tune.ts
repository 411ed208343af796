import type { ChurnRow, DatasetContract, DatasetSplit } from '@churn/churn-data';
import type { XGBoostEngine } from '@churn/xgboost';
import type { TrialParams } from './search-space.js';
import { encodeSplit, runTrial, trialLoss, type TrialResult } from './trial.js';
import type { ThreadTrial, TrialThreads } from './trial-threads.js';
import { createTuner, type Tuner } from './tuner.js';

export interface TuneOptions {
  contract: DatasetContract;
  split: DatasetSplit<ChurnRow>;
  engine: XGBoostEngine;
  trials: number;
  seed?: number;
  numBoostRound?: number;
  earlyStoppingRounds?: number;
  nthread?: number;
  /**
   * Trials suggested ahead of results (1 by default: each suggestion sees every earlier trial).
   * With k, trial i is suggested from trials before i - k + 1, so k trials can train at once;
   * the search is the same whether they then train one by one or side by side.
   */
  inFlight?: number;
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

/**
 * The order of a tuning run's suggestions and observations: up to `inFlight` trials suggested and
 * not yet observed, results observed in trial order. The tuner's calls, and so the trials, depend
 * on nothing else (not on which trial finishes first).
 */
class Schedule {
  private readonly tuner: Tuner;
  private readonly inFlight: number;
  private readonly queued: { index: number; params: TrialParams }[] = [];
  private suggested = 0;
  private observed = 0;

  constructor(options: Pick<TuneOptions, 'trials' | 'inFlight'>, seed: number) {
    this.tuner = createTuner({ seed, trials: options.trials });
    this.inFlight = Math.max(1, options.inFlight ?? 1);
    this.refill();
  }

  /** The next trial to train, when the window allows one. */
  take(): { index: number; params: TrialParams } | undefined {
    return this.queued.shift();
  }

  /** Records the next trial's loss in order, then suggests the trials the window now allows. */
  observe(params: TrialParams, loss: number): void {
    this.tuner.observe(params, loss);
    this.observed += 1;
    this.refill();
  }

  get done(): boolean {
    return this.observed >= this.suggested && this.tuner.remaining === 0;
  }

  private refill(): void {
    while (this.suggested < this.observed + this.inFlight) {
      const [params] = this.tuner.suggest(1);
      if (!params) return;
      this.queued.push({ index: this.suggested, params });
      this.suggested += 1;
    }
  }
}

/** Keeps the summaries and the best trial (lowest loss, the earlier on ties) as results arrive in order. */
class Leaderboard<T extends { metrics: TrialResult['metrics'] }> {
  readonly trials: TrialSummary[] = [];
  best: (T & { index: number; loss: number; params: TrialParams }) | undefined;

  /** Records a trial; returns the trial it displaced as best, or this one when it is not the best. */
  add(index: number, params: TrialParams, result: T & { bestIteration?: number; durationMs: number }): T | undefined {
    const loss = trialLoss(result);
    this.trials.push({ index, params, loss, metrics: result.metrics, bestIteration: result.bestIteration, durationMs: result.durationMs });
    if (this.best && loss >= this.best.loss) return result;
    const displaced = this.best;
    this.best = { ...result, index, loss, params };
    return displaced;
  }
}

/** The local, Temporal-free tuning loop the CLI and the bench use: suggest, run, observe. */
export function tune(options: TuneOptions): TuneResult {
  const started = performance.now();
  const seed = options.seed ?? 42;
  const schedule = new Schedule(options, seed);
  const board = new Leaderboard<TrialResult>();
  for (let next = schedule.take(); next; next = schedule.take()) {
    const result = runTrial({ ...options, params: next.params, seed });
    board.add(next.index, next.params, result)?.booster.dispose();
    schedule.observe(next.params, trialLoss(result));
    options.onTrial?.(board.trials.at(-1) as TrialSummary, board.trials.length, options.trials);
  }
  if (!board.best) throw new Error('tuning ran no trials');
  return { trials: board.trials, best: board.best, wallMs: performance.now() - started };
}

/**
 * The same search as `tune` with the same `inFlight`, its trials trained on `threads` (as many at
 * once as the window and the threads allow). The best trial's booster comes back to `engine`.
 */
export async function tuneInThreads(options: TuneOptions & { threads: TrialThreads }): Promise<TuneResult> {
  const started = performance.now();
  const seed = options.seed ?? 42;
  const { threads } = options;
  const schedule = new Schedule(options, seed);
  const encoded = encodeSplit(options.contract, options.split);
  threads.load(encoded);
  const board = new Leaderboard<ThreadTrial>();
  const finished = new Map<number, { params: TrialParams; trial: ThreadTrial }>();
  const running = new Set<Promise<void>>();
  let nextToObserve = 0;
  const { numBoostRound, earlyStoppingRounds, nthread } = options;

  const start = () => {
    for (let next = schedule.take(); next; next = schedule.take()) {
      const { index, params } = next;
      const task = threads.train({ params, seed, numBoostRound, earlyStoppingRounds, nthread }).then((trial) => {
        finished.set(index, { params, trial });
      });
      running.add(task);
      void task.finally(() => running.delete(task)).catch(() => undefined);
    }
  };
  start();
  while (!schedule.done) {
    await Promise.race(running);
    for (let entry = finished.get(nextToObserve); entry; entry = finished.get(nextToObserve)) {
      finished.delete(nextToObserve);
      const displaced = board.add(nextToObserve, entry.params, entry.trial);
      if (displaced) threads.drop(displaced);
      schedule.observe(entry.params, trialLoss(entry.trial));
      options.onTrial?.(board.trials.at(-1) as TrialSummary, board.trials.length, options.trials);
      nextToObserve += 1;
    }
    start();
  }
  const best = board.best;
  if (!best) throw new Error('tuning ran no trials');
  // Batches only (the reference and test predictions, the model file): no JavaScript tree walk to build.
  const booster = options.engine.load(await threads.modelJson(best), { jsBelowRows: 0 });
  threads.drop(best);
  return {
    trials: board.trials,
    best: { booster, preprocessor: encoded.preprocessor, params: best.params, metrics: best.metrics, testChances: best.testChances, bestIteration: best.bestIteration, durationMs: best.durationMs, index: best.index },
    wallMs: performance.now() - started,
  };
}
