import { auc } from './stats.js';

/**
 * The chance at or above which a prediction counts as "will churn". The predictors answer a chance
 * only; training scores accuracy and F1 at p >= 0.5 (packages/model/src/metrics.ts), so the quality
 * of the served model is judged at the same cut.
 */
export const DECISION_THRESHOLD = 0.5;

/** Uniform bins of the reliability curve, as sklearn's calibration_curve(n_bins=10). */
export const RELIABILITY_BINS = 10;

export interface ConfusionMatrix {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface ReliabilityBin {
  /** Lower and upper edge of the predicted chance. */
  from: number;
  to: number;
  count: number;
  /** Mean predicted chance and observed churn rate of the bin (sklearn's prob_pred and prob_true). */
  meanPredicted: number;
  observedRate: number;
}

export interface ClassificationQuality {
  count: number;
  positives: number;
  /** null when only one class was observed (AUC is undefined there). */
  auc: number | null;
  logLoss: number;
  brier: number;
  accuracy: number;
  /**
   * Share of predictions that deviated from the outcome: the decision at `threshold` (churn or stay)
   * was not what happened, (fp + fn) / count, sklearn's zero_one_loss. The figure a business reader asks
   * for ("how often was the model wrong?") beside the rank and probability measures.
   */
  deviatedShare: number;
  /** At `threshold`; 0 when nothing was predicted (or observed) positive, as sklearn's zero_division default. */
  precision: number;
  recall: number;
  f1: number;
  threshold: number;
  confusion: ConfusionMatrix;
  /** Non-empty bins only, in order. */
  reliability: ReliabilityBin[];
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

/** Bin edges as numpy's linspace(0, 1, 11) computes them (0.1 * 3 is 0.30000000000000004 there too). */
const EDGES = Array.from({ length: RELIABILITY_BINS + 1 }, (_, i) => (i === RELIABILITY_BINS ? 1 : i * (1 / RELIABILITY_BINS)));

/** sklearn's bin of p: the number of inner edges strictly below it (np.searchsorted(bins[1:-1], p)). */
function binOf(p: number): number {
  // A guess from p, then moved to the exact count against the edges numpy would use.
  let bin = Math.min(RELIABILITY_BINS - 1, Math.max(0, Math.ceil(p * RELIABILITY_BINS) - 1));
  while (bin > 0 && !((EDGES[bin] as number) < p)) bin--;
  while (bin < RELIABILITY_BINS - 1 && (EDGES[bin + 1] as number) < p) bin++;
  return bin;
}

/**
 * Quality of churn chances against observed outcomes (label 1 = left): the figures scikit-learn's
 * roc_auc_score, log_loss, brier_score_loss, precision/recall/f1_score, confusion_matrix and
 * calibration_curve give on the same pairs (classification-sklearn.test.ts checks it).
 */
export function classificationQuality(labels: ArrayLike<number>, chances: ArrayLike<number>, threshold = DECISION_THRESHOLD): ClassificationQuality {
  const n = labels.length;
  if (n !== chances.length) throw new RangeError(`classificationQuality: ${n} labels for ${chances.length} chances`);
  if (n === 0) throw new RangeError('classificationQuality: no labelled predictions');
  // sklearn clips to the float64 machine epsilon before the logarithm.
  const eps = Number.EPSILON;
  // Plain counters and typed arrays: this loop runs once per row for the window and again per segment.
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  const binCount = new Float64Array(RELIABILITY_BINS);
  const binSum = new Float64Array(RELIABILITY_BINS);
  const binPositives = new Float64Array(RELIABILITY_BINS);
  let logLoss = 0;
  let squared = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i] as number;
    const p = chances[i] as number;
    if ((y !== 0 && y !== 1) || !(p >= 0 && p <= 1)) throw new RangeError(`classificationQuality: pair ${i} is (${y}, ${p}); labels are 0 or 1 and chances in [0, 1]`);
    const clipped = Math.min(Math.max(p, eps), 1 - eps);
    logLoss -= y === 1 ? Math.log(clipped) : Math.log(1 - clipped);
    squared += (p - y) ** 2;
    if (p >= threshold) {
      if (y === 1) tp++;
      else fp++;
    } else if (y === 1) fn++;
    else tn++;
    const bin = binOf(p);
    binCount[bin] = (binCount[bin] as number) + 1;
    binSum[bin] = (binSum[bin] as number) + p;
    binPositives[bin] = (binPositives[bin] as number) + y;
  }
  const confusion: ConfusionMatrix = { tp, fp, tn, fn };
  const value = auc(labels, chances);
  return {
    count: n,
    positives: tp + fn,
    auc: Number.isNaN(value) ? null : value,
    logLoss: logLoss / n,
    brier: squared / n,
    accuracy: (tp + tn) / n,
    deviatedShare: (fp + fn) / n,
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
    f1: ratio(2 * tp, 2 * tp + fp + fn),
    threshold,
    confusion,
    reliability: Array.from(binCount).flatMap((count, i) =>
      count === 0 ? [] : [{ from: EDGES[i] as number, to: EDGES[i + 1] as number, count, meanPredicted: (binSum[i] as number) / count, observedRate: (binPositives[i] as number) / count }],
    ),
  };
}

/** One prediction whose outcome is known, with the features it was scored on. */
export interface LabelledRow {
  features: Readonly<Record<string, unknown>>;
  chance: number;
  label: 0 | 1;
}

/** Rows grouped by the level `levelOf` gives each, and the quality of each group, levels in text order. */
export function qualityByLevel(rows: readonly LabelledRow[], levelOf: (row: LabelledRow) => string, threshold = DECISION_THRESHOLD): Record<string, ClassificationQuality> {
  const groups = new Map<string, { labels: number[]; chances: number[] }>();
  for (const row of rows) {
    const level = levelOf(row);
    let group = groups.get(level);
    if (!group) groups.set(level, (group = { labels: [], chances: [] }));
    group.labels.push(row.label);
    group.chances.push(row.chance);
  }
  return Object.fromEntries([...groups].sort(([a], [b]) => a.localeCompare(b)).map(([level, g]) => [level, classificationQuality(g.labels, g.chances, threshold)]));
}

/** Quality per level of each categorical feature named: feature -> level -> quality (levels seen only). */
export function qualityBySegment(
  rows: readonly LabelledRow[],
  categoricalNames: readonly string[],
  threshold = DECISION_THRESHOLD,
): Record<string, Record<string, ClassificationQuality>> {
  return Object.fromEntries(categoricalNames.map((name) => [name, qualityByLevel(rows, (row) => String(row.features[name]), threshold)]));
}
