import type { DatasetContract, FeatureRow, FeatureValue, ReferenceProfile } from '@churn/churn-data';
import { sortedFloat64 } from './radix-sort.js';
import { binEdges, chiSquare, histogram, jensenShannon, ks2Sorted, proportionsZTest, psi, wassersteinSorted } from './stats.js';

/**
 * How a feature's verdict is decided. With the defaults these are Evidently's DataDriftPreset
 * choices (evidently/legacy/calculations/stattests/registry.py, `_get_default_stattest`):
 * reference of at most 1,000 rows: numeric with more than 5 distinct values -> KS, otherwise
 * chi-square (more than 2 values) or the two-proportion z-test; more than 1,000 rows: numeric with
 * more than 5 distinct values -> normed Wasserstein, otherwise Jensen-Shannon.
 */
export type DriftMethod = 'ks' | 'chi2' | 'z' | 'wasserstein' | 'jensenshannon';

export interface DriftThresholds {
  /** p-value below which KS, chi-square and z say "drifted" (Evidently: 0.05). */
  pValue: number;
  /** Wasserstein distance divided by the reference's std at or above which it drifted (0.1). */
  wasserstein: number;
  /** Jensen-Shannon distance at or above which it drifted (0.1). */
  jensenShannon: number;
}

export interface DriftOptions {
  /** Share of drifted features at or above which the dataset drifted (Evidently's drift_share 0.5). */
  threshold?: number;
  thresholds?: Partial<DriftThresholds>;
  /** Reference size up to which p-value tests decide (Evidently: 1,000). */
  smallReferenceMax?: number;
  /**
   * KS p-value: 'auto' as scipy (exact up to 10,000 per side; costs O(D*n1*n2)), 'asymp' always
   * asymptotic (cheap; the live monitor uses it).
   */
  ks?: 'auto' | 'asymp';
  /** Force one method for every feature instead of Evidently's choice. */
  method?: 'auto' | 'tests' | 'distances';
  /** The model's scores on `current`, for prediction drift (none without them). */
  predictions?: readonly number[];
}

export const DEFAULT_THRESHOLDS: DriftThresholds = { pValue: 0.05, wasserstein: 0.1, jensenShannon: 0.1 };
export const DEFAULT_DRIFT_SHARE = 0.5;
export const SMALL_REFERENCE_MAX = 1000;

export interface FeatureDrift {
  kind: 'numeric' | 'categorical';
  /** The hypothesis test reported for the feature: KS for numeric, chi-square for categorical. */
  test: 'ks' | 'chi2';
  statistic: number;
  pValue: number;
  /** Wasserstein distance divided by max(reference std, 0.001), numeric only. */
  wasserstein?: number;
  jensenShannon?: number;
  psi: number;
  /** The method that decided `drifted`, with its value and threshold. */
  method: DriftMethod;
  score: number;
  threshold: number;
  drifted: boolean;
  /** Present (non-missing) values compared on each side. */
  referenceCount: number;
  currentCount: number;
}

export interface PredictionDrift {
  test: 'ks';
  statistic: number;
  pValue: number;
  wasserstein: number;
  psi: number;
  method: DriftMethod;
  score: number;
  threshold: number;
  drifted: boolean;
  referenceCount: number;
  currentCount: number;
}

export interface DriftResult {
  /** By feature name, in contract order; a feature without present values on both sides is left out (not evaluated). */
  features: Record<string, FeatureDrift>;
  /** In contract order. */
  driftedFeatures: string[];
  driftedShare: number;
  datasetDrift: boolean;
  /** The share threshold the verdict used. */
  threshold: number;
  predictionDrift?: PredictionDrift;
  referenceSize: number;
  currentSize: number;
}

interface PreparedNumeric {
  sorted: Float64Array;
  std: number;
  distinct: Set<number>;
  /** Value counts, made on first need: the live monitor compares the same reference every second. */
  counts?: Map<string, number>;
}

interface PreparedCategorical {
  counts: Map<string, number>;
  total: number;
}

/** A reference's columns, prepared on first use per feature (sorted values, category counts). */
interface PreparedReference {
  numeric: Map<string, PreparedNumeric>;
  categorical: Map<string, PreparedCategorical>;
  predictions?: PreparedNumeric;
}

