import { DECISION_THRESHOLD } from './classification.js';
import { sortedFloat64 } from './radix-sort.js';

/** A monotone map from the model's chance to the observed churn rate. */
export type Calibrator = (chance: number) => number;

/**
 * Isotonic regression of labels on chances, as scikit-learn's IsotonicRegression(out_of_bounds='clip')
 * (the calibrator NannyML's CBPE uses): equal chances pooled, pool-adjacent-violators, then linear
 * interpolation between the fitted points, clipped at both ends.
 */
export function fitIsotonic(chances: ArrayLike<number>, labels: ArrayLike<number>): Calibrator {
  const n = chances.length;
  if (n !== labels.length || n === 0) throw new RangeError(`fitIsotonic: ${n} chances for ${labels.length} labels`);
  // Equal chances pooled: each class's chances sorted (a radix sort, no comparator sort over 100,000
  // indices), then merged into unique chances with their count and churn rate.
  let churned = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new RangeError(`fitIsotonic: label ${i} is ${y}; labels are 0 or 1`);
    churned += y;
  }
  const churnedChances = new Float64Array(churned);
  const stayedChances = new Float64Array(n - churned);
  for (let i = 0, p = 0, q = 0; i < n; i++) {
    if (labels[i] === 1) churnedChances[p++] = chances[i] as number;
    else stayedChances[q++] = chances[i] as number;
  }
  const pos = sortedFloat64(churnedChances);
  const neg = sortedFloat64(stayedChances);
  // Blocks of the PAV: x is the pooled chance (unique values), mean the fitted level, weight the count.
  const xs: number[] = [];
  const means: number[] = [];
  const weights: number[] = [];
  for (let p = 0, q = 0; p < pos.length || q < neg.length; ) {
    const x = q >= neg.length || (p < pos.length && (pos[p] as number) <= (neg[q] as number)) ? (pos[p] as number) : (neg[q] as number);
    let ones = 0;
    let zeros = 0;
    while (p < pos.length && pos[p] === x) {
      ones++;
      p++;
    }
    while (q < neg.length && neg[q] === x) {
      zeros++;
      q++;
    }
    xs.push(x);
    means.push(ones / (ones + zeros));
    weights.push(ones + zeros);
  }
  // Pool adjacent violators over the unique chances; `ends[b]` is the last unique index of block b.
  const level: number[] = [];
  const mass: number[] = [];
  const ends: number[] = [];
  for (let k = 0; k < xs.length; k++) {
    level.push(means[k] as number);
    mass.push(weights[k] as number);
    ends.push(k);
    while (level.length > 1 && (level[level.length - 2] as number) > (level[level.length - 1] as number)) {
      const w2 = mass.pop() as number;
      const v2 = level.pop() as number;
      const e2 = ends.pop() as number;
      const last = level.length - 1;
      const w1 = mass[last] as number;
      level[last] = ((level[last] as number) * w1 + v2 * w2) / (w1 + w2);
      mass[last] = w1 + w2;
      ends[last] = e2;
    }
  }
  const fitted: number[] = new Array<number>(xs.length);
  let start = 0;
  level.forEach((v, b) => {
    for (let k = start; k <= (ends[b] as number); k++) fitted[k] = v;
    start = (ends[b] as number) + 1;
  });
  return (chance) => {
    if (chance <= (xs[0] as number)) return fitted[0] as number;
    if (chance >= (xs[xs.length - 1] as number)) return fitted[xs.length - 1] as number;
    let lo = 0;
    let hi = xs.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((xs[mid] as number) <= chance) lo = mid;
      else hi = mid;
    }
    const x0 = xs[lo] as number;
    const x1 = xs[hi] as number;
    const y0 = fitted[lo] as number;
    const y1 = fitted[hi] as number;
    return y0 + ((chance - x0) * (y1 - y0)) / (x1 - x0);
  };
}

