import type { DatasetContract } from './contract.js';
import { shuffled } from './split.js';
import type { FeatureRow, FeatureValue } from './values.js';

export interface NumericSummary {
  kind: 'numeric';
  count: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  quantiles: { p05: number; p25: number; p50: number; p75: number; p95: number };
}

export interface CategoricalSummary {
  kind: 'categorical';
  count: number;
  /** Share of each category in the sample (sums to 1). */
  frequencies: Record<string, number>;
}

/**
 * The training data's profile saved as reference.json in the model directory: drift detection
 * compares live traffic against it. The sample is columnar to keep the file small.
 */
export interface ReferenceProfile {
  version: 1;
  seed: number;
  /** Rows the profile was built from, and how many of them are in the sample. */
  rowCount: number;
  sampleSize: number;
  /** Per feature, by the contract's kinds: categorical ones by frequency, the rest as numbers. Missing (imputed) values are left out. */
  features: Record<string, NumericSummary | CategoricalSummary>;
  /** Per feature, the sampled values in row order (null where a value was missing). */
  sample: Record<string, FeatureValue[]>;
  /** The model's churn chance for each sampled row, for prediction drift. */
  predictions?: number[];
}

export const MAX_REFERENCE_ROWS = 10_000;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const a = sorted[low] as number;
  const b = sorted[high] as number;
  return a + (b - a) * (position - low);
}

export function summarizeNumeric(values: readonly number[]): NumericSummary {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((s, v) => s + v, 0) / (values.length || 1);
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length || 1);
  return {
    kind: 'numeric',
    count: values.length,
    mean,
    std: Math.sqrt(variance),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    quantiles: { p05: quantile(sorted, 0.05), p25: quantile(sorted, 0.25), p50: quantile(sorted, 0.5), p75: quantile(sorted, 0.75), p95: quantile(sorted, 0.95) },
  };
}

export function summarizeCategorical(values: readonly string[]): CategoricalSummary {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  const frequencies = Object.fromEntries(Object.entries(counts).map(([k, c]) => [k, c / values.length]));
  return { kind: 'categorical', count: values.length, frequencies };
}

/** Builds the profile from a seeded sample of at most `maxRows` rows (all of them for BankChurners). */
export function buildReferenceProfile(
  contract: DatasetContract,
  rows: readonly FeatureRow[],
  options: { seed?: number; maxRows?: number; predictions?: readonly number[] } = {},
): ReferenceProfile {
  const seed = options.seed ?? 42;
  const indexes = shuffled(
    rows.map((_, i) => i),
    seed,
  ).slice(0, options.maxRows ?? MAX_REFERENCE_ROWS);
  indexes.sort((a, b) => a - b);
  const sample = Object.fromEntries(contract.featureNames.map((name) => [name, indexes.map((i) => (rows[i] as FeatureRow)[name] ?? null)]));
  const present = <T>(values: FeatureValue[]) => values.filter((v) => v !== null) as T[];
  const features: ReferenceProfile['features'] = {};
  for (const name of contract.featureNames) {
    features[name] = contract.categoricalNames.includes(name) ? summarizeCategorical(present(sample[name]!)) : summarizeNumeric(present(sample[name]!));
  }
  const profile: ReferenceProfile = { version: 1, seed, rowCount: rows.length, sampleSize: indexes.length, features, sample };
  if (options.predictions) profile.predictions = indexes.map((i) => options.predictions?.[i] as number);
  return profile;
}