const prepared = new WeakMap<ReferenceProfile, PreparedReference>();

function populationStd(values: Float64Array): number {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length || 1;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  return Math.sqrt(variance / (values.length || 1));
}

function prepareNumeric(sorted: Float64Array): PreparedNumeric {
  return { sorted, std: populationStd(sorted), distinct: new Set(sorted) };
}

function counts(values: Iterable<string | number>): Map<string, number> {
  const map = new Map<string, number>();
  for (const v of values) map.set(String(v), (map.get(String(v)) ?? 0) + 1);
  return map;
}

// Missing values (null: imputed by the model) take no part in any statistic: both helpers skip them.

/** The present numbers among `length` values, sorted, in a new array. */
function sortedNumbers(length: number, valueAt: (i: number) => FeatureValue | undefined): Float64Array {
  const out = new Float64Array(length);
  let n = 0;
  for (let i = 0; i < length; i++) {
    const v = valueAt(i);
    if (typeof v === 'number') out[n++] = v;
  }
  return out.subarray(0, n).sort();
}

function categoryCounts(length: number, valueAt: (i: number) => FeatureValue | undefined): PreparedCategorical {
  const map = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < length; i++) {
    const v = valueAt(i);
    if (v === null || v === undefined) continue;
    const key = String(v);
    map.set(key, (map.get(key) ?? 0) + 1);
    total++;
  }
  return { counts: map, total };
}

function preparedReference(reference: ReferenceProfile): PreparedReference {
  let result = prepared.get(reference);
  if (!result) {
    result = { numeric: new Map(), categorical: new Map() };
    if (reference.predictions?.length) result.predictions = prepareNumeric(sortedFloat64(reference.predictions));
    prepared.set(reference, result);
  }
  return result;
}

/** The reference's sample of a feature, refused when the profile was built from another contract. */
function referenceSample(contract: DatasetContract, reference: ReferenceProfile, name: string, kind: FeatureDrift['kind']): readonly FeatureValue[] {
  const sample = reference.sample[name];
  if (!sample || reference.features[name]?.kind !== kind) {
    throw new Error(`the reference profile has no ${kind} feature ${name}: it was not built with the ${contract.name} contract`);
  }
  return sample;
}

/**
 * Shares of each key. For PSI Evidently replaces empty bins with 0.0001, or with a millionth of
 * the smallest non-empty share when that is already at most 0.0001, so the log stays finite.
 */
function shares(countsByKey: readonly number[], total: number, floorZeros: boolean): number[] {
  const values = countsByKey.map((c) => c / total);
  if (!floorZeros) return values;
  const smallest = Math.min(...values.filter((v) => v > 0));
  const floor = smallest <= 0.0001 ? smallest / 1e6 : 0.0001;
  return values.map((v) => (v === 0 ? floor : v));
}

function referenceCounts(reference: PreparedNumeric): Map<string, number> {
  reference.counts ??= counts(reference.sorted);
  return reference.counts;
}

/** Distinct values of reference and current together, without copying the reference's set. */
function distinctInBoth(reference: PreparedNumeric, current: Float64Array): number {
  const added = new Set<number>();
  for (const v of current) if (!reference.distinct.has(v)) added.add(v);
  return reference.distinct.size + added.size;
}

/** Bins as Evidently's get_binned_data: Sturges edges over both samples when the reference has more than 20 distinct values, else one bin per value. */
function binnedCounts(reference: PreparedNumeric, current: Float64Array): { ref: number[]; cur: number[] } {
  if (reference.distinct.size > 20) {
    const lo = Math.min(reference.sorted[0] as number, current[0] as number);
    const hi = Math.max(reference.sorted[reference.sorted.length - 1] as number, current[current.length - 1] as number);
    const width = (hi - lo) / (Math.log2(reference.sorted.length + current.length) + 1);
    const edges = binEdges(lo, hi, width > 0 ? Math.ceil((hi - lo) / width) : 1);
    return { ref: histogram(reference.sorted, edges), cur: histogram(current, edges) };
  }
  const refCounts = referenceCounts(reference);
  const curCounts = counts(current);
  const keys = [...new Set([...refCounts.keys(), ...curCounts.keys()])];
  return { ref: keys.map((k) => refCounts.get(k) ?? 0), cur: keys.map((k) => curCounts.get(k) ?? 0) };
}