export interface EstimatedQuality {
  count: number;
  /** null when the calibrated chances are all 0 or all 1 (no expected positives or negatives). */
  auc: number | null;
  accuracy: number;
  /** Expected share of decisions that will turn out wrong (1 - accuracy), the realised deviatedShare's estimate. */
  deviatedShare: number;
  precision: number;
  recall: number;
  f1: number;
}

/**
 * Confidence-based performance estimation (NannyML's CBPE): quality expected from the chances alone,
 * taking each calibrated chance as the probability that the customer leaves. The decision is made on
 * the raw chance at `threshold`, as served; AUC is the ROC area of the expected confusion matrices.
 */
export function estimateQuality(chances: ArrayLike<number>, calibrate: Calibrator = (p) => p, threshold = DECISION_THRESHOLD): EstimatedQuality {
  const n = chances.length;
  if (n === 0) throw new RangeError('estimateQuality: no predictions');
  const p = Float64Array.from({ length: n }, (_, i) => calibrate(chances[i] as number));
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < n; i++) {
    const q = p[i] as number;
    if ((chances[i] as number) >= threshold) {
      tp += q;
      fp += 1 - q;
    } else {
      fn += q;
      tn += 1 - q;
    }
  }
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  return { count: n, auc: expectedAuc(p), accuracy: (tp + tn) / n, deviatedShare: (fp + fn) / n, precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn), f1: ratio(2 * tp, 2 * tp + fp + fn) };
}

/** Labelled predictions needed before the estimate is calibrated on them rather than on the raw chances. */
export const MIN_CALIBRATION_ROWS = 100;

/** The model's chances on its test split beside the labels (the model directory's test-predictions.json). */
export interface CalibrationSet {
  chances: readonly number[];
  labels: readonly (0 | 1)[];
}

/**
 * What the estimate was calibrated on: `test` the model's test split, as NannyML calibrates on its
 * reference period; `labelled` the window's own labelled predictions (a model without test
 * predictions, e.g. one logged from Python); `none` the raw chances taken as probabilities.
 */
export type Calibration = 'test' | 'labelled' | 'none';

const usable = (labels: readonly (0 | 1)[]) => labels.length >= MIN_CALIBRATION_ROWS && labels.includes(1) && labels.includes(0);

/**
 * The estimate over a window's chances, calibrated (isotonic) on the model's test predictions when
 * given, else on the window's labelled predictions once there are MIN_CALIBRATION_ROWS of both
 * classes, else on the raw chances: what the gauges and the report show.
 */
export function estimateWindow(
  chances: readonly number[],
  labelled: readonly { chance: number; label: 0 | 1 }[],
  test?: CalibrationSet,
): { estimate: EstimatedQuality; calibration: Calibration } | undefined {
  if (chances.length === 0) return undefined;
  if (test && usable(test.labels)) return { estimate: estimateQuality(chances, fitIsotonic(test.chances, test.labels)), calibration: 'test' };
  const labels = labelled.map((r) => r.label);
  if (!usable(labels)) return { estimate: estimateQuality(chances), calibration: 'none' };
  const calibrator = fitIsotonic(
    labelled.map((r) => r.chance),
    labels,
  );
  return { estimate: estimateQuality(chances, calibrator), calibration: 'labelled' };
}

/**
 * ROC area with fractional labels: rows ranked by calibrated chance q, each counting q positive and
 * 1 - q negative; tied chances share their pairs half and half (the trapezoid over tie groups).
 */
function expectedAuc(q: Float64Array): number | null {
  const sorted = sortedFloat64(q);
  let positives = 0;
  let negativesBelow = 0;
  let area = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    let groupPositives = 0;
    let groupNegatives = 0;
    while (j < sorted.length && sorted[j] === sorted[i]) {
      groupPositives += sorted[j] as number;
      groupNegatives += 1 - (sorted[j] as number);
      j++;
    }
    area += groupPositives * (negativesBelow + groupNegatives / 2);
    positives += groupPositives;
    negativesBelow += groupNegatives;
    i = j;
  }
  const denominator = positives * negativesBelow;
  return denominator > 0 ? area / denominator : null;
}
