import { createEngine } from './index.js';
import { buildModelJson, formatFloat32, parseModelJson } from './model-json.js';
import { maxAbsDiff, slice, toyProblem } from './test-data.js';

test('when a float32 is formatted, then the short decimal reads back as the same float32', () => {
  for (const v of [0.1, -0.57735854, 1e-7, 123456.78, 2 ** -20, 0.30000001192092896]) {
    expect(Math.fround(formatFloat32(v))).toBe(Math.fround(v));
  }
});

test("when libxgboost's own JSON is parsed and written back by us, then libxgboost predicts the same values", async () => {
  const problem = toyProblem(600);
  const native = await createEngine('native');
  const booster = native.train({ train: slice(problem, 0, 400), params: { objective: 'binary:logistic', max_depth: 5, eta: 0.3, nthread: 1 }, numBoostRound: 25 });
  const rewritten = buildModelJson(parseModelJson(booster.toModelJson()));
  const holdout = slice(problem, 400, 600);
  const before = booster.predict(holdout.data, holdout.rows, holdout.cols);
  const after = native.load(rewritten, { jsBelowRows: 0 }).predict(holdout.data, holdout.rows, holdout.cols);
  expect(maxAbsDiff(before, after)).toBe(0);
});

test('when a newer XGBoost writes the base score as a vector, then it is still read', () => {
  const json = JSON.parse(buildModelJson({ objective: 'binary:logistic', baseScore: 0.5, numFeature: 2, trees: [] })) as {
    learner: { learner_model_param: { base_score: string } };
  };
  json.learner.learner_model_param.base_score = '[2.5E-1]';
  expect(parseModelJson(JSON.stringify(json)).baseScore).toBe(0.25);
});

test('when a model has an unsupported objective or is not JSON, then parsing says so', () => {
  const json = buildModelJson({ objective: 'binary:logistic', baseScore: 0.5, numFeature: 2, trees: [] });
  expect(() => parseModelJson(json.replace('binary:logistic', 'rank:pairwise'))).toThrow(/unsupported objective rank:pairwise/);
  // A softmax objective over one class is not a model XGBoost writes.
  expect(() => parseModelJson(json.replace('binary:logistic', 'multi:softprob'))).toThrow(/multi:softprob with num_class 0 is not supported/);
  expect(() => parseModelJson(new Uint8Array([0x62, 0x69, 0x6e, 0x66]))).toThrow(/not JSON/);
});
