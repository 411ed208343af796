import { createEngine, nativeAvailable, parseModelJson, XGBoostError, type XGBoostEngine } from './index.js';
import { maxAbsDiff, pairAuc, slice, toyProblem } from './test-data.js';

const problem = toyProblem(1500);
const train = slice(problem, 0, 1000);
const validation = slice(problem, 1000, 1250);
const holdout = slice(problem, 1250, 1500);
const params = { objective: 'binary:logistic', eval_metric: 'logloss', tree_method: 'hist', max_depth: 4, eta: 0.2, nthread: 2, seed: 3 };

let native: XGBoostEngine;
let wasm: XGBoostEngine;

beforeAll(async () => {
  if (!nativeAvailable()) throw new Error('libxgboost is not installed (apt-get install libxgboost0): the native engine is the default');
  native = await createEngine('native');
  wasm = await createEngine('wasm');
});

describe.each(['native', 'wasm'] as const)('the %s engine', (kind) => {
  const engine = () => (kind === 'native' ? native : wasm);

  test('when trained with early stopping, then it keeps only the rounds up to the best one', () => {
    const booster = engine().train({ train, validation, params, numBoostRound: 400, earlyStoppingRounds: 15 });
    expect(booster.bestIteration).toBeDefined();
    expect(booster.bestIteration).toBeLessThan(385);
    expect(parseModelJson(booster.toModelJson()).trees).toHaveLength((booster.bestIteration ?? -1) + 1);
    booster.dispose();
  });

  test('when trained without a validation set, then it trains exactly numBoostRound rounds', () => {
    const booster = engine().train({ train, params, numBoostRound: 12 });
    expect(booster.bestIteration).toBeUndefined();
    expect(parseModelJson(booster.toModelJson()).trees).toHaveLength(12);
  });

  test('when its model.json is loaded by both engines, then both predict the same values', () => {
    const booster = engine().train({ train, validation, params, numBoostRound: 200, earlyStoppingRounds: 10 });
    const json = booster.toModelJson();
    const own = booster.predict(holdout.data, holdout.rows, holdout.cols);
    expect(maxAbsDiff(native.load(json).predict(holdout.data, holdout.rows, holdout.cols), own)).toBeLessThan(1e-6);
    expect(maxAbsDiff(wasm.load(json).predict(holdout.data, holdout.rows, holdout.cols), own)).toBeLessThan(1e-6);
  });

  test('when asked to predict a matrix of the wrong size, then it throws instead of reading garbage', () => {
    const booster = engine().train({ train, params, numBoostRound: 2 });
    expect(() => booster.predict(new Float32Array(5), 1, holdout.cols)).toThrow(XGBoostError);
  });
});

test('when both engines tune the same problem, then their test AUCs agree within 0.02', () => {
  const auc = (e: XGBoostEngine) => {
    const b = e.train({ train, validation, params, numBoostRound: 300, earlyStoppingRounds: 20 });
    return pairAuc(holdout.labels, b.predict(holdout.data, holdout.rows, holdout.cols));
  };
  const [a, b] = [auc(native), auc(wasm)];
  expect(a).toBeGreaterThan(0.8);
  expect(Math.abs(a - b)).toBeLessThan(0.02);
});

test('when a loaded native model predicts one row at a time, then it matches libxgboost to float32 rounding', () => {
  const json = native.train({ train, params, numBoostRound: 60 }).toModelJson();
  const viaLibrary = native.load(json, { jsBelowRows: 0 });
  const viaTrees = native.load(json);
  const batch = viaLibrary.predict(holdout.data, holdout.rows, holdout.cols);
  let differing = 0;
  for (let r = 0; r < holdout.rows; r++) {
    const row = holdout.data.slice(r * holdout.cols, (r + 1) * holdout.cols);
    const [fromLibrary] = viaLibrary.predict(row, 1, holdout.cols);
    const [fromTrees] = viaTrees.predict(row, 1, holdout.cols);
    expect(fromLibrary).toBe(batch[r]);
    expect(Math.abs((fromTrees ?? 0) - (batch[r] ?? 1))).toBeLessThanOrEqual(6e-8);
    if (fromTrees !== batch[r]) differing++;
  }
  expect(differing).toBeLessThan(holdout.rows * 0.02);
});

test('when an engine kind is unknown or a model is not XGBoost JSON, then a clear error is thrown', async () => {
  await expect(createEngine('gpu' as 'native')).rejects.toThrow(/unknown XGBoost engine "gpu"/);
  expect(() => wasm.load('{"learner": {}}')).toThrow(/not an XGBoost JSON model/);
  expect(() => native.load('not json')).toThrow(XGBoostError);
});

test('when early stopping is asked without a validation set, then training is refused', () => {
  expect(() => native.train({ train, params, numBoostRound: 5, earlyStoppingRounds: 3 })).toThrow(/validation/);
  expect(() => wasm.train({ train, params, numBoostRound: 5, earlyStoppingRounds: 3 })).toThrow(/validation/);
});

test('when the native engine has no tree walker (training threads), then small batches go to libxgboost and predict what the walk predicts', async () => {
  const { NativeEngine } = await import('@churn/xgboost/native');
  const json = native.train({ train, validation, params, numBoostRound: 60, earlyStoppingRounds: 10 }).toModelJson();
  const row = holdout.data.subarray(0, holdout.cols);
  const walked = native.load(json).predict(row, 1, holdout.cols);
  const bare = new NativeEngine().load(json);
  expect(maxAbsDiff(bare.predict(row, 1, holdout.cols), walked)).toBeLessThan(1e-6);
  expect(bare.toModelJson()).toBe(native.load(json).toModelJson());
  bare.dispose();
});