interface Settings {
  thresholds: DriftThresholds;
  smallReferenceMax: number;
  method: 'auto' | 'tests' | 'distances';
  ks: 'auto' | 'asymp';
}

function chooseMethod(kind: 'numeric' | 'categorical', referenceSize: number, distinct: number, settings: Settings): DriftMethod {
  const small = settings.method === 'tests' || (settings.method === 'auto' && referenceSize <= settings.smallReferenceMax);
  if (kind === 'numeric' && distinct > 5) return small ? 'ks' : 'wasserstein';
  if (!small) return 'jensenshannon';
  return distinct > 2 ? 'chi2' : 'z';
}

/** Chi-square of current counts against reference frequencies scaled to the current size (Evidently's chi_stat_test). */
function categoricalTests(reference: Map<string, number>, current: Map<string, number>, referenceSize: number, currentSize: number) {
  const keys = [...new Set([...reference.keys(), ...current.keys()])];
  const ref = keys.map((k) => reference.get(k) ?? 0);
  const cur = keys.map((k) => current.get(k) ?? 0);
  const scale = currentSize / referenceSize;
  const chi = chiSquare(
    cur,
    ref.map((c) => c * scale),
  );
  // Evidently's z-test compares the share of the first key in sorted order.
  const first = keys.indexOf([...keys].sort()[0] as string);
  const z = keys.length === 2 ? proportionsZTest(ref[first] as number, referenceSize, cur[first] as number, currentSize) : { statistic: 0, pValue: 1 };
  return {
    keys,
    chi,
    z,
    jensenShannon: jensenShannon(shares(ref, referenceSize, false), shares(cur, currentSize, false)),
    psi: psi(shares(ref, referenceSize, true), shares(cur, currentSize, true)),
  };
}

/** `current` must be sorted. */
function numericDrift(reference: PreparedNumeric, current: Float64Array, settings: Settings) {
  const ks = ks2Sorted(reference.sorted, current, settings.ks);
  const wasserstein = wassersteinSorted(reference.sorted, current) / Math.max(reference.std, 0.001);
  const binned = binnedCounts(reference, current);
  const referenceSize = reference.sorted.length;
  const method = chooseMethod('numeric', referenceSize, distinctInBoth(reference, current), settings);
  let chi = { statistic: Number.NaN, pValue: Number.NaN };
  let z = chi;
  if (method === 'chi2' || method === 'z') {
    const tests = categoricalTests(referenceCounts(reference), counts(current), referenceSize, current.length);
    chi = tests.chi;
    z = tests.z;
  }
  return {
    ks,
    wasserstein,
    chi,
    z,
    method,
    jensenShannon: jensenShannon(shares(binned.ref, referenceSize, false), shares(binned.cur, current.length, false)),
    psi: psi(shares(binned.ref, referenceSize, true), shares(binned.cur, current.length, true)),
  };
}

function decide(method: DriftMethod, values: { ks: number; chi: number; z: number; wasserstein: number; jensenShannon: number }, t: DriftThresholds) {
  switch (method) {
    case 'ks':
      return { score: values.ks, threshold: t.pValue, drifted: values.ks < t.pValue };
    case 'chi2':
      return { score: values.chi, threshold: t.pValue, drifted: values.chi < t.pValue };
    case 'z':
      return { score: values.z, threshold: t.pValue, drifted: values.z < t.pValue };
    case 'wasserstein':
      return { score: values.wasserstein, threshold: t.wasserstein, drifted: values.wasserstein >= t.wasserstein };
    case 'jensenshannon':
      return { score: values.jensenShannon, threshold: t.jensenShannon, drifted: values.jensenShannon >= t.jensenShannon };
  }
}

/**
 * Compares a window of current rows with the reference profile, feature by feature as the contract
 * declares them (categorical ones by category, every other kind as numbers), then gives the dataset
 * verdict: drifted when the share of drifted features is at least `threshold` (0.5).
 */
