import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { seededRandom } from '@churn/churn-data';
import fc from 'fast-check';
import { estimateQuality, estimateWindow, fitIsotonic, MIN_CALIBRATION_ROWS } from './cbpe.js';
import { classificationQuality } from './classification.js';

const root = resolve(import.meta.dirname, '../../..');

/** Churn drawn with P = calibration(chance): what a model calibrated by that map produces. */
function simulate(n: number, seed: number, calibration: (p: number) => number) {
  const random = seededRandom(seed);
  const chances = Array.from({ length: n }, () => random() ** 1.5);
  const labels = chances.map((p) => (random() < calibration(p) ? 1 : 0));
  return { chances, labels };
}

describe('fitIsotonic', () => {
  it('given a violation between neighbours, when fitted, then they are pooled and chances between points are interpolated and clipped at the ends', () => {
    const calibrate = fitIsotonic([0.1, 0.2, 0.3, 0.4, 0.2], [0, 1, 0, 1, 1]);
    expect([0.1, 0.2, 0.3, 0.4].map(calibrate)).toEqual([0, 2 / 3, 2 / 3, 1]);
    expect(calibrate(0.15)).toBeCloseTo(1 / 3, 15);
    expect([0, 0.05, 0.9].map(calibrate)).toEqual([0, 0, 1]);
  });

  it('given any pairs, when fitted, then the calibrator never decreases and stays in [0, 1]', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.constantFrom(0, 1)), { minLength: 1, maxLength: 100 }), (pairs) => {
        const calibrate = fitIsotonic(pairs.map(([k]) => k / 50), pairs.map(([, y]) => y));
        const values = Array.from({ length: 101 }, (_, i) => calibrate(i / 100));
        values.forEach((v, i) => {
          expect(v).toBeGreaterThanOrEqual(i > 0 ? (values[i - 1] as number) - 1e-15 : 0);
          expect(v).toBeLessThanOrEqual(1);
        });
      }),
    );
  });
});

describe('estimateQuality', () => {
  it('given any calibrated chances, when AUC is estimated, then it is the pairwise expectation with ties counted half', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }).map((k) => k / 20), { minLength: 2, maxLength: 60 }), (q) => {
        let area = 0;
        for (const a of q) for (const b of q) area += a * (1 - b) * (a > b ? 1 : a === b ? 0.5 : 0);
        const positives = q.reduce((s, a) => s + a, 0);
        const expected = positives * (q.length - positives) > 0 ? area / (positives * (q.length - positives)) : null;
        const estimated = estimateQuality(q).auc;
        if (expected === null) expect(estimated).toBeNull();
        else expect(estimated).toBeCloseTo(expected, 12);
      }),
    );
  });

  it('given 20,000 predictions of a calibrated model, when estimated without labels, then AUC, accuracy and F1 are within 0.01 of the realised ones', () => {
    const { chances, labels } = simulate(20_000, 7, (p) => p);
    const estimated = estimateQuality(chances);
    const realised = classificationQuality(labels, chances);
    expect(Math.abs((estimated.auc as number) - (realised.auc as number))).toBeLessThan(0.01);
    expect(Math.abs(estimated.accuracy - realised.accuracy)).toBeLessThan(0.01);
    expect(Math.abs(estimated.f1 - realised.f1)).toBeLessThan(0.01);
  });

  it('given an overconfident model, when calibrated on a labelled reference first, then the estimate lands near the realised AUC where the raw chances miss it', () => {
    const overconfident = (p: number) => 0.25 + p / 2;
    const reference = simulate(20_000, 11, overconfident);
    const current = simulate(20_000, 12, overconfident);
    const realised = classificationQuality(current.labels, current.chances).auc as number;
    const raw = estimateQuality(current.chances).auc as number;
    const calibrated = estimateQuality(current.chances, fitIsotonic(reference.chances, reference.labels)).auc as number;
    expect(Math.abs(calibrated - realised)).toBeLessThan(0.01);
    expect(Math.abs(raw - realised)).toBeGreaterThan(0.05);
  });
});

const hasPython = spawnSync('python3', ['--version']).status === 0;
(hasPython ? describe : describe.skip)('fitIsotonic against scikit-learn', () => {
  it("given tied and unordered chances, when fitted, then it predicts as IsotonicRegression(out_of_bounds='clip') within 1e-12", () => {
    const { chances, labels } = simulate(3000, 21, (p) => 0.1 + 0.8 * p);
    const rounded = chances.map((p) => Math.round(p * 200) / 200);
    const grid = Array.from({ length: 1001 }, (_, i) => i / 1000 - 0.0005);
    const python = execFileSync(resolve(root, 'scripts/py-venv.sh'), ['evidently'], { encoding: 'utf8' }).trim();
    const script = [
      'import json, sys',
      'from sklearn.isotonic import IsotonicRegression',
      'd = json.load(sys.stdin)',
      "m = IsotonicRegression(out_of_bounds='clip').fit(d['x'], d['y'])",
      "print(json.dumps([float(v) for v in m.predict(d['grid'])]))",
    ].join('\n');
    const theirs = JSON.parse(execFileSync(python, ['-c', script], { input: JSON.stringify({ x: rounded, y: labels, grid }), encoding: 'utf8' })) as number[];
    const calibrate = fitIsotonic(rounded, labels);
    grid.forEach((x, i) => expect(Math.abs(calibrate(x) - (theirs[i] as number))).toBeLessThanOrEqual(1e-12));
  });
});

describe('estimateWindow', () => {
  // The model is overconfident: the true churn rate at chance p is p / 2.
  const truth = (p: number) => p / 2;
  const test = simulate(2_000, 11, truth);
  const window = simulate(3_000, 12, truth);
  const labelled = window.chances.slice(0, 500).map((chance, i) => ({ chance, label: window.labels[i] as 0 | 1 }));

  it("given the model's test predictions, when the window is estimated, then it calibrates on them, not on the window's labels", () => {
    const result = estimateWindow(window.chances, labelled, test);
    expect(result?.calibration).toBe('test');
    expect(result?.estimate).toEqual(estimateQuality(window.chances, fitIsotonic(test.chances, test.labels)));
  });

  it('given no test predictions (a model logged by Python), when the window has enough labels of both classes, then it falls back to them', () => {
    const result = estimateWindow(window.chances, labelled);
    expect(result?.calibration).toBe('labelled');
    expect(result?.estimate).toEqual(estimateQuality(window.chances, fitIsotonic(labelled.map((r) => r.chance), labelled.map((r) => r.label))));
  });

  it('given test predictions of one class only and too few labels, when estimated, then the raw chances are taken as probabilities', () => {
    const oneClass = { chances: test.chances.slice(0, MIN_CALIBRATION_ROWS), labels: test.chances.slice(0, MIN_CALIBRATION_ROWS).map(() => 0 as const) };
    const result = estimateWindow(window.chances, labelled.slice(0, MIN_CALIBRATION_ROWS - 1), oneClass);
    expect(result?.calibration).toBe('none');
    expect(result?.estimate).toEqual(estimateQuality(window.chances));
  });
});
