import { loadCleanDataset, splitDataset } from '@churn/churn-data';
import { evaluate } from '@churn/model';
import { createEngine } from '@churn/xgboost';
import { bestTrialsTable } from './cli/report.js';
import { parseTrainArgs } from './cli/args.js';
import { runTrial, trialLoss } from './trial.js';
import { tune } from './tune.js';

const split = splitDataset(loadCleanDataset().rows);
const params = { max_depth: 4, eta: 0.1, subsample: 0.9, colsample_bytree: 0.9, min_child_weight: 1, lambda: 1 };

test('when one trial runs, then it early-stops on validation and reports validation and test metrics', async () => {
  const engine = await createEngine('native');
  const result = runTrial({ split, params, engine, numBoostRound: 1000, earlyStoppingRounds: 20 });
  expect(result.bestIteration).toBeDefined();
  expect(result.bestIteration).toBeLessThan(980);
  expect(result.metrics.validation.auc).toBeGreaterThan(0.75);
  expect(result.metrics.test.auc).toBeGreaterThan(0.75);
  const test = result.preprocessor.transform(split.test);
  const again = evaluate(
    split.test.map((r) => r.churned),
    result.booster.predict(test.data, test.rows, test.cols),
  );
  expect(result.metrics.test).toEqual(again);
  expect(trialLoss(result)).toBeCloseTo(1 - result.metrics.validation.auc, 12);
  result.booster.dispose();
});

test('when the same trial runs twice with one seed, then the metrics are identical', async () => {
  const engine = await createEngine('native');
  const a = runTrial({ split, params, engine, seed: 5 });
  const b = runTrial({ split, params, engine, seed: 5 });
  expect(b.metrics).toEqual(a.metrics);
});

test('when a short tuning runs, then the best trial is the lowest loss and the table lists five ranked trials', async () => {
  const engine = await createEngine('native');
  const result = tune({ split, engine, trials: 8, numBoostRound: 100, earlyStoppingRounds: 10 });
  expect(result.trials).toHaveLength(8);
  const lowest = Math.min(...result.trials.map((t) => t.loss));
  expect(trialLoss(result.best)).toBe(lowest);
  const lines = bestTrialsTable(result.trials).split('\n');
  expect(lines).toHaveLength(7);
  expect(lines[2]).toMatch(/^\s*1\s+\d+\s+0\.\d{4}/);
  result.best.booster.dispose();
});

test('when CLI flags are bad, then parsing names the flag', () => {
  expect(parseTrainArgs(['--trials', '7', '--out', 'x'], { engine: 'auto' })).toMatchObject({ trials: 7, out: 'x', engine: 'auto', seed: 42 });
  expect(() => parseTrainArgs(['--trials', 'many'], { engine: 'auto' })).toThrow(/--trials/);
  expect(() => parseTrainArgs(['--engine', 'gpu'], { engine: 'auto' })).toThrow(/--engine/);
});
