import { evaluate } from './metrics.js';

test('when metrics are computed on a small case, then they equal the hand-computed values', () => {
  const labels = [1, 0, 1, 0];
  const probs = [0.9, 0.2, 0.4, 0.6];
  const m = evaluate(labels, probs);
  // Pairs (positive, negative): (0.9,0.2) (0.9,0.6) (0.4,0.2) win, (0.4,0.6) loses: 3/4.
  expect(m.auc).toBeCloseTo(0.75, 12);
  // -(ln 0.9 + ln 0.8 + ln 0.4 + ln 0.4) / 4
  expect(m.log_loss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8) + Math.log(0.4) + Math.log(0.4)) / 4, 12);
  // Predicted 1,0,0,1: two right.
  expect(m.accuracy).toBe(0.5);
  // tp=1, fp=1, fn=1: 2/(2+1+1)
  expect(m.f1).toBeCloseTo(0.5, 12);
  // Errors 0.1, 0.2, 0.6, 0.6
  expect(m.mse).toBeCloseTo((0.01 + 0.04 + 0.36 + 0.36) / 4, 12);
  expect(m.rmse).toBeCloseTo(Math.sqrt(0.77 / 4), 12);
  expect(m.mae).toBeCloseTo(1.5 / 4, 12);
});

test('when scores tie across classes, then the AUC counts each tie as half', () => {
  expect(evaluate([1, 0, 1, 0], [0.5, 0.5, 0.8, 0.1]).auc).toBeCloseTo(0.875, 12);
});

test('when predictions are perfect or certain and wrong, then AUC is 1 and log loss stays finite', () => {
  expect(evaluate([0, 1], [0.1, 0.9]).auc).toBe(1);
  const wrong = evaluate([1, 0], [0, 1]);
  expect(wrong.auc).toBe(0);
  expect(Number.isFinite(wrong.log_loss)).toBe(true);
  expect(wrong.f1).toBe(0);
});

test('when lengths differ or there are no rows, then evaluate refuses', () => {
  expect(() => evaluate([1], [0.2, 0.3])).toThrow(RangeError);
  expect(() => evaluate([], [])).toThrow(/no rows/);
});