export function computeDrift(contract: DatasetContract, reference: ReferenceProfile, current: readonly FeatureRow[], options: DriftOptions = {}): DriftResult {
  const settings: Settings = {
    thresholds: { ...DEFAULT_THRESHOLDS, ...options.thresholds },
    smallReferenceMax: options.smallReferenceMax ?? SMALL_REFERENCE_MAX,
    method: options.method ?? 'auto',
    ks: options.ks ?? 'auto',
  };
  const threshold = options.threshold ?? DEFAULT_DRIFT_SHARE;
  const ref = preparedReference(reference);
  const categorical = new Set(contract.categoricalNames);
  const features: Record<string, FeatureDrift> = {};
  if (current.length > 0) {
    for (const name of contract.featureNames) {
      const currentAt = (i: number) => (current[i] as FeatureRow)[name];
      if (categorical.has(name)) {
        let r = ref.categorical.get(name);
        if (!r) {
          const sample = referenceSample(contract, reference, name, 'categorical');
          r = categoryCounts(sample.length, (i) => sample[i]);
          ref.categorical.set(name, r);
        }
        const c = categoryCounts(current.length, currentAt);
        if (r.total === 0 || c.total === 0) continue;
        const t = categoricalTests(r.counts, c.counts, r.total, c.total);
        const method = chooseMethod('categorical', r.total, t.keys.length, settings);
        const verdict = decide(method, { ks: Number.NaN, chi: t.chi.pValue, z: t.z.pValue, wasserstein: Number.NaN, jensenShannon: t.jensenShannon }, settings.thresholds);
        features[name] = {
          kind: 'categorical',
          test: 'chi2',
          statistic: t.chi.statistic,
          pValue: t.chi.pValue,
          jensenShannon: t.jensenShannon,
          psi: t.psi,
          method,
          ...verdict,
          referenceCount: r.total,
          currentCount: c.total,
        };
      } else {
        let r = ref.numeric.get(name);
        if (!r) {
          const sample = referenceSample(contract, reference, name, 'numeric');
          r = prepareNumeric(sortedNumbers(sample.length, (i) => sample[i]));
          ref.numeric.set(name, r);
        }
        const values = sortedNumbers(current.length, currentAt);
        if (r.sorted.length === 0 || values.length === 0) continue;
        const d = numericDrift(r, values, settings);
        const verdict = decide(d.method, { ks: d.ks.pValue, chi: d.chi.pValue, z: d.z.pValue, wasserstein: d.wasserstein, jensenShannon: d.jensenShannon }, settings.thresholds);
        features[name] = {
          kind: 'numeric',
          test: 'ks',
          statistic: d.ks.statistic,
          pValue: d.ks.pValue,
          wasserstein: d.wasserstein,
          jensenShannon: d.jensenShannon,
          psi: d.psi,
          method: d.method,
          ...verdict,
          referenceCount: r.sorted.length,
          currentCount: values.length,
        };
      }
    }
  }
  const driftedFeatures = contract.featureNames.filter((name) => features[name]?.drifted);
  const evaluated = Object.keys(features).length;
  const driftedShare = evaluated === 0 ? 0 : driftedFeatures.length / evaluated;
  const result: DriftResult = {
    features,
    driftedFeatures,
    driftedShare,
    datasetDrift: evaluated > 0 && driftedShare >= threshold,
    threshold,
    referenceSize: reference.sampleSize,
    currentSize: current.length,
  };
  const predictions = options.predictions ?? [];
  if (ref.predictions && predictions.length > 0) {
    const d = numericDrift(ref.predictions, sortedFloat64(predictions), settings);
    // Scores are continuous: KS on small references, normed Wasserstein otherwise, as for features.
    const small = settings.method === 'tests' || (settings.method === 'auto' && ref.predictions.sorted.length <= settings.smallReferenceMax);
    const method: DriftMethod = small ? 'ks' : 'wasserstein';
    const verdict = decide(method, { ks: d.ks.pValue, chi: Number.NaN, z: Number.NaN, wasserstein: d.wasserstein, jensenShannon: d.jensenShannon }, settings.thresholds);
    result.predictionDrift = {
      test: 'ks',
      statistic: d.ks.statistic,
      pValue: d.ks.pValue,
      wasserstein: d.wasserstein,
      psi: d.psi,
      method,
      ...verdict,
      referenceCount: ref.predictions.sorted.length,
      currentCount: predictions.length,
    };
  }
  return result;
}
