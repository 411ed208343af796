import { aucByLevel, rankByChance, type ChanceRanking } from './segment-auc.js';

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
 * Labelled pairs checked and prepared once for the measures of any grouping of them: ranked by chance
 * (for the AUCs), and each pair's share of the log loss and Brier score, confusion cell and
 * reliability bin. The segments group the same pairs by every categorical feature.
 */
export interface PreparedPairs {
  labels: Uint8Array;
  ranking: ChanceRanking;
  threshold: number;
  logLoss: Float64Array;
  squared: Float64Array;
  chances: Float64Array;
  /** 0 tp, 1 fp, 2 tn, 3 fn at the threshold. */
  cell: Uint8Array;
  bin: Uint8Array;
}

/** Checks every pair (labels 0 or 1, chances in [0, 1]) and prepares them. */
function preparePairs(labels: ArrayLike<number>, chances: ArrayLike<number>, threshold: number): PreparedPairs {
  const n = labels.length;
  if (n !== chances.length) throw new RangeError(`classificationQuality: ${n} labels for ${chances.length} chances`);
  if (n === 0) throw new RangeError('classificationQuality: no labelled predictions');
  // sklearn clips to the float64 machine epsilon before the logarithm.
  const eps = Number.EPSILON;
  const prepared = {
    labels: new Uint8Array(n),
    threshold,
    logLoss: new Float64Array(n),
    squared: new Float64Array(n),
    chances: new Float64Array(n),
    cell: new Uint8Array(n),
    bin: new Uint8Array(n),
  };
  for (let i = 0; i < n; i++) {
    const y = labels[i] as number;
    const p = chances[i] as number;
    if ((y !== 0 && y !== 1) || !(p >= 0 && p <= 1)) throw new RangeError(`classificationQuality: pair ${i} is (${y}, ${p}); labels are 0 or 1 and chances in [0, 1]`);
    const clipped = Math.min(Math.max(p, eps), 1 - eps);
    prepared.labels[i] = y;
    prepared.chances[i] = p;
    prepared.logLoss[i] = -(y === 1 ? Math.log(clipped) : Math.log(1 - clipped));
    prepared.squared[i] = (p - y) ** 2;
    prepared.cell[i] = p >= threshold ? (y === 1 ? 0 : 1) : y === 1 ? 3 : 2;
    prepared.bin[i] = binOf(p);
  }
  return { ...prepared, ranking: rankByChance(prepared.chances) };
}

/**
 * Quality of churn chances against observed outcomes (label 1 = left): the figures scikit-learn's
 * roc_auc_score, log_loss, brier_score_loss, precision/recall/f1_score, confusion_matrix and
 * calibration_curve give on the same pairs (classification-sklearn.test.ts checks it).
 */
export function classificationQuality(labels: ArrayLike<number>, chances: ArrayLike<number>, threshold = DECISION_THRESHOLD): ClassificationQuality {
  return qualityOfPairs(preparePairs(labels, chances, threshold));
}

/** `classificationQuality` of prepared pairs. */
export function qualityOfPairs(pairs: PreparedPairs): ClassificationQuality {
  return qualityOfGroups(pairs, new Int32Array(pairs.labels.length), 1)[0] as ClassificationQuality;
}

