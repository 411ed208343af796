import { defaultContract, loadCleanDataset, splitDataset } from '@churn/churn-data';
import { createEngine } from '@churn/xgboost';
import { chooseParallel, MIN_TRIALS_ON_THREADS } from './cli/parallelism.js';
import { TrialThreads } from './trial-threads.js';
import { encodeSplit } from './trial.js';
import { tune, tuneInThreads } from './tune.js';

const contract = defaultContract();
const split = splitDataset(loadCleanDataset().rows);
const budget = { contract, split, trials: 12, seed: 3, numBoostRound: 60, earlyStoppingRounds: 10 };
const withoutTimes = (trials: { durationMs: number }[]) => trials.map(({ durationMs: _, ...rest }) => rest);

test('when trials are suggested three ahead, then in-process and on two threads the search, every trial and the best model are the same', async () => {
  const engine = await createEngine('native');
  const inProcess = tune({ ...budget, engine, inFlight: 3 });
  const threads = TrialThreads.start(2);
  try {
    const seen: number[] = [];
    const threaded = await tuneInThreads({ ...budget, engine, inFlight: 3, threads, onTrial: (trial) => seen.push(trial.index) });
    // Reported in trial order whichever thread finished first.
    expect(seen).toEqual([...Array(budget.trials).keys()]);
    expect(withoutTimes(threaded.trials)).toEqual(withoutTimes(inProcess.trials));
    expect(threaded.best.index).toBe(inProcess.best.index);
    expect(threaded.best.metrics).toEqual(inProcess.best.metrics);
    expect(Array.from(threaded.best.testChances)).toEqual(Array.from(inProcess.best.testChances));
    // The best booster, brought back from its thread, is the same model and predicts the same.
    expect(threaded.best.booster.toModelJson()).toBe(inProcess.best.booster.toModelJson());
    const test = threaded.best.preprocessor.transform(split.test);
    expect(Array.from(threaded.best.booster.predict(test.data, test.rows, test.cols))).toEqual(Array.from(inProcess.best.testChances));
    threaded.best.booster.dispose();
  } finally {
    await threads.close();
    inProcess.best.booster.dispose();
  }
}, 120_000);

test('when suggestions run two ahead, then the search differs from one ahead only after the random start-up trials', async () => {
  const engine = await createEngine('native');
  const one = tune({ ...budget, engine });
  const two = tune({ ...budget, engine, inFlight: 2 });
  // Start-up trials are random draws in order; the first model-based one sees one trial fewer.
  const startup = Math.floor(budget.trials / 4);
  expect(two.trials.slice(0, startup).map((t) => t.params)).toEqual(one.trials.slice(0, startup).map((t) => t.params));
  expect(two.trials.map((t) => t.params)).not.toEqual(one.trials.map((t) => t.params));
  one.best.booster.dispose();
  two.best.booster.dispose();
});

test('when a training thread fails a trial, then the trial rejects with the library message and the threads train on', async () => {
  const threads = TrialThreads.start(1);
  try {
    const good = { max_depth: 3, eta: 0.2, subsample: 1, colsample_bytree: 1, min_child_weight: 1, lambda: 1 };
    await expect(threads.train({ params: good, numBoostRound: 5 })).rejects.toThrow(/training thread: .*a trial arrived before the split/);
    threads.load(encodeSplit(contract, split));
    await expect(threads.train({ params: { ...good, max_depth: -3 }, numBoostRound: 5 })).rejects.toThrow(/training thread: .*max_depth/);
    const trained = await threads.train({ params: good, numBoostRound: 5 });
    expect(trained.metrics.validation.auc).toBeGreaterThan(0.6);
    expect(await threads.modelJson(trained)).toMatch(/^\{"learner"/);
  } finally {
    await threads.close();
  }
  await expect(threads.train({ params: { max_depth: 3, eta: 0.2, subsample: 1, colsample_bytree: 1, min_child_weight: 1, lambda: 1 } })).rejects.toThrow(/closed/);
}, 120_000);

test('when parallelism is auto, then threads train only with the native engine, two cores or more (one per core, up to 3) and enough trials; a number is taken as given on the native engine', () => {
  expect(chooseParallel('auto', 'native', 50, 2)).toBe(2);
  expect(chooseParallel('auto', 'native', 50, 8)).toBe(3);
  expect(chooseParallel('auto', 'native', 50, 1)).toBe(1);
  expect(chooseParallel('auto', 'wasm', 50, 2)).toBe(1);
  expect(chooseParallel('auto', 'native', MIN_TRIALS_ON_THREADS - 1, 2)).toBe(1);
  expect(chooseParallel(2, 'wasm', 50, 2)).toBe(1);
  expect(chooseParallel(2, 'native', 50, 1)).toBe(2);
  expect(chooseParallel(2, 'native', 1, 2)).toBe(1);
});