/** The measures of every group of the pairs in one pass: `codes[i]` is pair i's group (0..groups-1, each holding at least one pair). */
function qualityOfGroups(pairs: PreparedPairs, codes: Int32Array, groups: number): ClassificationQuality[] {
  // Per group: tp, fp, tn, fn at [4g..4g+3]; reliability bins at [g * RELIABILITY_BINS + bin].
  const confusion = new Float64Array(groups * 4);
  const logLoss = new Float64Array(groups);
  const squared = new Float64Array(groups);
  const binCount = new Float64Array(groups * RELIABILITY_BINS);
  const binSum = new Float64Array(groups * RELIABILITY_BINS);
  const binPositives = new Float64Array(groups * RELIABILITY_BINS);
  for (let i = 0; i < codes.length; i++) {
    const g = codes[i] as number;
    logLoss[g] = (logLoss[g] as number) + (pairs.logLoss[i] as number);
    squared[g] = (squared[g] as number) + (pairs.squared[i] as number);
    const cell = 4 * g + (pairs.cell[i] as number);
    confusion[cell] = (confusion[cell] as number) + 1;
    const bin = g * RELIABILITY_BINS + (pairs.bin[i] as number);
    binCount[bin] = (binCount[bin] as number) + 1;
    binSum[bin] = (binSum[bin] as number) + (pairs.chances[i] as number);
    binPositives[bin] = (binPositives[bin] as number) + (pairs.labels[i] as number);
  }
  const areas = aucByLevel(pairs.ranking, codes, pairs.labels, groups);
  const { threshold } = pairs;
  return Array.from({ length: groups }, (_, g) => {
    const [tp, fp, tn, fn] = confusion.subarray(4 * g, 4 * g + 4) as unknown as [number, number, number, number];
    const n = tp + fp + tn + fn;
    const value = areas[g] as number;
    const reliability: ReliabilityBin[] = [];
    for (let b = 0; b < RELIABILITY_BINS; b++) {
      const k = g * RELIABILITY_BINS + b;
      const count = binCount[k] as number;
      if (count > 0) reliability.push({ from: EDGES[b] as number, to: EDGES[b + 1] as number, count, meanPredicted: (binSum[k] as number) / count, observedRate: (binPositives[k] as number) / count });
    }
    return {
      count: n,
      positives: tp + fn,
      auc: Number.isNaN(value) ? null : value,
      logLoss: (logLoss[g] as number) / n,
      brier: (squared[g] as number) / n,
      accuracy: (tp + tn) / n,
      deviatedShare: (fp + fn) / n,
      precision: ratio(tp, tp + fp),
      recall: ratio(tp, tp + fn),
      f1: ratio(2 * tp, 2 * tp + fp + fn),
      threshold,
      confusion: { tp, fp, tn, fn },
      reliability,
    };
  });
}

/** One prediction whose outcome is known, with the features it was scored on. */
export interface LabelledRow {
  features: Readonly<Record<string, unknown>>;
  chance: number;
  label: 0 | 1;
}

/**
 * Rows grouped by the level `levelOf` gives each, and the quality of each group, levels in text order.
 * `pairs`: the rows prepared, made once by callers that group the same rows by several features.
 */
export function qualityByLevel(
  rows: readonly LabelledRow[],
  levelOf: (row: LabelledRow) => string,
  pairs: PreparedPairs = prepareRows(rows),
): Record<string, ClassificationQuality> {
  const codeOf = new Map<string, number>();
  const codes = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const level = levelOf(rows[i] as LabelledRow);
    let code = codeOf.get(level);
    if (code === undefined) codeOf.set(level, (code = codeOf.size));
    codes[i] = code;
  }
  const qualities = qualityOfGroups(pairs, codes, codeOf.size);
  return Object.fromEntries([...codeOf].sort(([a], [b]) => a.localeCompare(b)).map(([level, code]) => [level, qualities[code] as ClassificationQuality]));
}

/** The rows' labels and chances prepared for `qualityOfPairs` and `qualityByLevel`. */
export function prepareRows(rows: readonly LabelledRow[], threshold = DECISION_THRESHOLD): PreparedPairs {
  const labels = new Uint8Array(rows.length);
  const chances = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as LabelledRow;
    labels[i] = row.label;
    chances[i] = row.chance;
  }
  return preparePairs(labels, chances, threshold);
}

/** Quality per level of each categorical feature named: feature -> level -> quality (levels seen only). */
export function qualityBySegment(
  rows: readonly LabelledRow[],
  categoricalNames: readonly string[],
  pairs = prepareRows(rows),
): Record<string, Record<string, ClassificationQuality>> {
  return Object.fromEntries(categoricalNames.map((name) => [name, qualityByLevel(rows, (row) => String(row.features[name]), pairs)]));
}
